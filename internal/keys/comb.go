package keys

import (
	_ "embed"
	"math/big"
	"sync"
)

// A fixed-base comb for d·G on secp256k1, on the Slider's field
// (slide_k256_field.go): decred's ScalarMultNonConst by the generator takes
// 122 µs, and its base multiplication 13 µs only after 5 ms of unpacking its
// table, which a scan with a few dozen candidates does not earn back. The
// comb keeps v·16^j·G for every 4-bit digit v and position j (960 affine
// points), so d·G is at most 63 mixed additions and one inversion: 21 µs.
// The points are computed once, by this package's code, and embedded
// (k256comb.bin: 60 KiB), so a process's first d·G costs what the others do,
// not the half millisecond that building them takes; the additions read
// them straight from the embedded bytes. Like decred's NonConst functions
// the comb is not constant-time: it derives the public halves of numbers
// read from a dump, and never signs. TestSecp256k1Comb checks it against
// decred, TestSecp256k1CombTable the embedded points against build.

// combWindows is the number of 4-bit digits of a 256-bit scalar.
const combWindows = 64

// k256CombTable holds, for k = 15·j + v − 1, the point v·16^j·G as X then
// Y, each 32 bytes big-endian. It is written by
//
//	go test ./internal/keys -run TestSecp256k1CombTable -update
//
//go:embed k256comb.bin
var k256CombTable []byte

type comb[E comparable] struct {
	e     genericEngine[E] // its field and point steps; no slide tables
	table []byte           // combWindows·15 affine points, X‖Y big-endian
	pool  sync.Pool        // *scanScratch[E]
}

var k256Comb = &comb[k256Elt]{e: genericEngine[k256Elt]{f: k256Field}, table: k256CombTable}

// point returns v·16^j·G, 1 ≤ v ≤ 15, from the table.
func (c *comb[E]) point(j int, v byte) affPoint[E] {
	f := c.e.f
	at := (15*j + int(v) - 1) * 2 * f.size
	p := c.table[at : at+2*f.size]
	return affPoint[E]{f.fromBytes(p[:f.size]), f.fromBytes(p[f.size:])}
}

// build returns the table for the generator (gx, gy) over f, in the form
// k256CombTable has.
func (c *comb[E]) build(f *fieldOps[E], gx, gy *big.Int) []byte {
	c.e.f = f
	s := new(scanScratch[E])
	g := affPoint[E]{f.fromBytes(gx.FillBytes(make([]byte, f.size))), f.fromBytes(gy.FillBytes(make([]byte, f.size)))}
	// The rows' bases 16^j·G by doubling, made affine together.
	bases := make([]jacPoint[E], combWindows)
	bases[0] = jacPoint[E]{g.x, g.y, f.one}
	for j := 1; j < combWindows; j++ {
		bases[j] = bases[j-1]
		for range 4 {
			c.e.double(&bases[j], s)
		}
	}
	base := make([]affPoint[E], combWindows)
	c.toAffine(base, bases, s)
	// Row j: v·16^j·G for v = 1..15, then every point made affine together.
	jac := make([]jacPoint[E], 0, combWindows*15)
	for j := range combWindows {
		q := jacPoint[E]{base[j].x, base[j].y, f.one}
		jac = append(jac, q)
		for v := 2; v <= 15; v++ {
			c.e.addAff(&q, &base[j], s)
			jac = append(jac, q)
		}
	}
	flat := make([]affPoint[E], len(jac))
	c.toAffine(flat, jac, s)
	table := make([]byte, 0, len(flat)*2*f.size)
	for _, a := range flat {
		table = append(append(table, f.toBytes(&a.x)...), f.toBytes(&a.y)...)
	}
	return table
}

// toAffine sets dst[k] to ps[k] in affine coordinates with one inversion
// (Montgomery's trick); no point may be at infinity (the multiples of G here
// are below the group order).
func (c *comb[E]) toAffine(dst []affPoint[E], ps []jacPoint[E], s *scanScratch[E]) {
	f := c.e.f
	pre := make([]E, len(ps))
	acc := f.one
	for k := range ps {
		pre[k] = acc
		f.mul(&acc, &acc, &ps[k].z)
	}
	var inv, zi, zi2 E
	f.invert(&inv, &acc, s)
	for k := len(ps) - 1; k >= 0; k-- {
		p := &ps[k]
		f.mul(&zi, &inv, &pre[k]) // 1/Z of p
		f.mul(&inv, &inv, &p.z)
		f.sqr(&zi2, &zi)
		f.mul(&dst[k].x, &p.x, &zi2)
		f.mul(&zi2, &zi2, &zi)
		f.mul(&dst[k].y, &p.y, &zi2)
	}
}

// affine returns q (not at infinity) in affine coordinates.
func (c *comb[E]) affine(q *jacPoint[E], s *scanScratch[E]) affPoint[E] {
	f := c.e.f
	var zi, zi2 E
	var a affPoint[E]
	f.invert(&zi, &q.z, s)
	f.sqr(&zi2, &zi)
	f.mul(&a.x, &q.x, &zi2)
	f.mul(&zi2, &zi2, &zi)
	f.mul(&a.y, &q.y, &zi2)
	return a
}

// public returns the uncompressed point 04‖X‖Y of d·G for the big-endian d
// of f.size bytes, 0 < d < n, or false at infinity.
func (c *comb[E]) public(d []byte) ([]byte, bool) {
	s, _ := c.pool.Get().(*scanScratch[E])
	if s == nil {
		s = new(scanScratch[E])
	}
	defer c.pool.Put(s)
	q := &s.q
	*q = jacPoint[E]{}
	for j := range combWindows {
		v := d[len(d)-1-j/2] >> (4 * (j & 1)) & 15
		if v != 0 {
			s.aff = c.point(j, v)
			c.e.addAff(q, &s.aff, s)
		}
	}
	var zero E
	if q.z == zero {
		return nil, false
	}
	a := c.affine(q, s)
	f := c.e.f
	return append(append([]byte{4}, f.toBytes(&a.x)...), f.toBytes(&a.y)...), true
}
