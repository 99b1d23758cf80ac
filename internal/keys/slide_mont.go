package keys

import (
	"math/big"
	"math/bits"
)

// The field of P-224, P-384 and P-521 for the Slider (and P-256's
// conversions): elements as little-endian 64-bit limbs in Montgomery form
// (x·R mod p, R = 2^(64·limbs)), fully reduced, so equal values have equal
// limbs. One loop for every limb count, with CIOS multiplication (Koç,
// Acar and Kaliski, 1996); it knows nothing of p's shape. Branch-free on
// the values; tested against math/big (TestMontField), not verified.

// montMaxLimbs is the most limbs a montField holds: P-521's 9.
const montMaxLimbs = 9

// A montField is arithmetic modulo an odd p below 2^(64·montMaxLimbs).
type montField struct {
	p    []uint64 // p, least significant limb first
	n0   uint64   // −p⁻¹ mod 2⁶⁴
	one  []uint64 // R mod p
	rr   []uint64 // R² mod p, to enter the domain
	size int      // bytes of a big-endian element
}

// newMontField returns the field for p, whose elements are size bytes.
func newMontField(p *big.Int, size int) *montField {
	n := (p.BitLen() + 63) / 64
	if n > montMaxLimbs || p.Bit(0) == 0 {
		panic("keys: montField needs an odd p of at most 576 bits")
	}
	limbs := func(v *big.Int) []uint64 {
		be := v.FillBytes(make([]byte, 8*n))
		l := make([]uint64, n)
		for i := range l {
			for _, b := range be[len(be)-8*(i+1) : len(be)-8*i] {
				l[i] = l[i]<<8 | uint64(b)
			}
		}
		return l
	}
	pl := limbs(p)
	// p⁻¹ mod 2⁶⁴ by Newton: each step doubles the correct low bits, and
	// p is its own inverse mod 8.
	inv := pl[0]
	for range 5 {
		inv *= 2 - pl[0]*inv
	}
	r := new(big.Int).Lsh(big.NewInt(1), uint(64*n))
	rr := new(big.Int).Mul(r, r)
	return &montField{
		p:    pl,
		n0:   -inv,
		one:  limbs(new(big.Int).Mod(r, p)),
		rr:   limbs(rr.Mod(rr, p)),
		size: size,
	}
}

// mul sets z = x·y·R⁻¹ mod p; z may alias x or y.
func (f *montField) mul(z, x, y []uint64) {
	p := f.p
	n := len(p)
	x, y, z = x[:n], y[:n], z[:n]
	var t [montMaxLimbs + 2]uint64
	for i := range n {
		// t += xᵢ·y
		var c uint64
		xi := x[i]
		for j := range n {
			c, t[j] = mac(xi, y[j], t[j], c)
		}
		var k uint64
		t[n], k = bits.Add64(t[n], c, 0)
		t[n+1] = k
		// t = (t + m·p)/2⁶⁴, m chosen to clear limb 0
		m := t[0] * f.n0
		c, _ = mac(m, p[0], t[0], 0)
		for j := 1; j < n; j++ {
			c, t[j-1] = mac(m, p[j], t[j], c)
		}
		t[n-1], k = bits.Add64(t[n], c, 0)
		t[n] = t[n+1] + k
	}
	f.reduce(z, t[:n], t[n])
}

// reduce sets z = t + top·2^(64·n) − p when that is not negative, else t;
// the value must be below 2p.
func (f *montField) reduce(z, t []uint64, top uint64) {
	p := f.p
	var s [montMaxLimbs]uint64
	var b uint64
	for j := range p {
		s[j], b = bits.Sub64(t[j], p[j], b)
	}
	_, b = bits.Sub64(top, 0, b)
	keep := -b // all ones: t was already below p
	for j := range p {
		z[j] = s[j] ^ (s[j]^t[j])&keep
	}
}

// add sets z = x + y mod p.
func (f *montField) add(z, x, y []uint64) {
	n := len(f.p)
	x, y, z = x[:n], y[:n], z[:n]
	var t [montMaxLimbs]uint64
	var c uint64
	for j := range n {
		t[j], c = bits.Add64(x[j], y[j], c)
	}
	f.reduce(z, t[:n], c)
}

// sub sets z = x − y mod p.
func (f *montField) sub(z, x, y []uint64) {
	p := f.p
	n := len(p)
	x, y, z = x[:n], y[:n], z[:n]
	var t [montMaxLimbs]uint64
	var b uint64
	for j := range n {
		t[j], b = bits.Sub64(x[j], y[j], b)
	}
	m := -b // add p back when the difference went negative
	var c uint64
	for j := range n {
		z[j], c = bits.Add64(t[j], p[j]&m, c)
	}
}

// fromBytes sets z to the big-endian value be, below p, in Montgomery form.
func (f *montField) fromBytes(z []uint64, be []byte) {
	var t [montMaxLimbs]uint64
	for i := range len(f.p) {
		for k := 8 * (i + 1); k > 8*i; k-- {
			if j := len(be) - k; j >= 0 {
				t[i] = t[i]<<8 | uint64(be[j])
			}
		}
	}
	f.mul(z, t[:], f.rr)
}

// toBytes returns x, in Montgomery form, as f.size big-endian bytes.
func (f *montField) toBytes(x []uint64) []byte {
	var one, t [montMaxLimbs]uint64
	one[0] = 1
	f.mul(t[:], x, one[:])
	be := make([]byte, f.size)
	for i := range be {
		k := len(be) - 1 - i // byte k from the least significant end
		be[i] = byte(t[k/8] >> (8 * (k % 8)))
	}
	return be
}
