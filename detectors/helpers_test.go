package detectors

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testKey is a checked-in throwaway key and its expected fingerprint.
type testKey struct {
	file string
	pem  []byte
	spki string
}

// loadKeys reads testdata/keys/fingerprints.txt and the files it names.
func loadKeys(t testing.TB) map[string]testKey {
	t.Helper()
	f, err := os.Open("testdata/keys/fingerprints.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tks := map[string]testKey{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, fp, _ := strings.Cut(sc.Text(), " ")
		b, err := os.ReadFile(filepath.Join("testdata/keys", name))
		if err != nil {
			t.Fatal(err)
		}
		tks[name] = testKey{name, b, fp}
	}
	return tks
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
