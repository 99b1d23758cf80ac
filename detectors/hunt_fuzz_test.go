package detectors

import (
	"os"
	"path/filepath"
	"testing"
)

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
		tks, err := LoadPublicKeys("fuzz", b)
		if err != nil {
			return
		}
		for _, k := range tks {
			if k.SPKI.IsZero() || !k.Protected || (k.N == nil && len(k.Point) == 0) {
				t.Fatalf("LoadPublicKeys gave an unusable key %+v", k)
			}
		}
	})
}

func FuzzHarvest(f *testing.F) {
	names, _ := filepath.Glob("testdata/pubkeys/*")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\x30\x82\x01\x0a\x02\x82\x01\x01\x00"))
	f.Add([]byte("\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08"))
	f.Add([]byte("\x00\x00\x00\x13ecdsa-sha2-nistp256\x00\x00\x00\x08nistp256"))
	f.Add([]byte(`x {"kty":"RSA","n":"AQAB","e":"AQAB"} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkHarvest(t, "fuzz input", b)
		for _, k := range HarvestPublicKeys(nil, b) {
			if k.SPKI.IsZero() || k.Protected || (k.N == nil && len(k.Point) == 0) {
				t.Fatalf("HarvestPublicKeys gave an unusable key %+v", k)
			}
		}
	})
}

// FuzzHunt runs the hunt over arbitrary bytes with the test keys: it must not
// panic, and it may report nothing (the input holds no test key's secret
// unless the fuzzer finds a factor, which would be news).
func FuzzHunt(f *testing.F) {
	f.Add(make([]byte, 300))
	f.Add([]byte("\x31\x00\x00\x00\x00\x00\x00\x00" + "0123456789abcdef0123456789abcdefXYZ"))
	var d Detector
	f.Fuzz(func(t *testing.T, b []byte) {
		if d == nil {
			d = NewHunt(allPublic(testSecrets(t)), HuntOptions{})
		}
		if hits := d.Detect(nil, b); len(hits) != 0 {
			t.Fatalf("Detect = %+v", hits)
		}
	})
}
