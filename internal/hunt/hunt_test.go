package hunt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
	"dumpguard/internal/testpath"
)

// A testSecret is a checked-in test key split into what the hunt looks for.
type testSecret struct {
	file       string
	pub        detectors.PublicKey
	p, q, d    *big.Int // RSA
	size       int      // bytes of p, or of the scalar or seed
	scalar     []byte   // EC scalar (big-endian) or Ed25519 seed
	spki, what string
}

// testSecrets loads the RSA, EC and Ed25519 test keys.
func testSecrets(t testing.TB) []testSecret {
	t.Helper()
	tks := loadKeys(t)
	var out []testSecret
	for _, name := range []string{"rsa2048.pkcs8.pem", "p256.sec1.pem", "p384.sec1.pem", "p521.sec1.pem", "k256.sec1.pem", "ed25519.pkcs8.pem"} {
		b, err := os.ReadFile(keyFile(t, name))
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		s := testSecret{file: name, spki: tks[name].spki}
		var ok bool
		switch blk.Type {
		case "EC PRIVATE KEY":
			var k sec1
			if _, err := asn1.Unmarshal(blk.Bytes, &k); err != nil {
				t.Fatal(err)
			}
			s.pub, ok = detectors.ECPublicKey(keys.CurveByOID(k.Curve), k.Pub.RightAlign())
			s.scalar, s.size, s.what = k.Key, len(k.Key), "d"
		default:
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			switch k := k.(type) {
			case *rsa.PrivateKey:
				s.pub, ok = detectors.RSAPublicKey(k.N, big.NewInt(int64(k.E)))
				s.p, s.q, s.d, s.size, s.what = k.Primes[0], k.Primes[1], k.D, 128, "p"
			case ed25519.PrivateKey:
				s.pub, ok = detectors.Ed25519PublicKey(k.Public().(ed25519.PublicKey))
				s.scalar, s.size, s.what = k.Seed(), 32, "seed"
			}
		}
		if !ok || s.pub.SPKI.String() != s.spki {
			t.Fatalf("%s: public key %v, SPKI %s, want %s", name, ok, s.pub.SPKI, s.spki)
		}
		out = append(out, s)
	}
	return out
}

func pubkeyFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testpath.Root(t), "detectors", "testdata", "pubkeys", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pemDER returns the DER of the first PEM block of a fixture.
func pemDER(t *testing.T, name string) []byte {
	blk, _ := pem.Decode(pubkeyFile(t, name))
	if blk == nil {
		t.Fatalf("%s: no PEM", name)
	}
	return blk.Bytes
}

