package scanner

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"sync/atomic"
	"testing"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
	"dumpguard/internal/testpath"
)

// TestHarvestProvesScalars: a P-256 scalar as little-endian limbs after a
// glibc chunk header, twice, in memory that also holds the key's SPKI (or
// with the key named by --pubkeys). The harvest derives the scalar's public
// key; that it equals a public key the dump holds or the user named proves
// it, with no scalar multiplication in the hunt pass, and every copy is a
// finding (redaction overwrites each). With neither, nothing proves it.
func TestHarvestProvesScalars(t *testing.T) {
	d, spki, pub := p256TestKey(t)
	copies := []int64{0x10000, 0x30000}
	for _, tt := range []struct {
		name        string
		spki, named bool
		want        int
	}{{"spki in the dump", true, false, 2}, {"--pubkeys", false, true, 2}, {"neither", false, false, 0}} {
		t.Run(tt.name, func(t *testing.T) {
			buf := make([]byte, 256<<10)
			rand.NewChaCha8([32]byte{9}).Read(buf)
			for _, at := range copies {
				binary.LittleEndian.PutUint64(buf[at-8:], 0x31)
				copy(buf[at:], d)
				binary.LittleEndian.PutUint64(buf[at+32:], 0)
			}
			if tt.spki {
				copy(buf[0x20000:], spki)
			}
			hc := &HuntConfig{Harvest: true}
			if tt.named {
				hc.Protected = []detectors.PublicKey{pub}
			}
			p := NewPool(0)
			defer p.Close()
			opt := &FileOptions{Options: Options{Detectors: detectors.All()}, Hunt: hc}
			for _, fr := range []FileReport{
				p.ScanAt(context.Background(), "mem", bytes.NewReader(buf), int64(len(buf)), opt)[0],
				p.ScanReader(context.Background(), "-", bytes.NewReader(buf), opt)[0], // read once
			} {
				checkProved(t, fr, pub, tt.want, copies)
			}
		})
	}
}

// checkProved requires the scalar copies of pub's key to be the d
// components of its validated raw-hunt findings (one finding each, or one
// finding holding several), and want of them.
func checkProved(t *testing.T, fr FileReport, pub detectors.PublicKey, want int, copies []int64) {
	t.Helper()
	var at []int64
	for _, f := range fr.Findings {
		if f.Detector != "raw-hunt" || f.Fingerprint() != pub.SPKI.String() || f.Status != keys.Validated {
			continue
		}
		if f.Encoding != "raw-le" {
			t.Errorf("%s: finding at %#x: encoding %s", fr.Path, f.Offset, f.Encoding)
		}
		for _, c := range f.Components {
			if c.What != "d" || c.Length != 32 {
				t.Errorf("%s: finding at %#x: component %+v", fr.Path, f.Offset, c)
			}
			at = append(at, c.Offset)
		}
	}
	slices.Sort(at)
	if len(at) != want || want > 0 && !slices.Equal(at, copies) {
		t.Errorf("%s: scalars found at %#x, want %d of %#x; errors %v", fr.Path, at, want, copies, fr.Errors)
	}
}

// p256TestKey returns the P-256 test key's scalar as little-endian limbs (as
// a BIGNUM holds it), its DER SubjectPublicKeyInfo and its public key.
func p256TestKey(t *testing.T) (limbs, spki []byte, pub detectors.PublicKey) {
	t.Helper()
	b, err := os.ReadFile(testpath.Join(t, "..", "detectors", "testdata", "keys", "p256.sec1.pem"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	priv, err := x509.ParseECPrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if spki, err = x509.MarshalPKIXPublicKey(&priv.PublicKey); err != nil {
		t.Fatal(err)
	}
	pk, err := priv.PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := detectors.ECPublicKey(keys.P256, pk.Bytes())
	if !ok {
		t.Fatal("ECPublicKey")
	}
	limbs = priv.D.FillBytes(make([]byte, 32))
	slices.Reverse(limbs)
	return limbs, spki, pub
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// TestHuntSkipsDataWindows: the hunt pass does not read again the windows
// whose memory the first pass found to be all data (random bytes with no
// structured word), and still finds a key in the window that is not: 8 MiB,
// the first 2 MiB a heap with a P-256 key's SPKI and its scalar after a
// chunk header, the rest random. Nor a window that is all data before one
// that is not, when the bytes the hunt would read of that one hold no
// structured word.
func TestHuntSkipsDataWindows(t *testing.T) {
	d, spki, pub := p256TestKey(t)
	const size = 8 << 20
	buf := make([]byte, size)
	rand.NewChaCha8([32]byte{5}).Read(buf)
	for i := 0; i+8 <= size; i += 8 { // no structured word anywhere...
		if w := binary.LittleEndian.Uint64(buf[i:]); uint32(w>>40+1)&0xffffff <= 1 {
			buf[i+7] ^= 0x5a
		}
	}
	for i := 0; i < 2<<20; i += 4096 { // ...but in the first window, a heap's
		binary.LittleEndian.PutUint64(buf[i:], 0)
	}
	binary.LittleEndian.PutUint64(buf[0x10000-8:], 0x31)
	copy(buf[0x10000:], d)
	copy(buf[0x20008:], spki)
	p := NewPool(0)
	defer p.Close()
	r := &countingReader{r: bytes.NewReader(buf)}
	fr := p.ScanAt(context.Background(), "mem", r, size, &FileOptions{Options: Options{Detectors: detectors.All()}, Hunt: &HuntConfig{Harvest: true}})[0]
	checkProved(t, fr, pub, 1, []int64{0x10000})
	if got := r.n.Load(); got > size*3/2 {
		t.Errorf("read %d bytes of %d: the hunt pass read the data windows again", got, size)
	}
	t.Logf("read %.2f times the file", float64(r.n.Load())/size)

	// A structured word 1 MiB into the third window: the hunt pass reads it,
	// and the first, but not the second, which is data and reads only the
	// third's first bytes, data too.
	binary.LittleEndian.PutUint64(buf[5<<20:], 0x40)
	r = &countingReader{r: bytes.NewReader(buf)}
	fr = p.ScanAt(context.Background(), "mem", r, size, &FileOptions{Options: Options{Detectors: detectors.All()}, Hunt: &HuntConfig{Harvest: true}})[0]
	checkProved(t, fr, pub, 1, []int64{0x10000})
	if got, most := r.n.Load(), int64(size+5<<20); got > most {
		t.Errorf("read %d bytes of %d, more than %d: the hunt pass read the second window", got, size, most)
	}
}
