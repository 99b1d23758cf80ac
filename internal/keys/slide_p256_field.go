package keys

import "math/bits"

// The P-256 field operations the Slider's inner loop runs, in the
// Montgomery domain (R = 2²⁵⁶) and fully reduced form of the generic field
// (slide_mont.go), which converts to and from it. They are faster than the
// generic ones because they use p's shape: −p⁻¹ mod 2⁶⁴ is 1, the limb p₂ is
// 0, and a square needs 10 word products where a product needs 16. They
// are branch-free, and not verified, only tested against math/big
// (TestSlideFields).

// The limbs of p = 2²⁵⁶ − 2²²⁴ + 2¹⁹² + 2⁹⁶ − 1, least significant first;
// the third is 0.
const (
	p256P0 = 0xffffffffffffffff
	p256P1 = 0x00000000ffffffff
	p256P3 = 0xffffffff00000001
)

// mac returns a·b + c + d as hi, lo; it cannot overflow 128 bits.
func mac(a, b, c, d uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(a, b)
	var k uint64
	lo, k = bits.Add64(lo, c, 0)
	hi += k
	lo, k = bits.Add64(lo, d, 0)
	hi += k
	return hi, lo
}

// feMul sets z = x·y·R⁻¹ mod p; z may alias x or y.
func feMul(z, x, y *p256Elt) {
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
	// Montgomery reduction, a limb a round: −p⁻¹ ≡ 1 mod 2⁶⁴, so adding q·p
	// with q = tᵢ clears limb i, and q·p₀ + q = q·2⁶⁴ and q·p₁ + q = q·2³²
	// leave only q·p₃ to multiply. A round's carry out of limb i+4 rides on
	// the next round's high word, which is below 2⁶⁴ − 1.
	var h, l, d uint64
	h, l = bits.Mul64(t0, p256P3)
	t1, c = bits.Add64(t1, t0<<32, 0)
	t2, c = bits.Add64(t2, t0>>32, c)
	t3, c = bits.Add64(t3, l, c)
	t4, d = bits.Add64(t4, h, c)
	h, l = bits.Mul64(t1, p256P3)
	h += d
	t2, c = bits.Add64(t2, t1<<32, 0)
	t3, c = bits.Add64(t3, t1>>32, c)
	t4, c = bits.Add64(t4, l, c)
	t5, d = bits.Add64(t5, h, c)
	h, l = bits.Mul64(t2, p256P3)
	h += d
	t3, c = bits.Add64(t3, t2<<32, 0)
	t4, c = bits.Add64(t4, t2>>32, c)
	t5, c = bits.Add64(t5, l, c)
	t6, d = bits.Add64(t6, h, c)
	h, l = bits.Mul64(t3, p256P3)
	h += d
	t4, c = bits.Add64(t4, t3<<32, 0)
	t5, c = bits.Add64(t5, t3>>32, c)
	t6, c = bits.Add64(t6, l, c)
	t7, d = bits.Add64(t7, h, c)
	// Below 2p: subtract p unless that borrows.
	s0, b := bits.Sub64(t4, p256P0, 0)
	s1, b := bits.Sub64(t5, p256P1, b)
	s2, b := bits.Sub64(t6, 0, b)
	s3, b := bits.Sub64(t7, p256P3, b)
	_, b = bits.Sub64(d, 0, b)
	keep := -b // all ones: already below p
	z[0] = s0 ^ (s0^t4)&keep
	z[1] = s1 ^ (s1^t5)&keep
	z[2] = s2 ^ (s2^t6)&keep
	z[3] = s3 ^ (s3^t7)&keep
}

// feSquare sets z = x²·R⁻¹ mod p; z may alias x.
func feSquare(z, x *p256Elt) {
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
	// Montgomery reduction, a limb a round: −p⁻¹ ≡ 1 mod 2⁶⁴, so adding q·p
	// with q = tᵢ clears limb i, and q·p₀ + q = q·2⁶⁴ and q·p₁ + q = q·2³²
	// leave only q·p₃ to multiply. A round's carry out of limb i+4 rides on
	// the next round's high word, which is below 2⁶⁴ − 1.
	var h, l, d uint64
	h, l = bits.Mul64(t0, p256P3)
	t1, c = bits.Add64(t1, t0<<32, 0)
	t2, c = bits.Add64(t2, t0>>32, c)
	t3, c = bits.Add64(t3, l, c)
	t4, d = bits.Add64(t4, h, c)
	h, l = bits.Mul64(t1, p256P3)
	h += d
	t2, c = bits.Add64(t2, t1<<32, 0)
	t3, c = bits.Add64(t3, t1>>32, c)
	t4, c = bits.Add64(t4, l, c)
	t5, d = bits.Add64(t5, h, c)
	h, l = bits.Mul64(t2, p256P3)
	h += d
	t3, c = bits.Add64(t3, t2<<32, 0)
	t4, c = bits.Add64(t4, t2>>32, c)
	t5, c = bits.Add64(t5, l, c)
	t6, d = bits.Add64(t6, h, c)
	h, l = bits.Mul64(t3, p256P3)
	h += d
	t4, c = bits.Add64(t4, t3<<32, 0)
	t5, c = bits.Add64(t5, t3>>32, c)
	t6, c = bits.Add64(t6, l, c)
	t7, d = bits.Add64(t7, h, c)
	// Below 2p: subtract p unless that borrows.
	s0, b := bits.Sub64(t4, p256P0, 0)
	s1, b := bits.Sub64(t5, p256P1, b)
	s2, b := bits.Sub64(t6, 0, b)
	s3, b := bits.Sub64(t7, p256P3, b)
	_, b = bits.Sub64(d, 0, b)
	keep := -b // all ones: already below p
	z[0] = s0 ^ (s0^t4)&keep
	z[1] = s1 ^ (s1^t5)&keep
	z[2] = s2 ^ (s2^t6)&keep
	z[3] = s3 ^ (s3^t7)&keep
}

// feAdd sets z = x + y mod p.
func feAdd(z, x, y *p256Elt) {
	t0, c := bits.Add64(x[0], y[0], 0)
	t1, c := bits.Add64(x[1], y[1], c)
	t2, c := bits.Add64(x[2], y[2], c)
	t3, c := bits.Add64(x[3], y[3], c)
	// Below 2p: subtract p unless that borrows.
	s0, b := bits.Sub64(t0, p256P0, 0)
	s1, b := bits.Sub64(t1, p256P1, b)
	s2, b := bits.Sub64(t2, 0, b)
	s3, b := bits.Sub64(t3, p256P3, b)
	_, b = bits.Sub64(c, 0, b)
	keep := -b // all ones: already below p
	z[0] = s0 ^ (s0^t0)&keep
	z[1] = s1 ^ (s1^t1)&keep
	z[2] = s2 ^ (s2^t2)&keep
	z[3] = s3 ^ (s3^t3)&keep
}

// feSub sets z = x − y mod p.
func feSub(z, x, y *p256Elt) {
	t0, b := bits.Sub64(x[0], y[0], 0)
	t1, b := bits.Sub64(x[1], y[1], b)
	t2, b := bits.Sub64(x[2], y[2], b)
	t3, b := bits.Sub64(x[3], y[3], b)
	m := -b // add p back when the difference went negative
	t0, c := bits.Add64(t0, p256P0&m, 0)
	t1, c = bits.Add64(t1, p256P1&m, c)
	t2, c = bits.Add64(t2, 0, c)
	t3, _ = bits.Add64(t3, p256P3&m, c)
	z[0], z[1], z[2], z[3] = t0, t1, t2, t3
}
