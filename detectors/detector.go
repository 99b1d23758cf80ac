// Package detectors finds private keys in a buffer of memory and proves each one
// by arithmetic before reporting it.
//
// A [Detector] looks for cheap marker bytes first (its prefilter: a byte search that
// touches the buffer once and allocates nothing), parses what follows with bounded,
// non-panicking code, and then validates the key by trial math in validate.go:
// p·q = n and e·d ≡ 1 (mod λ(n)) for RSA, d·G = Q for elliptic curves, the public
// key derived from the seed for Ed25519. A detector never reports a parse success
// alone as a key, and never retains or returns key bytes: a [Hit] names the key by
// the SHA-256 of its DER SubjectPublicKeyInfo.
//
// Detectors know nothing of dump formats: they see bytes. The scanner package
// feeds them overlapping windows of a file and maps their offsets to addresses.
package detectors

import "dumpguard/internal/keys"

// A Detector reports private keys found in a window of memory. It must be safe
// for concurrent use, must not retain buf, and must not report a key it could not
// at least parse as key material; how far the proof went is the hit's [Status].
type Detector interface {
	// Name is stable and lower case: "pem", "der", "cng-blob".
	Name() string
	// MaxLen is the longest span, from a hit's first byte, that the detector
	// needs to see to decode a key. The scanner overlaps windows by this much,
	// so a key that straddles a window edge is still seen whole by one window.
	MaxLen() int
	// Detect appends the hits found in buf to dst. It allocates nothing when
	// buf holds no candidate (the common case).
	Detect(dst []Hit, buf []byte) []Hit
}

// A Hit is one key found in a buffer. Offsets are relative to the buffer.
type Hit struct {
	Off, Len int
	Encoding string // "pem", "der-pkcs1", "der-pkcs8", "jwk", "cng-blob", "raw-be", ...
	Status   Status
	Key      KeyInfo
	// Parts lists the byte ranges of every component of a key found in pieces
	// (a raw hunt finds p, q and d separately). Empty when [Off, Off+Len) covers it.
	Parts []Span
}

// A Span is a byte range relative to the buffer a hit was found in.
type Span struct {
	Off, Len int
	What     string // "p", "q", "d", "seed"
}

// KeyInfo describes a key without holding any of it.
type KeyInfo struct {
	Type  string // "rsa", "rsa-pss", "ec", "ed25519", "ed448", "x25519", "x448", "dsa", "symmetric"
	Bits  int    // modulus or field size
	Curve string // "P-256", "secp256k1", "" for RSA
	// SPKI is the SHA-256 of the DER SubjectPublicKeyInfo of the public half;
	// zero when it cannot be known (an encrypted key, a symmetric key).
	SPKI Fingerprint
	// Thumbprint is the SHA-256 of a JWK's RFC 7638 thumbprint input, for
	// symmetric JWKs that have no public half.
	Thumbprint Fingerprint
	Scheme     string // encryption scheme of an encrypted key: "pbes2-aes256-cbc", "aes256-ctr+bcrypt"
	Proof      string // how it was validated: "p·q=n, e·d≡1 mod λ(n), p,q prime"
	Note       string // why a hit is not validated: "n≠p·q", "cut off at 1022 bytes"
}

// Transitional names for the vocabulary that moved to package keys.
type (
	Fingerprint = keys.Fingerprint
	Status      = keys.Status
)

const (
	Fragment   = keys.Fragment
	Encrypted  = keys.Encrypted
	Unverified = keys.Unverified
	Validated  = keys.Validated
)

// ParseStatus is [keys.ParseStatus].
func ParseStatus(name string) (Status, error) { return keys.ParseStatus(name) }

// All returns the built-in detectors in a fixed order. No init() registration.
func All() []Detector {
	return []Detector{PEM{}, DER{}, PKCS12{}, JWK{}, CNGBlob{}, CAPIBlob{}, OpenSSHBlob{}, PuTTY{}, PGP{}}
}
