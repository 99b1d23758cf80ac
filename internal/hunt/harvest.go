package hunt

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"sync"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// This file gathers the public keys the hunt looks for from the dump itself.

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

// HarvestMaxLen is the longest public-key encoding [Harvest] decodes: a PEM
// certificate of the longest DER certificate with its armour, or a JWK. A
// caller harvesting overlapping windows overlaps them by this much.
const HarvestMaxLen = detectors.MaxCertDER*4/3 + 1024

var (
	pemBegin = []byte("-----BEGIN ")
	// harvestSSHMarks are what the searches for harvestSSHTypes look for,
	// one byte into the type.
	harvestSSHMarks = [][]byte{[]byte("ssh-"), []byte("ecdsa-sha2-nistp")}
)

// The harvest's anchors, by id: [Harvest] finds them all in one prefilter
// pass over the buffer and visits each kind in turn.
const (
	aDER2 = iota
	aDER1
	aEC
	aEd
	aPEM
	aJWK
	aSSH
	aECDSA
	aSSHText
)

var harvestAnchors = [][]byte{aDER2: derSeq2, aDER1: derSeq1, aEC: ecAlgOID, aEd: ed25519SPKIHdr,
	aPEM: pemBegin, aJWK: jwkKty, aSSH: harvestSSHMarks[0], aECDSA: harvestSSHMarks[1], aSSHText: harvestSSHText}

// harvestMatcher finds every anchor in one pass; built on first use from the
// constant anchors, immutable after.
var harvestMatcher = sync.OnceValue(func() *prefilter.Matcher {
	m, err := prefilter.New(harvestAnchors)
	if err != nil {
		panic("hunt: harvest anchors: " + err.Error()) // the anchors are constants
	}
	return m
})

// harvestMatches holds a worker's prefilter matches between calls.
var harvestMatches = sync.Pool{New: func() any { return new([]prefilter.Match) }}

// maxBlob is the longest public key blob: a 16384-bit RSA modulus and its
// header.
const maxBlob = 24 + 8 + 16384/8

// Harvest appends the public keys found in buf to dst: X.509 DER
// certificates and SubjectPublicKeyInfo by their shape, PKCS#1 RSA public keys,
// PEM certificates and public keys, JWKs with n/e or x/y, and OpenSSH public
// keys as text (authorized_keys lines) and as wire blobs ([HarvestNumbers]
// reads Windows public key blobs). It allocates nothing
// when buf holds no candidate. The same key is often found many times; the
// caller dedupes by SPKI.
func Harvest(dst []detectors.PublicKey, buf []byte) []detectors.PublicKey {
	ms := harvestMatches.Get().(*[]prefilter.Match)
	defer harvestMatches.Put(ms)
	*ms = harvestMatcher().Find((*ms)[:0], buf)
	if len(*ms) == 0 {
		return dst
	}
	var m prefilter.Marks
	return harvestAt(dst, buf, m.Matched(buf, harvestAnchors, *ms))
}

// HarvestAnchors are the literals [HarvestMarked] decodes from, for a caller
// that finds them in its own prefilter pass. The caller must not modify them.
func HarvestAnchors() [][]byte { return harvestAnchors }

// HarvestMarked is [Harvest] from the anchors m finds in buf: m reports
// where [HarvestAnchors] start (literal k is bit k).
func HarvestMarked(dst []detectors.PublicKey, buf []byte, m *prefilter.Marks) []detectors.PublicKey {
	return harvestAt(dst, buf, m)
}

