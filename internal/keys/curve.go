package keys

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"math/big"
	"sync"
	"sync/atomic"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// A Curve is a short-Weierstrass curve a key may lie on. The zero value,
// NoCurve, is "not an EC key"; UnknownCurve is a curve this package does not
// know, whatever name the encoding gave it: a report carries only the names
// below, never the text found in a dump.
type Curve uint8

// The curves a key may name.
const (
	NoCurve Curve = iota
	P224
	P256
	P384
	P521
	Secp256k1
	UnknownCurve
)

// curveParams are what the proofs and the SPKI need of a curve.
type curveParams struct {
	name string
	oid  asn1.ObjectIdentifier
	size int            // bytes of a scalar and of a coordinate
	std  elliptic.Curve // nil for secp256k1, which decred's library computes
	ecdh ecdh.Curve     // faster d·G where crypto/ecdh has the curve
}

var curveTable = [...]curveParams{
	P224:      {"P-224", asn1.ObjectIdentifier{1, 3, 132, 0, 33}, 28, elliptic.P224(), nil},
	P256:      {"P-256", asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, 32, elliptic.P256(), ecdh.P256()},
	P384:      {"P-384", asn1.ObjectIdentifier{1, 3, 132, 0, 34}, 48, elliptic.P384(), ecdh.P384()},
	P521:      {"P-521", asn1.ObjectIdentifier{1, 3, 132, 0, 35}, 66, elliptic.P521(), ecdh.P521()},
	Secp256k1: {"secp256k1", asn1.ObjectIdentifier{1, 3, 132, 0, 10}, 32, nil, nil},
}

// Curves lists the known curves, in a fixed order.
var Curves = []Curve{P224, P256, P384, P521, Secp256k1}

// Known reports whether c is one of [Curves].
func (c Curve) Known() bool { return c >= P224 && c <= Secp256k1 }

// String is the curve's name ("P-256", "secp256k1"), "" for NoCurve and
// "unknown" for any other value.
func (c Curve) String() string {
	switch {
	case c == NoCurve:
		return ""
	case c.Known():
		return curveTable[c].name
	}
	return "unknown"
}

// MarshalText is [Curve.String].
func (c Curve) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Size is the length in bytes of a scalar and of a coordinate; 0 for a curve
// this package does not know.
func (c Curve) Size() int {
	if !c.Known() {
		return 0
	}
	return curveTable[c].size
}

// Bits is the size of the curve's field: 521 for P-521, 8·Size otherwise.
func (c Curve) Bits() int {
	if c == P521 {
		return 521
	}
	return 8 * c.Size()
}

// OID is the curve's namedCurve object identifier; nil for an unknown curve.
func (c Curve) OID() asn1.ObjectIdentifier {
	if !c.Known() {
		return nil
	}
	return curveTable[c].oid
}

// CurveByOID returns the curve with the namedCurve oid, or UnknownCurve.
func CurveByOID(oid asn1.ObjectIdentifier) Curve {
	for _, c := range Curves {
		if curveTable[c].oid.Equal(oid) {
			return c
		}
	}
	return UnknownCurve
}

// CurveByName returns the curve whose [Curve.String] is name, or
// UnknownCurve; encodings with names of their own (OpenSSH's "nistp256")
// translate them first.
func CurveByName(name string) Curve {
	for _, c := range Curves {
		if curveTable[c].name == name {
			return c
		}
	}
	return UnknownCurve
}

