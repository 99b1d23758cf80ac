// Package keys is the vocabulary and the mathematics of the keys dumpguard
// finds: how far a key was proved ([Status]), what a finding says of it
// ([KeyInfo], whose [Curve] and [Scheme] come from fixed sets and never from
// text found in a dump), its name (the [Fingerprint] of its DER
// SubjectPublicKeyInfo), the curves with one d·G and one on-curve check each,
// the checked public halves ([Public]), the entropy filter ([LooksRandom]) and
// the proofs by trial math (p·q = n, e·d ≡ 1 mod λ(n) and prime factors for
// RSA, d·G = Q for EC, the public key derived from an Ed25519 seed or X25519
// key, y = g^x for DSA). It knows no encoding and no file format: detectors
// and the hunt decode key material and hand the numbers here to be proved,
// and it holds no key bytes beyond the call that proves them. It imports
// nothing from this module; besides the standard library it uses only
// decred's secp256k1, the curve the standard library lacks.
package keys

import (
	"encoding/hex"
	"fmt"
)

// A Fingerprint is a SHA-256 digest, of a key's DER SubjectPublicKeyInfo (or a
// JWK thumbprint); the zero value means "unknown".
type Fingerprint [32]byte

// IsZero reports whether f is unknown.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// String is the lowercase hex digest, or "" when unknown.
func (f Fingerprint) String() string {
	if f.IsZero() {
		return ""
	}
	return hex.EncodeToString(f[:])
}

// MarshalText is the lowercase hex digest; an unknown fingerprint is empty
// text (wrap it in a pointer or use omitempty where JSON wants null).
func (f Fingerprint) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads a hex digest, upper or lower case, with an optional
// "sha256:" prefix; empty text is the unknown fingerprint.
func (f *Fingerprint) UnmarshalText(b []byte) error {
	v, err := ParseFingerprint(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// ParseFingerprint reads a hex SHA-256 digest, upper or lower case, with an
// optional "sha256:" prefix (any case); "" is the unknown fingerprint.
func ParseFingerprint(s string) (Fingerprint, error) {
	var f Fingerprint
	if len(s) > 7 && (s[:7] == "sha256:" || s[:7] == "SHA256:") {
		s = s[7:]
	}
	if s == "" {
		return f, nil
	}
	if len(s) != 64 {
		return f, fmt.Errorf("keys: a SHA-256 fingerprint has 64 hex digits, not %d", len(s))
	}
	if _, err := hex.Decode(f[:], []byte(s)); err != nil {
		return Fingerprint{}, fmt.Errorf("keys: fingerprint is not hex")
	}
	return f, nil
}

// Status says how far a key was proved. Higher is more certain.
type Status uint8

const (
	// Fragment: a private-key block that is cut off or garbled but still carries key bytes.
	Fragment Status = iota + 1
	// Encrypted: an encrypted private key.
	Encrypted
	// Unverified: a well-formed private key whose secret parts look real but
	// cannot be checked against a public half, or disagree with it.
	Unverified
	// Validated: the math checks out; the private half matches its public half.
	Validated
)

var statusNames = [...]string{Fragment: "fragment", Encrypted: "encrypted", Unverified: "unverified", Validated: "validated"}

func (s Status) String() string {
	if int(s) < len(statusNames) && statusNames[s] != "" {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// ParseStatus is the inverse of [Status.String].
func ParseStatus(name string) (Status, error) {
	for s, n := range statusNames {
		if n != "" && n == name {
			return Status(s), nil
		}
	}
	return 0, fmt.Errorf("unknown status %q (want validated, unverified, encrypted or fragment)", name)
}

// MarshalText makes a Status a JSON string.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a status name.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
