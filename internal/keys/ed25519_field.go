package keys

import (
	"encoding/binary"
	"math/bits"
)

// The field of edwards25519 for [Ed25519PublicFromSeed]: p = 2²⁵⁵ − 19,
// elements as four little-endian 64-bit limbs. An element is any value below
// 2²⁵⁶, not necessarily below p (2²⁵⁶ = 2p + 38), so equal values may differ
// in their limbs until edCanon; that spares each operation its final
// comparison with p. A product's high half folds through 2²⁵⁶ ≡ 38.
// Branch-free, though nothing needs it to be; tested against math/big
// (TestEd25519Field), not verified.

type edElt [4]uint64

// edReduce sets z to a value below 2²⁵⁶ congruent to the 512-bit
// t = t₀‖…‖t₇ mod p.
func edReduce(z *edElt, t0, t1, t2, t3, t4, t5, t6, t7 uint64) {
	// t ≡ L + 38·H: 38·H is five limbs, each hᵢ and the top one below 38.
	h0, l0 := bits.Mul64(t4, 38)
	h1, l1 := bits.Mul64(t5, 38)
	h2, l2 := bits.Mul64(t6, 38)
	h3, l3 := bits.Mul64(t7, 38)
	m1, c := bits.Add64(l1, h0, 0)
	m2, c := bits.Add64(l2, h1, c)
	m3, c := bits.Add64(l3, h2, c)
	m4 := h3 + c
	r0, c := bits.Add64(t0, l0, 0)
	r1, c := bits.Add64(t1, m1, c)
	r2, c := bits.Add64(t2, m2, c)
	r3, c := bits.Add64(t3, m3, c)
	r4 := m4 + c // at most 38
	// r₄·2²⁵⁶ ≡ 38·r₄. A carry out of that leaves a sum below 38², worth 38
	// again, which cannot carry.
	r0, c = bits.Add64(r0, 38*r4, 0)
	r1, c = bits.Add64(r1, 0, c)
	r2, c = bits.Add64(r2, 0, c)
	r3, c = bits.Add64(r3, 0, c)
	z[0], z[1], z[2], z[3] = r0+38&-c, r1, r2, r3
}

// edMul sets z = x·y mod p; z may alias x or y.
func edMul(z, x, y *edElt) {
	t0, t1, t2, t3, t4, t5, t6, t7 := mul512((*[4]uint64)(x), (*[4]uint64)(y))
	edReduce(z, t0, t1, t2, t3, t4, t5, t6, t7)
}

// edSquare sets z = x² mod p; z may alias x. Ten products instead of
// sixteen: each cross term xᵢxⱼ (i < j) once, doubled, then the squares.
func edSquare(z, x *edElt) {
	t0, t1, t2, t3, t4, t5, t6, t7 := sqr512((*[4]uint64)(x))
	edReduce(z, t0, t1, t2, t3, t4, t5, t6, t7)
}

// edAdd sets z = x + y mod p.
func edAdd(z, x, y *edElt) {
	r0, c := bits.Add64(x[0], y[0], 0)
	r1, c := bits.Add64(x[1], y[1], c)
	r2, c := bits.Add64(x[2], y[2], c)
	r3, c := bits.Add64(x[3], y[3], c)
	// A carry is 2²⁵⁶ ≡ 38. If adding that carries again, the sum is below
	// 38 and the second 38 cannot carry.
	r0, c = bits.Add64(r0, 38&-c, 0)
	r1, c = bits.Add64(r1, 0, c)
	r2, c = bits.Add64(r2, 0, c)
	r3, c = bits.Add64(r3, 0, c)
	z[0], z[1], z[2], z[3] = r0+38&-c, r1, r2, r3
}

// edSub sets z = x − y mod p.
func edSub(z, x, y *edElt) {
	r0, b := bits.Sub64(x[0], y[0], 0)
	r1, b := bits.Sub64(x[1], y[1], b)
	r2, b := bits.Sub64(x[2], y[2], b)
	r3, b := bits.Sub64(x[3], y[3], b)
	// A borrow added 2²⁵⁶ ≡ 38, so take 38 away. If that borrows again, the
	// difference was below 38 and is now within 37 of 2²⁵⁶: its low limb
	// can lose a second 38.
	r0, b = bits.Sub64(r0, 38&-b, 0)
	r1, b = bits.Sub64(r1, 0, b)
	r2, b = bits.Sub64(r2, 0, b)
	r3, b = bits.Sub64(r3, 0, b)
	z[0], z[1], z[2], z[3] = r0-38&-b, r1, r2, r3
}

