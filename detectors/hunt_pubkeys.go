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
	"sync"

	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// This file gathers the public keys the raw hunt (hunt.go) looks for: from
// files the user names (--pubkeys) and from the dump itself. A public key is
// not a secret; it is the known half that lets the hunt prove a bare number in
// memory is the private half.

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
}

// ErrNoPublicKeys reports a --pubkeys file that holds no public key we can use.
var ErrNoPublicKeys = errors.New("detectors: no public key found")

// Bounds on what one public-key source may hold.
const (
	maxPubkeysPerFile = 1 << 12
	maxJWKText        = 16 << 10
	maxCertDER        = 16 << 10
)

// HarvestMaxLen is the longest public-key encoding [HarvestPublicKeys] decodes:
// a PEM certificate of maxCertDER bytes with its armour, or a JWK.
const HarvestMaxLen = maxCertDER*4/3 + 1024

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

// Marker bytes of public keys in memory.
var (
	derSeq2        = []byte{0x30, 0x82}
	derSeq1        = []byte{0x30, 0x81}
	ecAlgOID       = []byte{0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01}
	ed25519SPKIHdr = []byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}
	jwkKty         = []byte(`"kty"`)
	// The wire form starts with the type's length, and each length byte is rare
	// in text, which keeps these searches fast; the base64 of the text form
	// starts with AAAA (the high bytes of that length).
	harvestSSHTypes = [][]byte{[]byte("\x07ssh-rsa"), []byte("\x0bssh-ed25519"), []byte("\x13ecdsa-sha2-nistp")}
	harvestSSHText  = []byte("AAAA")
)

// harvestAnchors are the marker bytes above, by anchor id.
var harvestAnchors = [][]byte{derSeq2, derSeq1, ecAlgOID, ed25519SPKIHdr, pemBegin, jwkKty,
	harvestSSHTypes[0], harvestSSHTypes[1], harvestSSHTypes[2], harvestSSHText}

// harvestMatcher finds every harvest anchor in one pass. It is built from
// the constant anchors on first use and immutable after.
var harvestMatcher = sync.OnceValue(func() *prefilter.Matcher {
	m, err := prefilter.New(harvestAnchors)
	if err != nil {
		panic("detectors: harvest anchors: " + err.Error()) // the anchors are constants
	}
	return m
})

// harvestMatches holds the prefilter's matches between calls.
var harvestMatches = sync.Pool{New: func() any { return new([]prefilter.Match) }}

// HarvestPublicKeys appends the public keys found in buf to dst: X.509 DER
// certificates and SubjectPublicKeyInfo by their shape, PKCS#1 RSA public keys,
// PEM certificates and public keys, JWKs with n/e or x/y, and OpenSSH public
// keys as text (authorized_keys lines) and as wire blobs. It allocates nothing
// when buf holds no candidate. The same key is often found many times; the
// caller dedupes by SPKI.
func HarvestPublicKeys(dst []PublicKey, buf []byte) []PublicKey {
	ms := harvestMatches.Get().(*[]prefilter.Match)
	defer harvestMatches.Put(ms)
	*ms = harvestMatcher().Find((*ms)[:0], buf)
	if len(*ms) == 0 {
		return dst
	}
	m := marks{buf: buf, lits: harvestAnchors, ms: *ms, matched: true}
	return harvestAt(dst, buf, &m)
}

