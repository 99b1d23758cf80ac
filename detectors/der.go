package detectors

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"

	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// DER finds private keys kept in memory as raw DER: PKCS#1 RSAPrivateKey,
// PKCS#8 PrivateKeyInfo and OneAsymmetricKey (RSA, RSA-PSS, EC, Ed25519, Ed448,
// X25519, X448, DSA), SEC1 ECPrivateKey, OpenSSL's DSA structure and PKCS#8
// EncryptedPrivateKeyInfo. Encodings: "der-pkcs1", "der-pkcs8", "der-sec1",
// "der-dsa", "der-pkcs8-encrypted".
//
// It never tries every 0x30. Two byte searches find anchors: the one-byte
// version INTEGER every key structure but the encrypted one starts with
// (02 01 00, 02 01 01), checked against what must follow it (an INTEGER, an
// AlgorithmIdentifier, an OCTET STRING of scalar size), and the PKCS OID arc
// 1.2.840.113549.1 (2a 86 48 86 f7 0d 01) narrowed to the PBES1, PBES2 and
// PKCS#12 PBE OIDs. From an anchor it steps back to the enclosing SEQUENCE
// header, decodes the structure, and validates the key.
//
// A structure nested in an earlier hit (the SEC1 key inside a PKCS#8 one) is
// not reported again, and a PKCS#12 file that [PKCS12] can walk is left to it.
// Both need the outer structure's start in buf: a PKCS#8 prefix is at most a
// few dozen bytes, within the scanner's look-back, but a window that starts
// deep inside a PFX reports the keys in it as plain DER too.
// A key that nothing can check (no public half stored: Ed25519 v1, X25519,
// Ed448, X448, SEC1 without its point) is reported Unverified only when its
// secret looks random, so the DER templates in a crypto library's read-only
// data are not findings. A structure cut off by the end of the buffer is a
// Fragment when at least 48 bytes of its body are there and every complete
// element before the cut has the expected shape.
//
// Structures longer than 16 KiB (an RSA-16384 PKCS#1 key is about 9.3 KiB)
// and the BER forms (indefinite lengths) are not recognised.
type DER struct{}

// derMaxLen bounds one DER key structure, header included.
const derMaxLen = 16 << 10

// derFragmentMin is how many bytes of a cut-off structure's body (after its
// version, or after its AlgorithmIdentifier) must be present for a Fragment.
const derFragmentMin = 48

func (DER) Name() string { return "der" }

func (DER) MaxLen() int { return derMaxLen }

var derPKCSOID = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01} // OID arc 1.2.840.113549.1

// derAnchors are the version INTEGERs (02 01 v) that derAtVersion accepts:
// 0, 1, and 3 before the PFX's SEQUENCE; a bare 02 01 occurs 142 times per
// MiB in the dumps of key-holding processes. Then the PKCS OID arc.
var derAnchors = [][]byte{{0x02, 0x01, 0x00}, {0x02, 0x01, 0x01}, pfxAnchor, derPKCSOID}

// derVersions and derOID are the anchor bits of the two streams.
const derVersions, derOID = 1 | 2 | 4, 8

func (DER) anchors() [][]byte { return derAnchors }

func (d DER) Detect(dst []Hit, buf []byte) []Hit {
	var m prefilter.Marks
	return d.detectAt(dst, buf, m.Search(buf, derAnchors))
}

func (DER) detectAt(dst []Hit, buf []byte, m *prefilter.Marks) []Hit {
	// Both anchor streams are walked in order of offset, so that end (the end
	// of the last hit, or of a PFX left to PKCS12) hides what is nested in it.
	end := 0
	v, _ := m.Find(derVersions, 0)
	e, _ := m.Find(derOID, 0)
	for v >= 0 || e >= 0 {
		var h Hit
		var skip int
		var ok bool
		if e < 0 || (v >= 0 && v < e) {
			h, skip, ok = derAtVersion(buf, v)
			v, _ = m.Find(derVersions, max(v+1, end))
		} else {
			h, ok = derAtPBE(buf, e)
			e, _ = m.Find(derOID, max(e+1, end))
		}
		if ok && h.Off >= end {
			dst = append(dst, h)
			skip = h.Off + h.Len
		}
		if skip > end {
			end = skip
			if v >= 0 && v < end {
				v, _ = m.Find(derVersions, end)
			}
			if e >= 0 && e < end {
				e, _ = m.Find(derOID, end)
			}
		}
	}
	return dst
}

// What a version anchor says about the structure around it.
const (
	derIntegers = iota + 1 // 02 01 0v 02: PKCS#1 RSAPrivateKey or OpenSSL DSA
	derPKCS8               // 02 01 0v 30: PKCS#8, an AlgorithmIdentifier follows
	derSEC1                // 02 01 01 04: SEC1, the private scalar follows
	derPFX                 // 02 01 03 30: a PKCS#12 PFX
)

