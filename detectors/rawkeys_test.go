package detectors

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dumpguard/internal/keys"
)

// A rawKey holds the numbers of a checked-in test key, for tests that build
// other encodings (blobs, JWKs) from it.
type rawKey struct {
	name, spki string
	rsa        *pkcs1      // RSA: n, e, d, p, q, dp, dq, qinv
	ec         keys.Curve  // EC: curve, d and point
	d, point   []byte      // EC scalar (curve size) and uncompressed point; OKP private and public
	okp        string      // "ed25519", "x25519"
	dsa        *opensslDSA // DSA: p, q, g, y, x
}

// rawKeys decodes the unencrypted keys of testdata/keys by hand (encoding/asn1
// into the structures of keyder.go), so that no size limit of crypto/x509
// applies and secp256k1 works.
func rawKeys(t testing.TB) map[string]rawKey {
	t.Helper()
	out := map[string]rawKey{}
	for name, tk := range loadKeys(t) {
		if !strings.HasSuffix(name, ".pem") {
			continue // PKCS#12 files hold no PEM block
		}
		b, err := os.ReadFile(filepath.Join("testdata/keys", name))
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			t.Fatalf("%s: no PEM block", name)
		}
		if blk.Headers["Proc-Type"] != "" {
			continue // encrypted
		}
		k := rawKey{name: name, spki: tk.spki}
		switch blk.Type {
		case "RSA PRIVATE KEY":
			k.rsa = new(pkcs1)
			mustUnmarshal(t, blk.Bytes, k.rsa)
		case "EC PRIVATE KEY":
			var s sec1
			mustUnmarshal(t, blk.Bytes, &s)
			k.ec, k.point = keys.CurveByOID(s.Curve), s.Pub.RightAlign()
			k.d = append(make([]byte, k.ec.Size()-len(s.Key)), s.Key...)
		case "DSA PRIVATE KEY":
			k.dsa = new(opensslDSA)
			mustUnmarshal(t, blk.Bytes, k.dsa)
		case "PRIVATE KEY":
			var p pkcs8
			mustUnmarshal(t, blk.Bytes, &p)
			switch alg := p.Algo.Algorithm; {
			case alg.Equal(keys.OIDRSA):
				k.rsa = new(pkcs1)
				mustUnmarshal(t, p.Key, k.rsa)
			case alg.Equal(keys.OIDEd25519):
				mustUnmarshal(t, p.Key, &k.d)
				k.okp, k.point = "ed25519", ed25519.NewKeyFromSeed(k.d).Public().(ed25519.PublicKey)
			case alg.Equal(keys.OIDX25519):
				mustUnmarshal(t, p.Key, &k.d)
				priv, err := ecdh.X25519().NewPrivateKey(k.d)
				if err != nil {
					t.Fatal(err)
				}
				k.okp, k.point = "x25519", priv.PublicKey().Bytes()
			default:
				continue
			}
		default:
			continue
		}
		out[name] = k
	}
	return out
}

func mustUnmarshal(t testing.TB, der []byte, v any) {
	t.Helper()
	if _, err := asn1.Unmarshal(der, v); err != nil {
		t.Fatal(err)
	}
}

// fixed returns x big-endian in exactly n bytes.
func fixed(x *big.Int, n int) []byte { return x.FillBytes(make([]byte, n)) }

// fixedLE returns x little-endian in exactly n bytes.
func fixedLE(x *big.Int, n int) []byte {
	b := fixed(x, n)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

// flipBit returns a copy of b with bit 0 of byte i flipped.
func flipBit(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 1
	return out
}

// checkHits fails unless buf holds exactly want hits, the first at off with
// the given encoding and status and, when spki is set, that fingerprint.
func checkBlobHits(t *testing.T, hits []Hit, bufLen, want, off int, enc string, st keys.Status, spki string) {
	t.Helper()
	if len(hits) != want {
		for _, h := range hits {
			t.Logf("hit %+v", h)
		}
		t.Fatalf("Detect = %d hits, want %d", len(hits), want)
	}
	for _, h := range hits {
		if h.Off < 0 || h.Len <= 0 || h.Off+h.Len > bufLen {
			t.Errorf("hit %d+%d outside the %d-byte buffer", h.Off, h.Len, bufLen)
		}
	}
	if want == 0 {
		return
	}
	h := hits[0]
	if h.Off != off || h.Encoding != enc || h.Status != st {
		t.Errorf("Detect = off %d %s %v (%s), want off %d %s %v", h.Off, h.Encoding, h.Status, h.Key.Note, off, enc, st)
	}
	if spki != "" && h.Key.SPKI.String() != spki {
		t.Errorf("SPKI = %s, want %s", h.Key.SPKI, spki)
	}
}
