package keys

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// ed25519P is 2²⁵⁵ − 19.
var ed25519P = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

func edToBig(x *edElt) *big.Int {
	z := new(big.Int)
	for i := 3; i >= 0; i-- {
		z.Lsh(z, 64).Or(z, new(big.Int).SetUint64(x[i]))
	}
	return z
}

// edFromBig returns v, which must be below 2²⁵⁶, as limbs.
func edFromBig(v *big.Int) edElt {
	var b [32]byte
	v.FillBytes(b[:])
	var le [32]byte
	for i := range b {
		le[i] = b[31-i]
	}
	var z edElt
	edLoad(&z, le[:])
	return z
}

// edEdges are inputs where a carry, a borrow or the final reduction turns:
// every representation from 0 to 2²⁵⁶ − 1 is a valid element, values ≥ p
// included.
func edEdges() []edElt {
	one := big.NewInt(1)
	p := ed25519P
	two256 := new(big.Int).Lsh(one, 256)
	two255 := new(big.Int).Lsh(one, 255)
	var vals []edElt
	for _, v := range []*big.Int{
		big.NewInt(0), one, big.NewInt(2), big.NewInt(19), big.NewInt(37), big.NewInt(38), big.NewInt(39),
		new(big.Int).Sub(p, one), p, new(big.Int).Add(p, one), new(big.Int).Add(p, big.NewInt(18)),
		new(big.Int).Sub(two255, one), two255, new(big.Int).Add(two255, big.NewInt(18)), new(big.Int).Add(two255, big.NewInt(19)),
		new(big.Int).Sub(new(big.Int).Lsh(p, 1), one), new(big.Int).Lsh(p, 1), // 2²⁵⁶ − 39, 2²⁵⁶ − 38
		new(big.Int).Sub(two256, big.NewInt(37)), new(big.Int).Sub(two256, one),
		new(big.Int).Sub(new(big.Int).Lsh(one, 64), one), new(big.Int).Lsh(one, 128), new(big.Int).Lsh(one, 192),
		new(big.Int).Sub(new(big.Int).Lsh(one, 192), one),
	} {
		vals = append(vals, edFromBig(v))
	}
	return vals
}

// The field operations agree with math/big mod p on edge and random
// values, in place too, and edCanon's results are below p.
func TestEd25519Field(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{25, 5, 19}))
	p := ed25519P
	edges := edEdges()
	vals := append([]edElt(nil), edges...)
	for range 2000 {
		a := edElt{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
		switch r.IntN(4) {
		case 0: // near 2²⁵⁶
			a[1], a[2], a[3] = ^uint64(0), ^uint64(0), ^uint64(0)
		case 1: // near p or 2²⁵⁵
			a[1], a[2], a[3] = ^uint64(0), ^uint64(0), ^uint64(0)>>1
		}
		vals = append(vals, a)
	}
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	ops := []struct {
		name string
		fast func(z, x, y *edElt)
		ref  func(x, y *big.Int) *big.Int
	}{
		{"mul", edMul, func(x, y *big.Int) *big.Int { return mod(new(big.Int).Mul(x, y)) }},
		{"square", func(z, x, _ *edElt) { edSquare(z, x) }, func(x, _ *big.Int) *big.Int { return mod(new(big.Int).Mul(x, x)) }},
		{"add", edAdd, func(x, y *big.Int) *big.Int { return mod(new(big.Int).Add(x, y)) }},
		{"sub", edSub, func(x, y *big.Int) *big.Int { return mod(new(big.Int).Sub(x, y)) }},
		{"invert", func(z, x, _ *edElt) { edInvert(z, x) }, func(x, _ *big.Int) *big.Int {
			return mod(new(big.Int).Exp(x, new(big.Int).Sub(p, big.NewInt(2)), p)) // 0 for 0, as edInvert
		}},
		{"canon", func(z, x, _ *edElt) { edCanon(z, x) }, func(x, _ *big.Int) *big.Int { return mod(new(big.Int).Set(x)) }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			check := func(x, y edElt) {
				t.Helper()
				var got edElt
				op.fast(&got, &x, &y)
				want := op.ref(edToBig(&x), edToBig(&y))
				g := edToBig(&got)
				if op.name == "canon" && g.Cmp(p) >= 0 {
					t.Fatalf("canon(%x) = %x, not below p", x, got)
				}
				if mod(g).Cmp(want) != 0 {
					t.Fatalf("%s(%x, %x) = %x ≡ %x, want %x", op.name, x, y, got, g, want)
				}
				in := x
				op.fast(&in, &in, &y)
				if in != got {
					t.Fatalf("%s in place(%x, %x) = %x, want %x", op.name, x, y, in, got)
				}
			}
			for _, x := range edges {
				for _, y := range edges {
					check(x, y)
				}
			}
			n := len(vals)
			if op.name == "invert" {
				n = 300 // 265 steps each
			}
			for i := range n {
				for _, j := range []int{i, (i*7 + 3) % len(vals), r.IntN(len(vals))} {
					check(vals[i], vals[j])
				}
			}
		})
	}
}

// edPut writes the canonical little-endian bytes; edLoad reads them back.
func TestEd25519FieldBytes(t *testing.T) {
	for _, x := range edEdges() {
		var b [32]byte
		edPut(b[:], &x)
		want := new(big.Int).Mod(edToBig(&x), ed25519P).FillBytes(make([]byte, 32))
		for i := range 16 {
			want[i], want[31-i] = want[31-i], want[i]
		}
		if string(b[:]) != string(want) {
			t.Errorf("edPut(%x) = %x, want %x", x, b, want)
		}
		var back, c edElt
		edLoad(&back, b[:])
		if edCanon(&c, &x); back != c {
			t.Errorf("edLoad(edPut(%x)) = %x, want %x", x, back, c)
		}
	}
}