// Public returns the uncompressed point 04‖X‖Y of d·G, or false when d is not
// a valid scalar (zero, or not below the group order) or c is unknown. d is
// big-endian; leading zero bytes beyond Size and a short d are allowed.
func (c Curve) Public(d []byte) ([]byte, bool) {
	if !c.Known() {
		return nil, false
	}
	p := &curveTable[c]
	if len(d) > p.size {
		for _, b := range d[:len(d)-p.size] {
			if b != 0 {
				return nil, false
			}
		}
		d = d[len(d)-p.size:]
	}
	if len(d) < p.size {
		d = append(make([]byte, p.size-len(d), p.size), d...)
	}
	switch {
	case c == Secp256k1:
		var k secp256k1.ModNScalar
		if k.SetByteSlice(d) || k.IsZero() {
			return nil, false
		}
		return k256Comb.public(d) // see comb.go
	case c == P384 && !p384Ready.Load():
		return p384Public(d)
	case p.ecdh != nil:
		k, err := p.ecdh.NewPrivateKey(d)
		if err != nil {
			return nil, false
		}
		return k.PublicKey().Bytes(), true
	}
	k, err := ecdsa.ParseRawPrivateKey(p.std, d)
	if err != nil {
		return nil, false
	}
	pub, err := k.PublicKey.Bytes()
	return pub, err == nil
}

// OnCurve reports whether point is an uncompressed point 04‖X‖Y on c. A
// detector uses it to tell a stored public point from bytes that merely sit
// after a magic number.
func (c Curve) OnCurve(point []byte) bool {
	if !c.Known() || len(point) != 1+2*curveTable[c].size || point[0] != 4 {
		return false
	}
	if c == Secp256k1 {
		_, err := secp256k1.ParsePubKey(point)
		return err == nil
	}
	_, err := ecdsa.ParseUncompressedPublicKey(curveTable[c].std, point)
	return err == nil
}

// Uncompressed returns point as 04‖X‖Y when it is a point on c, compressed
// (02/03‖X) or not, and false otherwise.
func (c Curve) Uncompressed(point []byte) ([]byte, bool) {
	if !c.Known() || len(point) != 1+c.Size() || point[0] != 2 && point[0] != 3 {
		return point, c.OnCurve(point)
	}
	if c == Secp256k1 {
		k, err := secp256k1.ParsePubKey(point)
		if err != nil {
			return nil, false
		}
		return k.SerializeUncompressed(), true
	}
	x, y := elliptic.UnmarshalCompressed(curveTable[c].std, point)
	if x == nil {
		return nil, false
	}
	return elliptic.Marshal(curveTable[c].std, x, y), true //nolint:staticcheck // only to re-encode a checked point
}

// P-384's d·G by crypto/ecdh's base multiplication (113 µs) needs a table of
// the generator's multiples, which it builds on first use (1.5 ms); the
// variable-base multiplication by the generator needs none and costs
// 364 µs. A dump with a few P-384 candidates (GnuTLS's has three, a Python
// process holding random bytes four) does not earn the table back, so d·G
// on P-384 is variable-base until the table is built: by [WarmP384], which
// a caller with many to derive calls, or at the process's p384Many-th.
const p384Many = 16

var (
	p384Tries atomic.Int64
	p384Ready atomic.Bool
)

// WarmP384 starts building P-384's table on a goroutine of its own, once;
// [Curve.Public] on P-384 uses it from when it is built.
func WarmP384() { warmP384() }

var warmP384 = sync.OnceFunc(func() {
	go func() {
		ecdh.P384().NewPrivateKey(append(make([]byte, 47), 1))
		p384Ready.Store(true)
	}()
})

// p384Public is [Curve.Public] on P-384 before its table is built.
func p384Public(d []byte) ([]byte, bool) {
	if p384Tries.Add(1) == p384Many {
		warmP384()
	}
	std := curveTable[P384].std
	k := new(big.Int).SetBytes(d)
	if k.Sign() == 0 || k.Cmp(std.Params().N) >= 0 {
		return nil, false
	}
	x, y := std.ScalarMult(std.Params().Gx, std.Params().Gy, d) //nolint:staticcheck // variable-base: no table to build
	pt := make([]byte, 1+2*48)
	pt[0] = 4
	x.FillBytes(pt[1:49])
	y.FillBytes(pt[49:])
	return pt, true
}
