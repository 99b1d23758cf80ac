package keys

import (
	"bytes"
	"math/big"
)

// A Public is the public half of a key, checked: what a private number found
// elsewhere can be proved against. It holds no secret.
type Public struct {
	Type  string // "rsa", "rsa-pss", "ec", "ed25519"
	Bits  int
	Curve Curve    // EC only
	N, E  *big.Int // RSA modulus and public exponent
	// Point is the EC point, uncompressed (04‖X‖Y), or the 32-byte Ed25519
	// public key.
	Point []byte
	SPKI  Fingerprint // SHA-256 of its DER SubjectPublicKeyInfo
}

// RSAPublic checks an RSA public key: an odd modulus of 256 to [MaxRSABits]
// bits and an odd exponent above 1 below 2³¹ (what a real key uses, and what
// the hunt can hold in an int).
func RSAPublic(n, e *big.Int) (Public, bool) {
	if !IntOK(n, MaxRSABits) || n.BitLen() < 256 || n.Bit(0) == 0 || !IntOK(e, 31) || e.Bit(0) == 0 || e.Cmp(bigOne) == 0 {
		return Public{}, false
	}
	return Public{Type: "rsa", Bits: n.BitLen(), N: n, E: e, SPKI: RSASPKI(n, e, "rsa")}, true
}

// ECPublic checks an EC public point on c, compressed or uncompressed; the
// Public holds it uncompressed.
func ECPublic(c Curve, point []byte) (Public, bool) {
	point, ok := c.Uncompressed(point)
	if !ok {
		return Public{}, false
	}
	return Public{Type: "ec", Bits: c.Bits(), Curve: c, Point: bytes.Clone(point), SPKI: ECSPKI(c, point)}, true
}

// Ed25519Public checks the length of an Ed25519 public key. (Any 32 bytes
// might be one; only its private seed can prove it.)
func Ed25519Public(pub []byte) (Public, bool) {
	if len(pub) != 32 {
		return Public{}, false
	}
	return Public{Type: "ed25519", Bits: 256, Point: bytes.Clone(pub), SPKI: OKPSPKI(OIDEd25519, pub)}, true
}
