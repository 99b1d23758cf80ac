package detectors

import (
	"encoding/binary"
	"math/big"

	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// OpenSSHBlob finds OpenSSH private keys outside PEM armour: the binary
// openssh-key-v1 structure (what ssh-keygen base64-encodes between the PEM
// markers, and what a client holds after reading a key file), and single private
// keys in SSH wire format: "ssh-rsa" n, e, d, iqmp, p, q; "ssh-ed25519" pub,
// seed‖pub; "ecdsa-sha2-*" curve, Q, d; "ssh-dss" p, q, g, y, x. That is the
// layout of an ssh-agent add-identity message and of the decrypted private
// section of a key file.
//
// A wire-format key has no magic, only its type string, which every public key
// blob starts with too, so it is reported only when proved (Validated), or for
// RSA when p·q = n with both prime (Unverified: d is wrong): a public blob followed by
// unrelated bytes must not pass. The PEM armoured form is left to [PEM]: its
// base64 text does not contain these bytes.
type OpenSSHBlob struct{}

// opensshMaxLen bounds one openssh-key-v1 blob: an RSA-16384 key is about
// 9.3 KiB, plus the comment and padding.
const opensshMaxLen = 16 << 10

func (OpenSSHBlob) Name() string { return "openssh-blob" }
func (OpenSSHBlob) MaxLen() int  { return opensshMaxLen }

var sshWireTypes = []string{"ssh-rsa", "ssh-ed25519", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"}

// opensshAnchors are the openssh-key-v1 magic, then the wire anchors: every
// type name follows its length, whose low byte starts the anchor: 7 for
// ssh-rsa and ssh-dss, 11 for ssh-ed25519, 19 for the ECDSA names. Those
// bytes are rare in text, where "ssh-" and 'e' are not.
var opensshAnchors = [][]byte{[]byte(opensshMagic), []byte("\x07ssh-"), []byte("\x0bssh-ed25519"), []byte("\x13ecdsa-sha2-nistp")}

func (OpenSSHBlob) anchors() [][]byte { return opensshAnchors }

func (d OpenSSHBlob) Detect(dst []Hit, buf []byte) []Hit {
	var m prefilter.Marks
	return d.detectAt(dst, buf, m.Search(buf, opensshAnchors))
}

func (OpenSSHBlob) detectAt(dst []Hit, buf []byte, m *prefilter.Marks) []Hit {
	first := len(dst)
	for at := 0; ; {
		i := m.Index(0, at)
		if i < 0 {
			break
		}
		at = i
		b := buf[at:min(len(buf), at+opensshMaxLen)]
		d, ok := decodeOpenSSH(b)
		if !ok {
			d, ok = opensshCutOff(b)
		}
		if ok {
			dst = append(dst, Hit{Off: at, Len: d.Len, Encoding: "openssh", Status: d.Status, Key: d.Key})
			at += d.Len
			continue
		}
		at += len(opensshMagic)
	}
	keyV1 := dst[first:len(dst):len(dst)]
	// Each wire anchor is one byte of length before the type name.
	for k := 1; k < len(opensshAnchors); k++ {
		for at := 0; ; {
			i := m.Index(k, at)
			if i < 0 {
				break
			}
			at = i + 1
			if h, ok := sshWireKey(buf, at); ok && !inside(keyV1, h.Off) {
				dst = append(dst, h)
				at = h.Off + h.Len
				continue
			}
			at += len(opensshAnchors[k]) - 1
		}
	}
	return dst
}

func inside(hits []Hit, off int) bool {
	for _, h := range hits {
		if off >= h.Off && off < h.Off+h.Len {
			return true
		}
	}
	return false
}

// sshWireKey decodes the wire-format private key whose type string starts at
// at, behind its 4-byte length.
func sshWireKey(buf []byte, at int) (Hit, bool) {
	if at < 4 {
		return Hit{}, false
	}
	n := int(binary.BigEndian.Uint32(buf[at-4:]))
	if n > 32 || at+n > len(buf) {
		return Hit{}, false
	}
	typ := buf[at : at+n]
	known := false
	for _, t := range sshWireTypes {
		known = known || string(typ) == t
	}
	if !known {
		return Hit{}, false
	}
	b := buf[at-4 : min(len(buf), at-4+opensshMaxLen)]
	if string(typ) == "ssh-rsa" {
		// n, e, d, iqmp, p, q: require p·q = n before any primality test, so
		// that a public blob followed by junk costs a multiplication.
		r := sshReader{b: b}
		r.bytes()
		n, _, _, _, p, q := r.mpint(), r.mpint(), r.mpint(), r.mpint(), r.mpint(), r.mpint()
		if r.bad || !keys.IntOK(n, keys.MaxRSABits) || !keys.IntOK(p, keys.MaxRSABits) || !keys.IntOK(q, keys.MaxRSABits) ||
			new(big.Int).Mul(p, q).Cmp(n) != 0 {
			return Hit{}, false
		}
	}
	r := sshReader{b: b}
	info, st, ok := decodeSSHPrivate(&r, keys.KeyInfo{})
	if !ok || !(st == keys.Validated || st == keys.Unverified && info.Type == "rsa") {
		return Hit{}, false
	}
	return Hit{Off: at - 4, Len: len(b) - len(r.b), Encoding: "ssh-wire", Status: st, Key: info}, true
}

// opensshCutOff judges an openssh-key-v1 blob that decodeOpenSSH rejected:
// when its header and public key are whole and its private section is cut off
// by the end of b (a window edge, a truncated dump), the leak is a Fragment
// (Encrypted if the section was encrypted), named by the public key.
func opensshCutOff(b []byte) (decoded, bool) {
	r := sshReader{b: b[len(opensshMagic):]}
	cipher, kdf := string(r.bytes()), string(r.bytes())
	r.bytes() // KDF options
	n := r.uint32()
	if r.bad || n != 1 || len(cipher) > 64 || len(kdf) > 64 {
		return decoded{}, false
	}
	info, ok := sshPublicFingerprint(r.bytes())
	privLen := r.uint32()
	if r.bad || !ok || uint64(privLen) <= uint64(len(r.b)) || len(r.b) < 64 {
		return decoded{}, false
	}
	d := decoded{Encoding: "openssh", Key: info, Status: keys.Fragment, Len: len(b)}
	d.Key.Note = "private section cut off"
	if cipher != "none" {
		d.Key.Scheme, d.Status = keys.SchemeByName(cipher+"+"+kdf), keys.Encrypted
		return d, true
	}
	// The key comes first in the private section, then the comment and
	// padding: a cut there leaves the key whole.
	pr := sshReader{b: r.b}
	if c1, c2 := pr.uint32(), pr.uint32(); !pr.bad && c1 == c2 {
		if k, st, ok := decodeSSHPrivate(&pr, info); ok {
			d.Key, d.Status = k, st
			d.Key.Note = "private section cut off after the key"
		}
	}
	return d, true
}
