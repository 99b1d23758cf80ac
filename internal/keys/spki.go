package keys

import (
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
)

// Object identifiers of SubjectPublicKeyInfo algorithms.
var (
	OIDRSA      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDRSAPSS   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	OIDECPublic = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	OIDDSA      = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	OIDX25519   = asn1.ObjectIdentifier{1, 3, 101, 110}
	OIDX448     = asn1.ObjectIdentifier{1, 3, 101, 111}
	OIDEd25519  = asn1.ObjectIdentifier{1, 3, 101, 112}
	OIDEd448    = asn1.ObjectIdentifier{1, 3, 101, 113}
)

var asn1Null = asn1.RawValue{Tag: asn1.TagNull}

// SPKI is a DER SubjectPublicKeyInfo, for decoding one with encoding/asn1.
type SPKI struct {
	Algorithm SPKIAlgorithm
	Key       asn1.BitString
}

// SPKIAlgorithm is the AlgorithmIdentifier of an [SPKI].
type SPKIAlgorithm struct {
	OID    asn1.ObjectIdentifier
	Params asn1.RawValue `asn1:"optional"`
}

func spkiHash(alg SPKIAlgorithm, key []byte) Fingerprint {
	der, err := asn1.Marshal(SPKI{alg, asn1.BitString{Bytes: key, BitLength: 8 * len(key)}})
	if err != nil {
		return Fingerprint{}
	}
	return sha256.Sum256(der)
}

// RSASPKI fingerprints an RSA public key as x509.MarshalPKIXPublicKey encodes
// it (rsaEncryption with NULL parameters); keyType "rsa-pss" uses the PSS OID
// with no parameters.
func RSASPKI(n, e *big.Int, keyType string) Fingerprint {
	pub, err := asn1.Marshal(struct{ N, E *big.Int }{n, e})
	if err != nil {
		return Fingerprint{}
	}
	if keyType == "rsa-pss" {
		return spkiHash(SPKIAlgorithm{OID: OIDRSAPSS}, pub)
	}
	return spkiHash(SPKIAlgorithm{OID: OIDRSA, Params: asn1Null}, pub)
}

// ECSPKI fingerprints the EC public point (uncompressed, 04‖X‖Y) on c.
func ECSPKI(c Curve, point []byte) Fingerprint {
	params, err := asn1.Marshal(c.OID())
	if err != nil {
		return Fingerprint{}
	}
	return spkiHash(SPKIAlgorithm{OID: OIDECPublic, Params: asn1.RawValue{FullBytes: params}}, point)
}

// OKPSPKI fingerprints an Ed25519, Ed448, X25519 or X448 public key; oid
// names the algorithm (RFC 8410, no parameters).
func OKPSPKI(oid asn1.ObjectIdentifier, pub []byte) Fingerprint {
	return spkiHash(SPKIAlgorithm{OID: oid}, pub)
}

// DSASPKI fingerprints a DSA public key y with its domain p, q, g.
func DSASPKI(p, q, g, y *big.Int) Fingerprint {
	params, err := asn1.Marshal(struct{ P, Q, G *big.Int }{p, q, g})
	if err != nil {
		return Fingerprint{}
	}
	pub, err := asn1.Marshal(y)
	if err != nil {
		return Fingerprint{}
	}
	return spkiHash(SPKIAlgorithm{OID: OIDDSA, Params: asn1.RawValue{FullBytes: params}}, pub)
}
