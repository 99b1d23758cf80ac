package detectors

import (
	"encoding/binary"
	"math/big"
	"slices"

	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// This file finds the key blobs of the Windows crypto APIs. CNG (bcrypt.h) keeps
// a key as a small header of little-endian ULONGs, whose first is a four-letter
// magic ("RSA2", "ECS2"), followed by big-endian numbers. CAPI (wincrypt.h)
// exports a PRIVATEKEYBLOB: an 8-byte BLOBHEADER, an RSAPUBKEY or DSSPUBKEY that
// starts with a magic ("RSA2", "DSS2"), then little-endian numbers. Public
// counterparts ("RSA1", "ECS1", PUBLICKEYBLOB) are not findings; [ParsePublicBlob]
// reads them for whoever needs a public key to match.

// CNGBlob finds CNG private key blobs: BCRYPT_RSAPRIVATE_BLOB ("RSA2"),
// BCRYPT_RSAFULLPRIVATE_BLOB ("RSA3") and BCRYPT_ECCPRIVATE_BLOB for ECDSA
// ("ECS2/4/6"), ECDH ("ECK2/4/6") and the generic magics ("ECDV", "ECKV") that
// name no curve. A header is believed only when every length in it agrees with
// the key size, and a key is reported only when its numbers prove it: the primes
// divide the modulus, or d·G is the stored point, or the stored point at least
// lies on the curve.
type CNGBlob struct{}

// CAPIBlob finds CAPI PRIVATEKEYBLOBs: RSA ("RSA2" after a BLOBHEADER for
// CALG_RSA_KEYX or CALG_RSA_SIGN) and DSA version 2 ("DSS2" after a BLOBHEADER
// for CALG_DSS_SIGN). A DSS2 blob stores no y, so its key is at best Unverified,
// and is reported only when p, q and g form a DSA domain.
type CAPIBlob struct{}

// Sizes bounding a blob. The largest is an RSA-16384 full private blob:
// a 24-byte header, e, two moduli, three halves and two more.
const (
	blobMinBits = 512
	blobMaxBits = keys.MaxRSABits
	cngMaxLen   = 24 + 8 + 2*blobMaxBits/8 + 5*(blobMaxBits/16+2)
	capiMaxLen  = 20 + 2*blobMaxBits/8 + 5*blobMaxBits/16
)

func (CNGBlob) Name() string  { return "cng-blob" }
func (CNGBlob) MaxLen() int   { return cngMaxLen }
func (CAPIBlob) Name() string { return "capi-blob" }
func (CAPIBlob) MaxLen() int  { return capiMaxLen }

// Magic numbers, as the bytes they are in memory (little-endian ULONGs).
const (
	magicRSAPublic  = "RSA1" // BCRYPT_RSAPUBLIC_MAGIC 0x31415352; also CAPI RSAPUBKEY of a PUBLICKEYBLOB
	magicRSAPrivate = "RSA2" // BCRYPT_RSAPRIVATE_MAGIC 0x32415352; also CAPI RSAPUBKEY of a PRIVATEKEYBLOB
	magicRSAFull    = "RSA3" // BCRYPT_RSAFULLPRIVATE_MAGIC 0x33415352
	magicDSSPrivate = "DSS2" // CAPI DSSPUBKEY of a version 2 private blob, 0x32535344
)

// CAPI BLOBHEADER values.
const (
	capiPublicKeyBlob  = 0x06
	capiPrivateKeyBlob = 0x07
	capiBlobVersion    = 0x02
	calgRSASign        = 0x2400
	calgRSAKeyX        = 0xa400
	calgDSSSign        = 0x2200
)

// cngCurve maps the last two letters of an ECC magic ("S2", "K4", "DV") to
// the curve, whether the blob is private, and the key size it must declare.
type cngCurve struct {
	tail    string
	private bool
	curve   string // "" for the generic magics: the curve follows from cbKey
}

var cngCurves = []cngCurve{
	{"S1", false, "P-256"}, {"S2", true, "P-256"}, // BCRYPT_ECDSA_{PUBLIC,PRIVATE}_P256_MAGIC
	{"S3", false, "P-384"}, {"S4", true, "P-384"},
	{"S5", false, "P-521"}, {"S6", true, "P-521"},
	{"K1", false, "P-256"}, {"K2", true, "P-256"}, // BCRYPT_ECDH_{PUBLIC,PRIVATE}_P256_MAGIC
	{"K3", false, "P-384"}, {"K4", true, "P-384"},
	{"K5", false, "P-521"}, {"K6", true, "P-521"},
	{"DP", false, ""}, {"DV", true, ""}, // BCRYPT_ECDSA_{PUBLIC,PRIVATE}_GENERIC_MAGIC
	{"KP", false, ""}, {"KV", true, ""}, // BCRYPT_ECDH_{PUBLIC,PRIVATE}_GENERIC_MAGIC
}

// cngAnchors are the private RSA magics (RSA2, RSA3), then the starts of the
// ECC ones, whose third letter is S, K or D (see cngCurves): a bare "EC"
// occurs 75 times per MiB in the test dumps.
var cngAnchors = [][]byte{[]byte("RSA2"), []byte("RSA3"), []byte("ECS"), []byte("ECK"), []byte("ECD")}

const cngRSA, cngEC = 1 | 2, 4 | 8 | 16

func (CNGBlob) anchors() [][]byte { return cngAnchors }

func (d CNGBlob) Detect(dst []Hit, buf []byte) []Hit {
	var m prefilter.Marks
	return d.detectAt(dst, buf, m.Search(buf, cngAnchors))
}

func (CNGBlob) detectAt(dst []Hit, buf []byte, m *prefilter.Marks) []Hit {
	for at := 0; ; {
		i, _ := m.Find(cngRSA, at)
		if i < 0 {
			break
		}
		at = i
		if at+4 <= len(buf) && (buf[at+3] == '2' || buf[at+3] == '3') {
			if h, ok := parseCNGRSA(buf[at:min(len(buf), at+cngMaxLen)]); ok {
				h.Off = at
				dst = append(dst, h)
				at += h.Len
				continue
			}
		}
		at += 3
	}
	for at := 0; ; {
		i, _ := m.Find(cngEC, at)
		if i < 0 {
			break
		}
		at = i
		if at+8 <= len(buf) && (buf[at+3] == 'V' || buf[at+3]&^6 == '0') { // "V", "2", "4", "6"
			if h, ok := parseCNGEC(buf[at:min(len(buf), at+8+3*66)]); ok {
				h.Off = at
				dst = append(dst, h)
				at += h.Len
				continue
			}
		}
		at += 2
	}
	return dst
}

// cngRSAHeader reads and sanity-checks a BCRYPT_RSAKEY_BLOB header; size is
// the length of the whole blob.
func cngRSAHeader(b []byte) (bits, cbE, cbN, cbP, cbQ, size int, ok bool) {
	if len(b) < 24 {
		return
	}
	u := func(i int) int { return int(binary.LittleEndian.Uint32(b[4*i:])) }
	bits, cbE, cbN, cbP, cbQ = u(1), u(2), u(3), u(4), u(5)
	if bits < blobMinBits || bits > blobMaxBits || cbE < 1 || cbE > 8 || cbN != (bits+7)/8 {
		return
	}
	switch string(b[:4]) {
	case magicRSAPublic:
		return bits, cbE, cbN, cbP, cbQ, 24 + cbE + cbN, true
	case magicRSAPrivate:
		size = 24 + cbE + cbN + cbP + cbQ
	case magicRSAFull:
		size = 24 + cbE + 2*cbN + 3*cbP + 2*cbQ
	default:
		return
	}
	if cbP < 1 || cbQ < 1 || cbP+cbQ > cbN+2 {
		return
	}
	return bits, cbE, cbN, cbP, cbQ, size, true
}

// parseCNGRSA decodes an RSA private blob at the start of b.
func parseCNGRSA(b []byte) (Hit, bool) {
	_, cbE, cbN, cbP, cbQ, size, ok := cngRSAHeader(b)
	if !ok || string(b[:4]) == magicRSAPublic {
		return Hit{}, false
	}
	f := fields{b: b, at: 24}
	e, n, p, q := f.be(cbE), f.be(cbN), f.be(cbP), f.be(cbQ)
	var d, dp, dq, qinv *big.Int
	if string(b[:4]) == magicRSAFull {
		dp, dq, qinv, d = f.be(cbP), f.be(cbQ), f.be(cbP), f.be(cbN)
	}
	h := Hit{Len: min(size, len(b)), Encoding: "cng-blob"}
	if f.short {
		h.Key, h.Status, ok = keys.RSACutOff(n, e, p, "rsa")
		return h, ok
	}
	k := keys.RSA{N: n, E: e, D: d, P: p, Q: q, Dp: dp, Dq: dq, Qinv: qinv}
	if !rsaPlausible(k) {
		return Hit{}, false
	}
	if d == nil {
		h.Key, h.Status = keys.ProveRSAWithoutD(k, "rsa")
	} else {
		h.Key, h.Status = keys.ProveRSA(k, "rsa")
	}
	return rsaDamaged(h, k)
}

var bigOne = big.NewInt(1)

// rsaPlausible is the cheap test a blob must pass before any primality test:
// p·q = n, or one of them divides n. Headers followed by junk fail it after a
// multiplication, where a primality test on a 16384-bit junk number would take
// a tenth of a second. A key whose n alone is damaged fails it too, and is lost.
func rsaPlausible(k keys.RSA) bool {
	if !keys.IntOK(k.N, keys.MaxRSABits) || !keys.IntOK(k.P, keys.MaxRSABits) || !keys.IntOK(k.Q, keys.MaxRSABits) ||
		k.P.Cmp(bigOne) <= 0 || k.Q.Cmp(bigOne) <= 0 {
		return false
	}
	if new(big.Int).Mul(k.P, k.Q).Cmp(k.N) == 0 {
		return true
	}
	r := new(big.Int)
	return r.Mod(k.N, k.P).Sign() == 0 && k.P.Cmp(k.N) < 0 || r.Mod(k.N, k.Q).Sign() == 0 && k.Q.Cmp(k.N) < 0
}

// rsaDamaged keeps a Fragment from checkRSA only when one prime still factors
// n: a header that merely looks right, followed by junk, is not a key.
func rsaDamaged(h Hit, k keys.RSA) (Hit, bool) {
	if h.Status != keys.Fragment {
		return h, true
	}
	for _, p := range []*big.Int{k.P, k.Q} {
		if info, _, ok := keys.RSACutOff(k.N, k.E, p, h.Key.Type); ok {
			h.Key = info
			h.Key.Note = "one prime is damaged; the other divides n"
			return h, true
		}
	}
	return Hit{}, false
}

// cngECHeader reads a BCRYPT_ECCKEY_BLOB header: the candidate curves (two for
// a generic magic of 32 bytes) and whether the blob is private.
func cngECHeader(b []byte) (cs []keys.Curve, private bool, size int, ok bool) {
	if len(b) < 8 || string(b[:2]) != "EC" {
		return nil, false, 0, false
	}
	cbKey := int(binary.LittleEndian.Uint32(b[4:]))
	for _, m := range cngCurves {
		if string(b[2:4]) != m.tail {
			continue
		}
		if m.curve != "" {
			c := keys.CurveByName(m.curve)
			if c.Size() != cbKey {
				return nil, false, 0, false
			}
			cs = []keys.Curve{c}
		} else {
			for _, c := range keys.Curves {
				if c.Size() == cbKey {
					cs = append(cs, c)
				}
			}
		}
		n := 8 + 2*cbKey
		if m.private {
			n += cbKey
		}
		return cs, m.private, n, len(cs) > 0
	}
	return nil, false, 0, false
}

// parseCNGEC decodes an ECC private blob at the start of b: X, Y, then d.
func parseCNGEC(b []byte) (Hit, bool) {
	cs, private, size, ok := cngECHeader(b)
	if !ok || !private || len(b) < size {
		return Hit{}, false
	}
	sz := cs[0].Size()
	point := make([]byte, 0, 1+2*sz)
	point = append(append(point, 4), b[8:8+2*sz]...)
	d := b[8+2*sz : size]
	var best Hit
	for _, c := range cs {
		// d·G is on the curve, so a stored point off it can prove nothing;
		// checking first also spares the scalar multiplication on junk.
		if !c.OnCurve(point) {
			continue
		}
		info, st := keys.ProveEC(c, d, point)
		if st == keys.Validated || (st == keys.Unverified && best.Status == 0) {
			best = Hit{Len: size, Encoding: "cng-blob", Status: st, Key: info}
		}
	}
	return best, best.Status != 0
}

var capiAnchors = [][]byte{capiPrivateHeader}

func (CAPIBlob) anchors() [][]byte { return capiAnchors }

func (d CAPIBlob) Detect(dst []Hit, buf []byte) []Hit {
	var m prefilter.Marks
	return d.detectAt(dst, buf, m.Search(buf, capiAnchors))
}

func (CAPIBlob) detectAt(dst []Hit, buf []byte, m *prefilter.Marks) []Hit {
	// Both private blobs start with the same BLOBHEADER bytes: bType 7
	// (PRIVATEKEYBLOB), bVersion 2 and a zero reserved word, then the ALG_ID and
	// the RSA2 or DSS2 magic. One search for the header serves both, and 0x07
	// is rare in text.
	for at := 0; ; {
		i := m.Index(0, at)
		if i < 0 {
			break
		}
		at = i
		if at+12 <= len(buf) && (string(buf[at+8:at+12]) == magicRSAPrivate || string(buf[at+8:at+12]) == magicDSSPrivate) {
			if h, ok := parseCAPIPrivate(buf[at:min(len(buf), at+capiMaxLen)]); ok {
				h.Off = at
				dst = append(dst, h)
				at += h.Len
				continue
			}
		}
		at++
	}
	return dst
}

// capiPrivateHeader is the start of a BLOBHEADER of a version 2 PRIVATEKEYBLOB.
var capiPrivateHeader = []byte{capiPrivateKeyBlob, capiBlobVersion, 0, 0}

// capiHeader checks a BLOBHEADER and the RSAPUBKEY or DSSPUBKEY after it.
func capiHeader(b []byte, blobType byte) (magic string, bits int, ok bool) {
	if len(b) < 16 || b[0] != blobType || b[1] != capiBlobVersion || b[2] != 0 || b[3] != 0 {
		return "", 0, false
	}
	alg := binary.LittleEndian.Uint32(b[4:])
	magic, bits = string(b[8:12]), int(binary.LittleEndian.Uint32(b[12:]))
	if bits < blobMinBits || bits > blobMaxBits || bits%16 != 0 {
		return "", 0, false
	}
	switch {
	case (alg == calgRSAKeyX || alg == calgRSASign) && magic == magicRSAPrivate && blobType == capiPrivateKeyBlob,
		(alg == calgRSAKeyX || alg == calgRSASign) && magic == magicRSAPublic && blobType == capiPublicKeyBlob,
		alg == calgDSSSign && magic == magicDSSPrivate && blobType == capiPrivateKeyBlob && bits <= 1024:
		return magic, bits, true
	}
	return "", 0, false
}

// parseCAPIPrivate decodes a PRIVATEKEYBLOB at the start of b.
func parseCAPIPrivate(b []byte) (Hit, bool) {
	magic, bits, ok := capiHeader(b, capiPrivateKeyBlob)
	if !ok {
		return Hit{}, false
	}
	h := Hit{Encoding: "capi-blob"}
	if magic == magicDSSPrivate {
		// DSSPUBKEY{magic, bitlen}, p, q[20], g, x[20], DSSSEED{counter, seed[20]}.
		f := fields{b: b, at: 16}
		p, q, g, x := f.le(bits/8), f.le(20), f.le(bits/8), f.le(20)
		f.skip(24)
		if f.short || !keys.DSADomainOK(p, q, g) {
			return Hit{}, false
		}
		h.Len = f.at
		h.Key, h.Status = keys.ProveDSA(keys.DSA{P: p, Q: q, G: g, X: x})
		return h, h.Status >= keys.Unverified
	}
	// RSAPUBKEY{magic, bitlen, pubexp}, n, p, q, dp, dq, qinv (halves), d.
	if len(b) < 20 {
		return Hit{}, false
	}
	e := big.NewInt(int64(binary.LittleEndian.Uint32(b[16:])))
	f := fields{b: b, at: 20}
	n, p, q := f.le(bits/8), f.le(bits/16), f.le(bits/16)
	dp, dq, qinv := f.le(bits/16), f.le(bits/16), f.le(bits/16)
	d := f.le(bits / 8)
	h.Len = min(f.at, len(b))
	if f.short {
		h.Key, h.Status, ok = keys.RSACutOff(n, e, p, "rsa")
		return h, ok
	}
	k := keys.RSA{N: n, E: e, D: d, P: p, Q: q, Dp: dp, Dq: dq, Qinv: qinv}
	if !rsaPlausible(k) {
		return Hit{}, false
	}
	h.Key, h.Status = keys.ProveRSA(k, "rsa")
	return rsaDamaged(h, k)
}

// ParsePublicBlob reads the public key blob at the start of b: a CNG
// BCRYPT_RSAPUBLIC_BLOB ("RSA1"), a BCRYPT_ECCPUBLIC_BLOB ("ECS1/3/5",
// "ECK1/3/5", and the generic "ECDP"/"ECKP" for the curves their size names
// alone), or a CAPI PUBLICKEYBLOB for RSA. n is the length of the blob. ok is
// false when b does not start with a well-formed public blob, whose key passes
// [keys.RSAPublic] or, for EC, lies on its curve. A private blob's public half
// is not read here. The raw hunt's harvest calls it at each magic to collect
// the public halves Windows processes keep.
func ParsePublicBlob(b []byte) (pub keys.Public, n int, ok bool) {
	switch {
	case len(b) >= 4 && string(b[:4]) == magicRSAPublic:
		_, cbE, cbN, _, _, size, ok := cngRSAHeader(b)
		if !ok || len(b) < size {
			return keys.Public{}, 0, false
		}
		f := fields{b: b, at: 24}
		e, m := f.be(cbE), f.be(cbN)
		pub, ok = keys.RSAPublic(m, e)
		return pub, size, ok
	case len(b) >= 2 && string(b[:2]) == "EC":
		cs, private, size, ok := cngECHeader(b)
		if !ok || private || len(b) < size || len(cs) != 1 {
			return keys.Public{}, 0, false
		}
		point := make([]byte, 0, 1+size-8)
		pub, ok = keys.ECPublic(cs[0], append(append(point, 4), b[8:size]...))
		return pub, size, ok
	}
	_, bits, ok := capiHeader(b, capiPublicKeyBlob)
	if !ok || len(b) < 20 {
		return keys.Public{}, 0, false
	}
	e := big.NewInt(int64(binary.LittleEndian.Uint32(b[16:])))
	f := fields{b: b, at: 20}
	m := f.le(bits / 8)
	if f.short {
		return keys.Public{}, 0, false
	}
	pub, ok = keys.RSAPublic(m, e)
	return pub, f.at, ok
}

// fields reads consecutive numbers of a blob. After the first short read every
// call returns nil and short is set.
type fields struct {
	b     []byte
	at    int
	short bool
}

func (f *fields) take(n int) []byte {
	if f.short || n < 0 || n > len(f.b)-f.at {
		f.short = true
		return nil
	}
	v := f.b[f.at : f.at+n]
	f.at += n
	return v
}

func (f *fields) skip(n int) { f.take(n) }

// be reads a big-endian number.
func (f *fields) be(n int) *big.Int {
	v := f.take(n)
	if v == nil {
		return nil
	}
	return new(big.Int).SetBytes(v)
}

// le reads a little-endian number.
func (f *fields) le(n int) *big.Int {
	v := f.take(n)
	if v == nil {
		return nil
	}
	r := slices.Clone(v)
	slices.Reverse(r)
	return new(big.Int).SetBytes(r)
}
