package detectors

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"os"
	"strings"
	"testing"

	"dumpguard/internal/keys"
)

// opensshBinary returns the openssh-key-v1 bytes inside a checked-in PEM file.
func opensshBinary(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/keys/" + name)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || !bytes.HasPrefix(blk.Bytes, []byte(opensshMagic)) {
		t.Fatalf("%s: not an openssh-key-v1 PEM file", name)
	}
	return blk.Bytes
}

// sshWire returns the wire-format private key from the private section of an
// unencrypted openssh-key-v1 blob: the bytes after the check integers, up to
// (not including) the comment.
func sshWire(t testing.TB, v1 []byte) []byte {
	t.Helper()
	r := sshReader{b: v1[len(opensshMagic):]}
	r.bytes()
	r.bytes()
	r.bytes()
	r.uint32()
	r.bytes()
	priv := r.bytes()
	if r.bad || len(priv) < 8 {
		t.Fatal("cannot find the private section")
	}
	pr := sshReader{b: priv[8:]}
	if _, _, ok := decodeSSHPrivate(&pr, keys.KeyInfo{}); !ok {
		t.Fatal("cannot decode the private key")
	}
	return priv[8 : len(priv)-len(pr.b)]
}

// sshPub returns the public key blob of an OpenSSH .pub file.
func sshPub(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/keys/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		t.Fatal(err)
	}
	return blob
}

func TestOpenSSHBlobKeys(t *testing.T) {
	tks := loadKeys(t)
	tests := []struct {
		file   string
		status keys.Status
		typ    string
	}{
		{"ssh-rsa.pem", keys.Validated, "rsa"},
		{"ssh-ed25519.pem", keys.Validated, "ed25519"},
		{"ssh-ecdsa.pem", keys.Validated, "ec"},
		{"ssh-ed25519-enc.pem", keys.Encrypted, "ed25519"},
	}
	for _, tt := range tests {
		v1 := opensshBinary(t, tt.file)
		forms := []struct {
			name, enc string
			data      []byte
			off       int
		}{{"key-v1", "openssh", v1, 0}}
		if tt.status != keys.Encrypted {
			w := sshWire(t, v1)
			agent := binary.BigEndian.AppendUint32(nil, uint32(1+len(w)+4+7))
			agent = append(append(append(agent, 17), w...), "\x00\x00\x00\x07comment"...)
			forms = append(forms,
				struct {
					name, enc string
					data      []byte
					off       int
				}{"wire", "ssh-wire", w, 0},
				struct {
					name, enc string
					data      []byte
					off       int
				}{"agent add-identity", "ssh-wire", agent, 5})
		}
		for _, form := range forms {
			t.Run(tt.file+"/"+form.name, func(t *testing.T) {
				buf := plant(form.data, 1000, 1000+len(form.data)+400)
				hits := OpenSSHBlob{}.Detect(nil, buf)
				checkBlobHits(t, hits, len(buf), 1, 1000+form.off, form.enc, tt.status, tks[tt.file].spki)
				if hits[0].Key.Type != tt.typ {
					t.Errorf("Type = %s, want %s", hits[0].Key.Type, tt.typ)
				}
				if form.name == "key-v1" && hits[0].Len != len(v1) {
					t.Errorf("Len = %d, want %d", hits[0].Len, len(v1))
				}
			})
		}
	}
}

func TestOpenSSHBlobDamaged(t *testing.T) {
	ed := opensshBinary(t, "ssh-ed25519.pem")
	rsa := opensshBinary(t, "ssh-rsa.pem")
	enc := opensshBinary(t, "ssh-ed25519-enc.pem")
	edWire, rsaWire := sshWire(t, ed), sshWire(t, rsa)
	checkAt := bytes.Index(ed, edWire) - 8 // the first check integer
	tests := []struct {
		name   string
		data   []byte
		want   int
		enc    string
		status keys.Status
	}{
		{"check integers differ", flipBit(ed, checkAt), 1, "openssh", keys.Fragment},
		{"ed25519 seed flipped", flipBit(ed, checkAt+8+4+11+4+32+4+5), 1, "openssh", keys.Unverified},
		{"one byte short", ed[:len(ed)-1], 1, "openssh", keys.Validated},
		{"cut off in the key", ed[:checkAt+80], 1, "openssh", keys.Fragment},
		{"cut off before the private section", ed[:checkAt-10], 0, "", 0},
		{"encrypted cut off", enc[:len(enc)-20], 1, "openssh", keys.Encrypted},
		{"wire ed25519 seed flipped", flipBit(edWire, 4+11+4+32+4+5), 0, "", 0},
		{"wire rsa d flipped", flipBit(rsaWire, len(rsaWire)-600), 1, "ssh-wire", keys.Unverified},
		{"wire rsa one byte short", rsaWire[:len(rsaWire)-1], 0, "", 0},
		{"magic alone", []byte(opensshMagic + "\x00\x00\x00\x04none"), 0, "", 0},
		{"public blobs", append(append(sshPub(t, "ssh-ed25519.pub"), sshPub(t, "ssh-ecdsa.pub")...), sshPub(t, "ssh-rsa.pub")...), 0, "", 0},
		{"public blob then a 64-byte string", append(sshPub(t, "ssh-ed25519.pub"), append([]byte{0, 0, 0, 64}, junk(4, 64)...)...), 0, "", 0},
		{"type names", []byte("ssh-rsa ssh-ed25519 ecdsa-sha2-nistp256 \x00\x00\x00\x07ssh-rsa\x00\x00\x00\x01\x01"), 0, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := append(junk(1, 300), tt.data...)
			checkBlobHits(t, OpenSSHBlob{}.Detect(nil, buf), len(buf), tt.want, 300, tt.enc, tt.status, "")
		})
	}
}

func TestOpenSSHBlobAllocatesNothingOnMiss(t *testing.T) {
	buf := junk(7, 1<<20)
	if allocs := testing.AllocsPerRun(10, func() { OpenSSHBlob{}.Detect(nil, buf) }); allocs != 0 {
		t.Errorf("Detect on random bytes allocated %v times, want 0", allocs)
	}
}

func FuzzOpenSSHBlob(f *testing.F) {
	for _, name := range []string{"ssh-rsa.pem", "ssh-ed25519.pem", "ssh-ecdsa.pem", "ssh-ed25519-enc.pem"} {
		v1 := opensshBinary(f, name)
		f.Add(v1)
		if !strings.Contains(name, "enc") {
			f.Add(sshWire(f, v1))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, h := range (OpenSSHBlob{}).Detect(nil, b) {
			if h.Off < 0 || h.Len <= 0 || h.Off+h.Len > len(b) {
				t.Fatalf("hit %d+%d outside the %d-byte input", h.Off, h.Len, len(b))
			}
			if h.Status < keys.Fragment || h.Status > keys.Validated {
				t.Fatalf("bad status %v", h.Status)
			}
		}
	})
}