func TestHarvest(t *testing.T) {
	keys := loadKeys(t)
	secrets := map[string]detectors.PublicKey{}
	for _, s := range testSecrets(t) {
		secrets[s.file] = s.pub
	}
	sshBlob := func(name string) []byte {
		b, _ := os.ReadFile(keyFile(t, name))
		f := bytes.Fields(b)
		blob, _ := base64.StdEncoding.DecodeString(string(f[1]))
		return blob
	}
	sshPub, _ := os.ReadFile(keyFile(t, "ssh-ed25519.pub"))
	p256 := secrets["p256.sec1.pem"]
	jwkText := fmt.Sprintf(`{"keys":[{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}]}`,
		base64.RawURLEncoding.EncodeToString(p256.Point[1:33]), base64.RawURLEncoding.EncodeToString(p256.Point[33:]))
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"cert-der", pubkeyFile(t, "cert.der"), "p256.sec1.pem"},
		{"cert-pem", pubkeyFile(t, "cert.pem"), "rsa2048.pkcs8.pem"},
		{"cert-der-rsa", pemDER(t, "cert.pem"), "rsa2048.pkcs8.pem"},
		{"spki-pem", pubkeyFile(t, "pub.pem"), "p384.sec1.pem"},
		{"spki-der-p384", pemDER(t, "pub.pem"), "p384.sec1.pem"},
		{"spki-der-p521", pubkeyFile(t, "p521-pub.der"), "p521.sec1.pem"},
		{"spki-der-k256", pemDER(t, "k256-pub.pem"), "k256.sec1.pem"},
		{"spki-der-ed25519", pemDER(t, "ed25519-pub.pem"), "ed25519.pkcs8.pem"},
		{"pkcs1-der", pemDER(t, "rsa-pub.pem"), "rsa2048.pkcs8.pem"},
		{"pkcs1-pem", pubkeyFile(t, "rsa-pub.pem"), "rsa2048.pkcs8.pem"},
		{"jwk", []byte(jwkText), "p256.sec1.pem"},
		{"ssh-text", sshPub, "ssh-ed25519.pem"},
		{"ssh-wire-rsa", sshBlob("ssh-rsa.pub"), "ssh-rsa.pem"},
		{"ssh-wire-ecdsa", sshBlob("ssh-ecdsa.pub"), "ssh-ecdsa.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, off := range []int{0, 1001} {
				buf := plant(tt.data, off, off+len(tt.data)+300)
				got := Harvest(nil, buf)
				var fps []string
				for _, k := range got {
					fps = append(fps, k.SPKI.String())
					if k.Protected || k.Source != "" {
						t.Errorf("harvested key marked Protected %v Source %q", k.Protected, k.Source)
					}
				}
				if !slices.Contains(fps, keys[tt.want].spki) {
					t.Errorf("Harvest at %d = %v, want %s", off, fps, keys[tt.want].spki)
				}
				// Cut short, it must not panic nor invent a key.
				for _, k := range Harvest(nil, buf[:off+len(tt.data)/2]) {
					if k.SPKI.String() != keys[tt.want].spki {
						t.Errorf("cut short: harvested %s", k.SPKI)
					}
				}
			}
		})
	}
}

// cngRSABlob, cngECBlob and capiRSABlob build Windows public key blobs.
func cngRSABlob(k detectors.PublicKey) []byte {
	n := k.N.Bytes()
	b := []byte("RSA1")
	b = binary.LittleEndian.AppendUint32(b, uint32(k.N.BitLen()))
	b = binary.LittleEndian.AppendUint32(b, 3)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(n)))
	b = binary.LittleEndian.AppendUint64(b, 0)
	return append(append(b, 1, 0, 1), n...)
}

func cngECBlob(k detectors.PublicKey, magic string) []byte {
	b := binary.LittleEndian.AppendUint32([]byte(magic), uint32((len(k.Point)-1)/2))
	return append(b, k.Point[1:]...)
}

func capiRSABlob(k detectors.PublicKey) []byte {
	b := []byte{0x06, 2, 0, 0, 0, 0xa4, 0, 0, 'R', 'S', 'A', '1'}
	b = binary.LittleEndian.AppendUint32(b, uint32(k.N.BitLen()))
	b = binary.LittleEndian.AppendUint32(b, uint32(k.E))
	return append(b, reversed(k.N.Bytes())...)
}

func TestHarvestMissAllocs(t *testing.T) {
	buf := coreLike(1 << 20)
	var dst []detectors.PublicKey
	if n := testing.AllocsPerRun(5, func() { dst = Harvest(dst[:0], buf) }); n != 0 || len(dst) != 0 {
		t.Errorf("Harvest on keyless data: %v allocs, %d keys; want 0, 0", n, len(dst))
	}
}

// secretBytes is the planted form of a test key's first component.
func (s testSecret) secretBytes(le bool) []byte {
	var b []byte
	if s.p != nil {
		b = s.p.FillBytes(make([]byte, s.size))
	} else {
		b = bytes.Clone(s.scalar)
	}
	if le {
		slices.Reverse(b)
	}
	return b
}

// publicBytes is public material of the key as a process keeps it: the
// modulus and the X coordinate as little-endian limbs (BIGNUM, big.Int), the
// Ed25519 key as bytes.
func (s testSecret) publicBytes() []byte {
	switch {
	case s.pub.N != nil:
		return reversed(s.pub.N.Bytes())
	case s.pub.Type == "ec":
		return reversed(s.pub.Point[1 : 1+s.size])
	}
	return s.pub.Point
}

func allPublic(secrets []testSecret) []detectors.PublicKey {
	var tks []detectors.PublicKey
	for _, s := range secrets {
		tks = append(tks, s.pub)
	}
	return tks
}

