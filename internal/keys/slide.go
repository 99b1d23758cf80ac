package keys

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
)

// ErrSlideCurve is returned by [NewSlider] for a curve it cannot slide over.
var ErrSlideCurve = errors.New("keys: no sliding scan for this curve")

// A Slider finds, at every byte offset of a buffer, the Size-byte big-endian
// windows that are private scalars of a fixed set of public points. It is
// what a deep hunt runs: a full d·G per offset costs a scalar
// multiplication, while the Slider steps from the window at i to the one at
// i+1 with
//
//	d₊ = 256·d + buf[i+Size] − 256^Size·buf[i]
//	Q₊ = 256·Q + buf[i+Size]·G − buf[i]·(256^Size mod n)·G
//
// that is eight doublings and two additions from fixed tables, and turns a
// block of points to affine with one inversion (Montgomery's trick). A
// window is reported only when [Curve.Public] of its bytes, computed
// directly, is one of the targets: the fast path only picks candidates, so
// windows that are zero or not below the group order are never reported.
//
// Scan starts each buffer from the empty window, so a buffer's first Size−1
// steps make no window; hand it long buffers. Per core, on random bytes and
// with any number of targets, it covers about 0.6 MB/s of offsets on P-256,
// 0.5 on secp256k1, 0.2 on P-224 and 0.1 on P-384 (BenchmarkSlide), where
// Curve.Public per offset covers 0.08 or less. P-224, P-384 and P-521 run on
// the generic Montgomery field (slide_mont.go), which knows nothing of
// their primes' shape.
//
// On P-521 a 66-byte window is a valid scalar only when it starts with 0 or
// 1, so where few windows do (random bytes: 1 in 128) Scan calls Public on
// those alone (0.4 MB/s on random bytes, allocating per such window), and it
// slides (0.05 MB/s) only over memory full of small bytes.
//
// A Slider is immutable and safe for concurrent use. Its arithmetic is not
// constant-time: it runs over dump bytes, not over a key it must keep secret
// from a timing observer.
type Slider struct {
	c      Curve
	eng    slideEngine
	filter map[uint64]struct{} // 64 bits of each target's X, as the engine holds it
	points map[string]struct{} // each target, 04‖X‖Y
}

// slideEngine is a curve's point arithmetic for [Slider.Scan].
type slideEngine interface {
	// xkey returns the filter key of the affine X coordinate x (big-endian).
	xkey(x []byte) uint64
	// candidates appends to dst each offset i whose window buf[i:i+Size]
	// has a d·G whose X coordinate's key is in filter.
	candidates(dst []int, buf []byte, filter map[uint64]struct{}) []int
}

// NewSlider returns a Slider for the public points targets on c, each
// uncompressed (04‖X‖Y) or compressed, for any of [Curves]. It fails with
// [ErrSlideCurve] for another curve, and when a target is not a point on c. The
// first Slider of a curve builds its tables (510 scalar multiplications,
// 7–10 ms for P-256); later ones share them.
func NewSlider(c Curve, targets [][]byte) (*Slider, error) {
	var (
		eng slideEngine
		err error
	)
	switch c {
	case P256:
		eng, err = p256Tables()
	case P224:
		eng, err = p224Tables()
	case P384:
		eng, err = p384Tables()
	case P521:
		eng, err = p521Tables()
	case Secp256k1:
		eng, err = k256Tables()
	default:
		return nil, fmt.Errorf("%w: %q", ErrSlideCurve, c.String())
	}
	if err != nil {
		return nil, err
	}
	s := &Slider{
		c:      c,
		eng:    eng,
		filter: make(map[uint64]struct{}, len(targets)),
		points: make(map[string]struct{}, len(targets)),
	}
	size := c.Size()
	for i, t := range targets {
		p, ok := c.Uncompressed(t)
		if !ok {
			return nil, fmt.Errorf("keys: target %d is not a point on %v", i, c)
		}
		s.points[string(p)] = struct{}{}
		s.filter[eng.xkey(p[1:1+size])] = struct{}{}
	}
	return s, nil
}

