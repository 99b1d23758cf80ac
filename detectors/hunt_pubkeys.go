package detectors

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"

	"dumpguard/internal/keys"
)

// This file decodes the public keys the raw hunt (package internal/hunt)
// looks for: from files the user names (--pubkeys) and, through the
// PublicKeyFrom functions, from the encodings its harvest meets in a dump. A
// public key is not a secret; it is the known half that lets the hunt prove a
// bare number in memory is the private half.

// A PublicKey is a public key the hunt can match private numbers against.
type PublicKey struct {
	SPKI  keys.Fingerprint // SHA-256 of the DER SubjectPublicKeyInfo
	Type  string           // "rsa", "ec", "ed25519"
	Bits  int
	Curve keys.Curve // P256, P384, P521, Secp256k1; NoCurve otherwise

	N *big.Int // RSA modulus
	E int      // RSA public exponent

	// Point is the EC public point, uncompressed (04‖X‖Y), or the 32-byte
	// Ed25519 public key.
	Point []byte

	Source    string // file it came from (--pubkeys); "" when harvested from the dump
	Protected bool   // loaded from --pubkeys: a key that must never leave
	CA        bool   // harvested from a CA certificate (basicConstraints cA)

	// Derived marks the public half the harvest computed from a candidate
	// secret (an Ed25519 seed, an EC scalar): it proves nothing until it is
	// found in the dump. SeedAt is where that secret lies (an offset in the
	// harvested buffer, which the caller rebases to the file), SeedEncoding
	// its byte order ("raw-be", "raw-le").
	Derived      bool
	SeedAt       int64
	SeedEncoding string
}

// ErrNoPublicKeys reports a --pubkeys file that holds no public key we can use.
var ErrNoPublicKeys = errors.New("detectors: no public key found")

// Bounds on what one public-key source may hold.
const (
	maxPubkeysPerFile = 1 << 12
	maxJWKText        = 16 << 10
	maxCertDER        = 16 << 10
)

// Bounds on the public-key encodings a harvest decodes.
const (
	MaxCertDER = maxCertDER // longest DER certificate decoded
	MaxJWKText = maxJWKText // longest JWK text decoded
)

// The decoders of single public-key encodings, for a harvest of public keys
// from memory. Each reports false for anything that is not a usable key.
var (
	// PublicKeyFromCert decodes an X.509 DER certificate and says whether it
	// is a CA's (basicConstraints cA).
	PublicKeyFromCert = keyFromDumpCert
	// PublicKeyFromSPKI decodes a DER SubjectPublicKeyInfo.
	PublicKeyFromSPKI = keyFromSPKI
	// PublicKeyFromPKCS1 decodes a DER PKCS#1 RSAPublicKey.
	PublicKeyFromPKCS1 = keyFromPKCS1Public
	// PublicKeyFromSSH decodes an SSH wire-format public key blob.
	PublicKeyFromSSH = keyFromSSHBlob
	// PublicKeyFromBlob decodes a CNG BCRYPT_RSAPUBLIC_BLOB or
	// BCRYPT_ECCPUBLIC_BLOB, or a CAPI PUBLICKEYBLOB.
	PublicKeyFromBlob = keyFromBlob
)

// PublicKeyFromJWK decodes one JSON Web Key object with n/e, x/y or OKP x.
func PublicKeyFromJWK(text []byte) (PublicKey, bool) {
	var j jwk
	if json.Unmarshal(text, &j) != nil {
		return PublicKey{}, false
	}
	return keyFromJWK(j)
}

// ECPublicKey checks an uncompressed (04‖X‖Y) or compressed point on c
// and returns it as a public key; false when the point is not on the curve.
func ECPublicKey(c keys.Curve, point []byte) (PublicKey, bool) { return ecPublicKey(c, point) }

// RSAPublicKey checks an RSA public key as far as the hunt needs it.
func RSAPublicKey(n, e *big.Int) (PublicKey, bool) { return rsaPublicKey(n, e) }

// Ed25519PublicKey returns a 32-byte Ed25519 public key as a PublicKey.
func Ed25519PublicKey(pub []byte) (PublicKey, bool) { return ed25519PublicKey(pub) }

