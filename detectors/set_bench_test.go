package detectors

import "testing"

// BenchmarkSet compares one Set pass with the loop the scanner ran before it,
// every detector's Detect in turn, over 16 MiB of random bytes without keys
// and over the 64 MiB mixed data set.
func BenchmarkSet(b *testing.B) {
	s := NewSet(All())
	for _, data := range []struct {
		name string
		buf  []byte
	}{{"random", junk(16, 16<<20)}, {"mixed", benchMixed()}} {
		b.Run(data.name+"/set", func(b *testing.B) {
			b.SetBytes(int64(len(data.buf)))
			b.ReportAllocs()
			var hits []Hit
			for b.Loop() {
				hits = s.Detect(hits[:0], data.buf)
			}
			if len(hits) != 0 {
				b.Fatalf("%d hits in key-free data", len(hits))
			}
		})
		b.Run(data.name+"/each", func(b *testing.B) {
			b.SetBytes(int64(len(data.buf)))
			b.ReportAllocs()
			var hits []Hit
			for b.Loop() {
				hits = hits[:0]
				for _, d := range s.Detectors() {
					hits = d.Detect(hits, data.buf)
				}
			}
			if len(hits) != 0 {
				b.Fatalf("%d hits in key-free data", len(hits))
			}
		})
	}
}