// Curve is the curve s was made for.
func (s *Slider) Curve() Curve { return s.c }

// Scan appends to dst, in increasing order, every offset i at which
// buf[i:i+Size] is a big-endian scalar d with 0 < d < n and d·G one of the
// targets. A buffer shorter than Size has no windows. Scan does not retain
// buf, and on a buffer with no hit it allocates nothing: a hit's proof is a
// direct [Curve.Public], which does.
func (s *Slider) Scan(dst []int, buf []byte) []int {
	size := s.c.Size()
	if len(buf) < size || len(s.filter) == 0 {
		return dst
	}
	if s.c == P521 && sparseP521(buf) {
		return s.scanDirect(dst, buf)
	}
	return s.scanSlide(dst, buf)
}

// scanSlide is Scan by sliding.
func (s *Slider) scanSlide(dst []int, buf []byte) []int {
	size := s.c.Size()
	start := len(dst)
	dst = s.eng.candidates(dst, buf, s.filter)
	kept := dst[:start]
	for _, off := range dst[start:] {
		if pub, ok := s.c.Public(buf[off : off+size]); ok {
			if _, hit := s.points[string(pub)]; hit {
				kept = append(kept, off)
			}
		}
	}
	return kept
}

// sparseP521 reports whether so few of buf's 66-byte windows start with 0
// or 1, the only ones that can be below P-521's n, that a direct d·G on each
// of them costs less than sliding over all: one such window in 14 or fewer
// (a direct P-521 d·G costs about 14 sliding steps on the generic field;
// BenchmarkSlide, random against small bytes).
func sparseP521(buf []byte) bool {
	windows := len(buf) - 66 + 1
	small := 0
	for _, b := range buf[:windows] {
		if b <= 1 {
			small++
		}
	}
	return small*14 < windows
}

// scanDirect is Scan by [Curve.Public] at each offset whose window may be
// below n, for curves whose n is far below 256^Size.
func (s *Slider) scanDirect(dst []int, buf []byte) []int {
	size := s.c.Size()
	for i := 0; i+size <= len(buf); i++ {
		if buf[i] > 1 {
			continue
		}
		if pub, ok := s.c.Public(buf[i : i+size]); ok {
			if _, hit := s.points[string(pub)]; hit {
				dst = append(dst, i)
			}
		}
	}
	return dst
}

// slideBlock is how many consecutive windows share one field inversion.
const slideBlock = 128

// slideScalars returns, for the group order n and size-byte scalars, the
// big-endian scalars b and b·(256^size mod n) mod n for b in 1..255, as the
// tables need them.
func slideScalars(n *big.Int, size int) (gen, out [256][]byte) {
	shift := new(big.Int).Lsh(big.NewInt(1), uint(8*size))
	shift.Mod(shift, n)
	for b := 1; b < 256; b++ {
		gen[b] = big.NewInt(int64(b)).FillBytes(make([]byte, size))
		k := new(big.Int).Mul(shift, big.NewInt(int64(b)))
		out[b] = k.Mod(k, n).FillBytes(make([]byte, size))
	}
	return gen, out
}

// tablePublic is [Curve.Public] for a scalar the tables chose, which is
// valid by construction: an error here is a bug in this file.
func tablePublic(c Curve, d []byte) ([]byte, error) {
	p, ok := c.Public(d)
	if !ok {
		return nil, fmt.Errorf("keys: %v table scalar %x rejected", c, d)
	}
	return p, nil
}

// ---- P-256, on the field operations in slide_p256_field.go ----

// p256Elt is a P-256 field element x·R mod p (R = 2²⁵⁶), fully reduced, as
// four little-endian limbs.
type p256Elt [4]uint64

// p256Mont is the generic field on P-256's p, for conversions only: its
// Montgomery form is feMul's.
var p256Mont = newMontField(curveTable[P256].std.Params().P, 32)

// p256One is 1 (R mod p).
var p256One = p256Elt(p256Mont.one)

