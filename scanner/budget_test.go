package scanner

import (
	"bytes"
	"context"
	"encoding/asn1"
	"encoding/binary"
	"math/big"
	"slices"
	"testing"

	"dumpguard/detectors"
)

// craftedHeap is 2 MiB of what costs the hunt most: 4096 fake RSA-2048
// public keys (PKCS#1 DER, harvested and hunted like any other) and glibc
// chunks of 0x91 holding odd 1024-bit numbers with no small factor, each a
// candidate factor of every one of those keys. Without a budget its hunt took
// half a minute; with one it stops early and says so.
func craftedHeap(t testing.TB) []byte {
	const size = 2 << 20
	b := noise(42, size)
	at := 0
	for i := range 4096 {
		nb := noise(uint64(1000+i), 256)
		nb[0] |= 0x80
		nb[255] |= 1
		der, err := asn1.Marshal(struct{ N, E *big.Int }{new(big.Int).SetBytes(nb), big.NewInt(65537)})
		if err != nil {
			t.Fatal(err)
		}
		at += copy(b[at:], der)
	}
	at = (at + 15) &^ 15
	for seed := uint64(0); at+0x90 <= size; at += 0x90 {
		binary.LittleEndian.PutUint64(b[at:], 0x91)
		p := b[at+8 : at+8+128]
		for {
			seed++
			copy(p, noise(seed, 128))
			p[0] |= 1
			p[127] |= 0x80
			if x := new(big.Int).SetBytes(reverse(p)); new(big.Int).GCD(nil, nil, x, big.NewInt(3*5*7*11*13*17*19*23*29*31*37*41*43*47)).Cmp(big.NewInt(1)) == 0 {
				break
			}
		}
	}
	return b
}

func reverse(b []byte) []byte {
	r := slices.Clone(b)
	slices.Reverse(r)
	return r
}

// TestHuntBudget: the crafted heap's hunt is cut short by its budget, and
// the report says the scan is incomplete, so its verdict is not clean.
func TestHuntBudget(t *testing.T) {
	b := craftedHeap(t)
	p := NewPool(0)
	defer p.Close()
	opt := &FileOptions{Options: Options{Detectors: detectors.All()}, Hunt: &HuntConfig{Harvest: true}}
	frs := p.ScanAt(context.Background(), "crafted", bytes.NewReader(b), int64(len(b)), opt)
	if len(frs) != 1 {
		t.Fatalf("%d reports", len(frs))
	}
	fr := frs[0]
	if !slices.Contains(fr.Warnings, cutWarning) || !slices.Contains(fr.Errors, errCut) {
		t.Errorf("warnings %q, errors %q: want the budget cut reported", fr.Warnings, fr.Errors)
	}
	if !fr.Failed(true) {
		t.Error("a scan cut short passes as complete")
	}
	if len(fr.Findings) != 0 {
		t.Errorf("%d findings in a heap with no key", len(fr.Findings))
	}
}