// TestHuntPlanted plants each key's factor, scalar or seed in random bytes and
// checks which placements each mode finds. Near its public half an EC scalar
// or seed is found by default where its run of random bytes ends (a zero
// word after it: its allocation ends), not inside a run longer than maxRun
// (inLongRun); an RSA factor in either.
func TestHuntPlanted(t *testing.T) {
	secrets := testSecrets(t)
	keys := allPublic(secrets)
	def := New(keys, Options{})
	type placement struct {
		name            string
		off             int  // of the secret
		header, anchor  bool // glibc chunk header before it; public material 1 KiB before it
		end             bool // a zero word after it
		defWant, deepOK bool
	}
	placements := []placement{
		{"chunk-header", 8 * 100, true, false, false, true, true},
		{"near-public", 8 * 300, false, true, true, true, true},
		{"near-public-mid-run", 8 * 300, false, true, false, true, true},
		{"bare-aligned", 8 * 700, false, false, false, false, true},
		{"unaligned-near-public", 8*300 + 3, false, true, false, false, true},
		{"bare-unaligned", 8*700 + 5, false, false, false, false, true},
	}
	for _, s := range secrets {
		// Deep mode is slow on random bytes: hunt only this key.
		deep := New([]detectors.PublicKey{s.pub}, Options{Deep: true})
		orders := []bool{false, true}
		if s.what == "seed" {
			orders = []bool{false}
		}
		for _, le := range orders {
			for _, pl := range placements {
				name := fmt.Sprintf("%s/le=%v/%s", s.file, le, pl.name)
				t.Run(name, func(t *testing.T) {
					buf := junk(uint64(pl.off), 8<<10)
					if pl.header {
						binary.LittleEndian.PutUint64(buf[pl.off-8:], uint64(chunkSize(s.size)|1))
					}
					if pl.anchor {
						copy(buf[pl.off-1024:], s.publicBytes())
					}
					copy(buf[pl.off:], s.secretBytes(le))
					if pl.end {
						clear(buf[pl.off+s.size : pl.off+s.size+8])
					}
					// Deep tries RSA factors and EC scalars (sliding) at every byte,
					// Ed25519 seeds at 8-aligned offsets.
					deepWant := pl.deepOK && (s.pub.N != nil || s.pub.Type == "ec" || pl.off%8 == 0)
					// After a malloc header EC scalars are tried as limbs only.
					defWant := pl.defWant && !(pl.header && s.pub.Type == "ec" && !le) &&
						(pl.name != "near-public-mid-run" || s.pub.N != nil)
					for _, m := range []struct {
						name string
						d    *Hunter
						want bool
					}{{"default", def, defWant}, {"deep", deep, deepWant}} {
						hits := m.d.Hunt(nil, buf)
						if !m.want {
							if len(hits) != 0 {
								t.Errorf("%s: Detect = %+v, want no hit", m.name, hits)
							}
							continue
						}
						if len(hits) != 1 {
							t.Fatalf("%s: Detect = %d hits %+v, want 1", m.name, len(hits), hits)
						}
						h := hits[0]
						enc := "raw-be"
						if le {
							enc = "raw-le"
						}
						if h.Key.Proof == "" || h.Key.SPKI.String() != s.spki || h.Encoding != enc || h.Key.Type != s.pub.Type {
							t.Errorf("%s: Hunt = %q %s %s %s, want a proof, %s %s %s", m.name, h.Key.Proof, h.Key.SPKI, h.Encoding, h.Key.Type, s.spki, enc, s.pub.Type)
						}
						if !slices.Contains(h.Parts, Part{pl.off, s.size, s.what}) {
							t.Errorf("%s: Parts = %v, want %v", m.name, h.Parts, Part{pl.off, s.size, s.what})
						}
						if !slices.IsSortedFunc(h.Parts, func(a, b Part) int { return a.Off - b.Off }) {
							t.Errorf("%s: parts %v not sorted by offset", m.name, h.Parts)
						}
					}
				})
			}
		}
	}
}

