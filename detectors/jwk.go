package detectors

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"math/big"

	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// JWK finds JSON Web Keys holding private or secret material (RFC 7517, 7518,
// 8037): "kty" RSA with d (and usually p, q), EC with d on P-256, P-384, P-521
// or secp256k1, OKP with d on Ed25519, X25519, Ed448 or X448, and oct with k. It
// anchors on the "kty" member name, walks back to the enclosing brace, and reads
// that one flat object with a small bounded tokenizer (members in any order,
// white space, string escapes such as "\/" and "\u002d"). Public JWKs, which have
// no d, are not findings. An object cut off after a long enough d is a Fragment.
// The same text in UTF-16LE (a .NET or Windows string) is found too.
type JWK struct{}

// jwkMaxText bounds one JWK in UTF-8. An RSA-16384 private JWK with its CRT
// values is about 14 KiB; an x5c chain can make it longer, so 32 KiB.
const jwkMaxText = 32 << 10

func (JWK) Name() string { return "jwk" }

// MaxLen covers the UTF-16LE form, twice the UTF-8 one.
func (JWK) MaxLen() int { return 2 * jwkMaxText }

var (
	jwkAnchor        = []byte(`"kty"`)
	jwkAnchorEscaped = []byte(`\"kty\"`) // a JWK kept as a JSON string: "{\"kty\":\"EC\",...}"
	jwkAnchorUTF16   = []byte("\"\x00k\x00t\x00y\x00\"\x00")
)

// jwkAnchors are the anchors less their opening quote, which JSON text is
// full of: the scan checks it after a match.
var jwkAnchors = [][]byte{jwkAnchor[1:], jwkAnchorUTF16[2:], jwkAnchorEscaped}

func (JWK) anchors() [][]byte { return jwkAnchors }

func (d JWK) Detect(dst []Hit, buf []byte) []Hit {
	var m prefilter.Marks
	return d.detectAt(dst, buf, m.Search(buf, jwkAnchors))
}

func (JWK) detectAt(dst []Hit, buf []byte, m *prefilter.Marks) []Hit {
	// Each loop passes the previous anchor to objectStart as a floor: the brace
	// of a later key lies after it, and without the floor a run of anchors would
	// make every one scan back the whole bound. A failed parse also skips what it
	// read, so the work stays linear in len(buf).
	//
	// The plain and the UTF-16LE anchors are walked together; each keeps its
	// own floor and the end of its last key.
	var plain, wide jwkScan
	var v16 textView
	for at := 0; ; at++ {
		i, ids := m.Find(1|2, at)
		if i < 0 {
			break
		}
		at = i
		switch {
		case ids&1 != 0 && at >= plain.next:
			dst = plain.step(dst, buf, at-1)
		case ids&2 != 0 && at >= wide.next:
			dst = wide.stepUTF16(dst, buf, at-2, &v16)
		}
	}

	// A JWK kept inside a JSON string: unescape the string once and reuse the
	// text for every anchor in it.
	var v textView
	floor := 0
	for at := 0; ; {
		i := m.Index(2, at)
		if i < 0 {
			break
		}
		at = i
		start, ok := objectStart(buf, at, floor)
		floor, i = at, at+len(jwkAnchorEscaped)
		if ok {
			j := v.index(start)
			if j < 0 {
				v.unescape(buf, start)
				j = 0
			}
			n, d, ok := parseJWK(v.text[j:min(len(v.text), j+jwkMaxText)])
			end := v.pos[j+n]
			if ok {
				dst = append(dst, Hit{Off: start, Len: end - start, Encoding: "jwk", Status: d.Status, Key: d.Key})
			}
			i = max(i, end)
		}
		at = i
	}

	return dst
}

// A textView is text derived from a stretch of a buffer (a JSON string
// unescaped, or UTF-16LE narrowed to ASCII), with pos[i] the buffer offset of
// text[i] and pos[len(text)] the end of the stretch.
type textView struct {
	text   []byte
	pos    []int
	capped bool // the stretch stopped at the size bound, not at its own end
}

