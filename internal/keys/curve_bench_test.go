package keys

import (
	"crypto/rand"
	"slices"
	"testing"
)

// BenchmarkPublic measures d·G on each curve: the cost of one EC proof and of
// one hunt try (secp256k1 by its comb, comb.go).
func BenchmarkPublic(b *testing.B) {
	for _, c := range slices.Concat(Curves, []Curve{Secp256k1}) {
		d := make([]byte, c.Size())
		rand.Read(d[1:])
		b.Run(c.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := c.Public(d); !ok {
					b.Fatal("Public failed")
				}
			}
		})
	}
}
