package detectors

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"

	"dumpguard/internal/keys"
)

func TestPEMKeys(t *testing.T) {
	tks := loadKeys(t)
	tests := []struct {
		file   string
		status keys.Status
		typ    string
		bits   int
		noSPKI bool
	}{
		{"rsa2048.pkcs8.pem", keys.Validated, "rsa", 2048, false},
		{"rsa2048.pkcs1.pem", keys.Validated, "rsa", 2048, false},
		{"rsa1024.pkcs8.pem", keys.Validated, "rsa", 1024, false},
		{"p256.sec1.pem", keys.Validated, "ec", 256, false},
		{"p256.pkcs8.pem", keys.Validated, "ec", 256, false},
		{"p384.sec1.pem", keys.Validated, "ec", 384, false},
		{"p521.sec1.pem", keys.Validated, "ec", 521, false},
		{"k256.sec1.pem", keys.Validated, "ec", 256, false},
		{"ed25519.pkcs8.pem", keys.Unverified, "ed25519", 256, false},
		{"x25519.pkcs8.pem", keys.Unverified, "x25519", 256, false},
		{"ed448.pkcs8.pem", keys.Unverified, "ed448", 456, true},
		{"dsa1024.pem", keys.Validated, "dsa", 1024, false},
		{"dsa1024.pkcs8.pem", keys.Unverified, "dsa", 1024, false},
		{"rsa1024.enc-pkcs8.pem", keys.Encrypted, "", 0, true},
		{"rsa1024.legacy-enc.pem", keys.Encrypted, "rsa", 0, true},
		{"ssh-ed25519.pem", keys.Validated, "ed25519", 256, false},
		{"ssh-rsa.pem", keys.Validated, "rsa", 2048, false},
		{"ssh-ecdsa.pem", keys.Validated, "ec", 256, false},
		{"ssh-ed25519-enc.pem", keys.Encrypted, "ed25519", 256, false},
	}
	for _, tt := range tests {
		k := tks[tt.file]
		for _, form := range []struct {
			name, enc string
			data      []byte
		}{
			{"plain", "pem", k.pem},
			{"crlf", "pem", bytes.ReplaceAll(k.pem, []byte("\n"), []byte("\r\n"))},
			{"json", "pem", []byte(strings.ReplaceAll(string(k.pem), "\n", `\n`))},
			{"utf16le", "pem-utf16le", utf16le(string(k.pem))},
			{"base64", "pem-base64", []byte(base64.StdEncoding.EncodeToString(k.pem))},
		} {
			t.Run(tt.file+"/"+form.name, func(t *testing.T) {
				buf := plant(form.data, 1000, 1000+len(form.data)+500)
				hits := PEM{}.Detect(nil, buf)
				if len(hits) != 1 {
					t.Fatalf("Detect = %d hits, want 1", len(hits))
				}
				h := hits[0]
				if h.Off != 1000 || h.Encoding != form.enc || h.Status != tt.status || h.Key.Type != tt.typ || h.Key.Bits != tt.bits {
					t.Errorf("Detect = off %d %s %v %s/%d (%s), want off 1000 %s %v %s/%d",
						h.Off, h.Encoding, h.Status, h.Key.Type, h.Key.Bits, h.Key.Note, form.enc, tt.status, tt.typ, tt.bits)
				}
				want := k.spki
				if tt.noSPKI {
					want = ""
				}
				if got := h.Key.SPKI.String(); got != want {
					t.Errorf("SPKI = %q, want %q", got, want)
				}
				if form.name == "plain" && h.Len != len(bytes.TrimRight(k.pem, "\n")) {
					t.Errorf("Len = %d, want %d", h.Len, len(bytes.TrimRight(k.pem, "\n")))
				}
			})
		}
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// flipInBody flips one bit of the base64 character at body offset i.
func flipInBody(pem []byte, i int) []byte {
	out := bytes.Clone(pem)
	start := bytes.IndexByte(out, '\n') + 1 + i
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	j := strings.IndexByte(alphabet, out[start])
	out[start] = alphabet[j^1]
	return out
}

func TestPEMDamaged(t *testing.T) {
	tks := loadKeys(t)
	rsa := tks["rsa2048.pkcs1.pem"].pem
	p256 := tks["p256.sec1.pem"].pem
	tests := []struct {
		name   string
		data   []byte
		want   int
		status keys.Status
	}{
		// A flip deep inside d: p, q, n still agree, e·d does not.
		{"rsa flipped bit in d", flipInBody(rsa, 700), 1, keys.Unverified},
		// A flip in n: p and q still prime, so still a leak.
		{"rsa flipped bit in n", flipInBody(rsa, 100), 1, keys.Unverified},
		{"rsa cut off", rsa[:900], 1, keys.Fragment},
		{"rsa one byte short of end marker", rsa[:len(rsa)-2], 1, keys.Validated},
		{"ec flipped bit in d", flipInBody(p256, 12), 1, keys.Unverified},
		{"marker only", []byte("-----BEGIN RSA PRIVATE KEY-----\n"), 0, 0},
		{"marker pair", []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n\x00-----END OPENSSH PRIVATE KEY-----\n"), 0, 0},
		{"printf format", []byte("-----BEGIN %s-----\n\x00-----END %s-----\n"), 0, 0},
		{"certificate", []byte("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUU\n-----END CERTIFICATE-----\n"), 0, 0},
		{"short body", []byte("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n"), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := append(junk(1, 300), tt.data...)
			hits := PEM{}.Detect(nil, buf)
			if len(hits) != tt.want {
				t.Fatalf("Detect = %d hits, want %d", len(hits), tt.want)
			}
			if tt.want > 0 && hits[0].Status != tt.status {
				t.Errorf("status = %v (%s), want %v", hits[0].Status, hits[0].Key.Note, tt.status)
			}
		})
	}
}

func TestPEMAllocatesNothingOnMiss(t *testing.T) {
	buf := junk(7, 1<<20)
	allocs := testing.AllocsPerRun(10, func() { PEM{}.Detect(nil, buf) })
	if allocs != 0 {
		t.Errorf("Detect on random bytes allocated %v times, want 0", allocs)
	}
}

func FuzzPEM(f *testing.F) {
	for _, k := range loadKeys(f) {
		f.Add(k.pem)
	}
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n\\u002b\\/\\n-----END PRIVATE KEY-----"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, h := range (PEM{}).Detect(nil, b) {
			if h.Off < 0 || h.Len <= 0 || h.Off+h.Len > len(b) {
				t.Fatalf("hit %d+%d outside the %d-byte input", h.Off, h.Len, len(b))
			}
			if h.Status < keys.Fragment || h.Status > keys.Validated {
				t.Fatalf("bad status %v", h.Status)
			}
		}
	})
}