// p256Jac is a point in Jacobian coordinates (X/Z², Y/Z³); Z = 0 is the
// point at infinity.
type p256Jac struct{ x, y, z p256Elt }

// p256Aff is a point in affine coordinates, never the point at infinity.
type p256Aff struct{ x, y p256Elt }

type p256Engine struct {
	gen [256]p256Aff // b·G; [0] unused
	out [256]p256Aff // −b·(256³² mod n)·G; [0] unused
}

// p256Tables builds the P-256 tables once.
var p256Tables = sync.OnceValues(newP256Engine)

func newP256Engine() (*p256Engine, error) {
	e := new(p256Engine)
	gen, out := slideScalars(curveTable[P256].std.Params().N, 32)
	for b := 1; b < 256; b++ {
		g, err := tablePublic(P256, gen[b])
		if err != nil {
			return nil, err
		}
		o, err := tablePublic(P256, out[b])
		if err != nil {
			return nil, err
		}
		e.gen[b] = p256AffFromBytes(g)
		e.out[b] = p256AffFromBytes(o)
		var zero p256Elt
		feSub(&e.out[b].y, &zero, &e.out[b].y)
	}
	return e, nil
}

// p256FromBig converts a 32-byte big-endian field value below p.
func p256FromBig(be []byte) p256Elt {
	var m p256Elt
	p256Mont.fromBytes(m[:], be)
	return m
}

func p256AffFromBytes(point []byte) p256Aff {
	return p256Aff{p256FromBig(point[1:33]), p256FromBig(point[33:65])}
}

func (e *p256Engine) xkey(x []byte) uint64 { return p256FromBig(x)[0] }

func p256IsZero(a *p256Elt) bool { return a[0]|a[1]|a[2]|a[3] == 0 }

// double sets q = 2q (dbl-2001-b, for a = −3, with Z₃ = 2YZ).
func (q *p256Jac) double() {
	var delta, gamma, beta, alpha, t p256Elt
	feSquare(&delta, &q.z)
	feSquare(&gamma, &q.y)
	feMul(&beta, &q.x, &gamma)
	feSub(&t, &q.x, &delta)
	feAdd(&alpha, &q.x, &delta)
	feMul(&alpha, &alpha, &t)
	feAdd(&t, &alpha, &alpha)
	feAdd(&alpha, &alpha, &t) // α = 3(X−δ)(X+δ)
	feMul(&q.z, &q.y, &q.z)
	feAdd(&q.z, &q.z, &q.z) // Z₃ = 2YZ
	feAdd(&beta, &beta, &beta)
	feAdd(&beta, &beta, &beta) // 4β
	feSquare(&q.x, &alpha)
	feAdd(&t, &beta, &beta)
	feSub(&q.x, &q.x, &t) // X₃ = α² − 8β
	feSub(&beta, &beta, &q.x)
	feMul(&q.y, &alpha, &beta)
	feSquare(&gamma, &gamma)
	feAdd(&gamma, &gamma, &gamma)
	feAdd(&gamma, &gamma, &gamma)
	feAdd(&gamma, &gamma, &gamma)
	feSub(&q.y, &q.y, &gamma) // Y₃ = α(4β − X₃) − 8γ²
}