// harvestAt is [Harvest] from the anchors m finds in buf.
func harvestAt(dst []detectors.PublicKey, buf []byte, m *prefilter.Marks) []detectors.PublicKey {
	add := func(k detectors.PublicKey, ok bool) {
		if ok {
			dst = append(dst, k)
		}
	}
	for _, k := range []int{aDER2, aDER1} {
		for at := 0; ; at++ {
			if at = m.Index(k, at); at < 0 {
				break
			}
			if n := harvestDER(&dst, buf[at:]); n > 0 {
				at += n - 1
			}
		}
	}
	for at := 0; ; at++ {
		if at = m.Index(aEC, at); at < 0 {
			break
		}
		// SPKI: 30 len (30 len 06 07 <oid> 06 len <curve>) 03 len 00 point; short
		// lengths only: longer ones are found through 30 81/30 82 above.
		if at >= 4 && buf[at-2] == 0x30 && buf[at-4] == 0x30 && buf[at-3] < 0x80 {
			if end := at - 2 + int(buf[at-3]); end <= len(buf) {
				add(detectors.PublicKeyFromSPKI(buf[at-4 : end]))
			}
		}
	}
	for at := 0; ; at++ {
		if at = m.Index(aEd, at); at < 0 {
			break
		}
		if at+44 <= len(buf) {
			add(detectors.PublicKeyFromSPKI(buf[at : at+44]))
		}
	}
	for at := 0; ; at++ {
		if at = m.Index(aPEM, at); at < 0 {
			break
		}
		harvestPEM(&dst, buf[at:min(len(buf), at+HarvestMaxLen)])
	}
	for at := 0; ; at++ {
		if at = m.Index(aJWK, at); at < 0 {
			break
		}
		start := bytes.LastIndexByte(buf[max(0, at-detectors.MaxJWKText):at], '{')
		if start < 0 {
			continue
		}
		start += max(0, at-detectors.MaxJWKText)
		end := bytes.IndexByte(buf[at:min(len(buf), start+detectors.MaxJWKText)], '}')
		if end < 0 {
			continue
		}
		add(detectors.PublicKeyFromJWK(buf[start : at+end+1]))
	}
	// OpenSSH public keys, as wire blobs and as authorized_keys text.
	// "ssh-rsa" and "ssh-ed25519" share one search, for "ssh-" after the
	// length byte; "ecdsa-sha2-nistp" has its own.
	for _, k := range []int{aSSH, aECDSA} {
		for at := 0; ; at++ {
			if at = m.Index(k, at); at < 0 {
				break
			}
			t := at - 1
			if t < 3 || buf[t-3] != 0 || buf[t-2] != 0 || buf[t-1] != 0 {
				continue
			}
			for _, typ := range harvestSSHTypes {
				if bytes.HasPrefix(buf[t:], typ) {
					add(detectors.PublicKeyFromSSH(buf[t-3 : min(len(buf), t+4096)]))
					break
				}
			}
		}
	}
	for at := 0; ; at++ {
		if at = m.Index(aSSHText, at); at < 0 {
			break
		}
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
		add(detectors.PublicKeyFromSSH(blob[:n]))
		at = end - 1
	}
	return dst
}

// harvestDER decodes the DER structure b starts with (30 81 or 30 82) when it
// has the shape of a certificate, an SPKI or a PKCS#1 public key. It returns
// the length of a certificate it decoded, so the SPKI inside is not decoded
// again, and 0 otherwise.
func harvestDER(dst *[]detectors.PublicKey, b []byte) int {
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
	if n < 0x20 || end > len(b) || end > detectors.MaxCertDER {
		return 0
	}
	c := b[hdr:]
	var k detectors.PublicKey
	var ok bool
	switch {
	case c[0] == 0x30 && c[1] == 0x82 && c[4] == 0xa0 && c[5] == 0x03 && c[6] == 0x02 && c[7] == 0x01:
		if k, ok = detectors.PublicKeyFromCert(b[:end]); ok {
			*dst = append(*dst, k)
			return end
		}
		return 0
	case c[0] == 0x30 && c[1] < 0x80 && c[2] == 0x06:
		k, ok = detectors.PublicKeyFromSPKI(b[:end])
	case c[0] == 0x02 && (c[1] == 0x81 || c[1] == 0x82):
		k, ok = detectors.PublicKeyFromPKCS1(b[:end])
	}
	if ok {
		*dst = append(*dst, k)
	}
	return 0
}

// harvestPEM decodes the PEM block b starts with when it is a certificate or a
// public key.
func harvestPEM(dst *[]detectors.PublicKey, b []byte) {
	label := b[len(pemBegin):min(len(b), len(pemBegin)+32)]
	var decode func([]byte) (detectors.PublicKey, bool)
	switch {
	case bytes.HasPrefix(label, []byte("CERTIFICATE-----")):
		decode = detectors.PublicKeyFromCert
	case bytes.HasPrefix(label, []byte("PUBLIC KEY-----")):
		decode = detectors.PublicKeyFromSPKI
	case bytes.HasPrefix(label, []byte("RSA PUBLIC KEY-----")):
		decode = detectors.PublicKeyFromPKCS1
	default:
		return
	}
	if blk, _ := pem.Decode(b); blk != nil {
		if k, ok := decode(blk.Bytes); ok {
			*dst = append(*dst, k)
		}
	}
}

func isBase64(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '='
}

// HarvestPrivate appends to dst the public half of the private key a
// detector validated in enc, its PEM or DER encoding (PKCS#8, PKCS#1 or
// SEC1), so that the hunt also finds the copies of that key a process keeps
// as bare numbers. It keeps nothing of the private key.
func HarvestPrivate(dst []detectors.PublicKey, enc []byte) []detectors.PublicKey {
	der := enc
	if i := bytes.Index(enc, pemBegin); i >= 0 {
		blk, _ := pem.Decode(enc[i:])
		if blk == nil {
			return dst
		}
		der = blk.Bytes
	}
	var pub crypto.PublicKey
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			pub = s.Public()
		}
	} else if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		pub = k.Public()
	} else if k, err := x509.ParseECPrivateKey(der); err == nil {
		pub = k.Public()
	}
	if pub == nil {
		return dst
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return dst
	}
	// P-384 and P-521 keys are left out: hunting one costs a scalar
	// multiplication of 140 µs or more at every candidate, and the key is
	// already reported; name it with --pubkeys to hunt its copies.
	if k, ok := detectors.PublicKeyFromSPKI(spki); ok && k.Curve != keys.P384 && k.Curve != keys.P521 {
		dst = append(dst, k)
	}
	return dst
}
