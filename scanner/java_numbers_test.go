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

// TestJavaNumbersWithoutDER scans the OpenJDK 17 core with every DER copy of
// its RSA key overwritten by random bytes: the default scan must still
// validate the key, through the BigInteger magnitudes (int[], Java's word
// order) its key objects hold.
func TestJavaNumbersWithoutDER(t *testing.T) {
	const spki = "79aa531dad3ddf0936ea86d4515b65c74c7eb12df507ac8b4b37c9c65464d367" // java-rsa2048
	core := testpath.ReadDump(t, testpath.Join(t, "dumps", "linux", "java-keys.core.zst"))
	p := NewPool(0)
	defer p.Close()
	opt := &FileOptions{Options: Options{Detectors: detectors.All()}, Hunt: &HuntConfig{Harvest: true}}
	name := filepath.Join(t.TempDir(), "java-wiped.core")
	rng := rand.NewChaCha8([32]byte{12})
	wiped := 0
	for round := 0; ; round++ {
		if err := os.WriteFile(name, core, 0o600); err != nil {
			t.Fatal(err)
		}
		fr := scanDump(t, p, name, opt)
		var der, java []Finding
		for _, f := range fr.Findings {
			if f.Fingerprint() != spki || f.Status != keys.Validated {
				continue
			}
			if f.Detector == "raw-hunt" {
				java = append(java, f)
			} else {
				der = append(der, f)
			}
		}
		if len(der) == 0 {
			if wiped == 0 {
				t.Fatal("no DER copy of the RSA key to overwrite")
			}
			if len(java) == 0 {
				t.Fatalf("with its %d DER copies overwritten, the RSA key was not validated", wiped)
			}
			for _, f := range java {
				if f.Encoding != "raw-java" {
					t.Errorf("raw-hunt finding at %d: encoding %q, want raw-java", f.Offset, f.Encoding)
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
