package detectors

import (
	"bytes"
	"strconv"

	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// PuTTY finds PuTTY private key files (.ppk), format versions 2 and 3. The file
// is text: a "PuTTY-User-Key-File-N: type" line, headers, and the public and
// private key blobs in base64 ("Public-Lines: 6" then six lines). An unencrypted
// key's private blob (RSA d, p, q, iqmp; DSA x; ECDSA d; Ed25519 seed) is proved
// against the public blob beside it; an encrypted one is reported as Encrypted
// and named by its public key. The header alone is not a finding: the public
// blob must decode.
type PuTTY struct{}

// puttyMaxText bounds one .ppk file: an RSA-16384 key is about 10 KiB.
const puttyMaxText = 16 << 10

func (PuTTY) Name() string { return "putty" }
func (PuTTY) MaxLen() int  { return puttyMaxText }

var puttyMagic = []byte("PuTTY-User-Key-File-")

var puttyAnchors = [][]byte{puttyMagic}

func (PuTTY) anchors() [][]byte { return puttyAnchors }

func (d PuTTY) Detect(dst []Hit, buf []byte) []Hit {
	var m prefilter.Marks
	return d.detectAt(dst, buf, m.Search(buf, puttyAnchors))
}

func (PuTTY) detectAt(dst []Hit, buf []byte, m *prefilter.Marks) []Hit {
	for at := 0; ; {
		i := m.Index(0, at)
		if i < 0 {
			break
		}
		at = i
		if n, d, ok := parsePPK(buf[at:min(len(buf), at+puttyMaxText)]); ok {
			dst = append(dst, Hit{Off: at, Len: n, Encoding: "putty", Status: d.Status, Key: d.Key})
			at += n
			continue
		}
		at += len(puttyMagic)
	}
	return dst
}

// maxPPKLines bounds Public-Lines and Private-Lines (RSA-16384: about 150).
const maxPPKLines = 1024

// parsePPK reads the .ppk text that b starts with.
func parsePPK(b []byte) (n int, d decoded, ok bool) {
	t := pemText{b: b, pos: len(puttyMagic)}
	first := t.line()
	if len(first) < 4 || (first[0] != '2' && first[0] != '3') || first[1] != ':' {
		return 0, decoded{}, false
	}
	algo := bytes.TrimSpace(first[2:])
	var encryption, kdf []byte
	var pub, priv []byte
	privComplete := false
	for range 16 { // headers, each possibly followed by its base64 lines
		t.skipSpace()
		save := t.pos
		ln := t.line()
		name, value, found := bytes.Cut(ln, []byte(": "))
		if !found || !isHeaderName(name) {
			t.pos = save
			break
		}
		switch string(name) {
		case "Encryption":
			encryption = value
		case "Key-Derivation":
			kdf = value
		case "Public-Lines", "Private-Lines":
			count, err := strconv.Atoi(string(value))
			if err != nil || count < 1 || count > maxPPKLines {
				return 0, decoded{}, false
			}
			body, whole := ppkLines(&t, count)
			if string(name) == "Public-Lines" {
				if !whole {
					return 0, decoded{}, false
				}
				pub = decodeBase64Prefix(body)
			} else {
				priv, privComplete = decodeBase64Prefix(body), whole
			}
		}
		if string(name) == "Private-MAC" {
			break
		}
	}
	pubInfo, pubOK := sshPublicFingerprint(pub)
	if !pubOK || !bytes.HasPrefix(pub[4:], algo) {
		return 0, decoded{}, false
	}
	d.Encoding, d.Key = "putty", pubInfo
	if string(encryption) != "none" {
		if len(encryption) == 0 || len(priv) == 0 {
			return 0, decoded{}, false
		}
		scheme := string(encryption)
		if len(kdf) > 0 {
			scheme += "+" + string(bytes.ToLower(kdf))
		}
		d.Key.Scheme, d.Key.Note, d.Status = keys.SchemeByName(scheme), "encrypted private blob", keys.Encrypted
		return t.pos, d, true
	}
	info, st, ok := ppkPrivate(pub, priv)
	switch {
	case ok:
		d.Key, d.Status = info, st
		if st == keys.Validated && info.SPKI != pubInfo.SPKI {
			d.Key.Proof, d.Key.Note, d.Status = "", "private key does not match the public blob", keys.Unverified
		}
	case len(priv) >= 16:
		d.Key.Note, d.Status = "private blob cut off or garbled", keys.Fragment
		if privComplete {
			d.Key.Note = "private blob garbled"
		}
	default:
		return 0, decoded{}, false
	}
	return t.pos, d, true
}

// isHeaderName reports whether b looks like a .ppk header name ("Public-Lines").
func isHeaderName(b []byte) bool {
	if len(b) == 0 || len(b) > 32 {
		return false
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ppkLines gathers count lines of base64; whole is false when the text ends
// or stops being base64 first.
func ppkLines(t *pemText, count int) (body []byte, whole bool) {
	body = make([]byte, 0, min(64*count, 4096))
	for range count {
		t.skipSpace()
		start := len(body)
		for {
			c, w := t.base64Char()
			if w == 0 {
				break
			}
			body = append(body, c)
			t.pos += w
		}
		if len(body) == start {
			return body, false
		}
	}
	return body, true
}

// ppkPrivate decodes a private blob against its public blob and proves it.
func ppkPrivate(pub, priv []byte) (keys.KeyInfo, keys.Status, bool) {
	r, s := sshReader{b: pub}, sshReader{b: priv}
	typ := string(r.bytes())
	var info keys.KeyInfo
	var st keys.Status
	switch {
	case typ == "ssh-rsa":
		e, n := r.mpint(), r.mpint()
		d, p, q, iqmp := s.mpint(), s.mpint(), s.mpint(), s.mpint()
		k := keys.RSA{N: n, E: e, D: d, P: p, Q: q, Qinv: iqmp}
		if r.bad || s.bad || !rsaPlausible(k) { // junk primes: spare the primality tests
			return keys.KeyInfo{}, 0, false
		}
		info, st = keys.ProveRSA(k, "rsa")
	case typ == "ssh-dss":
		p, q, g, y := r.mpint(), r.mpint(), r.mpint(), r.mpint()
		x := s.mpint()
		if r.bad || s.bad {
			return keys.KeyInfo{}, 0, false
		}
		info, st = keys.ProveDSA(keys.DSA{P: p, Q: q, G: g, Y: y, X: x})
	case len(typ) > 11 && typ[:11] == "ecdsa-sha2-":
		c := keys.CurveByName(sshCurves[string(r.bytes())])
		q := r.bytes()
		d := s.mpint()
		if r.bad || s.bad || !c.Known() {
			return keys.KeyInfo{}, 0, false
		}
		info, st = keys.ProveEC(c, d.Bytes(), q)
	case typ == "ssh-ed25519":
		pk := r.bytes()
		seed := s.bytes()
		if r.bad || s.bad || len(seed) != 32 {
			return keys.KeyInfo{}, 0, false
		}
		info, st = keys.ProveEd25519(seed, pk)
	default:
		return keys.KeyInfo{}, 0, false
	}
	return info, st, true
}
