package scanner

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
	"dumpguard/internal/testpath"
)

// TestNumbersWithoutDER scans a runtime core with every DER copy of its RSA
// key overwritten by random bytes: the default scan must still validate the
// key, from the numbers its key objects hold: the OpenJDK 17 core's
// BigInteger magnitudes (int[], Java's word order), the Go core's big.Int
// words (little-endian, spare capacity after them, no allocator header).
func TestNumbersWithoutDER(t *testing.T) {
	for _, tt := range []struct {
		dump, spki, encoding string
	}{
		{"java-keys.core.zst", "79aa531dad3ddf0936ea86d4515b65c74c7eb12df507ac8b4b37c9c65464d367", "raw-java"}, // java-rsa2048
		{"go-keys.core.zst", "e03e01b79afca70c315ac08c45abbdea09ccd0642f4be478a42f6c65cda3dab5", "raw-le"},     // go-rsa2048
	} {
		t.Run(tt.dump, func(t *testing.T) { numbersWithoutDER(t, tt.dump, tt.spki, tt.encoding) })
	}
}

func numbersWithoutDER(t *testing.T, dump, spki, encoding string) {
	core := testpath.ReadDump(t, testpath.Join(t, "dumps", "linux", dump))
	p := NewPool(0)
	defer p.Close()
	opt := &FileOptions{Options: Options{Detectors: detectors.All()}, Hunt: &HuntConfig{Harvest: true}}
	name := filepath.Join(t.TempDir(), "wiped.core")
	rng := rand.NewChaCha8([32]byte{12})
	wiped := 0
	for round := 0; ; round++ {
		if err := os.WriteFile(name, core, 0o600); err != nil {
			t.Fatal(err)
		}
		fr := scanDump(t, p, name, opt)
		var der, raw []Finding
		for _, f := range fr.Findings {
			if f.Fingerprint() != spki || f.Status != keys.Validated {
				continue
			}
			if f.Detector == "raw-hunt" {
				raw = append(raw, f)
			} else {
				der = append(der, f)
			}
		}
		if len(der) == 0 {
			if wiped == 0 {
				t.Fatal("no DER copy of the RSA key to overwrite")
			}
			if len(raw) == 0 {
				t.Fatalf("with its %d DER copies overwritten, the RSA key was not validated", wiped)
			}
			for _, f := range raw {
				if f.Encoding != encoding {
					t.Errorf("raw-hunt finding at %d: encoding %q, want %s", f.Offset, f.Encoding, encoding)
				}
			}
			return
		}
		if round > 4 {
			t.Fatalf("DER copies still found after %d rounds", round)
		}
		for _, f := range der {
			rng.Read(core[f.Offset : f.Offset+f.Length])
			wiped++
		}
	}
}
