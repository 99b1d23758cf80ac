package keys

import (
	"bytes"
	"math/big"
	mrand "math/rand"
	"math/rand/v2"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// testField is one of the Slider's fields, as TestSlideFields checks it.
type testField[E comparable] struct {
	p             *big.Int
	size          int
	mul, add, sub func(z, x, y *E)
	sqr, inv      func(z, x *E)
	from          func(be []byte) E
	to            func(x *E) []byte
}

// fieldEdges returns 0, 1, 2, p−1, p−2, p − 2⁶⁴, 2^(bits−1), 2^(bits−1) + 1,
// 2^(bits−1) − 1 and, for each, some random values ≥ 2^(bits−1) and below p.
func fieldEdges(p *big.Int, r *mrand.Rand) []*big.Int {
	one := big.NewInt(1)
	half := new(big.Int).Lsh(one, uint(p.BitLen()-1))
	vals := []*big.Int{
		big.NewInt(0), one, big.NewInt(2),
		new(big.Int).Sub(p, one), new(big.Int).Sub(p, big.NewInt(2)),
		new(big.Int).Sub(p, new(big.Int).Lsh(one, 64)),
		half, new(big.Int).Add(half, one), new(big.Int).Sub(half, one),
	}
	span := new(big.Int).Sub(p, half)
	for range 40 {
		v := new(big.Int).Rand(r, span)
		vals = append(vals, v.Add(v, half))
	}
	return vals
}

func checkField[E comparable](t *testing.T, name string, f testField[E]) {
	t.Helper()
	r := rand.New(rand.NewChaCha8([32]byte{9}))
	br := mrand.New(mrand.NewSource(9)) // big.Int.Rand takes math/rand's
	vals := fieldEdges(f.p, br)
	for range 400 {
		vals = append(vals, new(big.Int).Rand(br, f.p))
	}
	be := func(v *big.Int) []byte { return v.FillBytes(make([]byte, f.size)) }
	check := func(op string, got *E, want *big.Int, args ...*big.Int) {
		t.Helper()
		if g := f.to(got); !bytes.Equal(g, be(want)) {
			t.Fatalf("%s: %s%x = %x, want %x", name, op, args, g, be(want))
		}
	}
	for i, xv := range vals {
		x := f.from(be(xv))
		check("fromBytes", &x, xv, xv)
		for _, j := range []int{i, (i*7 + 3) % len(vals), r.IntN(len(vals))} {
			yv := vals[j]
			y := f.from(be(yv))
			for _, op := range []struct {
				name string
				f    func(z, x, y *E)
				want *big.Int
			}{
				{"mul", f.mul, new(big.Int).Mul(xv, yv)},
				{"add", f.add, new(big.Int).Add(xv, yv)},
				{"sub", f.sub, new(big.Int).Sub(xv, yv)},
			} {
				want := op.want.Mod(op.want, f.p)
				var z E
				op.f(&z, &x, &y)
				check(op.name, &z, want, xv, yv)
				z = x
				op.f(&z, &z, &y) // the output aliasing x
				check(op.name+" in place", &z, want, xv, yv)
				z = y
				op.f(&z, &x, &z) // the output aliasing y
				check(op.name+" in place", &z, want, xv, yv)
			}
		}
		var z E
		f.sqr(&z, &x)
		check("sqr", &z, new(big.Int).Mod(new(big.Int).Mul(xv, xv), f.p), xv)
		z = x
		f.sqr(&z, &z)
		check("sqr in place", &z, new(big.Int).Mod(new(big.Int).Mul(xv, xv), f.p), xv)
		if i < 60 { // inversion is 300 to 600 multiplications
			want := new(big.Int).ModInverse(xv, f.p)
			if want == nil {
				want = new(big.Int) // 0⁻¹ is 0 here
			}
			f.inv(&z, &x)
			check("inv", &z, want, xv)
		}
	}
}

// The Slider's fields agree with math/big on their operations, on random and
// edge values, inputs and output aliased or not.
func TestSlideFields(t *testing.T) {
	t.Run("P-256", func(t *testing.T) {
		checkField(t, "P-256", testField[p256Elt]{
			p: curveTable[P256].std.Params().P, size: 32,
			mul: feMul, add: feAdd, sub: feSub, sqr: feSquare, inv: p256Invert,
			from: p256FromBig,
			to:   func(x *p256Elt) []byte { return p256Mont.toBytes(x[:]) },
		})
	})
	t.Run("P-256/generic", func(t *testing.T) {
		checkOps(t, P256, montOps(P256, p256Mont, func(x *p256Elt) []uint64 { return x[:] }, fieldOps[p256Elt]{
			mul: func(z, x, y *p256Elt) { p256Mont.mul(z[:], x[:], y[:]) },
			sqr: func(z, x *p256Elt) { p256Mont.mul(z[:], x[:], x[:]) },
			add: func(z, x, y *p256Elt) { p256Mont.add(z[:], x[:], y[:]) },
			sub: func(z, x, y *p256Elt) { p256Mont.sub(z[:], x[:], y[:]) },
		}), curveTable[P256].std.Params().P)
	})
	t.Run("P-224", func(t *testing.T) { checkOps(t, P224, p224Field, curveTable[P224].std.Params().P) })
	t.Run("P-384", func(t *testing.T) { checkOps(t, P384, p384Field, curveTable[P384].std.Params().P) })
	t.Run("P-521", func(t *testing.T) { checkOps(t, P521, p521Field, curveTable[P521].std.Params().P) })
	t.Run("secp256k1", func(t *testing.T) { checkOps(t, Secp256k1, k256Field, secp256k1.S256().P) })
}

// checkOps is checkField on a fieldOps.
func checkOps[E comparable](t *testing.T, c Curve, f *fieldOps[E], p *big.Int) {
	s := new(scanScratch[E])
	checkField(t, c.String(), testField[E]{
		p: p, size: f.size,
		mul: f.mul, add: f.add, sub: f.sub, sqr: f.sqr,
		inv:  func(z, x *E) { f.invert(z, x, s) },
		from: f.fromBytes, to: f.toBytes,
	})
}
