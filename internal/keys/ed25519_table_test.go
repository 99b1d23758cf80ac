package keys

import (
	"bytes"
	"math/big"
	"os"
	"testing"
)

// edCurve returns edwards25519's d = −121665/121666 and base point B, the
// point with y = 4/5 and x even (RFC 8032, section 5.1), computed here
// rather than copied.
func edCurve(t testing.TB) (d, bx, by *big.Int) {
	p := ed25519P
	inv := func(v int64) *big.Int { return new(big.Int).ModInverse(big.NewInt(v), p) }
	d = new(big.Int).Mul(big.NewInt(-121665), inv(121666))
	d.Mod(d, p)
	by = new(big.Int).Mul(big.NewInt(4), inv(5))
	by.Mod(by, p)
	// x² = (y² − 1)/(d·y² + 1)
	y2 := new(big.Int).Mul(by, by)
	num := new(big.Int).Sub(y2, big.NewInt(1))
	den := new(big.Int).Mul(d, y2)
	den.Add(den, big.NewInt(1)).Mod(den, p)
	x2 := num.Mul(num, den.ModInverse(den, p))
	x2.Mod(x2, p)
	bx = new(big.Int).ModSqrt(x2, p)
	if bx == nil {
		t.Fatal("no x for y = 4/5")
	}
	if bx.Bit(0) == 1 {
		bx.Sub(p, bx)
	}
	return d, bx, by
}

// edDouble sets q = 2q: the a = −1 doubling of Hisil, Wong, Carter and
// Dawson (2008) with every intermediate negated, which leaves the result.
func (q *edPoint) double() {
	var a, b, c, e, f, g, h edElt
	edSquare(&a, &q.x)
	edSquare(&b, &q.y)
	edSquare(&c, &q.z)
	edAdd(&c, &c, &c)
	edAdd(&h, &a, &b)
	edAdd(&e, &q.x, &q.y)
	edSquare(&e, &e)
	edSub(&e, &h, &e)
	edSub(&g, &a, &b)
	edAdd(&f, &c, &g)
	edMul(&q.x, &e, &f)
	edMul(&q.y, &g, &h)
	edMul(&q.t, &e, &h)
	edMul(&q.z, &f, &g)
}

// edAffine returns the affine x and y of ps with one inversion for all
// (Montgomery's trick); no Z is 0 in extended coordinates.
func edAffine(ps []edPoint) (xs, ys []edElt) {
	pre := make([]edElt, len(ps))
	acc := edElt{1}
	for k := range ps {
		pre[k] = acc
		edMul(&acc, &acc, &ps[k].z)
	}
	var inv, zi edElt
	edInvert(&inv, &acc)
	xs, ys = make([]edElt, len(ps)), make([]edElt, len(ps))
	for k := len(ps) - 1; k >= 0; k-- {
		edMul(&zi, &inv, &pre[k]) // 1/Z of ps[k]
		edMul(&inv, &inv, &ps[k].z)
		edMul(&xs[k], &ps[k].x, &zi)
		edMul(&ys[k], &ps[k].y, &zi)
	}
	return xs, ys
}

// edEntry appends the table entry of the affine (x, y): y + x, y − x and
// 2d·x·y.
func edEntry(dst []byte, x, y, d2 *edElt) []byte {
	var v edElt
	var b [32]byte
	edAdd(&v, y, x)
	edPut(b[:], &v)
	dst = append(dst, b[:]...)
	edSub(&v, y, x)
	edPut(b[:], &v)
	dst = append(dst, b[:]...)
	edMul(&v, x, y)
	edMul(&v, &v, d2)
	edPut(b[:], &v)
	return append(dst, b[:]...)
}