// harvestAt is HarvestPublicKeys from the anchors that m finds.
func harvestAt(dst []PublicKey, buf []byte, m *marks) []PublicKey {
	add := func(k PublicKey, ok bool) {
		if ok {
			dst = append(dst, k)
		}
	}
	for k := range 2 { // derSeq2, derSeq1
		for at := 0; ; at++ {
			i := m.index(k, at)
			if i < 0 {
				break
			}
			at = i
			if n := harvestDER(&dst, buf[at:]); n > 0 {
				at += n - 1
			}
		}
	}
	for at := 0; ; at++ {
		i := m.index(2, at)
		if i < 0 {
			break
		}
		at = i
		// SPKI: 30 len (30 len 06 07 <oid> 06 len <curve>) 03 len 00 point; short
		// lengths only: longer ones are found through 30 81/30 82 above.
		if at >= 4 && buf[at-2] == 0x30 && buf[at-4] == 0x30 && buf[at-3] < 0x80 {
			if end := at - 2 + int(buf[at-3]); end <= len(buf) {
				add(keyFromSPKI(buf[at-4 : end]))
			}
		}
	}
	for at := 0; ; at++ {
		i := m.index(3, at)
		if i < 0 {
			break
		}
		at = i
		if at+44 <= len(buf) {
			add(keyFromSPKI(buf[at : at+44]))
		}
	}
	for at := 0; ; at++ {
		i := m.index(4, at)
		if i < 0 {
			break
		}
		at = i
		harvestPEM(&dst, buf[at:min(len(buf), at+HarvestMaxLen)])
	}
	for at := 0; ; at++ {
		i := m.index(5, at)
		if i < 0 {
			break
		}
		at = i
		start := bytes.LastIndexByte(buf[max(0, at-maxJWKText):at], '{')
		if start < 0 {
			continue
		}
		start += max(0, at-maxJWKText)
		end := bytes.IndexByte(buf[at:min(len(buf), start+maxJWKText)], '}')
		if end < 0 {
			continue
		}
		var j jwk
		if json.Unmarshal(buf[start:at+end+1], &j) == nil {
			add(keyFromJWK(j))
		}
	}
	// OpenSSH public keys, as wire blobs and as authorized_keys text.
	for k := 6; k < 9; k++ { // harvestSSHTypes
		for at := 0; ; at++ {
			i := m.index(k, at)
			if i < 0 {
				break
			}
			at = i
			if at >= 3 && buf[at-3] == 0 && buf[at-2] == 0 && buf[at-1] == 0 {
				add(keyFromSSHBlob(buf[at-3 : min(len(buf), at+4096)]))
			}
		}
	}
	for at := 0; ; at++ {
		i := m.index(9, at)
		if i < 0 {
			break
		}
		at = i
		end := at
		for end < len(buf) && end-at < 4096 && isBase64(buf[end]) {
			end++
		}
		// "AAAAB3NzaC1yc2E" is base64 of the length and "ssh-rsa"; the other
		// types differ from the fifth character on.
		if end-at < 20 || !bytes.HasPrefix(buf[at+4:], []byte("B3NzaC1yc2E")) &&
			!bytes.HasPrefix(buf[at+4:], []byte("C3NzaC1lZDI1NTE5")) &&
			!bytes.HasPrefix(buf[at+4:], []byte("E2VjZHNhLXNoYTItbmlzdHA")) {
			at = end - 1
			continue
		}
		blob := make([]byte, base64.StdEncoding.DecodedLen(end-at))
		n, _ := base64.StdEncoding.Decode(blob, buf[at:end])
		add(keyFromSSHBlob(blob[:n]))
		at = end - 1
	}
	return dst
}

// harvestDER decodes the DER structure b starts with (30 81 or 30 82) when it
// has the shape of a certificate, an SPKI or a PKCS#1 public key. It returns
// the length of a certificate it decoded, so the SPKI inside is not decoded
// again, and 0 otherwise.
func harvestDER(dst *[]PublicKey, b []byte) int {
	hdr, n := 3, 0
	if len(b) < 12 {
		return 0
	}
	if b[1] == 0x82 {
		hdr, n = 4, int(b[2])<<8|int(b[3])
	} else {
		n = int(b[2])
	}
	end := hdr + n
	if n < 0x20 || end > len(b) || end > maxCertDER {
		return 0
	}
	c := b[hdr:]
	var k PublicKey
	var ok bool
	switch {
	case c[0] == 0x30 && c[1] == 0x82 && c[4] == 0xa0 && c[5] == 0x03 && c[6] == 0x02 && c[7] == 0x01:
		if k, ok = keyFromDumpCert(b[:end]); ok {
			*dst = append(*dst, k)
			return end
		}
		return 0
	case c[0] == 0x30 && c[1] < 0x80 && c[2] == 0x06:
		k, ok = keyFromSPKI(b[:end])
	case c[0] == 0x02 && (c[1] == 0x81 || c[1] == 0x82):
		k, ok = keyFromPKCS1Public(b[:end])
	}
	if ok {
		*dst = append(*dst, k)
	}
	return 0
}

// harvestPEM decodes the PEM block b starts with when it is a certificate or a
// public key.
func harvestPEM(dst *[]PublicKey, b []byte) {
	label := b[len(pemBegin):min(len(b), len(pemBegin)+32)]
	var decode func([]byte) (PublicKey, bool)
	switch {
	case bytes.HasPrefix(label, []byte("CERTIFICATE-----")):
		decode = keyFromDumpCert
	case bytes.HasPrefix(label, []byte("PUBLIC KEY-----")):
		decode = keyFromSPKI
	case bytes.HasPrefix(label, []byte("RSA PUBLIC KEY-----")):
		decode = keyFromPKCS1Public
	default:
		return
	}
	if blk, _ := pem.Decode(b); blk != nil {
		if k, ok := decode(blk.Bytes); ok {
			*dst = append(*dst, k)
		}
	}
}
