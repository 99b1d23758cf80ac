package detectors

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// PKCS12 finds PKCS#12 (PFX, .p12) files in memory and reports the private
// keys in them, with encoding "pkcs12". It walks PFX → AuthenticatedSafe →
// SafeContents → SafeBags: a keyBag holds a plain PKCS#8 key, validated like
// any other; a pkcs8ShroudedKeyBag is an Encrypted key with its scheme named.
// When no key bag lies outside encrypted SafeContents (EncryptedData or
// EnvelopedData), the PFX is reported once as Encrypted, since a key may be in
// them (so may only certificates: a password-protected trust store is
// reported too). Every hit spans the whole PFX, so a window that sees the PFX
// start sees all of it and the scanner reports it once.
//
// Only DER PFXs of at most 64 KiB are walked. Longer ones, BER ones
// (indefinite lengths, constructed OCTET STRINGs, as some Java and Windows
// writers make) and cut-off ones are not reported here; [DER] then finds the
// PKCS#8 keys and EncryptedPrivateKeyInfos inside them on its own.
type PKCS12 struct{}

// pkcs12MaxLen bounds one PFX: a key and a chain of a few certificates.
const pkcs12MaxLen = 64 << 10

// Bounds of the walk: real files have 2 ContentInfos and a handful of bags.
const (
	pfxMaxInfos = 64
	pfxMaxBags  = 256
	pfxMaxDepth = 4 // safeContentsBag nesting
)

func (PKCS12) Name() string { return "pkcs12" }

func (PKCS12) MaxLen() int { return pkcs12MaxLen }

// pfxAnchor is the PFX version, 3, and the authSafe ContentInfo's SEQUENCE tag.
var pfxAnchor = []byte{0x02, 0x01, 0x03, 0x30}

var pkcs12Anchors = [][]byte{pfxAnchor}

func (PKCS12) anchors() [][]byte { return pkcs12Anchors }

func (d PKCS12) Detect(dst []Hit, buf []byte) []Hit {
	var m prefilter.Marks
	return d.detectAt(dst, buf, m.Search(buf, pkcs12Anchors))
}

func (PKCS12) detectAt(dst []Hit, buf []byte, m *prefilter.Marks) []Hit {
	for at := 0; ; {
		v := m.Index(0, at)
		if v < 0 {
			break
		}
		at = v + 1
		for hl := 4; hl >= 2; hl-- {
			s, n, ok := seqHeader(buf, v, hl)
			total := hl + n
			if !ok || total > pkcs12MaxLen || s+total > len(buf) {
				continue
			}
			w, ok := walkPFX(buf[s : s+total])
			if !ok {
				continue
			}
			for _, k := range w.keys {
				dst = append(dst, Hit{Off: s, Len: total, Encoding: "pkcs12", Status: k.Status, Key: k.Key})
			}
			if len(w.keys) == 0 && w.encrypted > 0 {
				info := keys.KeyInfo{Scheme: w.scheme, Note: fmt.Sprintf("%d encrypted SafeContents may hold a key", w.encrypted)}
				dst = append(dst, Hit{Off: s, Len: total, Encoding: "pkcs12", Status: keys.Encrypted, Key: info})
			}
			at = s + total
			break
		}
	}
	return dst
}

// Object identifiers of PKCS#7 content types and PKCS#12 bag types.
var (
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEnvelopedData   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	oidEncryptedData   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidKeyBag          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidShroudedKeyBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidSafeContentsBag = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
)

type pfx struct {
	Version  int
	AuthSafe contentInfo
	MacData  asn1.RawValue `asn1:"optional"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type encryptedData struct {
	Version int
	Info    struct {
		ContentType asn1.ObjectIdentifier
		Algo        pkix.AlgorithmIdentifier
		Content     asn1.RawValue `asn1:"optional,tag:0"`
	}
}

type safeBag struct {
	ID    asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"explicit,tag:0"`
	Attrs asn1.RawValue `asn1:"optional"`
}

// A pfxWalk is what walking one PFX found.
type pfxWalk struct {
	keys      []decoded   // from keyBags and pkcs8ShroudedKeyBags
	encrypted int         // SafeContents in EncryptedData or EnvelopedData
	scheme    keys.Scheme // the first of those's encryption scheme
	infos     int
	bags      int
}

// walkPFX walks the PFX that is exactly der. ok is false when der is not a
// whole, well-formed DER PFX within the walk's bounds.
func walkPFX(der []byte) (pfxWalk, bool) {
	var w pfxWalk
	var p pfx
	rest, err := asn1.Unmarshal(der, &p)
	if err != nil || len(rest) != 0 || p.Version != 3 || !p.AuthSafe.ContentType.Equal(oidData) {
		return w, false
	}
	auth, ok := octets(p.AuthSafe.Content)
	if !ok {
		return w, false
	}
	var seq asn1.RawValue
	if rest, err := asn1.Unmarshal(auth, &seq); err != nil || len(rest) != 0 || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return w, false
	}
	for b := seq.Bytes; len(b) > 0; {
		if w.infos++; w.infos > pfxMaxInfos {
			return w, false
		}
		var ci contentInfo
		if b, err = asn1.Unmarshal(b, &ci); err != nil {
			return w, false
		}
		switch {
		case ci.ContentType.Equal(oidData):
			sc, ok := octets(ci.Content)
			if !ok || !w.safeContents(sc, 0) {
				return w, false
			}
		case ci.ContentType.Equal(oidEncryptedData):
			var ed encryptedData
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err != nil {
				return w, false
			}
			scheme, ok := encryptionScheme(ed.Info.Algo)
			if !ok {
				scheme = keys.UnknownScheme
			}
			w.encrypt(scheme)
		case ci.ContentType.Equal(oidEnvelopedData):
			w.encrypt(keys.SchemeByName("cms-enveloped"))
		}
	}
	return w, true
}

func (w *pfxWalk) encrypt(scheme keys.Scheme) {
	if w.encrypted == 0 {
		w.scheme = scheme
	}
	w.encrypted++
}

// octets returns the content of the DER OCTET STRING that an explicit [0]
// holds; a constructed (BER) one is refused.
func octets(v asn1.RawValue) ([]byte, bool) {
	var o asn1.RawValue
	if rest, err := asn1.Unmarshal(v.Bytes, &o); err != nil || len(rest) != 0 ||
		o.Class != asn1.ClassUniversal || o.Tag != asn1.TagOctetString || o.IsCompound {
		return nil, false
	}
	return o.Bytes, true
}

// safeContents walks a SafeContents: SEQUENCE OF SafeBag.
func (w *pfxWalk) safeContents(der []byte, depth int) bool {
	if depth > pfxMaxDepth {
		return false
	}
	var seq asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) != 0 || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return false
	}
	for b := seq.Bytes; len(b) > 0; {
		if w.bags++; w.bags > pfxMaxBags {
			return false
		}
		var bag safeBag
		var err error
		if b, err = asn1.Unmarshal(b, &bag); err != nil {
			return false
		}
		switch v := bag.Value.Bytes; {
		case bag.ID.Equal(oidKeyBag):
			if d, weak, ok := pkcs8Key(v); ok && !weak {
				d.Encoding = "pkcs12"
				w.keys = append(w.keys, d)
			}
		case bag.ID.Equal(oidShroudedKeyBag):
			if d, ok := decodeEncryptedPKCS8(v); ok {
				d.Encoding = "pkcs12"
				w.keys = append(w.keys, d)
			}
		case bag.ID.Equal(oidSafeContentsBag):
			if !w.safeContents(v, depth+1) {
				return false
			}
		}
	}
	return true
}
