package detectors

import (
	"bytes"
	"encoding/binary"
	"math/big"

	"dumpguard/internal/keys"
)

// This file decodes the openssh-key-v1 format (PROTOCOL.key in OpenSSH): a
// magic, the cipher and KDF names, the public keys in clear, then the private
// section, which starts with two equal check integers when it is not encrypted.

const opensshMagic = "openssh-key-v1\x00"

// sshReader reads SSH wire-format fields; after the first short read every
// call fails, so a record is checked once, at its end.
type sshReader struct {
	b   []byte
	bad bool
}

func (r *sshReader) uint32() uint32 {
	if r.bad || len(r.b) < 4 {
		r.bad = true
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *sshReader) bytes() []byte {
	n := r.uint32()
	if r.bad || uint64(n) > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *sshReader) mpint() *big.Int {
	b := r.bytes()
	if r.bad || (len(b) > 0 && b[0]&0x80 != 0) {
		r.bad = true // negative numbers are not key material
		return nil
	}
	return new(big.Int).SetBytes(b)
}

// sshCurves maps OpenSSH curve identifiers to curves.
var sshCurves = map[string]string{"nistp256": "P-256", "nistp384": "P-384", "nistp521": "P-521"}

// sshPublicFingerprint fingerprints an SSH public key blob as its SPKI.
func sshPublicFingerprint(blob []byte) (keys.KeyInfo, bool) {
	r := sshReader{b: blob}
	typ := string(r.bytes())
	switch {
	case typ == "ssh-rsa":
		e, n := r.mpint(), r.mpint()
		if r.bad || !keys.IntOK(n, keys.MaxRSABits) || !keys.IntOK(e, 64) {
			return keys.KeyInfo{}, false
		}
		return keys.KeyInfo{Type: "rsa", Bits: n.BitLen(), SPKI: keys.RSASPKI(n, e, "rsa")}, true
	case typ == "ssh-ed25519":
		pub := r.bytes()
		if r.bad || len(pub) != 32 {
			return keys.KeyInfo{}, false
		}
		return keys.KeyInfo{Type: "ed25519", Bits: 256, SPKI: keys.OKPSPKI(keys.OIDEd25519, pub)}, true
	case len(typ) > 11 && typ[:11] == "ecdsa-sha2-":
		c := keys.CurveByName(sshCurves[string(r.bytes())])
		q := r.bytes()
		if r.bad || !c.Known() || len(q) != 1+2*c.Size() || q[0] != 4 {
			return keys.KeyInfo{}, false
		}
		info := keys.KeyInfo{Type: "ec", Curve: c, Bits: c.Bits(), SPKI: keys.ECSPKI(c, q)}
		return info, true
	case typ == "ssh-dss":
		p, q, g, y := r.mpint(), r.mpint(), r.mpint(), r.mpint()
		if r.bad || !keys.IntOK(p, keys.MaxRSABits) || !keys.IntOK(q, 512) || !keys.IntOK(g, keys.MaxRSABits) || !keys.IntOK(y, keys.MaxRSABits) {
			return keys.KeyInfo{}, false
		}
		return keys.KeyInfo{Type: "dsa", Bits: p.BitLen(), SPKI: keys.DSASPKI(p, q, g, y)}, true
	}
	return keys.KeyInfo{}, false
}

// decodeOpenSSH decodes an openssh-key-v1 blob. Encrypted keys keep their public
// half in clear, so even they are fingerprinted.
func decodeOpenSSH(b []byte) (decoded, bool) {
	if !bytes.HasPrefix(b, []byte(opensshMagic)) {
		return decoded{}, false
	}
	r := sshReader{b: b[len(opensshMagic):]}
	cipher, kdf := string(r.bytes()), string(r.bytes())
	r.bytes() // KDF options
	n := r.uint32()
	if r.bad || n == 0 || n > 16 || len(cipher) > 64 || len(kdf) > 64 {
		return decoded{}, false
	}
	pubBlob := r.bytes()
	for i := uint32(1); i < n; i++ {
		r.bytes()
	}
	priv := r.bytes()
	if r.bad {
		return decoded{}, false
	}
	used := len(b) - len(r.b)
	pubInfo, pubOK := sshPublicFingerprint(pubBlob)
	if cipher != "none" {
		info := pubInfo
		info.Scheme = keys.SchemeByName(cipher + "+" + kdf)
		info.Proof, info.Note = "", "encrypted private section"
		return decoded{"openssh", info, keys.Encrypted, used}, true
	}
	pr := sshReader{b: priv}
	if c1, c2 := pr.uint32(), pr.uint32(); pr.bad || c1 != c2 {
		info := pubInfo
		info.Note = "check integers differ: private section garbled"
		return decoded{"openssh", info, keys.Fragment, used}, pubOK
	}
	info, st, ok := decodeSSHPrivate(&pr, pubInfo)
	if !ok {
		info := pubInfo
		info.Note = "private section cut off or garbled"
		return decoded{"openssh", info, keys.Fragment, used}, pubOK
	}
	return decoded{"openssh", info, st, used}, true
}

// decodeSSHPrivate decodes one private key in SSH wire format and validates it;
// pub is the fingerprint of the public blob stored beside it, if any.
func decodeSSHPrivate(r *sshReader, pub keys.KeyInfo) (keys.KeyInfo, keys.Status, bool) {
	typ := string(r.bytes())
	var info keys.KeyInfo
	var st keys.Status
	switch {
	case typ == "ssh-rsa":
		n, e, d, _, p, q := r.mpint(), r.mpint(), r.mpint(), r.mpint(), r.mpint(), r.mpint()
		if r.bad {
			return keys.KeyInfo{}, 0, false
		}
		info, st = keys.ProveRSA(keys.RSA{N: n, E: e, D: d, P: p, Q: q}, "rsa")
	case typ == "ssh-ed25519":
		pubKey, sk := r.bytes(), r.bytes()
		if r.bad || len(sk) != 64 {
			return keys.KeyInfo{}, 0, false
		}
		info, st = keys.ProveEd25519(sk[:32], pubKey)
		if st == keys.Validated && !bytes.Equal(sk[32:], pubKey) {
			info.Proof, info.Note, st = "", "second half of the secret key differs from the public key", keys.Unverified
		}
	case len(typ) > 11 && typ[:11] == "ecdsa-sha2-":
		c := keys.CurveByName(sshCurves[string(r.bytes())])
		q, d := r.bytes(), r.mpint()
		if r.bad || !c.Known() {
			return keys.KeyInfo{}, 0, false
		}
		info, st = keys.ProveEC(c, d.Bytes(), q)
	case typ == "ssh-dss":
		p, q, g, y, x := r.mpint(), r.mpint(), r.mpint(), r.mpint(), r.mpint()
		if r.bad {
			return keys.KeyInfo{}, 0, false
		}
		info, st = keys.ProveDSA(keys.DSA{P: p, Q: q, G: g, Y: y, X: x})
	default:
		return keys.KeyInfo{}, 0, false
	}
	if st == keys.Validated && !pub.SPKI.IsZero() && pub.SPKI != info.SPKI {
		info.Proof, info.Note, st = "", "private key does not match the public key stored beside it", keys.Unverified
	}
	return info, st, true
}
