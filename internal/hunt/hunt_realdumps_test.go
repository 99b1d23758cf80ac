package hunt

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
	"dumpguard/internal/testpath"
)

// realDumps is where the Linux cores made by testdata/dumps/make-linux-dumps.sh
// live; DUMPGUARD_LINUX_DUMPS overrides it.
func realDumps(t testing.TB) string {
	dir := os.Getenv("DUMPGUARD_LINUX_DUMPS")
	if dir == "" {
		dir = testpath.Join(t, "dumps", "linux")
	}
	if _, err := os.Stat(filepath.Join(dir, "dumps.json")); err != nil {
		t.Skipf("no real Linux dumps: %v", err)
	}
	return dir
}

type realDump struct {
	Dump   string `json:"dump"`
	Expect string `json:"expect"`
	Keys   []struct {
		File string `json:"file"`
		Form string `json:"form"`
	} `json:"keys"`
}

type realKey struct {
	File   string `json:"file"`
	Public string `json:"public_file"`
	SPKI   string `json:"spki_sha256"`
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// decompress reads a zstd-compressed core, refusing more than 256 MiB.
func decompress(t testing.TB, name string) []byte { return testpath.ReadDump(t, name) }

// scanWindows runs d over b in 4 MiB windows overlapping by d.Reach(), keeping
// the hits that start in each window's body, as the scanner does.
func scanWindows(d *Hunter, b []byte) []Find {
	const body = 4 << 20
	var all, hits []Find
	for off := 0; off < len(b); off += body {
		end := min(len(b), off+body+d.Reach())
		hits = d.Hunt(hits[:0], b[off:end])
		for _, h := range hits {
			if h.Parts[0].Off < body {
				for i := range h.Parts {
					h.Parts[i].Off += off
				}
				all = append(all, h)
			}
		}
	}
	return all
}

// writableRegions returns the bytes of the writable PT_LOAD segments of an ELF
// core (heap, stacks, anonymous memory, .data), as the scanner hands them to
// the hunt: each region starts at a page-aligned address, so alignment within
// a buffer is alignment in memory. debug/elf is fine here: these are our own
// test files, not hostile input.
func writableRegions(t testing.TB, core []byte) [][]byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(core))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_W != 0 && p.Filesz > 0 && p.Off+p.Filesz <= uint64(len(core)) {
			out = append(out, core[p.Off:p.Off+p.Filesz])
		}
	}
	return out
}

// huntCore runs d over the writable regions of a core and returns the SPKIs found.
func huntCore(t *testing.T, d *Hunter, core []byte) map[string]bool {
	found := map[string]bool{}
	for _, r := range writableRegions(t, core) {
		for _, h := range scanWindows(d, r) {
			if h.Key.Proof == "" || len(h.Parts) == 0 {
				t.Errorf("hit %+v: want a proof and parts", h)
			}
			found[h.Key.SPKI.String()] = true
		}
	}
	return found
}

// TestHuntRealDumps hunts the keys of real OpenSSL and Go processes in their
// cores, given the public keys from keys/*.pub.pem, and checks that every key a
// process held as numbers is found with its fingerprint, and that clean
// dumps give nothing.
func TestHuntRealDumps(t *testing.T) {
	dir := realDumps(t)
	var dumps []realDump
	var keyList []realKey
	readJSON(t, filepath.Join(dir, "dumps.json"), &dumps)
	readJSON(t, filepath.Join(dir, "keys", "keys.json"), &keyList)
	var pubs []detectors.PublicKey
	spkiOf := map[string]string{} // key file -> spki
	for _, k := range keyList {
		name := filepath.Join(dir, "keys", k.Public)
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := detectors.LoadPublicKeys(k.Public, data)
		if err != nil || len(got) != 1 || got[0].SPKI.String() != k.SPKI {
			t.Fatalf("detectors.LoadPublicKeys(%s) = %d keys, %v; want 1 with SPKI %s", k.Public, len(got), err, k.SPKI)
		}
		pubs = append(pubs, got...)
		spkiOf[k.File] = k.SPKI
	}
	modes := []struct {
		name string
		opt  Options
	}{
		{"default", Options{}},
		{"anchors-only", Options{noHeaders: true}},
		{"headers-only", Options{noAnchors: true}},
		{"deep", Options{Deep: true}},
	}
	for _, d := range dumps {
		if _, err := os.Stat(filepath.Join(dir, d.Dump)); err != nil {
			continue
		}
		core := decompress(t, filepath.Join(dir, d.Dump))
		for _, m := range modes {
			if m.opt.Deep && os.Getenv("DUMPGUARD_DEEP") == "" {
				continue // minutes on the clean dumps full of random bytes
			}
			t.Run(d.Dump+"/"+m.name, func(t *testing.T) {
				found := huntCore(t, New(pubs, m.opt), core)
				held := map[string]bool{}
				for _, k := range d.Keys {
					if k.Form == "raw-numbers" || k.Form == "evp-pkey" {
						held[spkiOf[k.File]] = true
						if !found[spkiOf[k.File]] {
							t.Logf("%s: %s (%s) not found", m.name, k.File, k.Form)
							if m.name == "deep" || m.name == "default" && !slices.Contains(defaultMisses, k.File) {
								t.Errorf("%s mode misses %s (%s)", m.name, k.File, k.Form)
							}
						} else {
							t.Logf("%s: %s (%s) found", m.name, k.File, k.Form)
						}
					}
				}
				for spki := range found {
					if !held[spki] && !bytes.Contains([]byte(d.Expect), []byte("findings")) {
						t.Errorf("clean dump: found key %s", spki)
					}
				}
			})
		}
	}
}

// TestHuntHarvestedRealDumps hunts with only the public keys harvested from
// the core itself: a process that keeps its certificate gives its key away.
func TestHuntHarvestedRealDumps(t *testing.T) {
	dir := realDumps(t)
	var keyList []realKey
	readJSON(t, filepath.Join(dir, "keys", "keys.json"), &keyList)
	want := map[string]string{} // dump -> SPKI of the key whose certificate it holds
	for _, k := range keyList {
		if k.File == "wiped-rsa2048.pem" {
			want["libssl-wiped.core.zst"] = k.SPKI
		}
		if k.File == "s-server-rsa2048.pem" {
			want["openssl-s-server-rsa.core.zst"] = k.SPKI
		}
	}
	for dump, spki := range want {
		t.Run(dump, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(dir, dump)); err != nil {
				t.Skip(err)
			}
			core := decompress(t, filepath.Join(dir, dump))
			var pubs []detectors.PublicKey
			for _, r := range writableRegions(t, core) {
				for off := 0; off < len(r); off += 4 << 20 {
					pubs = Harvest(pubs, r[off:min(len(r), off+4<<20+HarvestMaxLen)])
				}
			}
			seen := map[keys.Fingerprint]bool{}
			pubs = slices.DeleteFunc(pubs, func(k detectors.PublicKey) bool { // dedupe: the caller's job
				dup := seen[k.SPKI]
				seen[k.SPKI] = true
				return dup
			})
			t.Logf("harvested %d distinct public keys", len(pubs))
			harvested := false
			for _, k := range pubs {
				harvested = harvested || k.SPKI.String() == spki
			}
			if !harvested {
				t.Fatalf("Harvest: %d keys, not %s", len(pubs), spki)
			}
			if !huntCore(t, New(pubs, Options{}), core)[spki] {
				t.Errorf("hunt with harvested keys misses %s", spki)
			}
		})
	}
}

// defaultMisses are the keys the default mode is known not to find; deep
// mode must find them.
var defaultMisses = []string{}
