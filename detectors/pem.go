package detectors

import (
	"bytes"
	"encoding/base64"

	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// PEM finds PEM-armoured private keys: PKCS#8 "PRIVATE KEY", "RSA", "EC" and
// "DSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY" and legacy
// "Proc-Type: 4,ENCRYPTED" blocks. It tolerates CRLF, odd line lengths, stray
// white space and JSON string escapes (a service-account key file keeps its key
// as "-----BEGIN PRIVATE KEY-----\nMIIE..."), and also finds the same text in
// UTF-16LE (a .NET or Windows string) and base64-encoded whole (a Kubernetes
// secret: "LS0tLS1CRUdJTi..."). A marker alone is not a key: the body must decode
// to key material before anything is reported.
type PEM struct{}

// pemMaxText bounds one PEM block in ASCII; an RSA-16384 PKCS#1 block is
// about 12 KiB, so 24 KiB leaves room for JSON escapes and long headers.
const pemMaxText = 24 << 10

func (PEM) Name() string { return "pem" }

// MaxLen covers the largest form: the UTF-16LE text is twice the ASCII.
func (PEM) MaxLen() int { return 2 * pemMaxText }

var (
	pemBegin       = []byte("-----BEGIN ")
	pemBeginUTF16  = []byte("-\x00-\x00-\x00-\x00-\x00B\x00E\x00G\x00I\x00N\x00 \x00")
	pemBeginBase64 = []byte("LS0tLS1CRUdJTi") // base64("-----BEGIN") at a 3-byte boundary
	pemPrivate     = []byte("PRIVATE KEY")
)

var pemAnchors = [][]byte{pemBegin, pemBeginUTF16, pemBeginBase64}

func (PEM) anchors() [][]byte { return pemAnchors }

func (d PEM) Detect(dst []Hit, buf []byte) []Hit {
	var m prefilter.Marks
	return d.detectAt(dst, buf, m.Search(buf, pemAnchors))
}

func (PEM) detectAt(dst []Hit, buf []byte, m *prefilter.Marks) []Hit {
	// "-----BEGIN " and its UTF-16LE form ("-\x00-\x00…") are walked together,
	// in order of offset, so that a block found in one hides what it holds.
	for at := 0; ; {
		i, ids := m.Find(1|2, at)
		if i < 0 {
			break
		}
		at = i
		switch rest := buf[at:]; {
		case ids&1 != 0:
			if n, d, ok := parsePEM(rest[:min(len(rest), pemMaxText)]); ok {
				dst = append(dst, Hit{Off: at, Len: n, Encoding: "pem", Status: d.Status, Key: d.Key})
				at += n
				continue
			}
			at += len(pemBegin)
		default: // pemBeginUTF16
			text := narrowUTF16(rest[:min(len(rest), 2*pemMaxText)])
			if n, d, ok := parsePEM(text); ok {
				dst = append(dst, Hit{Off: at, Len: 2 * n, Encoding: "pem-utf16le", Status: d.Status, Key: d.Key})
				at += 2 * n
				continue
			}
			at += len(pemBeginUTF16)
		}
	}
	for at := 0; ; {
		i := m.Index(2, at)
		if i < 0 {
			break
		}
		at = i
		end := at
		for end < len(buf) && end-at < pemMaxText*4/3+4 && isBase64(buf[end]) {
			end++
		}
		text := make([]byte, base64.StdEncoding.DecodedLen(end-at))
		n, _ := base64.StdEncoding.Decode(text, buf[at:end])
		if _, d, ok := parsePEM(text[:n]); ok {
			dst = append(dst, Hit{Off: at, Len: end - at, Encoding: "pem-base64", Status: d.Status, Key: d.Key})
			at = end
			continue
		}
		at += len(pemBeginBase64)
	}
	return dst
}

func isBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

// narrowUTF16 copies the leading UTF-16LE text of b whose code units are ASCII.
func narrowUTF16(b []byte) []byte {
	out := make([]byte, 0, len(b)/2)
	for i := 0; i+1 < len(b) && b[i+1] == 0 && b[i] != 0 && b[i] < 0x80; i += 2 {
		out = append(out, b[i])
	}
	return out
}

// pemText walks PEM text, skipping the separators a PEM block may carry: white
// space, and the escapes of a JSON or C string ("\n", "\r\n", "\/", "\u002b").
type pemText struct {
	b   []byte
	pos int
}

// skipSpace skips white space and escaped line breaks.
func (t *pemText) skipSpace() {
	for t.pos < len(t.b) {
		switch c := t.b[t.pos]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			t.pos++
		case c == '\\' && t.pos+1 < len(t.b) && (t.b[t.pos+1] == 'n' || t.b[t.pos+1] == 'r' || t.b[t.pos+1] == 't'):
			t.pos += 2
		default:
			return
		}
	}
}

// base64Char returns the next base64 character, decoding JSON escapes of '/',
// '+' and '=', and its width in the text; 0 when the next byte is not one.
func (t *pemText) base64Char() (byte, int) {
	if t.pos >= len(t.b) {
		return 0, 0
	}
	c := t.b[t.pos]
	if isBase64(c) {
		return c, 1
	}
	if c != '\\' || t.pos+1 >= len(t.b) {
		return 0, 0
	}
	if t.b[t.pos+1] == '/' {
		return '/', 2
	}
	if t.pos+6 <= len(t.b) && t.b[t.pos+1] == 'u' && string(t.b[t.pos+2:t.pos+4]) == "00" {
		switch string(bytes.ToLower(t.b[t.pos+4 : t.pos+6])) {
		case "2b":
			return '+', 6
		case "2f":
			return '/', 6
		case "3d":
			return '=', 6
		}
	}
	return 0, 0
}