// seqHeader reads a SEQUENCE header of hl bytes (2, 3 or 4) that ends at v:
// 30 LL, 30 81 LL or 30 82 HH LL, each the minimal DER length form. It
// returns the header's offset and the content length.
func seqHeader(buf []byte, v, hl int) (s, n int, ok bool) {
	s = v - hl
	if s < 0 || v > len(buf) || buf[s] != 0x30 {
		return 0, 0, false
	}
	switch hl {
	case 2:
		n = int(buf[s+1])
		return s, n, n < 0x80
	case 3:
		n = int(buf[s+2])
		return s, n, buf[s+1] == 0x81 && n >= 0x80
	case 4:
		n = int(buf[s+2])<<8 | int(buf[s+3])
		return s, n, buf[s+1] == 0x82 && n >= 0x100
	}
	return 0, 0, false
}

// tlv reads the DER header at b[i:]: tag, header length and content length.
// ok is false when the header is cut off or is not DER (an indefinite or
// non-minimal length, or more than two length bytes). The content itself
// may run past the end of b.
func tlv(b []byte, i int) (tag byte, hl, n int, ok bool) {
	if i < 0 || i+2 > len(b) {
		return 0, 0, 0, false
	}
	tag, l := b[i], b[i+1]
	switch {
	case l < 0x80:
		return tag, 2, int(l), true
	case l == 0x81 && i+3 <= len(b) && b[i+2] >= 0x80:
		return tag, 3, int(b[i+2]), true
	case l == 0x82 && i+4 <= len(b) && b[i+2] != 0:
		return tag, 4, int(b[i+2])<<8 | int(b[i+3]), true
	}
	return 0, 0, 0, false
}

// derAtVersion tries the structure whose version INTEGER is at buf[v:]. skip is
// the end of a PFX that PKCS12 reports, whose contents DER must leave alone.
func derAtVersion(buf []byte, v int) (h Hit, skip int, ok bool) {
	if v < 2 || v+6 > len(buf) {
		return Hit{}, 0, false
	}
	kind := 0
	switch ver, next := buf[v+2], buf[v+3]; {
	case ver <= 1 && next == 0x02: // version 1: a multi-prime RSA key
		kind = derIntegers
	case ver <= 1 && next == 0x30 && (buf[v+5] == 0x06 || buf[v+4] == 0x81 || buf[v+4] == 0x82):
		kind = derPKCS8
	case ver == 1 && next == 0x04 && buf[v+4] >= 20 && buf[v+4] <= 66:
		kind = derSEC1
	case ver == 3 && next == 0x30:
		kind = derPFX
	default:
		return Hit{}, 0, false
	}
	for hl := 4; hl >= 2; hl-- {
		s, n, ok := seqHeader(buf, v, hl)
		if !ok {
			continue
		}
		total := hl + n
		if kind == derPFX {
			if s+total <= len(buf) && total <= pkcs12MaxLen {
				if _, ok := walkPFX(buf[s : s+total]); ok {
					return Hit{}, s + total, false
				}
			}
			continue
		}
		if total > derMaxLen {
			continue
		}
		if s+total > len(buf) {
			if h, ok := derFragment(kind, buf[s:], hl, total); ok {
				h.Off += s
				return h, 0, true
			}
			continue
		}
		der := buf[s : s+total]
		var d decoded
		var weak bool
		switch kind {
		case derIntegers:
			if d, ok = decodePKCS1(der); !ok {
				d, ok = decodeOpenSSLDSA(der)
			}
		case derPKCS8:
			d, weak, ok = pkcs8Key(der)
		case derSEC1:
			d, weak, ok = sec1Key(der, keys.NoCurve)
		}
		if ok && !weak && d.Len == total {
			return Hit{Off: s, Len: total, Encoding: d.Encoding, Status: d.Status, Key: d.Key}, 0, true
		}
	}
	return Hit{}, 0, false
}

// The PBE OIDs of an EncryptedPrivateKeyInfo, after the common arc
// 1.2.840.113549.1: PKCS#5 (5.n) and PKCS#12 (12.1.n).
func isPBEOID(b []byte, e int) bool {
	if e < 2 || e+10 > len(b) || b[e-2] != 0x06 {
		return false
	}
	switch {
	case b[e-1] == 0x09 && b[e+7] == 0x05:
		switch b[e+8] {
		case 1, 3, 4, 6, 10, 11, 13: // PBES1 variants, PBES2
			return true
		}
	case b[e-1] == 0x0a && b[e+7] == 0x0c && b[e+8] == 0x01:
		return b[e+9] >= 1 && b[e+9] <= 6
	}
	return false
}

