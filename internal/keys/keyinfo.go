package keys

// KeyInfo describes a key without holding any of it. Every field comes from
// a fixed vocabulary or from arithmetic, never from text found in a dump.
type KeyInfo struct {
	Type  string // "rsa", "rsa-pss", "ec", "ed25519", "ed448", "x25519", "x448", "dsa", "symmetric"
	Bits  int    // modulus or field size
	Curve Curve  // P256, Secp256k1, ...; NoCurve for RSA
	// SPKI is the SHA-256 of the DER SubjectPublicKeyInfo of the public half;
	// zero when it cannot be known (an encrypted key, a symmetric key).
	SPKI Fingerprint
	// Thumbprint is the SHA-256 of a JWK's RFC 7638 thumbprint input, for
	// symmetric JWKs that have no public half.
	Thumbprint Fingerprint
	Scheme     Scheme // encryption scheme of an encrypted key; NoScheme otherwise
	Proof      string // how it was validated: "p·q=n, e·d≡1 mod λ(n), p,q prime"
	Note       string // why a hit is not validated: "n≠p·q", "cut off at 1022 bytes"
}
