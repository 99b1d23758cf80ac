package scanner

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"testing"

	"dumpguard/detectors"
	"dumpguard/internal/dumpio"
	"dumpguard/internal/hunt"
)

// TestHuntAlignsToAddresses plants a P-256 scalar the way glibc malloc holds
// it (16-aligned in the process, behind a chunk header) in a region whose
// file offset is aligned differently from its address. The hunt tries such
// places by their alignment in its buffer, so the scanner must hand it memory
// that starts at an aligned address, not at an aligned file offset.
func TestHuntAlignsToAddresses(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), fixedRand{})
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	pub, err := detectors.LoadPublicKeys("k.pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := k.Bytes()
	le := make([]byte, len(d))
	for i, c := range d {
		le[len(d)-1-i] = c
	}
	p := NewPool(2)
	defer p.Close()
	for _, fileOff := range []int64{100, 4096 + 36, 3*DefaultWindow - 200} {
		const addr = 0x7f0000001000
		const regionSize = 3 * DefaultWindow
		size := fileOff + regionSize
		b := noise(uint64(fileOff), int(size))
		for i := range b[fileOff:] { // an otherwise empty heap
			b[fileOff+int64(i)] = 0
		}
		// Two windows into the region, where a window starts in its middle.
		at := fileOff + 2*DefaultWindow + 0x4000 // address addr+2*DefaultWindow+0x4000: 16-aligned
		binary.LittleEndian.PutUint64(b[at-8:], 0x31)
		copy(b[at:], le)
		l := &Layout{Format: "test", Regions: []Region{{Off: fileOff, Size: regionSize, Addr: addr, HasAddr: true, Kind: KindHeap, Protect: dumpio.ParseProt("rw-")}}}
		opt := &Options{Hunt: hunt.New(pub, hunt.Options{})}
		fs, err := p.Scan(context.Background(), bytes.NewReader(b), size, l, opt)
		if err != nil {
			t.Fatal(err)
		}
		wantVA := Address{Addr: addr + uint64(at-fileOff), Known: true}
		if len(fs) != 1 || fs[0].Offset != at || fs[0].VA != wantVA {
			t.Errorf("region at file offset %d: findings %+v, want one at %#x (va %#x)", fileOff, fs, at, wantVA.Addr)
		}
	}
}

// fixedRand is a deterministic entropy source for key generation in tests.
type fixedRand struct{}

func (fixedRand) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(i*7 + 3)
	}
	return len(b), nil
}