// TestHuntRSAComponents plants p, with q, d and the CRT values beside it, in
// both byte orders: one hit that lists them all.
func TestHuntRSAComponents(t *testing.T) {
	s := testSecrets(t)[0]
	k, err := x509.ParsePKCS8PrivateKey(mustPEM(t, keyFile(t, "rsa2048.pkcs8.pem")))
	if err != nil {
		t.Fatal(err)
	}
	rk := k.(*rsa.PrivateKey)
	d := New([]detectors.PublicKey{s.pub}, Options{})
	for _, le := range []bool{false, true} {
		enc := func(v *big.Int) []byte {
			b := v.Bytes()
			if le {
				slices.Reverse(b)
			}
			return b
		}
		buf := junk(9, 32<<10)
		binary.LittleEndian.PutUint64(buf[4096-8:], 0x91)
		copy(buf[4096:], enc(rk.Primes[0]))
		copy(buf[4096+256:], enc(rk.D))
		copy(buf[4096+600:], enc(rk.Primes[1]))
		copy(buf[4096+800:], enc(rk.Precomputed.Dp))
		copy(buf[4096+1000:], enc(rk.Precomputed.Dq))
		copy(buf[4096+1200:], enc(rk.Precomputed.Qinv))
		hits := d.Hunt(nil, buf)
		if len(hits) != 1 {
			t.Fatalf("le=%v: Detect = %d hits, want 1", le, len(hits))
		}
		var got []string
		for _, p := range hits[0].Parts {
			got = append(got, fmt.Sprintf("%s@%d", p.What, p.Off))
		}
		want := []string{"p@4096", "d@4352", "q@4696", "dp@4896", "dq@5096", "qinv@5296"}
		if !slices.Equal(got, want) {
			t.Errorf("le=%v: Parts = %v, want %v", le, got, want)
		}
		if !strings.Contains(hits[0].Key.Proof, "d = e⁻¹") {
			t.Errorf("le=%v: Proof = %q, want the d check", le, hits[0].Key.Proof)
		}
	}
}

func mustPEM(t *testing.T, name string) []byte {
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	return blk.Bytes
}

// TestHuntFlippedBit: a factor or scalar with one bit flipped is not a key.
func TestHuntFlippedBit(t *testing.T) {
	secrets := testSecrets(t)
	d := New(allPublic(secrets), Options{})
	for _, s := range secrets {
		for _, bit := range []int{0, 9, 8*s.size - 9} {
			buf := junk(3, 16<<10)
			binary.LittleEndian.PutUint64(buf[4096-8:], uint64(chunkSize(s.size)|1))
			sec := s.secretBytes(s.what != "seed")
			copy(buf[4096:], sec)
			if hits := d.Hunt(nil, buf); len(hits) != 1 {
				t.Fatalf("%s: Detect = %d hits, want 1 before the flip", s.file, len(hits))
			}
			sec[bit/8] ^= 1 << (bit % 8)
			copy(buf[4096:], sec)
			if hits := d.Hunt(nil, buf); len(hits) != 0 {
				t.Errorf("%s with bit %d flipped: Detect = %+v, want none", s.file, bit, hits)
			}
		}
	}
}

// TestHuntRandom: random bytes never yield a hit, with public material planted
// so that the default mode hunts around it, and chunk headers everywhere.
func TestHuntRandom(t *testing.T) {
	secrets := testSecrets(t)
	keys := allPublic(secrets)
	def, all8 := New(keys, Options{}), New(keys, Options{all8: true})
	deep := New(keys, Options{Deep: true})
	for seed := range uint64(30) {
		buf := junk(1000+seed, 32<<10)
		for i, s := range secrets {
			if seed < 3 || s.pub.N != nil {
				copy(buf[2048+4096*i:], s.publicBytes())
			}
		}
		for i := 0; i < len(buf); i += 512 {
			binary.LittleEndian.PutUint64(buf[i:], 0x31+uint64(i/512%7)*0x10)
		}
		for _, d := range []*Hunter{def, all8} {
			if hits := d.Hunt(nil, buf); len(hits) != 0 {
				t.Fatalf("seed %d: Detect = %+v, want none", seed, hits)
			}
		}
		if seed < 2 {
			if hits := deep.Hunt(nil, buf[:8<<10]); len(hits) != 0 {
				t.Fatalf("seed %d deep: Detect = %+v, want none", seed, hits)
			}
		}
	}
}