// edCanon sets z to x mod p, below p: the one value with those limbs.
func edCanon(z, x *edElt) {
	// Fold bit 255 (2²⁵⁵ ≡ 19), which leaves r below 2²⁵⁵ + 19 < 2p.
	r0, c := bits.Add64(x[0], 19*(x[3]>>63), 0)
	r1, c := bits.Add64(x[1], 0, c)
	r2, c := bits.Add64(x[2], 0, c)
	r3 := x[3]&(1<<63-1) + c
	// r ≥ p when r + 19 reaches 2²⁵⁵; then r − p is r + 19 − 2²⁵⁵.
	s0, c := bits.Add64(r0, 19, 0)
	s1, c := bits.Add64(r1, 0, c)
	s2, c := bits.Add64(r2, 0, c)
	s3 := r3 + c
	take := -(s3 >> 63)
	s3 &= 1<<63 - 1
	z[0] = r0 ^ (r0^s0)&take
	z[1] = r1 ^ (r1^s1)&take
	z[2] = r2 ^ (r2^s2)&take
	z[3] = r3 ^ (r3^s3)&take
}

// edSquareN sets z = x^(2ⁿ), n ≥ 1.
func edSquareN(z, x *edElt, n int) {
	edSquare(z, x)
	for range n - 1 {
		edSquare(z, z)
	}
}

// edInvert sets z = 1/x mod p (0 for 0) as x^(p−2), by an addition chain:
// p − 2 = (2²⁵⁰ − 1)·2⁵ + 11, and x^(2²⁵⁰ − 1) comes from x^(2⁵ − 1) by
// doubling its run of ones; 254 squarings and 11 multiplications in all.
// z may alias x.
func edInvert(z, x *edElt) {
	var x2, x9, x11, a5, a10, a20, a50, a100, t edElt
	edSquare(&x2, x)          // x²
	edSquareN(&t, &x2, 2)     // x⁸
	edMul(&x9, &t, x)         // x⁹
	edMul(&x11, &x9, &x2)     // x¹¹
	edSquare(&t, &x11)        // x²²
	edMul(&a5, &t, &x9)       // x^(2⁵−1) = x³¹
	edSquareN(&t, &a5, 5)     // x^(2¹⁰−2⁵)
	edMul(&a10, &t, &a5)      // x^(2¹⁰−1)
	edSquareN(&t, &a10, 10)   // x^(2²⁰−2¹⁰)
	edMul(&a20, &t, &a10)     // x^(2²⁰−1)
	edSquareN(&t, &a20, 20)   // x^(2⁴⁰−2²⁰)
	edMul(&t, &t, &a20)       // x^(2⁴⁰−1)
	edSquareN(&t, &t, 10)     // x^(2⁵⁰−2¹⁰)
	edMul(&a50, &t, &a10)     // x^(2⁵⁰−1)
	edSquareN(&t, &a50, 50)   // x^(2¹⁰⁰−2⁵⁰)
	edMul(&a100, &t, &a50)    // x^(2¹⁰⁰−1)
	edSquareN(&t, &a100, 100) // x^(2²⁰⁰−2¹⁰⁰)
	edMul(&t, &t, &a100)      // x^(2²⁰⁰−1)
	edSquareN(&t, &t, 50)     // x^(2²⁵⁰−2⁵⁰)
	edMul(&t, &t, &a50)       // x^(2²⁵⁰−1)
	edSquareN(&t, &t, 5)      // x^(2²⁵⁵−2⁵)
	edMul(z, &t, &x11)        // x^(2²⁵⁵−21) = x^(p−2)
}

// edLoad sets z to the 32 little-endian bytes of b, any value below 2²⁵⁶.
func edLoad(z *edElt, b []byte) {
	b = b[:32]
	z[0] = binary.LittleEndian.Uint64(b[0:])
	z[1] = binary.LittleEndian.Uint64(b[8:])
	z[2] = binary.LittleEndian.Uint64(b[16:])
	z[3] = binary.LittleEndian.Uint64(b[24:])
}

// edPut writes x mod p, below p, to b as 32 little-endian bytes: the
// encoding RFC 8032 gives a field element.
func edPut(b []byte, x *edElt) {
	var c edElt
	edCanon(&c, x)
	b = b[:32]
	binary.LittleEndian.PutUint64(b[0:], c[0])
	binary.LittleEndian.PutUint64(b[8:], c[1])
	binary.LittleEndian.PutUint64(b[16:], c[2])
	binary.LittleEndian.PutUint64(b[24:], c[3])
}
