package detectors

import (
	"bytes"
	"encoding/asn1"
	"encoding/binary"
	"math/big"
	"slices"

	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// PGP finds OpenPGP secret keys in ASCII armour ("-----BEGIN PGP PRIVATE KEY
// BLOCK-----", RFC 4880 and RFC 9580), as gpg --export-secret-keys --armor
// writes them. It decodes the block's first packet, the version 4 Secret-Key
// packet of the primary key: RSA (d, p, q against n, e), DSA (x against y),
// ECDSA and ECDH on the NIST curves and secp256k1 (d·G against the point),
// EdDSA on Ed25519 (the seed against the public key) and ECDH on Curve25519. A
// key protected by a passphrase (S2K usage 254 or 255) is Encrypted and named by
// its public half; subkeys later in the block are not examined. [PEM] leaves
// these blocks alone: their label does not end in "PRIVATE KEY".
type PGP struct{}

// pgpMaxText bounds one armoured block: an RSA-4096 key with a subkey is
// about 7 KiB; 32 KiB leaves room for RSA-16384 and long headers.
const pgpMaxText = 32 << 10

func (PGP) Name() string { return "pgp" }
func (PGP) MaxLen() int  { return pgpMaxText }

var (
	pgpBegin = []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----")
	pgpEnd   = []byte("-----END PGP PRIVATE KEY BLOCK-----")
)

var pgpAnchors = [][]byte{pgpBegin}

func (PGP) anchors() [][]byte { return pgpAnchors }

func (d PGP) Detect(dst []Hit, buf []byte) []Hit {
	var m prefilter.Marks
	return d.detectAt(dst, buf, m.Search(buf, pgpAnchors))
}

func (PGP) detectAt(dst []Hit, buf []byte, m *prefilter.Marks) []Hit {
	for at := 0; ; {
		i := m.Index(0, at)
		if i < 0 {
			break
		}
		at = i
		if n, d, ok := parsePGPArmour(buf[at:min(len(buf), at+pgpMaxText)]); ok {
			dst = append(dst, Hit{Off: at, Len: n, Encoding: "pgp", Status: d.Status, Key: d.Key})
			at += n
			continue
		}
		at += len(pgpBegin)
	}
	return dst
}

// parsePGPArmour reads the armoured block b starts with: armour headers
// ("Comment: ..."), a blank line, base64 lines, an optional "=XXXX" checksum
// and the end line.
func parsePGPArmour(b []byte) (int, decoded, bool) {
	t := pemText{b: b, pos: len(pgpBegin)}
	for range 16 {
		t.skipSpace()
		save := t.pos
		name, _, found := bytes.Cut(t.line(), []byte(": "))
		if !found || !isHeaderName(name) {
			t.pos = save
			break
		}
	}
	// The body opens with a Secret-Key packet header: 0x94-0x97 (old format)
	// or 0xc5 (new), which base64 writes as 'l' or 'x'. Check before allocating.
	t.skipSpace()
	if c, _ := t.base64Char(); c != 'l' && c != 'x' {
		return 0, decoded{}, false
	}
	body := t.base64Body()
	bodyEnd := t.pos
	t.skipSpace()
	if bytes.HasPrefix(b[t.pos:], pgpEnd) {
		t.pos += len(pgpEnd)
	} else {
		t.pos = bodyEnd
	}
	// decodeBase64Prefix stops at the first '=': padding, or the checksum line.
	d, ok := decodePGPSecretKey(decodeBase64Prefix(body))
	return t.pos, d, ok
}

// pgpPacket reads the header of the packet at the start of b: its tag and
// body. ok is false for a malformed header or a partial-length body; a body cut
// off by the end of b is returned short, with whole false.
func pgpPacket(b []byte) (tag int, body []byte, whole, ok bool) {
	if len(b) < 2 || b[0]&0x80 == 0 {
		return 0, nil, false, false
	}
	var n, hdr int
	if b[0]&0x40 != 0 { // new format
		tag = int(b[0] & 0x3f)
		switch l := int(b[1]); {
		case l < 192:
			n, hdr = l, 2
		case l < 224:
			if len(b) < 3 {
				return 0, nil, false, false
			}
			n, hdr = (l-192)<<8+int(b[2])+192, 3
		case l == 255:
			if len(b) < 6 {
				return 0, nil, false, false
			}
			n, hdr = int(binary.BigEndian.Uint32(b[2:])), 6
		default:
			return 0, nil, false, false // partial lengths are for data, not keys
		}
	} else {
		tag = int(b[0]>>2) & 0xf
		switch b[0] & 3 {
		case 0:
			n, hdr = int(b[1]), 2
		case 1:
			if len(b) < 3 {
				return 0, nil, false, false
			}
			n, hdr = int(binary.BigEndian.Uint16(b[1:])), 3
		case 2:
			if len(b) < 5 {
				return 0, nil, false, false
			}
			n, hdr = int(binary.BigEndian.Uint32(b[1:])), 5
		default:
			return 0, nil, false, false
		}
	}
	if n < 0 || n > 1<<20 {
		return 0, nil, false, false
	}
	if n > len(b)-hdr {
		return tag, b[hdr:], false, true
	}
	return tag, b[hdr : hdr+n], true, true
}

// pgpReader reads the fields of a packet body; after a short read every call
// fails.
type pgpReader struct {
	b   []byte
	bad bool
}

func (r *pgpReader) next(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *pgpReader) byte() byte {
	if v := r.next(1); v != nil {
		return v[0]
	}
	return 0
}

// mpint reads a multiprecision integer: a two-byte bit count, then the bytes.
func (r *pgpReader) mpint() []byte {
	h := r.next(2)
	if h == nil {
		return nil
	}
	return r.next((int(binary.BigEndian.Uint16(h)) + 7) / 8)
}

func (r *pgpReader) int() *big.Int {
	v := r.mpint()
	if r.bad {
		return nil
	}
	return new(big.Int).SetBytes(v)
}

// OpenPGP public-key algorithm numbers (RFC 9580 section 9.1).
const (
	pgpRSA, pgpRSAEncrypt, pgpRSASign = 1, 2, 3
	pgpElgamal                        = 16
	pgpDSA                            = 17
	pgpECDH                           = 18
	pgpECDSA                          = 19
	pgpEdDSALegacy                    = 22
)

// DER contents (no tag or length) of the curve OIDs OpenPGP keys carry.
var (
	pgpOIDEd25519    = []byte{0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01}       // 1.3.6.1.4.1.11591.15.1
	pgpOIDCurve25519 = []byte{0x2b, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01} // 1.3.6.1.4.1.3029.1.5.1
)

// pgpCurve finds the short-Weierstrass curve with the given OID contents.
func pgpCurve(oid []byte) keys.Curve {
	for _, c := range keys.Curves {
		der, err := asn1.Marshal(c.OID())
		if err == nil && len(der) > 2 && bytes.Equal(der[2:], oid) {
			return c
		}
	}
	return keys.UnknownCurve
}

// pgpSymmetric names the ciphers a secret key may be protected with.
var pgpSymmetric = map[byte]string{1: "idea", 2: "3des", 3: "cast5", 4: "blowfish", 7: "aes128", 8: "aes192", 9: "aes256", 10: "twofish", 11: "camellia128", 12: "camellia192", 13: "camellia256"}

// decodePGPSecretKey decodes the Secret-Key packet at the start of a decoded
// armour body and validates it.
func decodePGPSecretKey(b []byte) (decoded, bool) {
	tag, body, whole, ok := pgpPacket(b)
	if !ok || tag != 5 {
		return decoded{}, false
	}
	r := pgpReader{b: body}
	if r.byte() != 4 {
		return decoded{}, false // v3 is obsolete, v5 and v6 are not written by gpg 2.2
	}
	r.next(4) // creation time
	algo := r.byte()
	// Public part.
	var pub keys.KeyInfo
	var n, e *big.Int
	var dsa keys.DSA
	var c keys.Curve
	var oid, point []byte
	switch algo {
	case pgpRSA, pgpRSAEncrypt, pgpRSASign:
		n, e = r.int(), r.int()
		if !r.bad && keys.IntOK(n, keys.MaxRSABits) && keys.IntOK(e, 64) {
			pub = keys.KeyInfo{Type: "rsa", Bits: n.BitLen(), SPKI: keys.RSASPKI(n, e, "rsa")}
		}
	case pgpDSA:
		dsa.P, dsa.Q, dsa.G, dsa.Y = r.int(), r.int(), r.int(), r.int()
		if !r.bad && keys.IntOK(dsa.P, keys.MaxRSABits) {
			pub = keys.KeyInfo{Type: "dsa", Bits: dsa.P.BitLen()}
		}
	case pgpECDSA, pgpECDH, pgpEdDSALegacy:
		oid = r.next(int(r.byte()))
		point = r.mpint()
		if algo == pgpECDH {
			r.next(int(r.byte())) // KDF parameters
		}
		switch {
		case r.bad:
		case bytes.Equal(oid, pgpOIDEd25519) && algo == pgpEdDSALegacy && len(point) == 33 && point[0] == 0x40:
			pub = keys.KeyInfo{Type: "ed25519", Bits: 256, SPKI: keys.OKPSPKI(keys.OIDEd25519, point[1:])}
		case bytes.Equal(oid, pgpOIDCurve25519) && algo == pgpECDH && len(point) == 33 && point[0] == 0x40:
			pub = keys.KeyInfo{Type: "x25519", Bits: 256, SPKI: keys.OKPSPKI(keys.OIDX25519, point[1:])}
		default:
			if c = pgpCurve(oid); c.Known() && algo != pgpEdDSALegacy && c.OnCurve(point) {
				pub = keys.KeyInfo{Type: "ec", Curve: c, Bits: c.Bits(), SPKI: keys.ECSPKI(c, point)}
			}
		}
	default:
		return decoded{}, false // Elgamal and the rest: no type to report
	}
	if r.bad || pub.Type == "" {
		return decoded{}, false
	}
	d := decoded{Encoding: "pgp", Key: pub}
	// Secret part: S2K usage, then the key in clear (0) or encrypted.
	usage := r.byte()
	if r.bad {
		return decoded{}, false
	}
	if usage != 0 {
		cipher := usage
		if usage == 254 || usage == 255 {
			cipher = r.byte()
		}
		name, known := pgpSymmetric[cipher]
		if !known {
			return decoded{}, false
		}
		if usage == 254 || usage == 255 {
			name += "-s2k"
		}
		d.Key.Scheme, d.Key.Note, d.Status = keys.SchemeByName("openpgp-"+name), "passphrase-protected secret key", keys.Encrypted
		return d, true
	}
	var info keys.KeyInfo
	var st keys.Status
	switch pub.Type {
	case "rsa":
		dd, p, q := r.int(), r.int(), r.int()
		if r.bad {
			break
		}
		k := keys.RSA{N: n, E: e, D: dd, P: p, Q: q}
		if !rsaPlausible(k) {
			break // junk: spare the primality tests
		}
		info, st = keys.ProveRSA(k, "rsa")
	case "dsa":
		dsa.X = r.int()
		if !r.bad {
			info, st = keys.ProveDSA(dsa)
		}
	case "ec":
		if dd := r.mpint(); !r.bad {
			info, st = keys.ProveEC(c, dd, point)
		}
	case "ed25519", "x25519":
		dd := r.mpint()
		if r.bad || len(dd) > 32 {
			break
		}
		k := append(make([]byte, 32-len(dd), 32), dd...)
		if pub.Type == "ed25519" {
			info, st = keys.ProveEd25519(k, point[1:])
		} else {
			// OpenPGP stores the Curve25519 secret big-endian; X25519 wants it
			// little-endian.
			slices.Reverse(k)
			info, st = keys.ProveX25519(k, point[1:])
		}
	}
	switch {
	case st != 0 && st != keys.Fragment:
		d.Key, d.Status = info, st
	case len(r.b) > 0 || !whole:
		d.Key.Note, d.Status = "secret key material cut off or garbled", keys.Fragment
	default:
		return decoded{}, false
	}
	return d, true
}
