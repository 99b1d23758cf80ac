package detectors

import (
	"encoding/binary"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// blobDetectors are the detectors of blob.go, jwk.go, openssh_blob.go, putty.go and pgp.go.
func blobDetectors() []Detector {
	return []Detector{JWK{}, CNGBlob{}, CAPIBlob{}, OpenSSHBlob{}, PuTTY{}, PGP{}}
}

func TestAllHasBlobDetectors(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9-]+$`)
	names := map[string]bool{}
	for _, d := range All() {
		if names[d.Name()] || !valid.MatchString(d.Name()) || d.MaxLen() <= 0 {
			t.Errorf("detector %q: duplicate, badly named, or MaxLen %d", d.Name(), d.MaxLen())
		}
		names[d.Name()] = true
	}
	for _, d := range blobDetectors() {
		if !names[d.Name()] {
			t.Errorf("All() lacks %q", d.Name())
		}
	}
}

// mixedText is memory-like text with near misses for every anchor, and no key.
var mixedText = []string{
	`{"level":"info","ts":1700000000.123,"msg":"request served","path":"/v1/keys","status":200}` + "\n",
	`{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","e":"AQAB","n":"` + strings.Repeat("xYz0-_", 57) + `"}]}` + "\n",
	`{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRKEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}` + "\n",
	"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host\n",
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJ4Z5WN5x user@host\necdsa-sha2-nistp256 AAAAE2VjZHNh\n",
	"RSA2 RSA3 ECS1 ECS2 ECK2 DSS2 BCRYPT_RSAPRIVATE_BLOB PuTTY-User-Key-File-3: ssh-rsa\n",
	"The quick brown fox jumps over the lazy dog; SECRET RECORD EXEC SPEC DECODE ELECTRIC.\n",
	"openssh-key-v1 is the format; see PROTOCOL.key. Encryption: none\n",
	"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBGsCnJcBCACy6AGJZCH6S29GKtB5urLGFE7awYP06rmUF41evNL0TV9AxZWG\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n",
}

var (
	mixedOnce sync.Once
	mixedBuf  []byte
)

// mixedData is 64 MiB of fixed-seed data in 4 KiB pages: a third ChaCha8
// random, a third zero pages sprinkled with small little-endian integers (heap
// and stack), a third text.
func mixedData() []byte {
	mixedOnce.Do(func() {
		const size, page = 64 << 20, 4 << 10
		b := make([]byte, size)
		rng := rand.New(rand.NewChaCha8([32]byte{'d', 'g'}))
		cc := rand.NewChaCha8([32]byte{'r', 'n', 'd'})
		for off := 0; off < size; off += page {
			p := b[off : off+page]
			switch rng.IntN(3) {
			case 0:
				cc.Read(p)
			case 1:
				for i := 0; i+8 <= len(p); i += 8 * (1 + rng.IntN(8)) {
					binary.LittleEndian.PutUint32(p[i:], uint32(rng.IntN(4096)))
				}
			default:
				for i := 0; i < len(p); {
					i += copy(p[i:], mixedText[rng.IntN(len(mixedText))])
				}
			}
		}
		mixedBuf = b
	})
	return mixedBuf
}

func TestMixedDataHasNoKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB scan")
	}
	buf := mixedData()
	for _, d := range blobDetectors() {
		if hits := d.Detect(nil, buf); len(hits) != 0 {
			t.Errorf("%s.Detect(mixed data) = %d hits, want 0 (first %+v)", d.Name(), len(hits), hits[0])
		}
	}
}

// repeatTo repeats unit, with junk of jlen bytes after each copy, to 1 MiB.
func repeatTo(unit []byte, jlen int) []byte {
	out := make([]byte, 0, 1<<20+len(unit)+jlen)
	for seed := uint64(0); len(out) < 1<<20; seed++ {
		out = append(out, unit...)
		out = append(out, junk(seed, jlen)...)
	}
	return out[:1<<20]
}

func sshString(s []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...)
}

// Hostile input must cost time linear in its size: runs of anchors, headers
// that pass every cheap check, objects that nest without end.
func TestBlobDetectorsHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	odd := func(n int) []byte { b := junk(uint64(n), n); b[0] &= 0x7f; b[0] |= 0x40; b[n-1] |= 1; return b }
	rsaWire := sshString([]byte("ssh-rsa"))
	for _, n := range []int{512, 3, 512, 256, 256, 256} {
		rsaWire = append(rsaWire, sshString(odd(n))...)
	}
	tests := []struct {
		name string
		buf  []byte
	}{
		{"kty run", repeatTo([]byte(`"kty"`), 0)},
		{"brace kty run", repeatTo([]byte(`{"kty"`), 0)},
		{"nested objects", repeatTo([]byte(`{"kty":"RSA","a":[`), 0)},
		{"escaped kty run", repeatTo([]byte(`{\"kty\"`), 0)},
		{"utf16 kty run", repeatTo(utf16le(`{"kty"`), 0)},
		{"utf16 text", repeatTo(utf16le(`{"kty":"RSA","n":"AQAB","d":"`+strings.Repeat("A", 300)), 0)},
		{"rsa2 headers", repeatTo(append([]byte("RSA2"), le32(4096, 3, 512, 256, 256)...), 3+512+512)},
		{"rsa3 16384 headers", repeatTo(append([]byte("RSA3"), le32(16384, 3, 2048, 1024, 1024)...), 3+2*2048+5*1024)},
		{"eckv headers", repeatTo([]byte("ECKV\x20\x00\x00\x00"), 96)},
		{"ecs6 headers", repeatTo([]byte("ECS6\x42\x00\x00\x00"), 3*66)},
		{"capi headers", repeatTo([]byte{7, 2, 0, 0, 0, 0xa4, 0, 0, 'R', 'S', 'A', '2', 0, 0x40, 0, 0, 1, 0, 1, 0}, 2*2048+5*1024)},
		{"dss2 headers", repeatTo([]byte{7, 2, 0, 0, 0, 0x22, 0, 0, 'D', 'S', 'S', '2', 0, 4, 0, 0}, 128+20+128+20+24)},
		{"ssh-rsa wire", repeatTo(rsaWire, 0)},
		{"openssh magic run", repeatTo([]byte(opensshMagic), 0)},
		{"pgp header run", repeatTo([]byte("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGsCnJcBCAC"), 0)},
		{"putty header run", repeatTo([]byte("PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nPublic-Lines: 1000\n"), 0)},
	}
	for _, tt := range tests {
		for _, d := range blobDetectors() {
			t.Run(tt.name+"/"+d.Name(), func(t *testing.T) {
				start := time.Now()
				d.Detect(nil, tt.buf)
				if el := time.Since(start); el > 3*time.Second {
					t.Errorf("Detect took %v on 1 MiB, want well under 3s", el)
				}
			})
		}
	}
}
