package keys

import (
	"encoding/binary"
	"math/big"
	"slices"
	"sync"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// slideOrder is the group order n of c.
func slideOrder(c Curve) *big.Int {
	if c == Secp256k1 {
		return secp256k1.S256().N
	}
	return curveTable[c].std.Params().N
}

// The Slider on P-224, P-384, P-521 and secp256k1: the same steps as on
// P-256 (slide.go), through function values over this package's generic
// Montgomery field (slide_mont.go) and its secp256k1 field
// (slide_k256_field.go). P-256
// keeps its own copy of the steps, on its own field operations, because it
// is the curve the hunt sees most and indirect calls would cost it.

// A fieldOps is a prime field whose elements are fully reduced (Montgomery
// form, or plain limbs for secp256k1), so equal values have equal
// limbs.
type fieldOps[E comparable] struct {
	size          int // bytes of an element
	mul, add, sub func(z, x, y *E)
	sqr           func(z, x *E)
	one           E
	pm2           *big.Int          // p − 2, the inversion exponent
	fromBytes     func(be []byte) E // a big-endian value below p
	key           func(x *E) uint64 // 64 bits of x, for the target filter
	toBytes       func(x *E) []byte // x big-endian, for tests
	aZero         bool              // y² = x³ + b (secp256k1), not a = −3
}

// invert sets z = a⁻¹ (0 for 0) by Fermat, using s.r.
func (f *fieldOps[E]) invert(z, a *E, s *scanScratch[E]) {
	r := &s.r
	*r = f.one
	for i := f.pm2.BitLen() - 1; i >= 0; i-- {
		f.sqr(r, r)
		if f.pm2.Bit(i) == 1 {
			f.mul(r, r, a)
		}
	}
	*z = *r
}

// jacPoint is a Jacobian point; Z = 0 is the point at infinity.
type jacPoint[E comparable] struct{ x, y, z E }

// affPoint is an affine point, never the point at infinity.
type affPoint[E comparable] struct{ x, y E }

// scanScratch holds a scan's state and temporaries. The field operations are
// function values, so escape analysis cannot keep what they point at on the
// stack: a pool of them lets a scan allocate nothing.
type scanScratch[E comparable] struct {
	q                                   jacPoint[E]
	aff                                 affPoint[E] // the comb's point being added
	xs, zs, pre                         [slideBlock]E
	delta, gamma, beta, alpha, t        E
	z1z1, u2, s2, h, r, hh, i, j, v, tx E
}

type genericEngine[E comparable] struct {
	f        *fieldOps[E]
	gen, out [256]affPoint[E] // b·G and −b·(256^size mod n)·G; [0] unused
	scratch  sync.Pool        // *scanScratch[E], so a scan allocates nothing
}

func newGenericEngine[E comparable](c Curve, f *fieldOps[E]) (*genericEngine[E], error) {
	e := &genericEngine[E]{f: f}
	gen, out := slideScalars(slideOrder(c), f.size)
	for b := 1; b < 256; b++ {
		g, err := tablePublic(c, gen[b])
		if err != nil {
			return nil, err
		}
		o, err := tablePublic(c, out[b])
		if err != nil {
			return nil, err
		}
		n := f.size
		e.gen[b] = affPoint[E]{f.fromBytes(g[1 : 1+n]), f.fromBytes(g[1+n:])}
		e.out[b] = affPoint[E]{f.fromBytes(o[1 : 1+n]), f.fromBytes(o[1+n:])}
		var zero E
		f.sub(&e.out[b].y, &zero, &e.out[b].y)
	}
	return e, nil
}

func (e *genericEngine[E]) xkey(x []byte) uint64 {
	v := e.f.fromBytes(x)
	return e.f.key(&v)
}

// double sets q = 2q (dbl-2001-b, for a = −3, with Z₃ = 2YZ).
func (e *genericEngine[E]) double(q *jacPoint[E], s *scanScratch[E]) {
	f := e.f
	if f.aZero {
		e.doubleA0(q, s)
		return
	}
	delta, gamma, beta, alpha, t := &s.delta, &s.gamma, &s.beta, &s.alpha, &s.t
	f.sqr(delta, &q.z)
	f.sqr(gamma, &q.y)
	f.mul(beta, &q.x, gamma)
	f.sub(t, &q.x, delta)
	f.add(alpha, &q.x, delta)
	f.mul(alpha, alpha, t)
	f.add(t, alpha, alpha)
	f.add(alpha, alpha, t) // α = 3(X−δ)(X+δ)
	f.mul(&q.z, &q.y, &q.z)
	f.add(&q.z, &q.z, &q.z) // Z₃ = 2YZ
	f.add(beta, beta, beta)
	f.add(beta, beta, beta) // 4β
	f.sqr(&q.x, alpha)
	f.add(t, beta, beta)
	f.sub(&q.x, &q.x, t) // X₃ = α² − 8β
	f.sub(beta, beta, &q.x)
	f.mul(&q.y, alpha, beta)
	f.sqr(gamma, gamma)
	f.add(gamma, gamma, gamma)
	f.add(gamma, gamma, gamma)
	f.add(gamma, gamma, gamma)
	f.sub(&q.y, &q.y, gamma) // Y₃ = α(4β − X₃) − 8γ²
}

// doubleA0 sets q = 2q on a curve with a = 0 (dbl-2009-l).
func (e *genericEngine[E]) doubleA0(q *jacPoint[E], s *scanScratch[E]) {
	f := e.f
	a, b, c, d, t := &s.delta, &s.gamma, &s.beta, &s.alpha, &s.t
	f.sqr(a, &q.x)
	f.sqr(b, &q.y)
	f.sqr(c, b)
	f.mul(&q.z, &q.y, &q.z)
	f.add(&q.z, &q.z, &q.z) // Z₃ = 2YZ
	f.add(d, &q.x, b)
	f.sqr(d, d)
	f.sub(d, d, a)
	f.sub(d, d, c)
	f.add(d, d, d) // D = 2((X+B)² − A − C)
	f.add(t, a, a)
	f.add(a, a, t) // E = 3A
	f.sqr(&q.x, a)
	f.add(t, d, d)
	f.sub(&q.x, &q.x, t) // X₃ = E² − 2D
	f.sub(d, d, &q.x)
	f.mul(&q.y, a, d)
	f.add(c, c, c)
	f.add(c, c, c)
	f.add(c, c, c)
	f.sub(&q.y, &q.y, c) // Y₃ = E(D − X₃) − 8C
}

// addAff sets q = q + a (madd-2007-bl), with q at infinity, q = a and
// q = −a handled apart.
func (e *genericEngine[E]) addAff(q *jacPoint[E], a *affPoint[E], s *scanScratch[E]) {
	f := e.f
	var zero E
	z1z1, u2, s2, h, r := &s.z1z1, &s.u2, &s.s2, &s.h, &s.r
	hh, i, j, v := &s.hh, &s.i, &s.j, &s.v
	if q.z == zero {
		*q = jacPoint[E]{a.x, a.y, f.one}
		return
	}
	f.sqr(z1z1, &q.z)
	f.mul(u2, &a.x, z1z1)
	f.mul(s2, &a.y, &q.z)
	f.mul(s2, s2, z1z1)
	f.sub(h, u2, &q.x)
	f.sub(r, s2, &q.y)
	if *h == zero {
		if *r == zero { // q = a
			*q = jacPoint[E]{a.x, a.y, f.one}
			e.double(q, s)
			return
		}
		*q = jacPoint[E]{} // q = −a
		return
	}
	f.add(r, r, r)
	f.sqr(hh, h)
	f.add(i, hh, hh)
	f.add(i, i, i) // I = 4H²
	f.mul(j, h, i)
	f.mul(v, &q.x, i)
	f.add(&q.z, &q.z, h)
	f.sqr(&q.z, &q.z)
	f.sub(&q.z, &q.z, z1z1)
	f.sub(&q.z, &q.z, hh) // Z₃ = (Z₁+H)² − Z₁Z₁ − HH
	f.sqr(&q.x, r)
	f.sub(&q.x, &q.x, j)
	f.sub(&q.x, &q.x, v)
	f.sub(&q.x, &q.x, v) // X₃ = r² − J − 2V
	f.mul(j, j, &q.y)
	f.add(j, j, j) // 2·Y₁·J
	f.sub(v, v, &q.x)
	f.mul(&q.y, r, v)
	f.sub(&q.y, &q.y, j) // Y₃ = r(V − X₃) − 2Y₁J
}

// step is [p256Engine.step] on this field.
func (e *genericEngine[E]) step(q *jacPoint[E], in, out byte, s *scanScratch[E]) {
	for range 8 {
		e.double(q, s)
	}
	if in != 0 {
		e.addAff(q, &e.gen[in], s)
	}
	if out != 0 {
		e.addAff(q, &e.out[out], s)
	}
}

func (e *genericEngine[E]) candidates(dst []int, buf []byte, filter map[uint64]struct{}) []int {
	size := e.f.size
	s, _ := e.scratch.Get().(*scanScratch[E])
	if s == nil {
		s = new(scanScratch[E])
	}
	defer e.scratch.Put(s)
	s.q = jacPoint[E]{} // infinity: the empty window
	n := 0
	for j := range buf {
		var out byte
		if j >= size {
			out = buf[j-size]
		}
		e.step(&s.q, buf[j], out, s)
		if j < size-1 {
			continue
		}
		s.xs[n], s.zs[n] = s.q.x, s.q.z
		n++
		if n == slideBlock || j == len(buf)-1 {
			dst = e.match(dst, j+1-size-(n-1), n, filter, s)
			n = 0
		}
	}
	return dst
}

// match is p256Match on this field.
// The block is s.xs[:n], s.zs[:n].
func (e *genericEngine[E]) match(dst []int, base, n int, filter map[uint64]struct{}, s *scanScratch[E]) []int {
	f := e.f
	var zero E
	xs, zs, pre := s.xs[:n], s.zs[:n], &s.pre
	acc, inv, zinv, x := &s.t, &s.u2, &s.s2, &s.tx
	*acc = f.one
	for k := range zs {
		pre[k] = *acc
		if zs[k] != zero {
			f.mul(acc, acc, &zs[k])
		}
	}
	f.invert(inv, acc, s)
	start := len(dst)
	for k := len(zs) - 1; k >= 0; k-- {
		if zs[k] == zero {
			continue
		}
		f.mul(zinv, inv, &pre[k])
		f.mul(inv, inv, &zs[k])
		f.sqr(zinv, zinv)
		f.mul(x, &xs[k], zinv)
		if _, ok := filter[f.key(x)]; ok {
			dst = append(dst, base+k)
		}
	}
	slices.Reverse(dst[start:]) // matched backwards
	return dst
}

// affineX returns the big-endian affine X of q, or nil at infinity; the
// tests compare it with direct d·G.
func (e *genericEngine[E]) affineX(q *jacPoint[E]) []byte {
	var zero E
	if q.z == zero {
		return nil
	}
	s := new(scanScratch[E])
	zi, x := &s.delta, &s.gamma
	e.f.invert(zi, &q.z, s)
	e.f.sqr(zi, zi)
	e.f.mul(x, &q.x, zi)
	return e.f.toBytes(x)
}

func fieldPM2(c Curve) *big.Int {
	return new(big.Int).Sub(curveTable[c].std.Params().P, big.NewInt(2))
}

// Elements of the P-224, P-384 and P-521 fields (slide_mont.go).
type (
	p224Elt [4]uint64
	p384Elt [6]uint64
	p521Elt [9]uint64
)

var (
	p224Mont = newMontField(curveTable[P224].std.Params().P, 28)
	p384Mont = newMontField(curveTable[P384].std.Params().P, 48)
	p521Mont = newMontField(curveTable[P521].std.Params().P, 66)
)

// montOps returns the fieldOps of c's field over m; limbs gives an element's
// limbs, of m's count.
func montOps[E comparable](c Curve, m *montField, limbs func(*E) []uint64, ops fieldOps[E]) *fieldOps[E] {
	ops.size = m.size
	copy(limbs(&ops.one), m.one)
	ops.pm2 = fieldPM2(c)
	ops.fromBytes = func(be []byte) E {
		var z E
		m.fromBytes(limbs(&z), be)
		return z
	}
	ops.key = func(x *E) uint64 { return limbs(x)[0] }
	ops.toBytes = func(x *E) []byte { return m.toBytes(limbs(x)) }
	return &ops
}

var p224Field = montOps(P224, p224Mont, func(x *p224Elt) []uint64 { return x[:] }, fieldOps[p224Elt]{
	mul: func(z, x, y *p224Elt) { p224Mont.mul(z[:], x[:], y[:]) },
	sqr: func(z, x *p224Elt) { p224Mont.mul(z[:], x[:], x[:]) },
	add: func(z, x, y *p224Elt) { p224Mont.add(z[:], x[:], y[:]) },
	sub: func(z, x, y *p224Elt) { p224Mont.sub(z[:], x[:], y[:]) },
})

var p384Field = montOps(P384, p384Mont, func(x *p384Elt) []uint64 { return x[:] }, fieldOps[p384Elt]{
	mul: func(z, x, y *p384Elt) { p384Mont.mul(z[:], x[:], y[:]) },
	sqr: func(z, x *p384Elt) { p384Mont.mul(z[:], x[:], x[:]) },
	add: func(z, x, y *p384Elt) { p384Mont.add(z[:], x[:], y[:]) },
	sub: func(z, x, y *p384Elt) { p384Mont.sub(z[:], x[:], y[:]) },
})

var p521Field = montOps(P521, p521Mont, func(x *p521Elt) []uint64 { return x[:] }, fieldOps[p521Elt]{
	mul: func(z, x, y *p521Elt) { p521Mont.mul(z[:], x[:], y[:]) },
	sqr: func(z, x *p521Elt) { p521Mont.mul(z[:], x[:], x[:]) },
	add: func(z, x, y *p521Elt) { p521Mont.add(z[:], x[:], y[:]) },
	sub: func(z, x, y *p521Elt) { p521Mont.sub(z[:], x[:], y[:]) },
})

var k256Field = &fieldOps[k256Elt]{
	size: 32,
	mul:  k256Mul, add: k256Add, sub: k256Sub, sqr: k256Square,
	one: k256Elt{1},
	pm2: new(big.Int).Sub(secp256k1.S256().P, big.NewInt(2)),
	fromBytes: func(be []byte) k256Elt {
		var x k256Elt
		for i := range x {
			x[i] = binary.BigEndian.Uint64(be[24-8*i:])
		}
		return x
	},
	key: func(x *k256Elt) uint64 { return x[0] },
	toBytes: func(x *k256Elt) []byte {
		be := make([]byte, 32)
		for i, w := range x {
			binary.BigEndian.PutUint64(be[24-8*i:], w)
		}
		return be
	},
	aZero: true,
}

// k256Tables, p224Tables, p384Tables and p521Tables build those curves'
// tables once.
var (
	k256Tables = sync.OnceValues(func() (*genericEngine[k256Elt], error) {
		return newGenericEngine(Secp256k1, k256Field)
	})
	p224Tables = sync.OnceValues(func() (*genericEngine[p224Elt], error) {
		return newGenericEngine(P224, p224Field)
	})
	p384Tables = sync.OnceValues(func() (*genericEngine[p384Elt], error) {
		return newGenericEngine(P384, p384Field)
	})
	p521Tables = sync.OnceValues(func() (*genericEngine[p521Elt], error) {
		return newGenericEngine(P521, p521Field)
	})
)