// LoadPublicKeys reads the public keys in one file: PEM or DER certificates,
// SubjectPublicKeyInfo ("PUBLIC KEY"), PKCS#1 "RSA PUBLIC KEY", JWK and JWKS
// documents (RSA n/e, EC crv/x/y, OKP Ed25519 x, and x5c certificates),
// authorized_keys and *.pub lines, and CNG (BCRYPT_RSAPUBLIC_BLOB,
// BCRYPT_ECCPUBLIC_BLOB) or CAPI PUBLICKEYBLOB blobs. Every key is marked
// Protected with name as its Source. A file with no key is an error wrapping
// [ErrNoPublicKeys].
func LoadPublicKeys(name string, data []byte) ([]PublicKey, error) {
	var keys []PublicKey
	add := func(k PublicKey, ok bool) {
		if ok && len(keys) < maxPubkeysPerFile {
			k.Source, k.Protected = name, true
			keys = append(keys, k)
		}
	}
	// PEM blocks.
	for rest := data; len(keys) < maxPubkeysPerFile; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE":
			add(keyFromCert(b.Bytes))
		case "PUBLIC KEY":
			add(keyFromSPKI(b.Bytes))
		case "RSA PUBLIC KEY":
			add(keyFromPKCS1Public(b.Bytes))
		}
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(keys) > 0:
	case len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['):
		for _, k := range keysFromJSON(trimmed) {
			add(k, true)
		}
	case len(data) > 0 && data[0] == 0x30:
		if k, ok := keyFromCert(data); ok {
			add(k, ok)
		} else if k, ok := keyFromSPKI(data); ok {
			add(k, ok)
		} else {
			add(keyFromPKCS1Public(data))
		}
	default:
		add(keyFromBlob(data))
	}
	if len(keys) == 0 {
		// authorized_keys, known_hosts and *.pub: "[options] type base64 [comment]".
		for _, line := range bytes.Split(data, []byte("\n")) {
			for _, f := range bytes.Fields(line) {
				if !bytes.HasPrefix(f, []byte("AAAA")) {
					continue
				}
				blob := make([]byte, base64.StdEncoding.DecodedLen(len(f)))
				n, err := base64.StdEncoding.Decode(blob, f)
				if err == nil {
					add(keyFromSSHBlob(blob[:n]))
				}
				break
			}
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoPublicKeys, name)
	}
	return keys, nil
}

// certificate is the part of an X.509 certificate the hunt needs. Decoding it
// by hand keeps keys on curves crypto/x509 does not know, such as secp256k1.
type certificate struct {
	TBS struct {
		Version    int `asn1:"optional,explicit,default:0,tag:0"`
		Serial     asn1.RawValue
		SigAlg     asn1.RawValue
		Issuer     asn1.RawValue
		Validity   asn1.RawValue
		Subject    asn1.RawValue
		PublicKey  asn1.RawValue
		IssuerUID  asn1.BitString   `asn1:"optional,tag:1"`
		SubjectUID asn1.BitString   `asn1:"optional,tag:2"`
		Extensions []pkix.Extension `asn1:"optional,explicit,tag:3"`
	}
	SigAlg asn1.RawValue
	Sig    asn1.BitString
}

var oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}

// keyFromDumpCert is keyFromCert for certificates met in a dump: it also
// says whether the certificate is a CA's (basicConstraints cA), since a TLS
// process holds a whole bundle of CA certificates whose keys it never holds.
func keyFromDumpCert(der []byte) (PublicKey, bool) {
	var c certificate
	if _, err := asn1.Unmarshal(der, &c); err != nil {
		return PublicKey{}, false
	}
	k, ok := keyFromSPKI(c.TBS.PublicKey.FullBytes)
	for _, e := range c.TBS.Extensions {
		if !e.Id.Equal(oidBasicConstraints) {
			continue
		}
		var bc struct {
			IsCA bool `asn1:"optional"`
		}
		if _, err := asn1.Unmarshal(e.Value, &bc); err == nil && bc.IsCA {
			k.CA = true
		}
	}
	return k, ok
}

func keyFromCert(der []byte) (PublicKey, bool) {
	var c certificate
	if _, err := asn1.Unmarshal(der, &c); err != nil {
		return PublicKey{}, false
	}
	return keyFromSPKI(c.TBS.PublicKey.FullBytes)
}

func keyFromSPKI(der []byte) (PublicKey, bool) {
	var s keys.SPKI
	if _, err := asn1.Unmarshal(der, &s); err != nil {
		return PublicKey{}, false
	}
	key := s.Key.RightAlign()
	switch oid := s.Algorithm.OID; {
	case oid.Equal(keys.OIDRSA), oid.Equal(keys.OIDRSAPSS):
		k, ok := keyFromPKCS1Public(key)
		if ok && oid.Equal(keys.OIDRSAPSS) {
			k.Type = "rsa-pss"
			k.SPKI = keys.RSASPKI(k.N, big.NewInt(int64(k.E)), "rsa-pss")
		}
		return k, ok
	case oid.Equal(keys.OIDECPublic):
		var curveOID asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(s.Algorithm.Params.FullBytes, &curveOID); err != nil {
			return PublicKey{}, false
		}
		return ecPublicKey(keys.CurveByOID(curveOID), key)
	case oid.Equal(keys.OIDEd25519):
		return ed25519PublicKey(key)
	}
	return PublicKey{}, false
}

func keyFromPKCS1Public(der []byte) (PublicKey, bool) {
	var k struct{ N, E *big.Int }
	if _, err := asn1.Unmarshal(der, &k); err != nil {
		return PublicKey{}, false
	}
	return rsaPublicKey(k.N, k.E)
}

