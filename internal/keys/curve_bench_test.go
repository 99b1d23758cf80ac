package keys

import (
	"crypto/rand"
	"slices"
	"testing"
)

// BenchmarkPublic measures d·G on each curve: the cost of one EC proof and of
// one hunt try; secp256k1 without its comb, then with it (comb.go).
func BenchmarkPublic(b *testing.B) {
	defer k256Comb.ready.Store(k256Comb.ready.Load())
	k256Comb.ready.Store(false)
	for _, c := range slices.Concat(Curves, []Curve{Secp256k1}) {
		d := make([]byte, c.Size())
		rand.Read(d[1:])
		name := c.String()
		if c == Secp256k1 && k256Comb.ready.Load() {
			name += "-comb"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := c.Public(d); !ok {
					b.Fatal("Public failed")
				}
			}
		})
		if c == Secp256k1 {
			WarmSecp256k1()
		}
	}
}
