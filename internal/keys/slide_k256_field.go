package keys

import "math/bits"

// The secp256k1 field operations for the Slider: p = 2²⁵⁶ − c with
// c = 2³² + 977, elements as four little-endian limbs, fully reduced (not in
// Montgomery form), so equal values have equal limbs. The products are
// mul512 and sqr512 (limbs.go); the reduction folds the high half through
// 2²⁵⁶ ≡ c. Branch-free; tested against decred's FieldVal
// (TestK256Field), not verified.

type k256Elt [4]uint64

const k256C = 1<<32 + 977

// k256Reduce sets z to t mod p for the 512-bit t = t₀‖…‖t₇.
func k256Reduce(z *k256Elt, t0, t1, t2, t3, t4, t5, t6, t7 uint64) {
	// t ≡ L + H·c: H·c is five limbs, the top one below 2³⁴.
	h0, m0 := bits.Mul64(t4, k256C)
	h1, l1 := bits.Mul64(t5, k256C)
	h2, l2 := bits.Mul64(t6, k256C)
	h3, l3 := bits.Mul64(t7, k256C)
	m1, c := bits.Add64(h0, l1, 0)
	m2, c := bits.Add64(h1, l2, c)
	m3, c := bits.Add64(h2, l3, c)
	m4 := h3 + c
	r0, c := bits.Add64(t0, m0, 0)
	r1, c := bits.Add64(t1, m1, c)
	r2, c := bits.Add64(t2, m2, c)
	r3, c := bits.Add64(t3, m3, c)
	r4 := m4 + c
	// Fold r₄·2²⁵⁶ the same way; a carry out of that is worth c again, and
	// leaves a sum too small to carry twice.
	h, l := bits.Mul64(r4, k256C)
	r0, c = bits.Add64(r0, l, 0)
	r1, c = bits.Add64(r1, h, c)
	r2, c = bits.Add64(r2, 0, c)
	r3, c = bits.Add64(r3, 0, c)
	r0, c = bits.Add64(r0, k256C&-c, 0)
	r1, c = bits.Add64(r1, 0, c)
	r2, c = bits.Add64(r2, 0, c)
	r3, _ = bits.Add64(r3, 0, c)
	k256Final(z, r0, r1, r2, r3, 0)
}

// k256Final sets z to r mod p for r = r₀‖…‖r₃ + top·2²⁵⁶ below 2p:
// r − p = r + c − 2²⁵⁶, taken when r + c carries out of 2²⁵⁶ or top is set.
func k256Final(z *k256Elt, r0, r1, r2, r3, top uint64) {
	s0, c := bits.Add64(r0, k256C, 0)
	s1, c := bits.Add64(r1, 0, c)
	s2, c := bits.Add64(r2, 0, c)
	s3, c := bits.Add64(r3, 0, c)
	take := -(c | top)
	z[0] = r0 ^ (r0^s0)&take
	z[1] = r1 ^ (r1^s1)&take
	z[2] = r2 ^ (r2^s2)&take
	z[3] = r3 ^ (r3^s3)&take
}

// k256Mul sets z = x·y mod p; z may alias x or y.
func k256Mul(z, x, y *k256Elt) {
	t0, t1, t2, t3, t4, t5, t6, t7 := mul512((*[4]uint64)(x), (*[4]uint64)(y))
	k256Reduce(z, t0, t1, t2, t3, t4, t5, t6, t7)
}

// k256Square sets z = x² mod p; z may alias x.
func k256Square(z, x *k256Elt) {
	t0, t1, t2, t3, t4, t5, t6, t7 := sqr512((*[4]uint64)(x))
	k256Reduce(z, t0, t1, t2, t3, t4, t5, t6, t7)
}

// k256Add sets z = x + y mod p.
func k256Add(z, x, y *k256Elt) {
	t0, c := bits.Add64(x[0], y[0], 0)
	t1, c := bits.Add64(x[1], y[1], c)
	t2, c := bits.Add64(x[2], y[2], c)
	t3, c := bits.Add64(x[3], y[3], c)
	k256Final(z, t0, t1, t2, t3, c)
}

// k256Sub sets z = x − y mod p: a borrow adds p, that is subtracts c.
func k256Sub(z, x, y *k256Elt) {
	t0, b := bits.Sub64(x[0], y[0], 0)
	t1, b := bits.Sub64(x[1], y[1], b)
	t2, b := bits.Sub64(x[2], y[2], b)
	t3, b := bits.Sub64(x[3], y[3], b)
	t0, b2 := bits.Sub64(t0, k256C&-b, 0)
	t1, b2 = bits.Sub64(t1, 0, b2)
	t2, b2 = bits.Sub64(t2, 0, b2)
	t3, _ = bits.Sub64(t3, 0, b2)
	z[0], z[1], z[2], z[3] = t0, t1, t2, t3
}