// derAtPBE tries the EncryptedPrivateKeyInfo whose algorithm OID is at buf[e-2:]:
// SEQUENCE { SEQUENCE { OID, params }, OCTET STRING }.
func derAtPBE(buf []byte, e int) (Hit, bool) {
	if !isPBEOID(buf, e) {
		return Hit{}, false
	}
	for ahl := 2; ahl <= 3; ahl++ {
		a, an, ok := seqHeader(buf, e-2, ahl)
		if !ok {
			continue
		}
		for hl := 2; hl <= 4; hl++ {
			s, n, ok := seqHeader(buf, a, hl)
			if !ok || n < ahl+an+2 {
				continue
			}
			total := hl + n
			if total > derMaxLen {
				continue
			}
			if s+total <= len(buf) {
				if d, ok := decodeEncryptedPKCS8(buf[s : s+total]); ok && d.Len == total {
					return Hit{Off: s, Len: total, Encoding: d.Encoding, Status: d.Status, Key: d.Key}, true
				}
				continue
			}
			if h, ok := encryptedFragment(buf[s:], a-s, ahl+an, total); ok {
				h.Off += s
				return h, true
			}
		}
	}
	return Hit{}, false
}

// encryptedFragment judges an EncryptedPrivateKeyInfo cut off by the end of
// b: its AlgorithmIdentifier (at b[a:a+an]) must be whole and name a scheme,
// and at least derFragmentMin bytes of the ciphertext must be there.
func encryptedFragment(b []byte, a, an, total int) (Hit, bool) {
	if a+an > len(b) {
		return Hit{}, false
	}
	var alg pkix.AlgorithmIdentifier
	if rest, err := asn1.Unmarshal(b[a:a+an], &alg); err != nil || len(rest) != 0 {
		return Hit{}, false
	}
	scheme, ok := encryptionScheme(alg)
	if !ok {
		return Hit{}, false
	}
	tag, hl, n, ok := tlv(b, a+an)
	if !ok || tag != 0x04 || a+an+hl+n != total || len(b)-(a+an+hl) < derFragmentMin {
		return Hit{}, false
	}
	info := keys.KeyInfo{Scheme: scheme, Note: cutNote(len(b), total)}
	return Hit{Len: len(b), Encoding: "der-pkcs8-encrypted", Status: keys.Fragment, Key: info}, true
}

func cutNote(have, want int) string {
	return fmt.Sprintf("cut off at %d of %d bytes", have, want)
}

// derFragment judges a structure of the given kind whose header (hl bytes)
// starts b and that is cut off by the end of b before its total length.
// Every complete element before the cut must have the expected tag, and at
// least derFragmentMin bytes of key body must be present. What the complete
// elements prove (an RSA modulus and exponent, an EC scalar) goes in the
// keys.KeyInfo, but the status stays Fragment.
func derFragment(kind int, b []byte, hl, total int) (Hit, bool) {
	var info keys.KeyInfo
	var ok bool
	body := hl + 3 // after the version
	switch kind {
	case derIntegers:
		info, ok = integersFragment(b, body, "rsa")
	case derSEC1:
		info, ok = sec1Fragment(b, body, keys.NoCurve)
	case derPKCS8:
		info, body, ok = pkcs8Fragment(b, body)
	}
	if !ok || len(b)-body < derFragmentMin {
		return Hit{}, false
	}
	info.Proof = ""
	info.Note = cutNote(len(b), total)
	enc := "der-pkcs8"
	switch {
	case kind == derIntegers && info.Type == "dsa":
		enc = "der-dsa"
	case kind == derIntegers:
		enc = "der-pkcs1"
	case kind == derSEC1:
		enc = "der-sec1"
	}
	return Hit{Len: len(b), Encoding: enc, Status: keys.Fragment, Key: info}, true
}

// integersFragment walks the INTEGERs of a cut PKCS#1 or DSA structure from
// b[i:]. The first must be a modulus or prime of at least 48 bytes. rsaType is
// the key type an RSA key is fingerprinted as ("rsa" or "rsa-pss").
func integersFragment(b []byte, i int, rsaType string) (keys.KeyInfo, bool) {
	var ints [9][]byte
	count := 0
	for ; count < len(ints); count++ {
		tag, hl, n, ok := tlv(b, i)
		if !ok || tag != 0x02 || n == 0 {
			return keys.KeyInfo{}, false
		}
		if count == 0 && n < 48 {
			return keys.KeyInfo{}, false
		}
		if i+hl+n > len(b) {
			break
		}
		ints[count] = b[i+hl : i+hl+n]
		i += hl + n
	}
	if count == 0 || count == len(ints) {
		return keys.KeyInfo{}, false // nothing whole, or nothing cut
	}
	num := func(k int) *big.Int {
		if k >= count {
			return nil
		}
		return new(big.Int).SetBytes(ints[k])
	}
	if count >= 2 && len(ints[1]) > 9 { // q of DSA, not an RSA exponent
		info := keys.KeyInfo{Type: "dsa", Bits: num(0).BitLen()}
		if count >= 4 { // y is whole: the public half is known
			info.SPKI = keys.DSASPKI(num(0), num(1), num(2), num(3))
		}
		return info, true
	}
	info := keys.KeyInfo{Type: rsaType, Bits: num(0).BitLen()}
	if count >= 2 {
		info, _ = keys.ProveRSA(keys.RSA{N: num(0), E: num(1), D: num(2), P: num(3), Q: num(4)}, rsaType)
	}
	return info, true
}