// index returns the index of buffer offset off in the text, or -1 when off is
// not the start of a character in it, or too near a capped end to leave a whole
// key after it.
func (v *textView) index(off int) int {
	if len(v.pos) == 0 || off < v.pos[0] || off >= v.pos[len(v.pos)-1] ||
		v.capped && v.pos[len(v.pos)-1]-off < 2*jwkMaxText {
		return -1
	}
	lo, hi := 0, len(v.pos)-1
	for lo < hi { // the first pos >= off
		m := int(uint(lo+hi) >> 1)
		if v.pos[m] < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if v.pos[lo] != off {
		return -1
	}
	return lo
}

// unescape fills v with the JSON string text of buf from start: one level of
// escaping undone, up to the quote that ends the string. \" and \\ and \/
// become the byte they stand for, and \n, \r, \t white space; \uXXXX stays as
// it is, for the inner text to decode.
func (v *textView) unescape(buf []byte, start int) {
	end := min(len(buf), start+4*jwkMaxText)
	v.text, v.pos = v.text[:0], v.pos[:0]
	i := start
	for i < end && buf[i] != '"' {
		c, w := buf[i], 1
		if c == '\\' && i+1 < end {
			switch buf[i+1] {
			case '"', '\\', '/':
				c, w = buf[i+1], 2
			case 'n':
				c, w = '\n', 2
			case 'r':
				c, w = '\r', 2
			case 't':
				c, w = '\t', 2
			}
		}
		v.text = append(v.text, c)
		v.pos = append(v.pos, i)
		i += w
	}
	v.pos = append(v.pos, i)
	v.capped = i >= end && end < len(buf)
}

// narrow fills v with the ASCII text of the UTF-16LE run around the anchor at
// at: back to the run's start (not before floor, nor more than a key's length),
// and forward to its end or a bound.
func (v *textView) narrow(buf []byte, at, floor int) {
	s := at
	for s-2 >= floor && at-s < 2*jwkMaxText && buf[s-1] == 0 && buf[s-2] != 0 && buf[s-2] < 0x80 {
		s -= 2
	}
	end := min(len(buf), at+8*jwkMaxText)
	v.text, v.pos = v.text[:0], v.pos[:0]
	i := s
	for ; i+1 < end && buf[i+1] == 0 && buf[i] != 0 && buf[i] < 0x80; i += 2 {
		v.text = append(v.text, buf[i])
		v.pos = append(v.pos, i)
	}
	v.pos = append(v.pos, i)
	v.capped = i+1 >= end && end < len(buf)
}

// objectStart finds the '{' that opens the object whose member starts at at,
// looking back at most jwkMaxText bytes, not before floor, and stepping over
// nested objects. It fails when the brace is outside b: the window before this
// one owns the key.
func objectStart(b []byte, at, floor int) (int, bool) {
	// Scanning back from a member name, which is outside any string, every
	// unescaped quote enters or leaves a string, and braces inside strings
	// ("kid":"a}b") do not count.
	depth, inString := 0, false
	lo := max(0, floor)
	for i := at - 1; i >= lo && at-i <= jwkMaxText; i-- {
		switch c := b[i]; {
		case c == '"' && !escapedAt(b, i, lo):
			inString = !inString
		case inString:
		case c == '}':
			depth++
		case c == '{':
			if depth == 0 {
				return i, true
			}
			depth--
		}
	}
	return 0, false
}

// escapedAt reports whether the quote at i is escaped: preceded by an odd
// number of backslashes (not looking below lo).
func escapedAt(b []byte, i, lo int) bool {
	n := 0
	for j := i - 1; j >= lo && b[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// A jwkValue is the raw text of a string member, escapes and all.
type jwkValue struct {
	raw      []byte
	complete bool // the closing quote was seen
}

// jwkObject holds the members of a JWK that matter; others are skipped.
type jwkObject struct {
	kty, crv, d, k, n, e, p, q, dp, dq, qi, x, y jwkValue
}

func (o *jwkObject) member(name []byte) *jwkValue {
	switch string(name) {
	case "kty":
		return &o.kty
	case "crv":
		return &o.crv
	case "d":
		return &o.d
	case "k":
		return &o.k
	case "n":
		return &o.n
	case "e":
		return &o.e
	case "p":
		return &o.p
	case "q":
		return &o.q
	case "dp":
		return &o.dp
	case "dq":
		return &o.dq
	case "qi":
		return &o.qi
	case "x":
		return &o.x
	case "y":
		return &o.y
	}
	return nil
}

// jsonScan is a cursor over one JSON object.
type jsonScan struct {
	b   []byte
	pos int
}

func (s *jsonScan) space() {
	for s.pos < len(s.b) && (s.b[s.pos] == ' ' || s.b[s.pos] == '\t' || s.b[s.pos] == '\n' || s.b[s.pos] == '\r') {
		s.pos++
	}
}

// str reads a string whose opening quote is at pos; complete is false when b
// ends first.
func (s *jsonScan) str() (raw []byte, complete bool) {
	start := s.pos + 1
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '\\':
			i++
		case c == '"':
			s.pos = i + 1
			return s.b[start:i], true
		case c < 0x20:
			s.pos = i // a control byte ends the text: garbage
			return s.b[start:i], false
		}
	}
	s.pos = len(s.b)
	return s.b[start:], false
}

// skipValue steps over a non-string value: a number, a literal, or a nested
// array or object (string-aware). It reports false when b ends inside it.
func (s *jsonScan) skipValue() bool {
	depth := 0
	for s.pos < len(s.b) {
		switch c := s.b[s.pos]; c {
		case '"':
			if _, ok := s.str(); !ok {
				return false
			}
			if depth == 0 {
				return true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return true // ends the enclosing object: the value was empty
			}
			depth--
			if depth == 0 {
				s.pos++
				return true
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return true
			}
		}
		s.pos++
	}
	return false
}

// scanObject reads the object that b starts with ('{'). It returns the bytes
// consumed and whether the closing brace was reached; on garbage or the end of
// b it stops and keeps what it read.
func scanObject(b []byte) (o jwkObject, n int, complete bool) {
	s := jsonScan{b: b, pos: 1}
	for {
		s.space()
		if s.pos >= len(b) {
			return o, s.pos, false
		}
		if b[s.pos] == '}' {
			return o, s.pos + 1, true
		}
		if b[s.pos] != '"' {
			return o, s.pos, false
		}
		name, ok := s.str()
		if !ok {
			return o, s.pos, false
		}
		s.space()
		if s.pos >= len(b) || b[s.pos] != ':' {
			return o, s.pos, false
		}
		s.pos++
		s.space()
		if s.pos >= len(b) {
			return o, s.pos, false
		}
		if b[s.pos] == '"' {
			raw, ok := s.str()
			if m := o.member(name); m != nil {
				*m = jwkValue{raw, ok}
			}
			if !ok {
				return o, s.pos, false
			}
		} else if !s.skipValue() {
			return o, s.pos, false
		}
		s.space()
		if s.pos >= len(b) {
			return o, s.pos, false
		}
		switch b[s.pos] {
		case ',':
			s.pos++
		case '}':
			return o, s.pos + 1, true
		default:
			return o, s.pos, false
		}
	}
}

// b64 decodes a base64url member value, accepting the standard alphabet and
// padding some encoders emit, and the JSON escapes "\/" and "\u00XX". A value
// that breaks off (cut off, or an odd escape) yields the bytes before the break.
func (v jwkValue) b64() []byte {
	text := make([]byte, 0, len(v.raw))
	for i := 0; i < len(v.raw); i++ {
		c := v.raw[i]
		if c == '\\' {
			c = 0
			if i+1 < len(v.raw) && v.raw[i+1] == '/' {
				c, i = '/', i+1
			} else if i+5 < len(v.raw) && v.raw[i+1] == 'u' && v.raw[i+2] == '0' && v.raw[i+3] == '0' {
				c, i = hexByte(v.raw[i+4], v.raw[i+5]), i+5
			}
		}
		switch {
		case c == '+' || c == '-':
			c = '-'
		case c == '/' || c == '_':
			c = '_'
		case c == '=':
			continue
		case !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'):
			i = len(v.raw) // stop at the first stray byte
			continue
		}
		text = append(text, c)
	}
	if len(text)%4 == 1 {
		text = text[:len(text)-1]
	}
	out := make([]byte, base64.RawURLEncoding.DecodedLen(len(text)))
	n, _ := base64.RawURLEncoding.Decode(out, text)
	return out[:n]
}

func hexByte(hi, lo byte) byte {
	h, l := unhex(hi), unhex(lo)
	if h < 0 || l < 0 {
		return 0
	}
	return byte(h<<4 | l)
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}

// int decodes a complete base64url member as a big-endian integer; nil when absent.
func (v jwkValue) int() *big.Int {
	if !v.complete || len(v.raw) == 0 {
		return nil
	}
	return new(big.Int).SetBytes(v.b64())
}

// fixedBytes decodes a complete member and left-pads it to size bytes (some
// encoders drop leading zeros); nil when absent or too long.
func (v jwkValue) fixedBytes(size int) []byte {
	if !v.complete {
		return nil
	}
	b := v.b64()
	if len(b) == 0 || len(b) > size {
		return nil
	}
	return append(make([]byte, size-len(b), size), b...)
}

// jwkMinSecret is the fewest bytes of a cut-off d, or of an oct k, that make
// a finding: less could be anything.
const jwkMinSecret = 16

// parseJWK reads the JWK object that b starts with and proves its key. It
// returns the bytes the hit covers; ok is false for a public key or no key.
func parseJWK(b []byte) (n int, d decoded, ok bool) {
	o, n, complete := scanObject(b)
	if !o.kty.complete {
		return n, decoded{}, false
	}
	kty := string(o.kty.raw)
	d.Encoding = "jwk"
	switch {
	case kty == "oct" && o.k.complete:
		k := o.k.b64()
		if len(k) < jwkMinSecret {
			return n, decoded{}, false
		}
		// RFC 7638: the members k and kty, in that order, with no white space.
		th := sha256.New()
		th.Write([]byte(`{"k":"`))
		th.Write([]byte(base64.RawURLEncoding.EncodeToString(k)))
		th.Write([]byte(`","kty":"oct"}`))
		th.Sum(d.Key.Thumbprint[:0])
		d.Key.Type, d.Key.Bits = "symmetric", 8*len(k)
		d.Key.Note = "symmetric key: nothing to check it against"
		d.Status = keys.Unverified
		return n, d, true
	case len(o.d.raw) == 0:
		return n, decoded{}, false // a public key, or no key
	case !o.d.complete:
		return jwkFragment(o, n, "d cut off")
	}
	switch kty {
	case "RSA":
		k := keys.RSA{N: o.n.int(), E: o.e.int(), D: o.d.int(), P: o.p.int(), Q: o.q.int(),
			Dp: o.dp.int(), Dq: o.dq.int(), Qinv: o.qi.int()}
		switch {
		case k.P == nil && k.Q == nil:
			d.Key, d.Status = keys.ProveRSANoPrimes(k.N, k.E, k.D, "rsa")
		case !rsaPlausible(k):
			// Neither p·q = n nor a prime dividing n: spare the primality tests.
			return jwkFragment(o, n, "p and q do not factor n")
		default:
			d.Key, d.Status = keys.ProveRSA(k, "rsa")
		}
		if d.Status == keys.Fragment {
			return jwkFragment(o, n, d.Key.Note)
		}
	case "EC":
		c := keys.CurveByName(string(o.crv.raw))
		if !c.Known() {
			return jwkFragment(o, n, "unknown curve")
		}
		priv := o.d.fixedBytes(c.Size())
		if priv == nil {
			return jwkFragment(o, n, "d is not a scalar of the curve")
		}
		var point []byte
		if x, y := o.x.fixedBytes(c.Size()), o.y.fixedBytes(c.Size()); x != nil && y != nil {
			point = append(append([]byte{4}, x...), y...)
		}
		d.Key, d.Status = keys.ProveEC(c, priv, point)
		if d.Status == keys.Fragment {
			return jwkFragment(o, n, d.Key.Note)
		}
	case "OKP":
		priv, pub := o.d.b64(), o.x.b64()
		switch string(o.crv.raw) {
		case "Ed25519":
			d.Key, d.Status = keys.ProveEd25519(priv, pub)
		case "X25519":
			d.Key, d.Status = keys.ProveX25519(priv, pub)
		case "Ed448", "X448":
			typ, size, oid := "ed448", 57, keys.OIDEd448
			if string(o.crv.raw) == "X448" {
				typ, size, oid = "x448", 56, keys.OIDX448
			}
			if len(priv) != size {
				return jwkFragment(o, n, "private key has the wrong size")
			}
			d.Key = keys.KeyInfo{Type: typ, Bits: 8 * size, Note: "no " + string(o.crv.raw) + " arithmetic to check the key with"}
			if typ == "ed448" {
				d.Key.Bits = 456
			}
			if len(pub) == size {
				d.Key.SPKI = keys.OKPSPKI(oid, pub)
			}
			d.Status = keys.Unverified
		default:
			return jwkFragment(o, n, "unknown curve")
		}
		if d.Status == keys.Fragment {
			return jwkFragment(o, n, d.Key.Note)
		}
	default:
		return n, decoded{}, false
	}
	if !complete && d.Status == keys.Validated {
		d.Key.Note = "object cut off after the key members"
	}
	return n, d, true
}

// jwkFragment reports a JWK whose private member is cut off or garbled, if
// enough of it is there to be a secret.
func jwkFragment(o jwkObject, n int, note string) (int, decoded, bool) {
	if len(o.d.b64()) < jwkMinSecret {
		return n, decoded{}, false
	}
	info := keys.KeyInfo{Note: note}
	switch string(o.kty.raw) {
	case "RSA":
		info.Type = "rsa"
		if nn, e := o.n.int(), o.e.int(); keys.IntOK(nn, keys.MaxRSABits) && keys.IntOK(e, 64) {
			info.Bits, info.SPKI = nn.BitLen(), keys.RSASPKI(nn, e, "rsa")
		}
	case "EC":
		info.Type, info.Curve = "ec", keys.CurveByName(string(o.crv.raw))
	case "OKP":
		switch string(o.crv.raw) {
		case "Ed25519", "Ed448", "X25519", "X448":
			info.Type = string(bytes.ToLower(o.crv.raw))
		}
	}
	return n, decoded{Encoding: "jwk", Key: info, Status: keys.Fragment}, true
}

// jwkScan is the state of one anchor's scan: the previous anchor, a floor for
// objectStart, and where the last key found ends.
type jwkScan struct {
	floor, next int
}

// step tries the plain anchor whose opening quote is at q.
func (sc *jwkScan) step(dst []Hit, buf []byte, q int) []Hit {
	if q < 0 || buf[q] != '"' {
		return dst
	}
	start, ok := objectStart(buf, q, sc.floor)
	sc.floor, sc.next = q, q+len(jwkAnchor)
	if ok {
		n, d, ok := parseJWK(buf[start:min(len(buf), start+jwkMaxText)])
		if ok {
			dst = append(dst, Hit{Off: start, Len: n, Encoding: "jwk", Status: d.Status, Key: d.Key})
		}
		sc.next = max(sc.next, start+n)
	}
	return dst
}

// stepUTF16 tries the UTF-16LE anchor whose opening quote is at q, narrowing
// the text around it once into v and reusing it for later anchors.
func (sc *jwkScan) stepUTF16(dst []Hit, buf []byte, q int, v *textView) []Hit {
	if q < 0 || buf[q] != '"' || buf[q+1] != 0 {
		return dst
	}
	j := v.index(q)
	if j < 0 {
		v.narrow(buf, q, sc.floor)
		j = v.index(q)
	}
	start, ok := -1, false
	if j >= 0 {
		start, ok = objectStart(v.text, j, v.index(max(sc.floor, v.pos[0])))
	}
	sc.floor, sc.next = q, q+len(jwkAnchorUTF16)
	if ok {
		n, d, ok := parseJWK(v.text[start:min(len(v.text), start+jwkMaxText)])
		off, end := v.pos[start], v.pos[start+n]
		if ok {
			dst = append(dst, Hit{Off: off, Len: end - off, Encoding: "jwk-utf16le", Status: d.Status, Key: d.Key})
		}
		sc.next = max(sc.next, end)
	}
	return dst
}
