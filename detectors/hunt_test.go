package detectors

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

// A testSecret is a checked-in test key split into what the hunt looks for.
type testSecret struct {
	file       string
	pub        PublicKey
	p, q, d    *big.Int // RSA
	size       int      // bytes of p, or of the scalar or seed
	scalar     []byte   // EC scalar (big-endian) or Ed25519 seed
	spki, what string
}

// testSecrets loads the RSA, EC and Ed25519 test keys.
func testSecrets(t testing.TB) []testSecret {
	t.Helper()
	keys := loadKeys(t)
	var out []testSecret
	for _, name := range []string{"rsa2048.pkcs8.pem", "p256.sec1.pem", "p384.sec1.pem", "p521.sec1.pem", "k256.sec1.pem", "ed25519.pkcs8.pem"} {
		b, err := os.ReadFile(filepath.Join("testdata/keys", name))
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		s := testSecret{file: name, spki: keys[name].spki}
		var ok bool
		switch blk.Type {
		case "EC PRIVATE KEY":
			var k sec1
			if _, err := asn1.Unmarshal(blk.Bytes, &k); err != nil {
				t.Fatal(err)
			}
			s.pub, ok = ecPublicKey(curveByOID(k.Curve), k.Pub.RightAlign())
			s.scalar, s.size, s.what = k.Key, len(k.Key), "d"
		default:
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			switch k := k.(type) {
			case *rsa.PrivateKey:
				s.pub, ok = rsaPublicKey(k.N, big.NewInt(int64(k.E)))
				s.p, s.q, s.d, s.size, s.what = k.Primes[0], k.Primes[1], k.D, 128, "p"
			case ed25519.PrivateKey:
				s.pub, ok = ed25519PublicKey(k.Public().(ed25519.PublicKey))
				s.scalar, s.size, s.what = k.Seed(), 32, "seed"
			}
		}
		if !ok || s.pub.SPKI.String() != s.spki {
			t.Fatalf("%s: public key %v, SPKI %s, want %s", name, ok, s.pub.SPKI, s.spki)
		}
		out = append(out, s)
	}
	return out
}