// base64Body gathers the base64 characters from the current position on,
// across white space and escaped line breaks, up to the first other byte.
func (t *pemText) base64Body() []byte {
	body := make([]byte, 0, 4096)
	for t.pos < len(t.b) {
		t.skipSpace()
		c, w := t.base64Char()
		if w == 0 {
			break
		}
		body = append(body, c)
		t.pos += w
	}
	return body
}

// line returns the rest of the current line, up to a real or escaped newline.
func (t *pemText) line() []byte {
	start := t.pos
	for t.pos < len(t.b) && t.b[t.pos] != '\n' && t.b[t.pos] != '\r' &&
		!(t.b[t.pos] == '\\' && t.pos+1 < len(t.b) && (t.b[t.pos+1] == 'n' || t.b[t.pos+1] == 'r')) {
		t.pos++
	}
	return t.b[start:t.pos]
}

// parsePEM decodes the PEM block that b starts with ("-----BEGIN "). It returns
// the block's length in b and what validation made of the key; ok is false when
// the block is not a private key or carries no key bytes.
func parsePEM(b []byte) (n int, d decoded, ok bool) {
	t := pemText{b: b, pos: len(pemBegin)}
	end := bytes.Index(b[t.pos:min(len(b), t.pos+80)], []byte("-----"))
	if end < 0 {
		return 0, decoded{}, false
	}
	label := b[t.pos : t.pos+end]
	if !bytes.HasSuffix(label, pemPrivate) || !isLabel(label) {
		return 0, decoded{}, false
	}
	t.pos += end + 5
	t.skipSpace()

	// RFC 1421 headers: "Proc-Type: 4,ENCRYPTED" and "DEK-Info: AES-256-CBC,<iv>".
	var encrypted bool
	var scheme string
	for i := 0; i < 8 && t.pos < len(b); i++ {
		save := t.pos
		ln := t.line()
		colon := bytes.IndexByte(ln, ':')
		if colon <= 0 || bytes.ContainsAny(ln[:colon], " /+=") {
			t.pos = save
			break
		}
		name, value := string(ln[:colon]), bytes.TrimSpace(ln[colon+1:])
		switch name {
		case "Proc-Type":
			encrypted = bytes.Contains(value, []byte("ENCRYPTED"))
		case "DEK-Info":
			scheme = "pem-" + string(bytes.ToLower(value[:max(0, bytes.IndexByte(value, ','))]))
		}
		t.skipSpace()
	}

	body := t.base64Body()
	complete := bytes.HasPrefix(b[t.pos:], []byte("-----END ")) &&
		bytes.HasPrefix(b[t.pos+9:], label) && bytes.HasPrefix(b[t.pos+9+len(label):], []byte("-----"))
	if complete {
		t.pos += 9 + len(label) + 5
	}
	der := decodeBase64Prefix(body)
	if len(der) < 16 {
		return 0, decoded{}, false // a marker, not a key
	}

	kind := string(label)
	switch {
	case encrypted:
		if !complete && len(der) < 64 {
			return 0, decoded{}, false
		}
		if scheme == "" {
			scheme = "pem-unknown-cipher"
		}
		info := keys.KeyInfo{Type: legacyType(kind), Scheme: keys.SchemeByName(scheme), Note: "legacy PEM encryption"}
		return t.pos, decoded{Encoding: "pem", Key: info, Status: keys.Encrypted}, true
	case kind == "OPENSSH PRIVATE KEY":
		d, ok = decodeOpenSSH(der)
	case kind == "RSA PRIVATE KEY":
		d, ok = decodePKCS1(der)
	case kind == "EC PRIVATE KEY":
		d, ok = decodeSEC1(der, keys.NoCurve)
	case kind == "DSA PRIVATE KEY":
		d, ok = decodeOpenSSLDSA(der)
	case kind == "PRIVATE KEY":
		d, ok = decodePKCS8(der)
	case kind == "ENCRYPTED PRIVATE KEY":
		d, ok = decodeEncryptedPKCS8(der)
	default:
		d, ok = decodeAnyDER(der)
		kind = "PRIVATE KEY" // the dump's own label goes no further
	}
	if ok {
		d.Encoding = "pem"
		return t.pos, d, true
	}
	// Cut off or garbled: still a leak if what decoded is the start of a key.
	if len(der) >= 48 && (der[0] == 0x30 || bytes.HasPrefix(der, []byte(opensshMagic[:8]))) {
		note := "body cut off before the end marker"
		if complete {
			note = "body garbled: does not decode as a " + kind
		}
		return t.pos, decoded{Encoding: "pem", Key: keys.KeyInfo{Type: legacyType(kind), Note: note}, Status: keys.Fragment}, true
	}
	return 0, decoded{}, false
}

func isLabel(b []byte) bool {
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ') {
			return false
		}
	}
	return true
}

// legacyType guesses the key type from a PEM label.
func legacyType(label string) string {
	switch label {
	case "RSA PRIVATE KEY":
		return "rsa"
	case "EC PRIVATE KEY":
		return "ec"
	case "DSA PRIVATE KEY":
		return "dsa"
	}
	return ""
}

// decodeBase64Prefix decodes the longest whole prefix of a base64 body: a body
// cut off mid-quantum still yields the bytes before the cut.
func decodeBase64Prefix(body []byte) []byte {
	body = bytes.TrimRight(body, "=")
	if i := bytes.IndexByte(body, '='); i >= 0 {
		body = body[:i]
	}
	if len(body)%4 == 1 {
		body = body[:len(body)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(body)))
	n, _ := base64.RawStdEncoding.Decode(out, body) // on error, n bytes before it
	return out[:n]
}