// TestHuntAcrossWindows: a key found by two windows is reported by the one it
// starts in, once.
func TestHuntAcrossWindows(t *testing.T) {
	secrets := testSecrets(t)
	d := New(allPublic(secrets), Options{})
	for _, s := range secrets {
		buf := junk(5, 9<<20)
		off := 4<<20 - 64 // the secret straddles the first window's edge
		binary.LittleEndian.PutUint64(buf[off-8:], uint64(chunkSize(s.size)|1))
		copy(buf[off:], s.secretBytes(s.what != "seed"))
		hits := scanWindows(d, buf)
		if len(hits) != 1 || hits[0].Parts[0].Off != off || hits[0].Key.SPKI.String() != s.spki {
			t.Errorf("%s: hits %+v, want one at %#x", s.file, hits, off)
		}
	}
}

func TestHuntMissAllocs(t *testing.T) {
	secrets := testSecrets(t)
	d := New(allPublic(secrets), Options{})
	buf := coreLike(1 << 20)
	var hits []Find
	d.Hunt(hits, buf)
	if n := testing.AllocsPerRun(5, func() { hits = d.Hunt(hits[:0], buf) }); n != 0 || len(hits) != 0 {
		t.Errorf("Detect on keyless data: %v allocs, %d hits; want 0, 0", n, len(hits))
	}
}

// TestScalarLooksRandom measures the entropy filter on random scalars: it may drop
// almost none of them.
func TestScalarLooksRandom(t *testing.T) {
	for _, n := range []int{32, 48, 66} {
		miss := 0
		const tries = 20000
		for i := range tries {
			if !scalarLooksRandom(junk(uint64(i), n)) {
				miss++
			}
		}
		if miss > tries/1000 {
			t.Errorf("scalarLooksRandom drops %d of %d random %d-byte strings, want under 0.1%%", miss, tries, n)
		}
	}
	for _, w := range [][]byte{make([]byte, 32), bytes.Repeat([]byte("abcdefgh"), 4), []byte("0123456789abcdef0123456789abcdef")} {
		if scalarLooksRandom(w) {
			t.Errorf("scalarLooksRandom(%q) = true", w)
		}
	}
}

// TestSieve checks the residue sieve against math/big on random numbers of
// every limb count up to the largest factor.
func TestSieve(t *testing.T) {
	var small []int64
	for p := int64(3); p < 100; p += 2 {
		if big.NewInt(p).ProbablyPrime(0) {
			small = append(small, p)
		}
	}
	for i := range 2000 {
		n := 1 + i%maxSieveLimbs
		b := junk(uint64(i), 8*n)
		b[0] |= 1 // odd, as the hunt only sieves odd numbers
		limbs := loadLimbs(nil, b, true)
		want := true
		x := new(big.Int).SetBytes(reversed(b))
		for _, p := range small {
			if new(big.Int).Mod(x, big.NewInt(p)).Sign() == 0 {
				want = false
			}
		}
		if got := sieve(limbs); got != want {
			t.Fatalf("sieve(%d limbs, seed %d) = %v, want %v", n, i, got, want)
		}
	}
}

// TestHuntSerializedAnchor: public material inside a certificate or SPKI is no
// anchor (a CA bundle holds hundreds), the same bytes as live limbs are.
func TestHuntSerializedAnchor(t *testing.T) {
	var p256 testSecret
	for _, s := range testSecrets(t) {
		if s.file == "p256.sec1.pem" {
			p256 = s
		}
	}
	d := New([]detectors.PublicKey{p256.pub}, Options{})
	cert := pubkeyFile(t, "cert.der") // holds 03 42 00 04 X Y
	for _, tt := range []struct {
		name   string
		public []byte
		want   int
	}{
		{"certificate", cert, 0},
		{"x-limbs", reversed(p256.pub.Point[1:33]), 1},
		{"bare-point", append([]byte{0xaa, 0xbb}, p256.pub.Point...), 1},
	} {
		buf := junk(11, 8<<10)
		copy(buf[1024:], tt.public)
		copy(buf[2048:], p256.secretBytes(false))
		clear(buf[2048+32 : 2048+40]) // where its allocation ends
		if got := len(d.Hunt(nil, buf)); got != tt.want {
			t.Errorf("%s: Detect = %d hits, want %d", tt.name, got, tt.want)
		}
	}
}