// addAff sets q = q + a (madd-2007-bl), with the cases the formula does not
// cover: q at infinity, q = a and q = −a.
func (q *p256Jac) addAff(a *p256Aff) {
	if p256IsZero(&q.z) {
		q.x, q.y = a.x, a.y
		q.z = p256One
		return
	}
	var z1z1, u2, s2, h, r p256Elt
	feSquare(&z1z1, &q.z)
	feMul(&u2, &a.x, &z1z1)
	feMul(&s2, &a.y, &q.z)
	feMul(&s2, &s2, &z1z1)
	feSub(&h, &u2, &q.x)
	feSub(&r, &s2, &q.y)
	if p256IsZero(&h) {
		if p256IsZero(&r) { // q = a
			q.x, q.y = a.x, a.y
			q.z = p256One
			q.double()
			return
		}
		*q = p256Jac{} // q = −a
		return
	}
	feAdd(&r, &r, &r)
	var hh, i, j, v p256Elt
	feSquare(&hh, &h)
	feAdd(&i, &hh, &hh)
	feAdd(&i, &i, &i) // I = 4H²
	feMul(&j, &h, &i)
	feMul(&v, &q.x, &i)
	feAdd(&q.z, &q.z, &h)
	feSquare(&q.z, &q.z)
	feSub(&q.z, &q.z, &z1z1)
	feSub(&q.z, &q.z, &hh) // Z₃ = (Z₁+H)² − Z₁Z₁ − HH
	feSquare(&q.x, &r)
	feSub(&q.x, &q.x, &j)
	feSub(&q.x, &q.x, &v)
	feSub(&q.x, &q.x, &v) // X₃ = r² − J − 2V
	feMul(&j, &j, &q.y)
	feAdd(&j, &j, &j) // 2·Y₁·J
	feSub(&v, &v, &q.x)
	feMul(&q.y, &r, &v)
	feSub(&q.y, &q.y, &j) // Y₃ = r(V − X₃) − 2Y₁J
}

// p256Exp is p − 2, big-endian limbs, for inversion by Fermat.
var p256Exp = [4]uint64{0xffffffff00000001, 0, 0x00000000ffffffff, 0xfffffffffffffffd}

func p256Invert(out, a *p256Elt) {
	var r p256Elt
	r = p256One
	for _, w := range p256Exp {
		for bit := 63; bit >= 0; bit-- {
			feSquare(&r, &r)
			if w>>bit&1 == 1 {
				feMul(&r, &r, a)
			}
		}
	}
	*out = r
}

// step moves q from the window ending before in to the one ending at in,
// dropping out (0 while the first window fills).
func (e *p256Engine) step(q *p256Jac, in, out byte) {
	for range 8 {
		q.double()
	}
	if in != 0 {
		q.addAff(&e.gen[in])
	}
	if out != 0 {
		q.addAff(&e.out[out])
	}
}

func (e *p256Engine) candidates(dst []int, buf []byte, filter map[uint64]struct{}) []int {
	const size = 32
	var (
		q      p256Jac // infinity: the empty window
		xs, zs [slideBlock]p256Elt
		n      int // windows in the block
	)
	for j := range buf {
		var out byte
		if j >= size {
			out = buf[j-size]
		}
		e.step(&q, buf[j], out)
		if j < size-1 {
			continue
		}
		xs[n], zs[n] = q.x, q.z
		n++
		if n == slideBlock || j == len(buf)-1 {
			dst = p256Match(dst, j+1-size-(n-1), xs[:n], zs[:n], filter)
			n = 0
		}
	}
	return dst
}

// p256Match appends base+k for each Jacobian (xs[k], ·, zs[k]) whose affine
// X has its key in filter, inverting all the Zs at once.
func p256Match(dst []int, base int, xs, zs []p256Elt, filter map[uint64]struct{}) []int {
	var pre [slideBlock]p256Elt // pre[k] = product of the nonzero zs[:k]
	var acc p256Elt
	acc = p256One
	for k := range zs {
		pre[k] = acc
		if !p256IsZero(&zs[k]) {
			feMul(&acc, &acc, &zs[k])
		}
	}
	var inv, zinv, x p256Elt
	p256Invert(&inv, &acc)
	start := len(dst)
	for k := len(zs) - 1; k >= 0; k-- {
		if p256IsZero(&zs[k]) {
			continue // d ≡ 0 mod n: the point at infinity is no target
		}
		feMul(&zinv, &inv, &pre[k])
		feMul(&inv, &inv, &zs[k])
		feSquare(&zinv, &zinv)
		feMul(&x, &xs[k], &zinv)
		if _, ok := filter[x[0]]; ok {
			dst = append(dst, base+k)
		}
	}
	slices.Reverse(dst[start:]) // matched backwards
	return dst
}
