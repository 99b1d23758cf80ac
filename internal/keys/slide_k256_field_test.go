package keys

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

func k256ToBytes(x *k256Elt) [32]byte {
	var be [32]byte
	for i, w := range x {
		binary.BigEndian.PutUint64(be[24-8*i:], w)
	}
	return be
}

// The secp256k1 field operations agree with decred's on random and edge
// values, and their results are below p.
func TestK256Field(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{10}))
	p0 := uint64(0xffffffffffffffff - k256C + 1) // p's low limb
	edges := []k256Elt{
		{}, {1}, {2}, {k256C},
		{p0 - 1, ^uint64(0), ^uint64(0), ^uint64(0)}, // p − 1
		{p0 - 2, ^uint64(0), ^uint64(0), ^uint64(0)}, // p − 2
		{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0) >> 1},
		{0, 0, 0, 1 << 63}, {^uint64(0), 0, 0, 0},
		{p0 - 1, ^uint64(0), ^uint64(0), 0}, // p − 1 − (2⁶⁴−1)·2¹⁹²
	}
	random := func() k256Elt {
		a := k256Elt{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
		if r.IntN(4) == 0 {
			a[1], a[2], a[3] = ^uint64(0), ^uint64(0), ^uint64(0) // near p
			a[0] = p0 - 1 - uint64(r.IntN(1<<20))
		}
		if a[1]&a[2]&a[3] == ^uint64(0) && a[0] >= p0 {
			a[0] = p0 - 1
		}
		return a
	}
	vals := append([]k256Elt(nil), edges...)
	for range 2000 {
		vals = append(vals, random())
	}
	field := func(x *k256Elt) secp256k1.FieldVal {
		var f secp256k1.FieldVal
		b := k256ToBytes(x)
		f.SetBytes(&b)
		return f
	}
	ops := []struct {
		name string
		fast func(z, x, y *k256Elt)
		ref  func(x, y secp256k1.FieldVal) secp256k1.FieldVal
	}{
		{"mul", k256Mul, func(x, y secp256k1.FieldVal) secp256k1.FieldVal { return *x.Mul(&y) }},
		{"square", func(z, x, _ *k256Elt) { k256Square(z, x) }, func(x, _ secp256k1.FieldVal) secp256k1.FieldVal { return *x.Square() }},
		{"add", k256Add, func(x, y secp256k1.FieldVal) secp256k1.FieldVal { return *x.Add(&y) }},
		{"sub", k256Sub, func(x, y secp256k1.FieldVal) secp256k1.FieldVal { return *y.Negate(1).Add(&x) }},
	}
	for _, op := range ops {
		for i := range vals {
			for _, j := range []int{i, (i*7 + 3) % len(vals), r.IntN(len(vals))} {
				x, y := vals[i], vals[j]
				var got k256Elt
				op.fast(&got, &x, &y)
				want := op.ref(field(&x), field(&y))
				want.Normalize()
				if k256ToBytes(&got) != *want.Bytes() {
					t.Fatalf("%s(%x, %x) = %x, decred %x", op.name, x, y, got, want.Bytes())
				}
				op.fast(&x, &x, &y)
				if x != got {
					t.Fatalf("%s in place(%x, %x) = %x, want %x", op.name, vals[i], y, x, got)
				}
			}
		}
	}
}