// TestUnstructuredData: a buffer of minData bytes or more with no word
// whose top 24 bits are all zero or all one is data (random, compressed,
// encrypted), which the default hunt leaves to Deep: a P-256 scalar planted
// near its public point there is found only once the buffer holds one such
// word, anywhere, or in deep mode, or in a smaller buffer. So is each
// minData-aligned quarter MiB of a larger buffer (adjacent regions form one
// span): one structured word in the next quarter does not make the first one
// hunted.
func TestUnstructuredData(t *testing.T) {
	s := secret(t, "p256.sec1.pem")
	def := New([]detectors.PublicKey{s.pub}, Options{})
	deep := New([]detectors.PublicKey{s.pub}, Options{Deep: true})
	plant := func(n int) []byte {
		buf := junk(77, n)
		for i := 0; i+8 <= len(buf); i += 8 { // no structured word at all
			if smallWord(binary.LittleEndian.Uint64(buf[i:])) {
				buf[i+7] ^= 0x55
			}
		}
		copy(buf[4096-1024:], s.publicBytes())
		copy(buf[4096:], s.secretBytes(true))
		// Text where its allocation ends: no random word, nor a structured
		// one (inLongRun).
		copy(buf[4096+32:], "-- end.\n")
		return buf
	}
	for _, tt := range []struct {
		name  string
		size  int
		small int // offset of a structured word, or -1
		h     *Hunter
		want  bool
	}{
		{"data", minData, -1, def, false},
		{"data, deep", minData, -1, deep, true},
		{"a NULL at the end", minData, minData - 8, def, true},
		{"a length far away", minData, minData / 2, def, true},
		{"small buffer", minData - 64, -1, def, true},
		{"a NULL in the next quarter MiB only", 2 * minData, minData + 8, def, false},
		{"a NULL in the next quarter MiB only, deep", 2 * minData, minData + 8, deep, true},
		{"a NULL in the same quarter MiB of a larger buffer", 2 * minData, minData - 8, def, true},
	} {
		buf := plant(tt.size)
		if structured(buf) {
			t.Fatalf("%s: the planted buffer is structured", tt.name)
		}
		if tt.small >= 0 {
			binary.LittleEndian.PutUint64(buf[tt.small:], 0x40)
		}
		if got := len(tt.h.Hunt(nil, buf)) == 1; got != tt.want {
			t.Errorf("%s: found %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestLengthWordFactors: an RSA factor of a known key right after a length
// word of its size, as .NET (a 64-bit length), Java (a byte[]'s 32-bit
// length in the high half of its word) and Python (ob_size, then the hash)
// keep a byte array, is tried by default with no header and no public half
// near it; a length of another size is no candidate.
func TestLengthWordFactors(t *testing.T) {
	s := secret(t, "rsa2048.pkcs8.pem")
	h := New([]detectors.PublicKey{s.pub}, Options{})
	const at = 4096
	for _, tt := range []struct {
		name string
		put  func(b []byte)
		want bool
	}{
		{".NET byte[]", func(b []byte) { binary.LittleEndian.PutUint64(b[at-8:], uint64(s.size)) }, true},
		{"Java byte[]", func(b []byte) { binary.LittleEndian.PutUint64(b[at-8:], uint64(s.size)<<32|0x2000_0abc) }, true},
		{"Python bytes", func(b []byte) {
			binary.LittleEndian.PutUint64(b[at-16:], uint64(s.size))
			binary.LittleEndian.PutUint64(b[at-8:], ^uint64(0))
		}, true},
		{"another length", func(b []byte) { binary.LittleEndian.PutUint64(b[at-8:], uint64(s.size)+8) }, false},
		{"no length", func(b []byte) {}, false},
	} {
		buf := junk(31, 64<<10)
		tt.put(buf)
		copy(buf[at:], s.secretBytes(false)) // big-endian bytes
		finds := h.Hunt(nil, buf)
		if got := len(finds) == 1 && finds[0].Parts[0].Off == at; got != tt.want {
			t.Errorf("%s: finds %+v, want found %v", tt.name, finds, tt.want)
		}
	}
}

// TestDERValues: GnuTLS's libtasn1 tree keeps each number of a key in its
// own chunk after its DER length; the hunt tries an RSA factor there, the
// harvest an EC scalar.
func TestDERValues(t *testing.T) {
	for _, tt := range []struct {
		b    []byte
		want int // offset of the value, 0 for none
	}{
		{[]byte{0x81, 0x81, 0x00, 0xc3, 1, 2, 3}, 3},
		{[]byte{0x82, 0x01, 0x00, 0x7f, 1, 2, 3}, 3},
		{[]byte{0x20, 0x99, 1, 2, 3}, 1},
		{[]byte{0x20, 0x00, 0x99, 1, 2}, 2},
		{[]byte{0x1f, 0x99, 1, 2, 3}, 0}, // under 32 bytes
		{[]byte{0x83, 0x01, 0x00, 0x00, 1}, 0},
		{[]byte{0x82, 0xff, 0xff, 0x01, 1}, 0}, // beyond the buffer
	} {
		buf := make([]byte, 300)
		copy(buf, tt.b)
		if got := derValue(buf, 0); got != tt.want {
			t.Errorf("% x: derValue = %d, want %d", tt.b, got, tt.want)
		}
	}
	s := secret(t, "rsa2048.pkcs8.pem")
	h := newHeap(8, 64<<10)
	h.gap(3000)
	at := h.put(append([]byte{0x81, 0x81, 0x00}, s.p.FillBytes(make([]byte, 128))...))
	finds := New([]detectors.PublicKey{s.pub}, Options{}).Hunt(nil, h.b)
	if len(finds) != 1 || !hasPart(finds[0].Parts, at+3) {
		t.Errorf("RSA p after 81 81 00 at %#x: finds %+v", at+3, finds)
	}
	e := secret(t, "p256.sec1.pem")
	h = newHeap(9, 64<<10)
	h.gap(3000)
	at = h.put(append([]byte{0x20}, e.scalar...))
	var derived bool
	for _, k := range HarvestNumbers(nil, h.b, nil) {
		derived = derived || k.Derived && k.SPKI == e.pub.SPKI && k.SeedAt == int64(at+1)
	}
	if !derived {
		t.Errorf("P-256 d after 20 at %#x: not derived", at+1)
	}
}

// TestZeroRuns: pages of zeros hold no object: they are data (IsData) with
// random pages, and both word scans step over them; a number that starts
// right after a run of zeros is still a candidate.
func TestZeroRuns(t *testing.T) {
	if !IsData(make([]byte, minData)) {
		t.Error("IsData(zeros) = false")
	}
	for n := 0; n <= 80; n += 8 {
		for at := 0; at <= n; at += 8 {
			buf := make([]byte, n)
			if at < n {
				buf[at+3] = 1
			}
			if got := skipZeros(buf, 0); got != at {
				t.Fatalf("len %d, a word at %d: skipZeros = %d", n, at, got)
			}
		}
	}
	s := secret(t, "p256.sec1.pem")
	buf := make([]byte, 64<<10)
	copy(buf[40000:], s.scalar) // big-endian, after 40000 zero bytes
	copy(buf[50001:], s.pub.Point[1:33])
	var derived []detectors.PublicKey
	for _, k := range HarvestNumbers(nil, buf, nil) {
		if k.Derived && k.SPKI == s.pub.SPKI && k.SeedAt == 40000 {
			derived = append(derived, k)
		}
	}
	if len(derived) != 1 {
		t.Fatalf("the scalar after a zero page: derived %d keys", len(derived))
	}
	if finds := New(derived, Options{}).Hunt(nil, buf); len(finds) != 1 || finds[0].Parts[0].Off != 50001 {
		t.Errorf("its X after zeros: finds %+v", finds)
	}
}
