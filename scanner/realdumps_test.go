package scanner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
	"dumpguard/internal/testpath"
)

// The dumps under testdata/dumps were written by real dump writers (gcore,
// Windows' MiniDumpWriteDump under Wine) of processes holding throwaway keys.
// Each test checks that a key is found with its fingerprint at the address the
// process itself printed, in the right kind of region.

const dumps = "../testdata/dumps"

type want struct {
	spki, va, kind string
	thread         bool // the region must name a thread
}

func scanDump(t *testing.T, p *Pool, name string, opt *FileOptions) FileReport {
	t.Helper()
	frs := p.ScanFile(context.Background(), name, opt)
	if len(frs) != 1 {
		t.Fatalf("ScanFile(%s) = %d reports, want 1", name, len(frs))
	}
	fr := frs[0]
	if len(fr.Errors) > 0 {
		t.Fatalf("ScanFile(%s) errors: %v", name, fr.Errors)
	}
	return fr
}

func checkWants(t *testing.T, fr FileReport, wants []want) {
	t.Helper()
	for _, w := range wants {
		found := false
		for _, f := range fr.Findings {
			if f.Fingerprint() != w.spki || f.VA == nil || *f.VA != w.va {
				continue
			}
			found = true
			if f.Status != keys.Validated || f.Region.Kind != w.kind || w.thread && f.Region.Thread == 0 {
				t.Errorf("%s: key %s at %s: status %v region %+v, want validated in %s", fr.Path, w.spki[:12], w.va, f.Status, f.Region, w.kind)
			}
		}
		if !found {
			t.Errorf("%s: key %s not found at va %s; findings: %+v", fr.Path, w.spki[:12], w.va, fr.Findings)
		}
	}
}

func TestLinuxDumps(t *testing.T) {
	var manifest []struct {
		Dump, Expect string
		Keys         []struct{ File, Form string }
		Buffers      map[string]string
	}
	var keys []struct {
		File string
		SPKI string `json:"spki_sha256"`
	}
	readJSON(t, filepath.Join(dumps, "linux/dumps.json"), &manifest)
	readJSON(t, filepath.Join(dumps, "linux/keys/keys.json"), &keys)
	spki := map[string]string{}
	for _, k := range keys {
		spki[k.File] = k.SPKI
	}
	p := NewPool(0)
	defer p.Close()
	opt := &FileOptions{Options: Options{Detectors: detectors.All()}}
	for _, d := range manifest {
		t.Run(d.Dump, func(t *testing.T) {
			fr := scanDump(t, p, filepath.Join(dumps, "linux", d.Dump), opt)
			if fr.Format != "elf-core" || len(fr.Layers) != 1 || fr.Layers[0] != "zstd" {
				t.Errorf("format %s %v, want a zstd elf-core", fr.Format, fr.Layers)
			}
			if d.Expect == "clean" {
				for _, f := range fr.Findings {
					if !isOpenSSLSpeedKey(f) {
						t.Errorf("clean dump has finding %+v", f)
					}
				}
				return
			}
			var wants []want
			for _, k := range d.Keys {
				if va, ok := d.Buffers[k.File]; ok && k.Form == "pem-text" {
					wants = append(wants, want{spki: spki[k.File], va: va, kind: KindHeap})
				}
			}
			checkWants(t, fr, wants)
		})
	}
}

// isOpenSSLSpeedKey reports whether f is one of the RSA keys the openssl
// binary carries for `openssl speed`: found in its image, never in the heap.
func isOpenSSLSpeedKey(f Finding) bool {
	return f.Region.Kind == KindImage && strings.HasSuffix(f.Region.Module, "/openssl")
}

