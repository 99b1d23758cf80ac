// Package detectors finds private keys in a buffer of memory, by their
// encodings (PEM, DER, PKCS#12, JWK, CNG and CAPI blobs, OpenSSH, PuTTY,
// OpenPGP), and proves each with package keys before reporting it. A
// [Detector] looks for cheap marker bytes first (a [Set] finds every
// detector's markers in one prefilter pass and allocates nothing on a miss;
// Detect alone searches for them), parses what follows with bounded,
// non-panicking code, and hands the numbers to keys for trial math; a parse
// success alone is never reported as a key, and a [Hit] names the key by its
// SubjectPublicKeyInfo fingerprint without retaining or returning key bytes.
// Detectors know nothing of dump formats: they see bytes, and the scanner feeds
// them overlapping windows and maps their offsets to addresses. The package
// imports only keys from this module; [ParsePublicBlob] is exported for the raw
// hunt's harvest of public halves.
package detectors

import "dumpguard/internal/keys"

// A Detector reports private keys found in a window of memory. It must be safe
// for concurrent use, must not retain buf, and must not report a key it could not
// at least parse as key material; how far the proof went is the hit's [keys.Status].
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
	Status   keys.Status
	Key      keys.KeyInfo
	// Parts lists the byte ranges of every component of a key found in pieces
	// (a raw hunt finds p, q and d separately). Empty when [Off, Off+Len) covers it.
	Parts []Span
}

// A Span is a byte range relative to the buffer a hit was found in.
type Span struct {
	Off, Len int
	What     string // "p", "q", "d", "seed"
}

// All returns the built-in detectors in a fixed order. No init() registration.
func All() []Detector {
	return []Detector{PEM{}, DER{}, PKCS12{}, JWK{}, CNGBlob{}, CAPIBlob{}, OpenSSHBlob{}, PuTTY{}, PGP{}}
}