// huntKey is the hunt's PublicKey for a checked public key.
func huntKey(p keys.Public, ok bool) (PublicKey, bool) {
	if !ok {
		return PublicKey{}, false
	}
	k := PublicKey{SPKI: p.SPKI, Type: p.Type, Bits: p.Bits, Curve: p.Curve, N: p.N, Point: p.Point}
	if p.E != nil {
		k.E = int(p.E.Int64()) // below 2³¹: keys.RSAPublic checked
	}
	return k, true
}

// rsaPublicKey checks an RSA public key as far as the hunt needs
// ([keys.RSAPublic]).
func rsaPublicKey(n, e *big.Int) (PublicKey, bool) { return huntKey(keys.RSAPublic(n, e)) }

// ecPublicKey checks a point on c, compressed or not. The hunt leaves out
// P-224, which nothing it meets uses.
func ecPublicKey(c keys.Curve, point []byte) (PublicKey, bool) {
	if c == keys.P224 {
		return PublicKey{}, false
	}
	return huntKey(keys.ECPublic(c, point))
}

func ed25519PublicKey(pub []byte) (PublicKey, bool) { return huntKey(keys.Ed25519Public(pub)) }

// keyFromSSHBlob decodes an SSH wire-format public key blob.
func keyFromSSHBlob(blob []byte) (PublicKey, bool) {
	r := sshReader{b: blob}
	typ := string(r.bytes())
	switch {
	case typ == "ssh-rsa":
		e, n := r.mpint(), r.mpint()
		if r.bad {
			return PublicKey{}, false
		}
		return rsaPublicKey(n, e)
	case typ == "ssh-ed25519":
		pub := r.bytes()
		if r.bad {
			return PublicKey{}, false
		}
		return ed25519PublicKey(pub)
	case len(typ) > 11 && typ[:11] == "ecdsa-sha2-":
		c := keys.CurveByName(sshCurves[string(r.bytes())])
		q := r.bytes()
		if r.bad {
			return PublicKey{}, false
		}
		return ecPublicKey(c, q)
	}
	return PublicKey{}, false
}

// jwk holds the public members of a JSON Web Key.
type jwk struct {
	Kty string   `json:"kty"`
	Crv string   `json:"crv"`
	N   string   `json:"n"`
	E   string   `json:"e"`
	X   string   `json:"x"`
	Y   string   `json:"y"`
	X5c []string `json:"x5c"`
}

// keysFromJSON decodes a JWK, a JWKS ({"keys": [...]}) or an array of JWKs.
func keysFromJSON(text []byte) []PublicKey {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	var list []jwk
	if err := json.Unmarshal(text, &set); err == nil && len(set.Keys) > 0 {
		list = set.Keys
	} else if err := json.Unmarshal(text, &list); err != nil {
		var one jwk
		if json.Unmarshal(text, &one) != nil {
			return nil
		}
		list = []jwk{one}
	}
	var keys []PublicKey
	for _, j := range list {
		if k, ok := keyFromJWK(j); ok {
			keys = append(keys, k)
		}
		for _, c := range j.X5c {
			der, err := base64.StdEncoding.DecodeString(c)
			if err != nil {
				continue
			}
			if k, ok := keyFromCert(der); ok {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

var jwkCurves = map[string]string{"P-256": "P-256", "P-384": "P-384", "P-521": "P-521", "secp256k1": "secp256k1"}

func keyFromJWK(j jwk) (PublicKey, bool) {
	b64 := func(s string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			return nil
		}
		return b
	}
	switch j.Kty {
	case "RSA":
		n, e := b64(j.N), b64(j.E)
		if len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return PublicKey{}, false
		}
		return rsaPublicKey(new(big.Int).SetBytes(n), new(big.Int).SetBytes(e))
	case "EC":
		c := keys.CurveByName(jwkCurves[j.Crv])
		x, y := b64(j.X), b64(j.Y)
		if !c.Known() || len(x) != c.Size() || len(y) != c.Size() {
			return PublicKey{}, false
		}
		return ecPublicKey(c, append(append([]byte{4}, x...), y...))
	case "OKP":
		if j.Crv == "Ed25519" {
			return ed25519PublicKey(b64(j.X))
		}
	}
	return PublicKey{}, false
}

// keyFromBlob decodes a CNG BCRYPT_RSAPUBLIC_BLOB or BCRYPT_ECCPUBLIC_BLOB, or a
// CAPI PUBLICKEYBLOB ([ParsePublicBlob]).
func keyFromBlob(b []byte) (PublicKey, bool) {
	p, _, ok := ParsePublicBlob(b)
	if ok && p.Type == "ec" {
		return ecPublicKey(p.Curve, p.Point)
	}
	return huntKey(p, ok)
}

// reversed returns a reversed copy of b.
func reversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i, c := range b {
		r[len(b)-1-i] = c
	}
	return r
}
