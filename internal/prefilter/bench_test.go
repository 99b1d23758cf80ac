package prefilter

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// todaysSearches are the needles of the bytes.Index and bytes.IndexByte loops
// that detectors.All and detectors.HarvestPublicKeys run over each window
// today: the markers, except that PEM and JWK search for the bytes '-' and
// 'k' and compare their literals at each stop, and that "-----BEGIN " and
// "\"kty\"" are searched for again by the harvest.
var todaysSearches = []string{
	"-", "LS0tLS1CRUdJTi",
	"\x02\x01", "\x2a\x86\x48\x86\xf7\x0d\x01",
	"\x02\x01\x03\x30",
	"k", `\"kty\"`,
	"RSA", "EC",
	"\x07\x02\x00\x00",
	"openssh-key-v1\x00", "\x07ssh-", "\x0bssh-ed25519", "\x13ecdsa-sha2-nistp",
	"PuTTY-User-Key-File-",
	"-----BEGIN PGP PRIVATE KEY BLOCK-----",
	"\x30\x82", "\x30\x81", "\x06\x07\x2a\x86\x48\xce\x3d\x02\x01",
	"\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00", "-----BEGIN ", `"kty"`,
	"\x07ssh-rsa", "\x0bssh-ed25519", "\x13ecdsa-sha2-nistp", "AAAA",
}

// indexLoops counts the offsets of each needle in buf with one bytes.Index
// loop per needle.
func indexLoops(buf []byte, needles [][]byte) int {
	n := 0
	for _, l := range needles {
		for at := 0; ; at++ {
			i := bytes.Index(buf[at:], l)
			if i < 0 {
				break
			}
			at += i
			n++
		}
	}
	return n
}

// BenchmarkFind scans 16 MiB of random bytes (no marker but by chance) for
// the detectors' marker set with each kernel this CPU has, and with two
// baselines: one bytes.Index loop per marker, and the loops the detectors
// run today.
func BenchmarkFind(b *testing.B) {
	lits := detectorLiterals()
	m := mustNew(b, lits)
	buf := randomBytes(16 << 20)
	for _, k := range impls() {
		mk := m.with(k)
		b.Run(k.String(), func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			dst := make([]Match, 0, 4096)
			for b.Loop() {
				dst = mk.Find(dst[:0], buf)
			}
		})
	}
	today := make([][]byte, len(todaysSearches))
	for i, s := range todaysSearches {
		today[i] = []byte(s)
	}
	for _, base := range []struct {
		name    string
		needles [][]byte
	}{{"index-loops", lits}, {"todays-loops", today}} {
		b.Run(base.name, func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				indexLoops(buf, base.needles)
			}
		})
	}
}

// BenchmarkNew builds a Matcher for a full set of random literals.
func BenchmarkNew(b *testing.B) {
	r := rand.New(rand.NewChaCha8([32]byte{3}))
	lits := make([][]byte, MaxLiterals)
	for i := range lits {
		lits[i] = make([]byte, 1+r.IntN(8))
		for j := range lits[i] {
			lits[i][j] = byte(r.Uint32())
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(lits); err != nil {
			b.Fatal(err)
		}
	}
}
