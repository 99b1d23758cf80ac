package keys

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// BenchmarkSlide measures a scan of every byte offset of random bytes (the
// usual case: no key) for 1 and 1000 targets: "slide" is [Slider.Scan],
// "direct" is [Curve.Public] per offset and a map lookup, the method it
// replaces. MB/s is bytes of buffer, every offset tried; P-384 and P-521
// scan less.
func BenchmarkSlide(b *testing.B) {
	for _, c := range slideCurves {
		// Targets are made inside b.Run, so -bench filters skip their cost.
		b.Run(c.String(), func(b *testing.B) {
			for _, nt := range []int{1, 1000} {
				b.Run("targets="+strconv.Itoa(nt), func(b *testing.B) { benchSlide(b, c, nt) })
			}
		})
	}
}

func benchSlide(b *testing.B, c Curve, nt int) {
	r := rand.NewChaCha8([32]byte{6})
	targets := make([][]byte, nt)
	set := make(map[string]struct{}, nt)
	for i := range targets {
		_, targets[i] = randScalar(b, c, r)
		set[string(targets[i])] = struct{}{}
	}
	s := mustSlider(b, c, targets)
	b.Run("slide", func(b *testing.B) {
		buf := randBytes(12, 64<<10)
		if slow(c) {
			buf = buf[:16<<10]
		}
		var hits []int
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		for b.Loop() {
			if hits = s.Scan(hits[:0], buf); len(hits) != 0 {
				b.Fatalf("Scan(random) = %v", hits)
			}
		}
	})
	if c == P521 {
		// Bytes of 0 and 1: every window may be a scalar, and Scan slides.
		b.Run("smallbytes", func(b *testing.B) {
			buf := randBytes(12, 16<<10)
			for i := range buf {
				buf[i] &= 1
			}
			var hits []int
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				if hits = s.Scan(hits[:0], buf); len(hits) != 0 {
					b.Fatalf("Scan(small bytes) = %v", hits)
				}
			}
		})
	}
	b.Run("direct", func(b *testing.B) {
		buf := randBytes(12, 4<<10)
		if slow(c) {
			buf = buf[:1<<10]
		}
		size := c.Size()
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		for b.Loop() {
			for i := 0; i+size <= len(buf); i++ {
				if pub, ok := c.Public(buf[i : i+size]); ok {
					if _, hit := set[string(pub)]; hit {
						b.Fatalf("direct hit at %d", i)
					}
				}
			}
		}
	})
}

// BenchmarkP256Field measures the Slider's P-256 field operations, with the
// generic Montgomery multiplication on the same p.
func BenchmarkP256Field(b *testing.B) {
	x := p256Elt{0x1234567890abcdef, 0xfedcba0987654321, 0x0f1e2d3c4b5a6978, 0x7fffffff00000000}
	y := x
	y[0] ^= 0xffff
	for _, op := range []struct {
		name string
		f    func(z, x, y *p256Elt)
	}{
		{"mul", feMul},
		{"mul/generic", func(z, x, y *p256Elt) { p256Mont.mul(z[:], x[:], y[:]) }},
		{"square", func(z, x, _ *p256Elt) { feSquare(z, x) }},
		{"add", feAdd}, {"sub", feSub},
	} {
		b.Run(op.name, func(b *testing.B) {
			z := x
			for b.Loop() {
				op.f(&z, &z, &y)
			}
		})
	}
}

// BenchmarkSlideTables measures building a curve's tables, what the first
// NewSlider of a curve pays.
func BenchmarkSlideTables(b *testing.B) {
	b.Run("P-256", func(b *testing.B) {
		for b.Loop() {
			if _, err := newP256Engine(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("secp256k1", func(b *testing.B) {
		for b.Loop() {
			if _, err := newGenericEngine(Secp256k1, k256Field); err != nil {
				b.Fatal(err)
			}
		}
	})
}
