package hunt

import (
	"bufio"
	"encoding/asn1"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dumpguard/internal/testpath"
)

// keyFile is the path of a checked-in throwaway key of the detectors' tests.
func keyFile(t testing.TB, name string) string {
	return filepath.Join(testpath.Root(t), "detectors", "testdata", "keys", name)
}

// testKey is a checked-in throwaway key and its expected fingerprint.
type testKey struct {
	file string
	pem  []byte
	spki string
}

// loadKeys reads the keys' fingerprints.txt and the files it names.
func loadKeys(t testing.TB) map[string]testKey {
	t.Helper()
	f, err := os.Open(keyFile(t, "fingerprints.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]testKey{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, fp, _ := strings.Cut(sc.Text(), " ")
		b, err := os.ReadFile(keyFile(t, name))
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = testKey{name, b, fp}
	}
	return keys
}

// sec1 is an EC private key (RFC 5915), decoded by hand for secp256k1.
type sec1 struct {
	Version int
	Key     []byte
	Curve   asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	Pub     asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

// junk returns n deterministic random bytes.
func junk(seed uint64, n int) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	b := make([]byte, n)
	r.Read(b)
	return b
}

// plant returns junk with payload written at off.
func plant(payload []byte, off, total int) []byte {
	b := junk(uint64(off), total)
	copy(b[off:], payload)
	return b
}
