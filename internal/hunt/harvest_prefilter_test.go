package hunt

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"dumpguard/detectors"
	"dumpguard/internal/prefilter"
	"dumpguard/internal/testpath"
)

// harvestSearch is Harvest with each anchor found by bytes.Index:
// the reference its prefilter pass must equal.
func harvestSearch(buf []byte) []detectors.PublicKey {
	var m prefilter.Marks
	return harvestAt(nil, buf, m.Search(buf, harvestAnchors))
}

func checkHarvest(t *testing.T, name string, buf []byte) int {
	t.Helper()
	got, want := Harvest(nil, buf), harvestSearch(buf)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Harvest(%s) = %d keys, with bytes.Index %d", name, len(got), len(want))
	}
	return len(want)
}

// TestHarvestPrefilter checks the harvest's one prefilter pass against a
// bytes.Index search per anchor, on the test dumps and planted keys.
func TestHarvestPrefilter(t *testing.T) {
	names, err := filepath.Glob(testpath.Join(t, "dumps", "*", "*.zst"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range names {
		b := decompress(t, n)
		const window = 2 << 20
		for off := 0; off < len(b); off += window {
			total += checkHarvest(t, filepath.Base(n), b[off:min(len(b), off+window+HarvestMaxLen)])
		}
	}
	pubs, _ := filepath.Glob(filepath.Join(testpath.Root(t), "detectors", "testdata", "pubkeys", "*"))
	for i, n := range pubs {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		buf := junk(uint64(i), 64<<10)
		copy(buf[1000:], b)
		total += checkHarvest(t, n, buf)
	}
	t.Logf("%d public keys harvested", total)
	if total == 0 {
		t.Error("no public keys harvested")
	}
}
