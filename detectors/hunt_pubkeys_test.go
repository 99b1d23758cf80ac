package detectors

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"dumpguard/internal/keys"
)

// testPublic returns the public halves of the RSA, EC and Ed25519 test keys.
func testPublic(t testing.TB) map[string]PublicKey {
	t.Helper()
	tks := loadKeys(t)
	out := map[string]PublicKey{}
	for _, name := range []string{"rsa2048.pkcs8.pem", "p256.sec1.pem", "p384.sec1.pem", "p521.sec1.pem", "k256.sec1.pem", "ed25519.pkcs8.pem"} {
		blk, _ := pem.Decode(tks[name].pem)
		var pub PublicKey
		var ok bool
		switch blk.Type {
		case "EC PRIVATE KEY":
			var k sec1
			if _, err := asn1.Unmarshal(blk.Bytes, &k); err != nil {
				t.Fatal(err)
			}
			pub, ok = ecPublicKey(keys.CurveByOID(k.Curve), k.Pub.RightAlign())
		default:
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			switch k := k.(type) {
			case *rsa.PrivateKey:
				pub, ok = rsaPublicKey(k.N, big.NewInt(int64(k.E)))
			case ed25519.PrivateKey:
				pub, ok = ed25519PublicKey(k.Public().(ed25519.PublicKey))
			}
		}
		if !ok || pub.SPKI.String() != tks[name].spki {
			t.Fatalf("%s: public key %v, SPKI %s, want %s", name, ok, pub.SPKI, tks[name].spki)
		}
		out[name] = pub
	}
	return out
}

func pubkeyFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/pubkeys", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pubCNGRSABlob, pubCNGECBlob and pubCAPIRSABlob build Windows public key blobs.
func pubCNGRSABlob(k PublicKey) []byte {
	n := k.N.Bytes()
	b := []byte(magicRSAPublic)
	b = binary.LittleEndian.AppendUint32(b, uint32(k.N.BitLen()))
	b = binary.LittleEndian.AppendUint32(b, 3)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(n)))
	b = binary.LittleEndian.AppendUint64(b, 0)
	return append(append(b, 1, 0, 1), n...)
}

func pubCNGECBlob(k PublicKey, magic uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, magic)
	b = binary.LittleEndian.AppendUint32(b, uint32((len(k.Point)-1)/2))
	return append(b, k.Point[1:]...)
}

func pubCAPIRSABlob(k PublicKey) []byte {
	b := []byte{capiPublicKeyBlob, 2, 0, 0, 0, 0xa4, 0, 0}
	b = append(b, magicRSAPublic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(k.N.BitLen()))
	b = binary.LittleEndian.AppendUint32(b, uint32(k.E))
	return append(b, reversed(k.N.Bytes())...)
}

func TestLoadPublicKeys(t *testing.T) {
	tks := loadKeys(t)
	secrets := testPublic(t)
	fp := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, tks[n].spki)
		}
		return out
	}
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"cert.pem", pubkeyFile(t, "cert.pem"), fp("rsa2048.pkcs8.pem")},
		{"cert.der", pubkeyFile(t, "cert.der"), fp("p256.sec1.pem")},
		{"pub.pem", pubkeyFile(t, "pub.pem"), fp("p384.sec1.pem")},
		{"ed25519-pub.pem", pubkeyFile(t, "ed25519-pub.pem"), fp("ed25519.pkcs8.pem")},
		{"k256-pub.pem", pubkeyFile(t, "k256-pub.pem"), fp("k256.sec1.pem")},
		{"p521-pub.der", pubkeyFile(t, "p521-pub.der"), fp("p521.sec1.pem")},
		{"rsa-pub.pem", pubkeyFile(t, "rsa-pub.pem"), fp("rsa2048.pkcs8.pem")},
		{"jwks.json", pubkeyFile(t, "jwks.json"), fp("rsa2048.pkcs8.pem", "p256.sec1.pem", "p384.sec1.pem", "ed25519.pkcs8.pem")},
		{"authorized_keys", pubkeyFile(t, "authorized_keys"), fp("ssh-rsa.pem", "ssh-ed25519.pem", "ssh-ecdsa.pem")},
		{"ssh-rsa.pub", tks["ssh-rsa.pem"].pem[:0:0], nil}, // replaced below
		{"cng-rsa.blob", pubCNGRSABlob(secrets["rsa2048.pkcs8.pem"]), fp("rsa2048.pkcs8.pem")},
		{"cng-ecs1.blob", pubCNGECBlob(secrets["p256.sec1.pem"], 0x31534345), fp("p256.sec1.pem")},
		{"cng-eck3.blob", pubCNGECBlob(secrets["p384.sec1.pem"], 0x334B4345), fp("p384.sec1.pem")},
		{"capi-rsa.blob", pubCAPIRSABlob(secrets["rsa2048.pkcs8.pem"]), fp("rsa2048.pkcs8.pem")},
		{"empty", nil, nil},
		{"text", []byte("hello, world\n"), nil},
		{"cut-cert.der", pubkeyFile(t, "cert.der")[:200], nil},
		{"bad-point.blob", append(pubCNGECBlob(secrets["p256.sec1.pem"], 0x31534345)[:40], make([]byte, 32)...), nil},
		{"jwk-oct", []byte(`{"kty":"oct","k":"c2VjcmV0"}`), nil},
		{"jwk-x5c", []byte(`{"kty":"oct","x5c":["` + base64.StdEncoding.EncodeToString(pubkeyFile(t, "cert.der")) + `"]}`), fp("p256.sec1.pem")},
	}
	tests[9].data, _ = os.ReadFile("testdata/keys/ssh-rsa.pub")
	tests[9].want = fp("ssh-rsa.pem")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadPublicKeys(tt.name, tt.data)
			if len(tt.want) == 0 {
				if !errors.Is(err, ErrNoPublicKeys) || len(got) != 0 {
					t.Fatalf("LoadPublicKeys = %d keys, %v; want ErrNoPublicKeys", len(got), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var fps []string
			for _, k := range got {
				fps = append(fps, k.SPKI.String())
				if !k.Protected || k.Source != tt.name {
					t.Errorf("key %s: Protected %v Source %q, want true %q", k.SPKI, k.Protected, k.Source, tt.name)
				}
			}
			if !slices.Equal(fps, tt.want) {
				t.Errorf("LoadPublicKeys = %v, want %v", fps, tt.want)
			}
		})
	}
}

func FuzzLoadPublicKeys(f *testing.F) {
	names, _ := filepath.Glob("testdata/pubkeys/*")
	pubs, _ := filepath.Glob("testdata/keys/*.pub")
	for _, n := range append(names, pubs...) {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}`))
	f.Add([]byte("RSA1\x00\x08\x00\x00\x03\x00\x00\x00\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := LoadPublicKeys("fuzz", b)
		if err != nil {
			return
		}
		for _, k := range keys {
			if k.SPKI.IsZero() || !k.Protected || (k.N == nil && len(k.Point) == 0) {
				t.Fatalf("LoadPublicKeys gave an unusable key %+v", k)
			}
		}
	})
}