// sec1Fragment walks a cut ECPrivateKey from b[i:] (after its version): the
// scalar, then optional [0] curve and [1] public point. c is the curve the
// enclosing PKCS#8 names, if any.
func sec1Fragment(b []byte, i int, c keys.Curve) (keys.KeyInfo, bool) {
	tag, hl, n, ok := tlv(b, i)
	if !ok || tag != 0x04 || n < 20 || n > 66 {
		return keys.KeyInfo{}, false
	}
	if i+hl+n > len(b) {
		return keys.KeyInfo{Type: "ec"}, true // cut inside the scalar
	}
	d := b[i+hl : i+hl+n]
	if !keys.LooksRandom(d) {
		return keys.KeyInfo{}, false
	}
	i += hl + n
	if tag, hl, n, ok := tlv(b, i); ok && tag == 0xa0 {
		if i+hl+n <= len(b) {
			var oid asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(b[i+hl:i+hl+n], &oid); err != nil {
				return keys.KeyInfo{}, false
			}
			if cc := keys.CurveByOID(oid); cc.Known() {
				c = cc
			}
			i += hl + n
			tag, _, _, ok = tlv(b, i)
			if ok && tag != 0xa1 {
				return keys.KeyInfo{}, false
			}
		}
	} else if ok && tag != 0xa1 {
		return keys.KeyInfo{}, false
	}
	if !c.Known() {
		return keys.KeyInfo{Type: "ec"}, true
	}
	info, _ := keys.ProveEC(c, d, nil)
	return info, true
}

// pkcs8Fragment walks a cut PrivateKeyInfo from b[i:] (after its version): a
// whole AlgorithmIdentifier naming a known key type, and the OCTET STRING
// header of the private key. It returns where the key body starts.
func pkcs8Fragment(b []byte, i int) (keys.KeyInfo, int, bool) {
	tag, hl, n, ok := tlv(b, i)
	if !ok || tag != 0x30 || i+hl+n > len(b) {
		return keys.KeyInfo{}, 0, false
	}
	var alg pkix.AlgorithmIdentifier
	if rest, err := asn1.Unmarshal(b[i:i+hl+n], &alg); err != nil || len(rest) != 0 {
		return keys.KeyInfo{}, 0, false
	}
	i += hl + n
	tag, hl, _, ok = tlv(b, i)
	if !ok || tag != 0x04 {
		return keys.KeyInfo{}, 0, false
	}
	i += hl
	inner := b[i:]
	switch o := alg.Algorithm; {
	case o.Equal(keys.OIDRSA), o.Equal(keys.OIDRSAPSS):
		typ := "rsa"
		if o.Equal(keys.OIDRSAPSS) {
			typ = "rsa-pss"
		}
		// The PKCS#1 inside: 30 82 HH LL 02 01 00, then INTEGERs.
		if !bytes.HasPrefix(inner[min(len(inner), 4):], []byte{0x02, 0x01, 0x00}) || len(inner) < 7 || inner[0] != 0x30 {
			return keys.KeyInfo{}, 0, false
		}
		_, ihl, _, ok := tlv(inner, 0)
		if !ok || ihl != 4 {
			return keys.KeyInfo{}, 0, false
		}
		info, ok := integersFragment(inner, 7, typ)
		if !ok || info.Type != typ {
			return keys.KeyInfo{}, 0, false
		}
		return info, i, true
	case o.Equal(keys.OIDECPublic):
		var oid asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &oid); err != nil {
			return keys.KeyInfo{}, 0, false
		}
		c := keys.CurveByOID(oid)
		if !c.Known() || len(inner) < 5 || inner[0] != 0x30 {
			return keys.KeyInfo{}, 0, false
		}
		_, ihl, _, ok := tlv(inner, 0)
		if !ok || !bytes.HasPrefix(inner[ihl:], []byte{0x02, 0x01, 0x01}) {
			return keys.KeyInfo{}, 0, false
		}
		info, ok := sec1Fragment(inner, ihl+3, c)
		if info.Curve == keys.NoCurve {
			info.Curve = c
		}
		return info, i, ok
	}
	// Ed25519, X25519, Ed448 and X448 keys are shorter than a fragment's
	// minimum body; DSA keeps only x after its parameters.
	return keys.KeyInfo{}, 0, false
}
