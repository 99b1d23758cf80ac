package keys

import "math/bits"

// The P-256 field operations the Slider's inner loop runs, in the
// Montgomery domain (R = 2²⁵⁶) and fully reduced form of the generic field
// (slide_mont.go), which converts to and from it. They are faster than the
// generic ones because they use p's shape: −p⁻¹ mod 2⁶⁴ is 1 and the limb p₂
// is 0, in the reduction of mul512's and sqr512's products (limbs.go). They
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
	t0, t1, t2, t3, t4, t5, t6, t7 := mul512((*[4]uint64)(x), (*[4]uint64)(y))
	var c uint64
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
	t0, t1, t2, t3, t4, t5, t6, t7 := sqr512((*[4]uint64)(x))
	var c uint64
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