func TestWindowsDumps(t *testing.T) {
	info := map[string]string{}
	b, err := os.ReadFile(filepath.Join(dumps, "windows/keyholder-info.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ln := range strings.Fields(string(b)) {
		k, v, _ := strings.Cut(ln, "=")
		info[k] = v
	}
	var keys []struct {
		File string
		SPKI string `json:"spki_sha256"`
	}
	readJSON(t, filepath.Join(dumps, "windows/keys/keys.json"), &keys)
	spki := map[string]string{}
	for _, k := range keys {
		spki[k.File] = k.SPKI
	}
	// The full dump holds the heap; the normal one only stacks and modules.
	full := []want{
		{spki["rsa-cng.pem"], info["rsa_blob_va"], KindHeap, false},
		{spki["ec-cng.pem"], info["ec_blob_va"], KindHeap, false},
		{spki["ec-cng.pem"], info["ec_stack_va"], KindStack, true},
		{spki["rsa-heap-pem.pem"], info["pem_va"], KindHeap, false},
	}
	p := NewPool(0)
	defer p.Close()
	opt := &FileOptions{Options: Options{Detectors: detectors.All()}}
	for _, tt := range []struct {
		file  string
		wants []want
	}{
		{"keyholder-full.dmp.zst", full},
		{"keyholder-normal.dmp", full[2:3]},
	} {
		t.Run(tt.file, func(t *testing.T) {
			fr := scanDump(t, p, filepath.Join(dumps, "windows", tt.file), opt)
			if fr.Format != "minidump" {
				t.Errorf("format %s, want minidump", fr.Format)
			}
			checkWants(t, fr, tt.wants)
			for _, f := range fr.Findings {
				if f.Region.Kind == KindStack && f.Region.Thread == 0 {
					t.Errorf("stack finding without a thread: %+v", f)
				}
			}
		})
	}
}

// TestSharedRealDumps scans every public dump of ../shared: each must parse
// (no error), and none holds a key.
func TestSharedRealDumps(t *testing.T) {
	files, _ := filepath.Glob(testpath.Path("realdumps", "*"))
	if len(files) == 0 {
		t.Fatal("no real dumps in testdata/realdumps")
	}
	p := NewPool(0)
	defer p.Close()
	opt := &FileOptions{Options: Options{Detectors: detectors.All()}}
	for _, f := range files {
		if strings.HasSuffix(f, ".md") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			fr := p.ScanFile(context.Background(), f, opt)[0]
			want := "minidump"
			if !strings.HasSuffix(f, ".dmp") {
				want = "elf-core"
			}
			if fr.Format != want || len(fr.Errors) > 0 {
				t.Errorf("format %s errors %v, want %s and none", fr.Format, fr.Errors, want)
			}
			// The two fuzzer-made rust-minidump samples place streams past the
			// end of the file: scanned whole, but partial (exit 2 unless allowed).
			if malformed := strings.Contains(f, "rust-minidump__invalid-r"); fr.Partial != malformed {
				t.Errorf("partial = %v (missing %d bytes), want %v", fr.Partial, fr.MissingBytes, malformed)
			}
			if len(fr.Findings) > 0 {
				t.Errorf("findings in a public dump: %+v", fr.Findings)
			}
			if fr.ScannedBytes != fr.Size {
				t.Errorf("scanned %d of %d bytes", fr.ScannedBytes, fr.Size)
			}
		})
	}
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

// TestLinuxDumpsHunt finds, by the raw hunt alone, every key that the
// processes held only as numbers (OpenSSL BIGNUMs, Go big.Int words): with the
// public key given as --pubkeys would give it, and, where the dump holds the
// certificate, with no help at all.
func TestLinuxDumpsHunt(t *testing.T) {
	var manifest []struct {
		Dump string
		Keys []struct{ File, Form, Certificate string }
	}
	var keys []struct {
		File   string
		SPKI   string `json:"spki_sha256"`
		Public string `json:"public_file"`
	}
	readJSON(t, filepath.Join(dumps, "linux/dumps.json"), &manifest)
	readJSON(t, filepath.Join(dumps, "linux/keys/keys.json"), &keys)
	p := NewPool(0)
	defer p.Close()
	for _, d := range manifest {
		for _, k := range d.Keys {
			if k.Form != "raw-numbers" && k.Form != "evp-pkey" {
				continue
			}
			var spki, pub string
			for _, kk := range keys {
				if kk.File == k.File {
					spki, pub = kk.SPKI, kk.Public
				}
			}
			b, err := os.ReadFile(filepath.Join(dumps, "linux/keys", pub))
			if err != nil {
				t.Fatal(err)
			}
			pk, err := detectors.LoadPublicKeys(pub, b)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(d.Dump+"/"+k.File, func(t *testing.T) {
				opt := &FileOptions{Hunt: &HuntConfig{Protected: pk}}
				fr := scanDump(t, p, filepath.Join(dumps, "linux", d.Dump), opt)
				checkHunted(t, fr, spki, true)
				if k.Certificate == "" {
					return
				}
				// The certificate is in the dump: the harvest alone finds the key.
				opt = &FileOptions{Options: Options{Detectors: detectors.All()}, Hunt: &HuntConfig{Harvest: true}}
				fr = scanDump(t, p, filepath.Join(dumps, "linux", d.Dump), opt)
				checkHunted(t, fr, spki, false)
			})
		}
	}
}

func checkHunted(t *testing.T, fr FileReport, spki string, protected bool) {
	t.Helper()
	for _, f := range fr.Findings {
		if f.Fingerprint() == spki && strings.HasPrefix(f.Encoding, "raw") {
			if f.Status != keys.Validated || f.Protected != protected || f.VA == nil || len(f.Components) == 0 {
				t.Errorf("hunted key %+v: want validated, protected %v, with an address and components", f, protected)
			}
			if f.Region.Kind != KindHeap && f.Region.Kind != KindAnon && f.Region.Kind != KindStack {
				t.Errorf("hunted key in a %s region, want writable process memory", f.Region.Kind)
			}
			return
		}
	}
	t.Errorf("key %s not found by the hunt; findings %+v", spki[:12], fr.Findings)
}
