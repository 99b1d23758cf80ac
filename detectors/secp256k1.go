package detectors

import "math/big"

// secp256k1 is not in the standard library. Validation needs only d·G, so this is
// a plain Jacobian double-and-add over math/big: correct, not constant time, and
// never given a secret that is not already sitting in a dump.
var k1 = struct{ P, N, Gx, Gy *big.Int }{
	P:  hexInt("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"),
	N:  hexInt("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"),
	Gx: hexInt("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
	Gy: hexInt("483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"),
}

func hexInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("detectors: bad constant " + s)
	}
	return v
}

type jacobian struct{ X, Y, Z *big.Int } // Z == 0 is the point at infinity

func (a jacobian) double() jacobian {
	p := k1.P
	if a.Z.Sign() == 0 || a.Y.Sign() == 0 {
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	// a = 0: S = 4XY², M = 3X², X' = M² − 2S, Y' = M(S − X') − 8Y⁴, Z' = 2YZ.
	y2 := new(big.Int).Mul(a.Y, a.Y)
	y2.Mod(y2, p)
	s := new(big.Int).Mul(a.X, y2)
	s.Lsh(s, 2).Mod(s, p)
	m := new(big.Int).Mul(a.X, a.X)
	m.Mul(m, big.NewInt(3)).Mod(m, p)
	x := new(big.Int).Mul(m, m)
	x.Sub(x, new(big.Int).Lsh(s, 1)).Mod(x, p)
	y4 := y2.Mul(y2, y2)
	y4.Lsh(y4, 3)
	y := new(big.Int).Sub(s, x)
	y.Mul(y, m).Sub(y, y4).Mod(y, p)
	z := new(big.Int).Mul(a.Y, a.Z)
	z.Lsh(z, 1).Mod(z, p)
	return jacobian{x, y, z}
}

// addAffine adds an affine point (x2, y2) to a.
func (a jacobian) addAffine(x2, y2 *big.Int) jacobian {
	p := k1.P
	if a.Z.Sign() == 0 {
		return jacobian{new(big.Int).Set(x2), new(big.Int).Set(y2), big.NewInt(1)}
	}
	z2 := new(big.Int).Mul(a.Z, a.Z)
	z2.Mod(z2, p)
	u2 := new(big.Int).Mul(x2, z2)
	u2.Mod(u2, p)
	s2 := new(big.Int).Mul(y2, z2)
	s2.Mul(s2, a.Z).Mod(s2, p)
	h := new(big.Int).Sub(u2, a.X)
	h.Mod(h, p)
	r := new(big.Int).Sub(s2, a.Y)
	r.Mod(r, p)
	if h.Sign() == 0 {
		if r.Sign() == 0 {
			return a.double()
		}
		return jacobian{new(big.Int), new(big.Int), new(big.Int)}
	}
	h2 := new(big.Int).Mul(h, h)
	h2.Mod(h2, p)
	h3 := new(big.Int).Mul(h2, h)
	h3.Mod(h3, p)
	v := new(big.Int).Mul(a.X, h2)
	v.Mod(v, p)
	x := new(big.Int).Mul(r, r)
	x.Sub(x, h3).Sub(x, new(big.Int).Lsh(v, 1)).Mod(x, p)
	y := new(big.Int).Sub(v, x)
	y.Mul(y, r)
	y.Sub(y, new(big.Int).Mul(a.Y, h3)).Mod(y, p)
	z := new(big.Int).Mul(a.Z, h)
	z.Mod(z, p)
	return jacobian{x, y, z}
}

// secp256k1Public returns 04‖X‖Y for d·G, or false when d is 0 or ≥ n.
func secp256k1Public(d []byte) ([]byte, bool) {
	k := new(big.Int).SetBytes(d)
	if k.Sign() == 0 || k.Cmp(k1.N) >= 0 {
		return nil, false
	}
	acc := jacobian{new(big.Int), new(big.Int), new(big.Int)}
	for i := k.BitLen() - 1; i >= 0; i-- {
		acc = acc.double()
		if k.Bit(i) == 1 {
			acc = acc.addAffine(k1.Gx, k1.Gy)
		}
	}
	if acc.Z.Sign() == 0 {
		return nil, false
	}
	zi := new(big.Int).ModInverse(acc.Z, k1.P)
	zi2 := new(big.Int).Mul(zi, zi)
	x := new(big.Int).Mul(acc.X, zi2)
	x.Mod(x, k1.P)
	y := zi2.Mul(zi2, zi).Mul(zi2, acc.Y)
	y.Mod(y, k1.P)
	out := make([]byte, 65)
	out[0] = 4
	x.FillBytes(out[1:33])
	y.FillBytes(out[33:])
	return out, true
}
