package keys

import "math/bits"

// The secp256k1 field operations for the Slider: p = 2²⁵⁶ − c with
// c = 2³² + 977, elements as four little-endian limbs, fully reduced (not in
// Montgomery form), so equal values have equal limbs. The products are the
// P-256 ones (slide_p256_field.go); the reduction folds the high half
// through 2²⁵⁶ ≡ c. Branch-free; tested against decred's FieldVal
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
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	y0, y1, y2, y3 := y[0], y[1], y[2], y[3]
	var c, t0, t1, t2, t3, t4, t5, t6, t7 uint64
	var h0, h1, h2, h3, l1, l2, l3 uint64
	// Row by row: xᵢ·y as five limbs, added in at limb i.
	var l0, r1, r2, r3, r4 uint64
	h0, t0 = bits.Mul64(x0, y0)
	h1, l1 = bits.Mul64(x0, y1)
	h2, l2 = bits.Mul64(x0, y2)
	h3, l3 = bits.Mul64(x0, y3)
	t1, c = bits.Add64(h0, l1, 0)
	t2, c = bits.Add64(h1, l2, c)
	t3, c = bits.Add64(h2, l3, c)
	t4 = h3 + c
	h0, l0 = bits.Mul64(x1, y0)
	h1, l1 = bits.Mul64(x1, y1)
	h2, l2 = bits.Mul64(x1, y2)
	h3, l3 = bits.Mul64(x1, y3)
	r1, c = bits.Add64(h0, l1, 0)
	r2, c = bits.Add64(h1, l2, c)
	r3, c = bits.Add64(h2, l3, c)
	r4 = h3 + c
	t1, c = bits.Add64(t1, l0, 0)
	t2, c = bits.Add64(t2, r1, c)
	t3, c = bits.Add64(t3, r2, c)
	t4, c = bits.Add64(t4, r3, c)
	t5, _ = bits.Add64(r4, 0, c)
	h0, l0 = bits.Mul64(x2, y0)
	h1, l1 = bits.Mul64(x2, y1)
	h2, l2 = bits.Mul64(x2, y2)
	h3, l3 = bits.Mul64(x2, y3)
	r1, c = bits.Add64(h0, l1, 0)
	r2, c = bits.Add64(h1, l2, c)
	r3, c = bits.Add64(h2, l3, c)
	r4 = h3 + c
	t2, c = bits.Add64(t2, l0, 0)
	t3, c = bits.Add64(t3, r1, c)
	t4, c = bits.Add64(t4, r2, c)
	t5, c = bits.Add64(t5, r3, c)
	t6, _ = bits.Add64(r4, 0, c)
	h0, l0 = bits.Mul64(x3, y0)
	h1, l1 = bits.Mul64(x3, y1)
	h2, l2 = bits.Mul64(x3, y2)
	h3, l3 = bits.Mul64(x3, y3)
	r1, c = bits.Add64(h0, l1, 0)
	r2, c = bits.Add64(h1, l2, c)
	r3, c = bits.Add64(h2, l3, c)
	r4 = h3 + c
	t3, c = bits.Add64(t3, l0, 0)
	t4, c = bits.Add64(t4, r1, c)
	t5, c = bits.Add64(t5, r2, c)
	t6, c = bits.Add64(t6, r3, c)
	t7, _ = bits.Add64(r4, 0, c)
	k256Reduce(z, t0, t1, t2, t3, t4, t5, t6, t7)
}

// k256Square sets z = x² mod p; z may alias x.
func k256Square(z, x *k256Elt) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	var c, t0, t1, t2, t3, t4, t5, t6, t7 uint64
	// The cross products xᵢxⱼ, i < j, then doubled.
	var h1, h2, h3, l2, l3 uint64
	h1, t1 = bits.Mul64(x0, x1)
	h2, l2 = bits.Mul64(x0, x2)
	h3, l3 = bits.Mul64(x0, x3)
	t2, c = bits.Add64(h1, l2, 0)
	t3, c = bits.Add64(h2, l3, c)
	t4 = h3 + c
	h2, l2 = bits.Mul64(x1, x2)
	h3, l3 = bits.Mul64(x1, x3)
	t3, c = bits.Add64(t3, l2, 0)
	t4, c = bits.Add64(t4, h2, c)
	t5, c = bits.Add64(h3, 0, c)
	t4, c = bits.Add64(t4, l3, 0)
	t5, c = bits.Add64(t5, 0, c)
	h3, l3 = bits.Mul64(x2, x3)
	t5, c = bits.Add64(t5, l3, 0)
	t6 = h3 + c
	t7 = t6 >> 63
	t6 = t6<<1 | t5>>63
	t5 = t5<<1 | t4>>63
	t4 = t4<<1 | t3>>63
	t3 = t3<<1 | t2>>63
	t2 = t2<<1 | t1>>63
	t1 <<= 1
	// Plus the squares xᵢ².
	var hi, lo, k uint64
	hi, lo = bits.Mul64(x0, x0)
	t0, k = bits.Add64(t0, lo, k)
	t1, k = bits.Add64(t1, hi, k)
	hi, lo = bits.Mul64(x1, x1)
	t2, k = bits.Add64(t2, lo, k)
	t3, k = bits.Add64(t3, hi, k)
	hi, lo = bits.Mul64(x2, x2)
	t4, k = bits.Add64(t4, lo, k)
	t5, k = bits.Add64(t5, hi, k)
	hi, lo = bits.Mul64(x3, x3)
	t6, k = bits.Add64(t6, lo, k)
	t7, k = bits.Add64(t7, hi, k)
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
