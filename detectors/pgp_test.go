package detectors

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"dumpguard/internal/keys"
)

// The .asc fixtures were exported by gpg 2.2.40 (testdata/keys/README.md).
// Their fingerprints come from gpg --export-ssh-key, converted to a
// SubjectPublicKeyInfo outside this package (ssh-keygen -e -m PKCS8 and
// openssl for RSA and P-256; the Ed25519 SPKI prefix for Ed25519).
var pgpFiles = []struct {
	file   string
	status keys.Status
	typ    string
	bits   int
	spki   string
}{
	{"pgp-rsa.asc", keys.Validated, "rsa", 2048, "a26182ea32bbf27f0acec17d027cf01b284a070182ae3023968b9dc3f9d68cf3"},
	{"pgp-p256.asc", keys.Validated, "ec", 256, "d5fd5a9d2329363ce7857163d4e53bc80c0c98d1b765623b8810e69976d54811"},
	{"pgp-ed25519.asc", keys.Validated, "ed25519", 256, "978fbdfef90252e649cead40d6792ebdd12ac1d080233354b75fee0d3247b3a7"},
	{"pgp-ed25519-enc.asc", keys.Encrypted, "ed25519", 256, "2fa1d19dfc87363d3ce2c3871d192a8b49cc719b2d64cdc0bf262ee8b8c588f5"},
}

func readASC(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/keys/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPGPKeys(t *testing.T) {
	for _, tt := range pgpFiles {
		asc := readASC(t, tt.file)
		for _, form := range []struct {
			name string
			data []byte
		}{
			{"lf", asc},
			{"crlf", bytes.ReplaceAll(asc, []byte("\n"), []byte("\r\n"))},
			{"json", []byte(strings.ReplaceAll(string(asc), "\n", `\n`))},
			{"with header", bytes.Replace(asc, []byte("-----\n"), []byte("-----\nComment: throwaway\nVersion: x\n"), 1)},
		} {
			t.Run(tt.file+"/"+form.name, func(t *testing.T) {
				buf := plant(form.data, 1000, 1000+len(form.data)+300)
				hits := PGP{}.Detect(nil, buf)
				checkBlobHits(t, hits, len(buf), 1, 1000, "pgp", tt.status, tt.spki)
				if h := hits[0]; h.Key.Type != tt.typ || h.Key.Bits != tt.bits {
					t.Errorf("key = %s/%d, want %s/%d", h.Key.Type, h.Key.Bits, tt.typ, tt.bits)
				}
				if form.name == "lf" && hits[0].Len != len(bytes.TrimRight(asc, "\n")) {
					t.Errorf("Len = %d, want %d", hits[0].Len, len(bytes.TrimRight(asc, "\n")))
				}
			})
		}
	}
}

func TestPGPDamaged(t *testing.T) {
	rsa := readASC(t, "pgp-rsa.asc")
	ed := readASC(t, "pgp-ed25519.asc")
	// The secret MPIs of the RSA key start after the public part: the
	// 0x9d/0x95 header, 6 bytes, n (2+256) and e (2+3), about 360 base64
	// characters into the body.
	body := bytes.Index(rsa, []byte("\n\n")) + 2
	flip := func(b []byte, i int) []byte { out := bytes.Clone(b); out[i] ^= 0x20; return out } // a letter stays a letter
	tests := []struct {
		name   string
		data   []byte
		want   int
		status keys.Status
	}{
		{"rsa flipped in d", flip(rsa, letterAt(rsa, body+420)), 1, keys.Unverified},
		{"ed25519 flipped in seed", flip(ed, letterAt(ed, bytes.Index(ed, []byte("\n\n"))+2+66)), 1, keys.Unverified},
		{"rsa one byte short", rsa[:len(bytes.TrimRight(rsa, "\n"))-1], 1, keys.Validated},
		{"rsa cut in the secret part", rsa[:body+600], 1, keys.Fragment},
		{"rsa cut in the public part", rsa[:body+200], 0, 0},
		{"marker alone", []byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n"), 0, 0},
		{"marker and junk", append([]byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGsCnJcBCAC"), junk(3, 100)...), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := append(junk(1, 300), tt.data...)
			checkBlobHits(t, PGP{}.Detect(nil, buf), len(buf), tt.want, 300, "pgp", tt.status, "")
		})
	}
}

// letterAt returns the index of the first ASCII letter at or after i.
func letterAt(b []byte, i int) int {
	for ; i < len(b); i++ {
		if c := b[i] | 0x20; c >= 'a' && c <= 'z' {
			return i
		}
	}
	return -1
}

func TestPGPAllocatesNothingOnMiss(t *testing.T) {
	buf := junk(7, 1<<20)
	if allocs := testing.AllocsPerRun(10, func() { PGP{}.Detect(nil, buf) }); allocs != 0 {
		t.Errorf("Detect on random bytes allocated %v times, want 0", allocs)
	}
}

func FuzzPGP(f *testing.F) {
	for _, tt := range pgpFiles {
		f.Add(readASC(f, tt.file))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, h := range (PGP{}).Detect(nil, b) {
			if h.Off < 0 || h.Len <= 0 || h.Off+h.Len > len(b) {
				t.Fatalf("hit %d+%d outside the %d-byte input", h.Off, h.Len, len(b))
			}
			if h.Status < keys.Fragment || h.Status > keys.Validated {
				t.Fatalf("bad status %v", h.Status)
			}
		}
	})
}