// TestPEMSchemeVocabulary checks that the scheme of a legacy encrypted PEM
// key is a name from keys' fixed set, never the DEK-Info text of the dump.
func TestPEMSchemeVocabulary(t *testing.T) {
	enc := loadKeys(t)["rsa1024.legacy-enc.pem"].pem
	const iv = ",E9231FEEECAF809FBAE329FEDC744A72"
	for _, tt := range []struct {
		name, dekInfo, want string
	}{
		{"aes-256-cbc", "AES-256-CBC" + iv, "pem-aes-256-cbc"},
		{"aes-128-cbc", "AES-128-CBC" + iv, "pem-aes-128-cbc"},
		{"des-ede3-cbc", "DES-EDE3-CBC,E9231FEEECAF809F", "pem-des-ede3-cbc"},
		{"tab and escape", "AES\t\x1b[2J-128-CBC" + iv, "unknown"},
		{"long name", strings.Repeat("A", 300) + iv, "unknown"},
		{"no comma", "AES-128-CBC", "unknown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := bytes.Replace(enc, []byte("AES-256-CBC"+iv), []byte(tt.dekInfo), 1)
			hits := PEM{}.Detect(nil, data)
			if len(hits) != 1 || hits[0].Status != keys.Encrypted {
				t.Fatalf("Detect = %v, want one encrypted key", hits)
			}
			if got := hits[0].Key.Scheme.String(); got != tt.want {
				t.Errorf("scheme = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPEMLabelNotReported checks that a garbled block's note names a label
// only when it is one of the labels the detector knows: any other is text
// from the dump.
func TestPEMLabelNotReported(t *testing.T) {
	body := base64.StdEncoding.EncodeToString(append([]byte{0x30, 0x82, 0x01, 0x00}, junk(5, 96)...))
	for _, tt := range []struct{ label, want string }{
		{"RSA PRIVATE KEY", "RSA PRIVATE KEY"},
		{"ZZ9SECRET9ZZ PRIVATE KEY", "PRIVATE KEY"},
	} {
		t.Run(tt.label, func(t *testing.T) {
			data := "-----BEGIN " + tt.label + "-----\n" + body + "\n-----END " + tt.label + "-----\n"
			hits := PEM{}.Detect(nil, []byte(data))
			if len(hits) != 1 || hits[0].Status != keys.Fragment {
				t.Fatalf("Detect = %v, want one fragment", hits)
			}
			if note := hits[0].Key.Note; note != "body garbled: does not decode as a "+tt.want {
				t.Errorf("note = %q, want it to name %q", note, tt.want)
			}
		})
	}
}
