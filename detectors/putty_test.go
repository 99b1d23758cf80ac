package detectors

import (
	"bytes"
	"os"
	"testing"

	"dumpguard/internal/keys"
)

// The .ppk fixtures were made from the OpenSSH and PEM test keys with
// puttygen 0.78 (see testdata/keys/README.md); each is named here with the key
// it was converted from, whose fingerprint it must have.
var ppkFiles = []struct {
	file, from string
	status     keys.Status
	typ        string
}{
	{"ssh-rsa.v2.ppk", "ssh-rsa.pem", keys.Validated, "rsa"},
	{"ssh-rsa.v3.ppk", "ssh-rsa.pem", keys.Validated, "rsa"},
	{"ssh-ed25519.v2.ppk", "ssh-ed25519.pem", keys.Validated, "ed25519"},
	{"ssh-ed25519.v3.ppk", "ssh-ed25519.pem", keys.Validated, "ed25519"},
	{"ssh-ecdsa.v2.ppk", "ssh-ecdsa.pem", keys.Validated, "ec"},
	{"ssh-ecdsa.v3.ppk", "ssh-ecdsa.pem", keys.Validated, "ec"},
	{"dsa1024.v2.ppk", "dsa1024.pem", keys.Validated, "dsa"},
	{"ssh-ed25519-enc.v3.ppk", "ssh-ed25519.pem", keys.Encrypted, "ed25519"},
	{"ssh-rsa-enc.v2.ppk", "ssh-rsa.pem", keys.Encrypted, "rsa"},
}

func readPPK(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/keys/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPuTTYKeys(t *testing.T) {
	tks := loadKeys(t)
	for _, tt := range ppkFiles {
		ppk := readPPK(t, tt.file)
		for _, form := range []struct {
			name string
			data []byte
		}{
			{"lf", ppk},
			{"crlf", bytes.ReplaceAll(ppk, []byte("\n"), []byte("\r\n"))},
			{"json", bytes.ReplaceAll(ppk, []byte("\n"), []byte(`\n`))},
		} {
			t.Run(tt.file+"/"+form.name, func(t *testing.T) {
				buf := plant(form.data, 1000, 1000+len(form.data)+300)
				hits := PuTTY{}.Detect(nil, buf)
				checkBlobHits(t, hits, len(buf), 1, 1000, "putty", tt.status, tks[tt.from].spki)
				if h := hits[0]; h.Key.Type != tt.typ {
					t.Errorf("Type = %s, want %s", h.Key.Type, tt.typ)
				}
				if form.name == "lf" && hits[0].Len != len(bytes.TrimRight(ppk, "\n")) {
					t.Errorf("Len = %d, want %d", hits[0].Len, len(bytes.TrimRight(ppk, "\n")))
				}
			})
		}
	}
	enc := PuTTY{}.Detect(nil, readPPK(t, "ssh-ed25519-enc.v3.ppk"))
	if len(enc) != 1 || enc[0].Key.Scheme.String() != "aes256-cbc+argon2id" {
		t.Errorf("Detect(encrypted v3) scheme = %+v, want aes256-cbc+argon2id", enc)
	}
}

// privateLine returns the offset of the first private base64 line of a .ppk.
func privateLine(ppk []byte) int {
	i := bytes.Index(ppk, []byte("Private-Lines: "))
	return i + bytes.IndexByte(ppk[i:], '\n') + 1
}

func TestPuTTYDamaged(t *testing.T) {
	rsa := readPPK(t, "ssh-rsa.v3.ppk")
	ed := readPPK(t, "ssh-ed25519.v2.ppk")
	ec := readPPK(t, "ssh-ecdsa.v3.ppk")
	flipChar := func(b []byte, i int) []byte { // stays a base64 letter
		out := bytes.Clone(b)
		out[i] ^= 0x20
		return out
	}
	tests := []struct {
		name   string
		data   []byte
		want   int
		status keys.Status
	}{
		{"rsa flipped in d", flipChar(rsa, privateLine(rsa)+40), 1, keys.Unverified},
		{"ed25519 flipped in seed", flipChar(ed, privateLine(ed)+12), 1, keys.Unverified},
		{"ecdsa flipped in d", flipChar(ec, privateLine(ec)+20), 1, keys.Unverified},
		{"rsa without the MAC line", rsa[:bytes.Index(rsa, []byte("Private-MAC"))], 1, keys.Validated},
		{"rsa one byte short", rsa[:len(bytes.TrimRight(rsa, "\n"))-1], 1, keys.Validated},
		{"rsa cut in the private lines", rsa[:privateLine(rsa)+200], 1, keys.Fragment},
		{"rsa cut in the public lines", rsa[:200], 0, 0},
		{"header alone", []byte("PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\n"), 0, 0},
		{"format string", []byte("PuTTY-User-Key-File-%d: %s\n\x00Encryption: %s\n"), 0, 0},
		{"public key only", rsa[:privateLine(rsa)-len("Private-Lines: 14\n")], 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := append(junk(1, 300), tt.data...)
			checkBlobHits(t, PuTTY{}.Detect(nil, buf), len(buf), tt.want, 300, "putty", tt.status, "")
		})
	}
}

func TestPuTTYAllocatesNothingOnMiss(t *testing.T) {
	buf := junk(7, 1<<20)
	if allocs := testing.AllocsPerRun(10, func() { PuTTY{}.Detect(nil, buf) }); allocs != 0 {
		t.Errorf("Detect on random bytes allocated %v times, want 0", allocs)
	}
}

func FuzzPuTTY(f *testing.F) {
	for _, tt := range ppkFiles {
		f.Add(readPPK(f, tt.file))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, h := range (PuTTY{}).Detect(nil, b) {
			if h.Off < 0 || h.Len <= 0 || h.Off+h.Len > len(b) {
				t.Fatalf("hit %d+%d outside the %d-byte input", h.Off, h.Len, len(b))
			}
			if h.Status < keys.Fragment || h.Status > keys.Validated {
				t.Fatalf("bad status %v", h.Status)
			}
		}
	})
}