// buildEd25519Table makes ed25519_table.bin with the package's field: the
// rows' bases 16^j·B by doubling, made affine together; then each row's 15
// multiples by addPre, made affine together.
func buildEd25519Table(t testing.TB) []byte {
	d, bx, by := edCurve(t)
	d2 := edFromBig(new(big.Int).Lsh(d, 1)) // below 2p < 2²⁵⁶
	bases := make([]edPoint, 64)
	bases[0] = edPoint{x: edFromBig(bx), y: edFromBig(by), z: edElt{1}}
	edMul(&bases[0].t, &bases[0].x, &bases[0].y)
	for j := 1; j < len(bases); j++ {
		bases[j] = bases[j-1]
		for range 4 {
			bases[j].double()
		}
	}
	xs, ys := edAffine(bases)
	var pts []edPoint
	for j := range bases {
		e := edEntry(nil, &xs[j], &ys[j], &d2)
		q := edPoint{y: edElt{1}, z: edElt{1}}
		for range 15 {
			q.addPre(e)
			pts = append(pts, q)
		}
	}
	xs, ys = edAffine(pts)
	table := make([]byte, 0, len(pts)*edPointSize)
	for k := range pts {
		table = edEntry(table, &xs[k], &ys[k], &d2)
	}
	return table
}

// TestEd25519Table rebuilds the committed table and fails if it differs;
// with -update (the flag TestSecp256k1CombTable uses) it rewrites
// ed25519_table.bin.
func TestEd25519Table(t *testing.T) {
	got := buildEd25519Table(t)
	if len(got) != 64*edRowSize {
		t.Fatalf("built %d bytes, want %d", len(got), 64*edRowSize)
	}
	if *update {
		if err := os.WriteFile("ed25519_table.bin", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(ed25519Table, got) {
		t.Errorf("ed25519_table.bin (%d bytes) differs from the table built; rebuild it:\n\tgo test ./internal/keys -run '^TestEd25519Table$' -update", len(ed25519Table))
	}
}

// TestEd25519TableBig checks every committed entry against v·16^j·B
// computed in affine coordinates with math/big, apart from the field and
// point code that built the table.
func TestEd25519TableBig(t *testing.T) {
	p := ed25519P
	d, bx, by := edCurve(t)
	// add returns (x₁, y₁) + (x₂, y₂):
	// ((x₁y₂ + y₁x₂)/(1 + d·x₁x₂y₁y₂), (y₁y₂ + x₁x₂)/(1 − d·x₁x₂y₁y₂)).
	add := func(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
		m := func(a, b *big.Int) *big.Int { return new(big.Int).Mul(a, b) }
		k := m(d, m(m(x1, x2), m(y1, y2)))
		k.Mod(k, p)
		xn := new(big.Int).Add(m(x1, y2), m(y1, x2))
		yn := new(big.Int).Add(m(y1, y2), m(x1, x2))
		xd := new(big.Int).Add(big.NewInt(1), k)
		yd := new(big.Int).Sub(big.NewInt(1), k)
		xd.ModInverse(xd.Mod(xd, p), p)
		yd.ModInverse(yd.Mod(yd, p), p)
		return xn.Mul(xn, xd).Mod(xn, p), yn.Mul(yn, yd).Mod(yn, p)
	}
	le := func(v *big.Int) []byte {
		b := new(big.Int).Mod(v, p).FillBytes(make([]byte, 32))
		for i := range 16 {
			b[i], b[31-i] = b[31-i], b[i]
		}
		return b
	}
	if len(ed25519Table) != 64*edRowSize {
		t.Fatalf("ed25519_table.bin is %d bytes, want %d", len(ed25519Table), 64*edRowSize)
	}
	px, py := bx, by // 16^j·B
	for j := range 64 {
		x, y := big.NewInt(0), big.NewInt(1)
		for v := 1; v <= 15; v++ {
			x, y = add(x, y, px, py)
			txy := new(big.Int).Mul(x, y)
			txy.Mul(txy, d).Lsh(txy, 1)
			want := bytes.Join([][]byte{le(new(big.Int).Add(y, x)), le(new(big.Int).Sub(y, x)), le(txy)}, nil)
			off := j*edRowSize + (v-1)*edPointSize
			if got := ed25519Table[off : off+edPointSize]; !bytes.Equal(got, want) {
				t.Fatalf("entry %d·16^%d·B = %x, want %x", v, j, got, want)
			}
		}
		px, py = add(x, y, px, py)
	}
}
