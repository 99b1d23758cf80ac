package keys

import (
	"bytes"
	"errors"
	"math/big"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

var slideCurves = []Curve{P256, Secp256k1, P224, P384, P521}

// slow reports whether c's Slider and Public are slow enough (P-224, P-384
// and P-521, on the generic Montgomery field) that tests use smaller inputs.
func slow(c Curve) bool { return c == P224 || c == P384 || c == P521 }

// randScalar returns a valid big-endian scalar for c from r.
func randScalar(t testing.TB, c Curve, r *rand.ChaCha8) ([]byte, []byte) {
	t.Helper()
	for {
		d := make([]byte, c.Size())
		r.Read(d)
		if c == P521 {
			d[0] &= 1 // n is a 521-bit number
		}
		if pub, ok := c.Public(d); ok {
			return d, pub
		}
	}
}

func randBytes(seed byte, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	return b
}

// mustPublic is [Curve.Public] for a valid scalar.
func mustPublic(c Curve, d []byte) []byte {
	p, ok := c.Public(d)
	if !ok {
		panic("mustPublic: invalid scalar")
	}
	return p
}

func mustSlider(t testing.TB, c Curve, targets [][]byte) *Slider {
	t.Helper()
	s, err := NewSlider(c, targets)
	if err != nil {
		t.Fatalf("NewSlider(%v, %d targets): %v", c, len(targets), err)
	}
	return s
}

// scan is s.Scan, checked against both of its ways: sliding, and on P-521
// Public on each window that starts with 0 or 1.
func scan(t testing.TB, s *Slider, dst []int, buf []byte) []int {
	t.Helper()
	got := s.Scan(slices.Clone(dst), buf)
	if len(buf) < s.c.Size() || len(s.filter) == 0 {
		return got
	}
	if slid := s.scanSlide(slices.Clone(dst), buf); !slices.Equal(slid, got) {
		t.Errorf("%v: sliding over %d bytes = %v, Scan %v", s.c, len(buf), slid, got)
	}
	if s.c == P521 {
		if direct := s.scanDirect(slices.Clone(dst), buf); !slices.Equal(direct, got) {
			t.Errorf("%v: direct over %d bytes = %v, Scan %v", s.c, len(buf), direct, got)
		}
	}
	return got
}

// A key planted at any offset, odd or even, is found there and nowhere else.
func TestSliderPlanted(t *testing.T) {
	for _, c := range slideCurves {
		r := rand.NewChaCha8([32]byte{1})
		for off := 0; off <= 40; off++ {
			buf := randBytes(byte(off), 50+c.Size())
			d, pub := randScalar(t, c, r)
			copy(buf[off:], d)
			got := scan(t, mustSlider(t, c, [][]byte{pub}), nil, buf)
			if want := []int{off}; !slices.Equal(got, want) {
				t.Errorf("%v: Scan(key at %d) = %v, want %v", c, off, got, want)
			}
		}
	}
}

// Windows that are zero, equal to n, or above n are not scalars, even when
// d mod n is a target's scalar.
func TestSliderInvalidWindows(t *testing.T) {
	for _, c := range slideCurves {
		n, size := slideOrder(c), c.Size()
		ones := bytes.Repeat([]byte{0xff}, size)
		onesModN := new(big.Int).Mod(new(big.Int).SetBytes(ones), n).FillBytes(make([]byte, size))
		nPlus1 := new(big.Int).Add(n, big.NewInt(1)).FillBytes(make([]byte, size))
		one := big.NewInt(1).FillBytes(make([]byte, size))
		pOnes := mustPublic(c, onesModN)
		pG := mustPublic(c, one)
		s := mustSlider(t, c, [][]byte{pOnes, pG})

		tests := []struct {
			name string
			buf  []byte
			want []int
		}{
			{"zeros", make([]byte, 300), nil},
			{"0xff run", bytes.Repeat([]byte{0xff}, 300), nil},
			{"n", slices.Concat(randBytes(3, 5), n.FillBytes(make([]byte, size)), randBytes(4, 5)), nil},
			{"n+1", slices.Concat(randBytes(5, 7), nPlus1, randBytes(6, 7)), nil},
			// 00…01 after zeros: the window ending at its last byte is 1.
			{"one after zeros", slices.Concat(make([]byte, 64), one, randBytes(7, 3)), []int{64}},
			{"one after 0xff", slices.Concat(bytes.Repeat([]byte{0xff}, 64), one), []int{64}},
			{"(2²⁵⁶−1) mod n", slices.Concat(randBytes(8, 9), onesModN, randBytes(9, 9)), []int{9}},
		}
		for _, tt := range tests {
			if got := scan(t, s, nil, tt.buf); !slices.Equal(got, tt.want) {
				t.Errorf("%v: Scan(%s) = %v, want %v", c, tt.name, got, tt.want)
			}
		}
	}
}

// Steps where an addition meets its own operand (P + P) or its negation
// (P − P) take the formula's exceptional paths; bytes can be made to hit
// them, so a dump can too.
func TestSliderExceptionalSteps(t *testing.T) {
	for _, c := range slideCurves {
		n := slideOrder(c)
		size := c.Size()
		two256 := new(big.Int).Lsh(big.NewInt(1), uint(8*size))
		inv256 := new(big.Int).ModInverse(big.NewInt(256), n)
		scalar := func(k *big.Int) []byte { return new(big.Int).Mod(k, n).FillBytes(make([]byte, size)) }

		// 256·w ≡ b, so the step adding in = b adds b·G to b·G; the first b
		// whose next window is a valid scalar (on P-521, most are not).
		var addSelf []byte
		for b := int64(1); addSelf == nil; b++ {
			w := scalar(new(big.Int).Mul(big.NewInt(b), inv256))
			if _, ok := c.Public(append(w[1:], byte(b))); ok {
				addSelf = append(w, byte(b))
			}
		}
		// With out = 1, 256·d + in ≡ −256^size: the step subtracting
		// 1·(256^size mod n)·G from a point adds the point to itself.
		v := scalar(new(big.Int).Neg(new(big.Int).Lsh(two256, 1)))
		subSelf := append([]byte{1}, v...)

		for _, tt := range []struct {
			name string
			buf  []byte
		}{{"P+P on in", addSelf}, {"P+P on out", subSelf}} {
			xs := slideAffineX(c, tt.buf)
			pub := mustPublic(c, tt.buf[1:1+size])
			if !bytes.Equal(xs[1], pub[1:1+size]) {
				t.Errorf("%v: %s: sliding X = %x, direct X = %x", c, tt.name, xs[1], pub[1:1+size])
			}
			if got, want := scan(t, mustSlider(t, c, [][]byte{pub}), nil, tt.buf), []int{1}; !slices.Equal(got, want) {
				t.Errorf("%v: Scan(%s) = %v, want %v", c, tt.name, got, want)
			}
		}
	}
}

func TestSliderShort(t *testing.T) {
	for _, c := range slideCurves {
		d, pub := randScalar(t, c, rand.NewChaCha8([32]byte{2}))
		s := mustSlider(t, c, [][]byte{pub})
		for n := range c.Size() {
			if got := scan(t, s, nil, d[:n]); got != nil {
				t.Errorf("%v: Scan(%d bytes) = %v, want nil", c, n, got)
			}
		}
		if got, want := scan(t, s, []int{7}, d), []int{7, 0}; !slices.Equal(got, want) {
			t.Errorf("%v: Scan(dst=[7], the key alone) = %v, want %v", c, got, want)
		}
		if got := mustSlider(t, c, nil).Scan(nil, d); got != nil {
			t.Errorf("%v: Scan with no targets = %v, want nil", c, got)
		}
	}
}

// A thousand targets, of which some are planted: exactly those are found,
// in order, across many inversion blocks.
func TestSliderManyTargets(t *testing.T) {
	for _, c := range slideCurves {
		r := rand.NewChaCha8([32]byte{3})
		var targets [][]byte
		var scalars [][]byte
		for range 1000 {
			d, pub := randScalar(t, c, r)
			targets = append(targets, pub)
			scalars = append(scalars, d)
		}
		buf := randBytes(10, 8<<10)
		size := c.Size()
		var want []int
		for k, off := range []int{0, 127, 128 + size, 1001, 1001 + size, 4095, 6001, len(buf) - size} {
			copy(buf[off:], scalars[k*97])
			want = append(want, off)
		}
		// Compressed targets are accepted too.
		comp := make([]byte, 1+size)
		comp[0] = 2 + targets[0][2*size]&1
		copy(comp[1:], targets[0][1:1+size])
		targets[0] = comp
		if got := scan(t, mustSlider(t, c, targets), nil, buf); !slices.Equal(got, want) {
			t.Errorf("%v: Scan(8 KiB, 1000 targets) = %v, want %v", c, got, want)
		}
	}
}

// slideAffineX steps through buf as Scan does and returns, for each window,
// the affine X of the point the sliding relation holds (nil: infinity).
func slideAffineX(c Curve, buf []byte) [][]byte {
	var xs [][]byte
	switch c {
	case P256:
		e, _ := p256Tables()
		var q p256Jac
		for j := range buf {
			var out byte
			if j >= 32 {
				out = buf[j-32]
			}
			e.step(&q, buf[j], out)
			if j < 31 {
				continue
			}
			if p256IsZero(&q.z) {
				xs = append(xs, nil)
				continue
			}
			var zi, x p256Elt
			p256Invert(&zi, &q.z)
			feSquare(&zi, &zi)
			feMul(&x, &q.x, &zi)
			xs = append(xs, p256Mont.toBytes(x[:]))
		}
	case Secp256k1:
		e, _ := k256Tables()
		xs = genericAffineX(e, buf)
	case P224:
		e, _ := p224Tables()
		xs = genericAffineX(e, buf)
	case P384:
		e, _ := p384Tables()
		xs = genericAffineX(e, buf)
	case P521:
		e, _ := p521Tables()
		xs = genericAffineX(e, buf)
	}
	return xs
}

// genericAffineX is slideAffineX on P-384 and P-521.
func genericAffineX[E comparable](e *genericEngine[E], buf []byte) [][]byte {
	var xs [][]byte
	var q jacPoint[E]
	s := new(scanScratch[E])
	size := e.f.size
	for j := range buf {
		var out byte
		if j >= size {
			out = buf[j-size]
		}
		e.step(&q, buf[j], out, s)
		if j >= size-1 {
			xs = append(xs, e.affineX(&q))
		}
	}
	return xs
}

// The sliding point at every offset of 4 KiB is d·G computed directly, with
// d the window mod n; and Scan finds exactly the windows made targets.
func TestSliderDifferential(t *testing.T) {
	for _, c := range slideCurves {
		n := slideOrder(c)
		r := rand.NewChaCha8([32]byte{4})
		size := c.Size()
		buf := randBytes(11, 4<<10)
		if slow(c) {
			buf = buf[:1<<10]
		}
		d, pub := randScalar(t, c, r)
		key := len(buf) / 3
		copy(buf[key:], d)
		copy(buf[len(buf)/2:], bytes.Repeat([]byte{0xff}, size+8)) // windows ≥ n
		copy(buf[len(buf)*3/4:], make([]byte, size+8))             // a zero window

		xs := slideAffineX(c, buf)
		if len(xs) != len(buf)-size+1 {
			t.Fatalf("%v: %d windows, want %d", c, len(xs), len(buf)-size+1)
		}
		for i, x := range xs {
			k := new(big.Int).SetBytes(buf[i : i+size])
			k.Mod(k, n)
			if k.Sign() == 0 {
				if x != nil {
					t.Errorf("%v: window %d ≡ 0 mod n, sliding X = %x, want infinity", c, i, x)
				}
				continue
			}
			want := mustPublic(c, k.FillBytes(make([]byte, size)))[1 : 1+size]
			if !bytes.Equal(x, want) {
				t.Fatalf("%v: window %d: sliding X = %x, direct X = %x", c, i, x, want)
			}
		}

		targets := [][]byte{pub}
		want := []int{key}
		for i := 5; i < len(xs); i += 61 {
			if p, ok := c.Public(buf[i : i+size]); ok {
				targets = append(targets, p)
				want = append(want, i)
			}
		}
		slices.Sort(want)
		if got := scan(t, mustSlider(t, c, targets), nil, buf); !slices.Equal(got, want) {
			t.Errorf("%v: Scan = %v, want %v", c, got, want)
		}
	}
}

func TestNewSliderErrors(t *testing.T) {
	for _, c := range []Curve{UnknownCurve, NoCurve, UnknownCurve + 1} {
		if _, err := NewSlider(c, nil); !errors.Is(err, ErrSlideCurve) {
			t.Errorf("NewSlider(%v) error = %v, want ErrSlideCurve", c, err)
		}
	}
	_, pub := randScalar(t, P256, rand.NewChaCha8([32]byte{5}))
	bad := bytes.Clone(pub)
	bad[64] ^= 1
	if _, err := NewSlider(P256, [][]byte{pub, bad}); err == nil {
		t.Errorf("NewSlider(P-256, off-curve point) succeeded")
	}
	if s, err := NewSlider(Secp256k1, nil); err != nil || s.Curve() != Secp256k1 {
		t.Errorf("NewSlider(secp256k1) = %v, %v", s, err)
	}
}

// One Slider serves several goroutines, as the hunt's workers share it.
func TestSliderConcurrent(t *testing.T) {
	for _, c := range slideCurves {
		r := rand.NewChaCha8([32]byte{8})
		d, pub := randScalar(t, c, r)
		s := mustSlider(t, c, [][]byte{pub})
		var wg sync.WaitGroup
		got := make([][]int, 4)
		for g := range got {
			wg.Go(func() {
				buf := randBytes(byte(20+g), 300)
				copy(buf[g*50+1:], d)
				got[g] = scan(t, s, nil, buf)
			})
		}
		wg.Wait()
		for g := range got {
			if want := []int{g*50 + 1}; !slices.Equal(got[g], want) {
				t.Errorf("%v: goroutine %d: Scan = %v, want %v", c, g, got[g], want)
			}
		}
	}
}

// FuzzSlider plants a P-256 key at a chosen offset of arbitrary bytes:
// Scan must report exactly the offsets where Public of the window, computed
// directly, is the key's point.
func FuzzSlider(f *testing.F) {
	d, pub := randScalar(f, P256, rand.NewChaCha8([32]byte{9}))
	s := mustSlider(f, P256, [][]byte{pub})
	f.Add([]byte{}, uint16(0))
	f.Add(make([]byte, 100), uint16(3))
	f.Add(bytes.Repeat([]byte{0xff}, 80), uint16(40))
	f.Add(randBytes(13, 300), uint16(129))
	f.Fuzz(func(t *testing.T, buf []byte, off uint16) {
		if len(buf) > 1<<10 {
			buf = buf[:1<<10]
		}
		buf = bytes.Clone(buf)
		if len(buf) >= 32 {
			copy(buf[int(off)%(len(buf)-31):], d)
		}
		var want []int
		for i := 0; i+32 <= len(buf); i++ {
			if p, ok := P256.Public(buf[i : i+32]); ok && bytes.Equal(p, pub) {
				want = append(want, i)
			}
		}
		if got := s.Scan(nil, buf); !slices.Equal(got, want) {
			t.Errorf("Scan = %v, direct %v", got, want)
		}
	})
}

// P-521's Scan slides over memory where most windows start with 0 or 1, and
// tries Public on those alone where few do; both find the key.
func TestSliderP521Dense(t *testing.T) {
	d, pub := randScalar(t, P521, rand.NewChaCha8([32]byte{11}))
	s := mustSlider(t, P521, [][]byte{pub})
	sparse := randBytes(14, 400)
	dense := bytes.Clone(sparse)
	for i := range dense {
		dense[i] &= 1
	}
	for _, tt := range []struct {
		name       string
		buf        []byte
		wantSparse bool
	}{{"random", sparse, true}, {"small bytes", dense, false}} {
		if got := sparseP521(tt.buf); got != tt.wantSparse {
			t.Errorf("sparseP521(%s) = %v, want %v", tt.name, got, tt.wantSparse)
		}
		copy(tt.buf[201:], d)
		if got, want := scan(t, s, nil, tt.buf), []int{201}; !slices.Equal(got, want) {
			t.Errorf("Scan(%s) = %v, want %v", tt.name, got, want)
		}
	}
}
