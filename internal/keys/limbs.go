package keys

import "math/bits"

// The 512-bit product and square of 256-bit numbers in four little-endian
// 64-bit limbs, which the P-256, secp256k1 and edwards25519 fields each
// reduce in their own way. Branch-free.

// mul512 returns x·y as eight limbs.
func mul512(x, y *[4]uint64) (t0, t1, t2, t3, t4, t5, t6, t7 uint64) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	y0, y1, y2, y3 := y[0], y[1], y[2], y[3]
	var c uint64
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
	return
}

// sqr512 returns x² as eight limbs: 10 word products, where mul512 needs 16.
func sqr512(x *[4]uint64) (t0, t1, t2, t3, t4, t5, t6, t7 uint64) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	var c uint64
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
	return
}
