package cmd

import (
	"dumpguard/internal/testpath"

	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"dumpguard/internal/redact"
	"dumpguard/scanner"
)

// contents returns a file's bytes, decompressed when it is zstd or gzip, and
// the compression.
func contents(t *testing.T, name string) ([]byte, string) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		d, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		out, err := io.ReadAll(d)
		if err != nil {
			t.Fatal(err)
		}
		return out, "zstd"
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		d, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(d)
		if err != nil {
			t.Fatal(err)
		}
		return out, "gzip"
	}
	return b, ""
}

func gzipFile(t *testing.T, from, to string) {
	t.Helper()
	b, _ := os.ReadFile(from)
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	os.WriteFile(to, buf.Bytes(), 0o644)
}

// TestRedact redacts every kind of test dump and checks that the copy keeps
// the dump's size and layout, differs only inside the findings, and scans clean.
func TestRedact(t *testing.T) {
	dir := t.TempDir()
	plantedGz := filepath.Join(dir, "planted.bin.gz")
	gzipFile(t, planted, plantedGz)
	// The Windows dump with a key is redacted decompressed: scanning its
	// 38 MiB as a zstd stream, three times, would take most of the budget.
	keyholder := filepath.Join(dir, "keyholder-full.dmp")
	if b, _ := contents(t, testpath.Join(t, "dumps", "windows", "keyholder-full.dmp.zst")); len(b) > 0 {
		os.WriteFile(keyholder, b, 0o644)
	}
	tests := []struct {
		name         string
		in           string
		fill         string
		wantFindings int
	}{
		{"raw", planted, "", 3},
		{"raw, fill", planted, "[REDACTED]", 3},
		{"raw, hex fill", planted, "hex:cc", 3},
		{"gzip", plantedGz, "", 3},
		{"elf core, zstd", pemHeap, "", 2},
		{"key held as numbers, in pieces", testpath.Join(t, "dumps", "linux", "libssl-wiped.core.zst"), "", 2},
		{"minidump", keyholder, "", 4},
		{"minidump, key on a stack", testpath.Join(t, "dumps", "windows", "keyholder-normal.dmp"), "", 1},
		{"real elf core, no key", testpath.Path("realdumps", "lldb__gcore_linux-x86_64.core"), "", 0},
		{"known test key", testKeyBin, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := os.Stat(tt.in); err != nil {
				t.Skip(err)
			}
			out := filepath.Join(t.TempDir(), "redacted")
			args := []string{"redact", "-q", tt.in, "-o", out}
			if tt.fill != "" {
				args = append(args, "--fill", tt.fill)
			}
			code, stdout, stderr := run(t, "", args...)
			if code != ExitClean {
				t.Fatalf("exit status %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			in, inKind := contents(t, tt.in)
			got, outKind := contents(t, out)
			if len(got) != len(in) || outKind != inKind {
				t.Fatalf("redacted copy: %d bytes of %q, want %d bytes of %q", len(got), outKind, len(in), inKind)
			}

			var rep redact.Report
			b, err := os.ReadFile(out + ".redaction.json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != tt.wantFindings {
				t.Errorf("sidecar lists %d findings, want %d", len(rep.Findings), tt.wantFindings)
			}
			if strings.Contains(tt.name, "in pieces") && (len(rep.Findings) == 0 || len(rep.Findings[0].Components) < 2) {
				t.Errorf("want a finding in pieces, got %d findings", len(rep.Findings))
			}
			inside := func(off int64) bool {
				for _, r := range rep.Ranges {
					if off >= r.Offset && off < r.Offset+r.Length {
						return true
					}
				}
				return false
			}
			for _, f := range rep.Findings {
				spans := [][2]int64{{f.Offset, f.Offset + f.Length}}
				if len(f.Components) > 0 {
					spans = nil
					for _, c := range f.Components {
						spans = append(spans, [2]int64{c.Offset, c.Offset + c.Length})
					}
				}
				for _, sp := range spans {
					if !inside(sp[0]) || !inside(sp[1]-1) {
						t.Errorf("finding at %#x-%#x not covered by the ranges %v", sp[0], sp[1], rep.Ranges)
					}
				}
			}
			fill, _, _ := redact.ParseFill(tt.fill)
			var changed int64
			for _, r := range rep.Ranges {
				for i := r.Offset; i < r.Offset+r.Length; i++ {
					want := byte(0)
					if fill != nil {
						want = fill[(i-r.Offset)%int64(len(fill))]
					}
					if got[i] != want {
						t.Fatalf("byte %#x = %#x, want fill %#x", i, got[i], want)
					}
				}
			}
			for i := range in {
				if in[i] != got[i] {
					changed++
					if !inside(int64(i)) {
						t.Fatalf("byte %#x changed outside every finding", i)
					}
				}
			}
			if changed == 0 && tt.wantFindings > 0 {
				t.Errorf("nothing changed")
			}

			li, lo := scanner.LayoutOf(bytes.NewReader(in), int64(len(in))), scanner.LayoutOf(bytes.NewReader(got), int64(len(got)))
			if li.Format != lo.Format || !slices.Equal(li.Regions, lo.Regions) || (li.ParseError == nil) != (lo.ParseError == nil) {
				t.Errorf("layout changed: %s with %d regions became %s with %d", li.Format, len(li.Regions), lo.Format, len(lo.Regions))
			}
			if code, stdout, _ := run(t, "", "scan", "-q", "--strict", out); code != ExitClean || !strings.Contains(stdout, " 0 findings") {
				t.Errorf("rescan: exit status %d:\n%s", code, stdout)
			}
			if rep.Input.DumpSize != int64(len(in)) || rep.Output.DumpSize != int64(len(in)) || rep.Input.Compression != inKind || len(rep.Output.SHA256) != 64 {
				t.Errorf("sidecar input %+v, output %+v", rep.Input, rep.Output)
			}
		})
	}
}

// TestRedactSidecarHoldsNoKey checks that the report of a redaction names keys
// only by fingerprint.
func TestRedactSidecarHoldsNoKey(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.bin")
	if code, _, stderr := run(t, "", "redact", planted, "-o", out); code != ExitClean {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	side, _ := os.ReadFile(out + ".redaction.json")
	dump, _ := os.ReadFile(planted)
	keys, _ := filepath.Glob(filepath.Join(testpath.Root(t), "detectors", "testdata", "keys", "*.pem"))
	if len(keys) == 0 {
		t.Fatal("no keys in detectors/testdata/keys")
	}
	for _, k := range keys {
		b, _ := os.ReadFile(k)
		for _, ln := range strings.Split(string(b), "\n") {
			if len(ln) > 16 && !strings.HasPrefix(ln, "-----") {
				if bytes.Contains(side, []byte(ln)) {
					t.Errorf("sidecar holds key material %q", ln)
				}
				if bytes.Contains(dump, []byte(ln)) {
					if red, _ := os.ReadFile(out); bytes.Contains(red, []byte(ln)) {
						t.Errorf("redacted copy still holds %q", ln)
					}
				}
			}
		}
	}
}

func TestRedactRefuses(t *testing.T) {
	dir := t.TempDir()
	// A tar archive.
	tarName := filepath.Join(dir, "dumps.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	b, _ := os.ReadFile(planted)
	tw.WriteHeader(&tar.Header{Name: "planted.bin", Mode: 0o644, Size: int64(len(b))})
	tw.Write(b)
	tw.Close()
	os.WriteFile(tarName, buf.Bytes(), 0o644)
	// A truncated core: its headers promise memory it does not hold.
	core, _ := contents(t, pemHeap)
	truncated := filepath.Join(dir, "truncated.core")
	os.WriteFile(truncated, core[:len(core)/2], 0o644)
	// A fill that is itself a key: the rescan finds it, and nothing is kept.
	keyFill, _ := os.ReadFile(filepath.Join(testpath.Root(t), "detectors", "testdata", "keys", "ssh-ed25519.pem"))
	bz2 := testpath.Path("realdumps", "elfutils__backtrace.x32.core.bz2")

	tests := []struct {
		name       string
		args       []string
		want       int
		wantStderr string
	}{
		{"tar", []string{tarName}, ExitError, "cannot redact inside tar"},
		{"bzip2", []string{bz2}, ExitError, "cannot redact inside bzip2"},
		{"truncated", []string{truncated}, ExitError, "could not be scanned completely"},
		{"fill is a key", []string{planted, "--fill", string(keyFill)}, ExitFindings, "still holds"},
		{"no output", []string{planted, "-o", ""}, ExitError, "-o OUT is required"},
		{"output is input", []string{planted, "-o", planted}, ExitError, "would overwrite the input"},
		{"bad fill", []string{planted, "--fill", "hex:zz"}, ExitError, "want hex digits"},
		{"missing input", []string{filepath.Join(dir, "nope")}, ExitError, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := os.Stat(tt.args[0]); err != nil && tt.name == "bzip2" {
				t.Skip(err)
			}
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tt.name, " ", "-"))
			args := append([]string{"redact", "-q"}, tt.args...)
			if !slices.Contains(tt.args, "-o") {
				args = append(args, "-o", out)
			}
			code, _, stderr := run(t, "", args...)
			if code != tt.want || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit status %d, stderr %q; want %d and %q", code, stderr, tt.want, tt.wantStderr)
			}
			for _, p := range []string{out, out + ".redaction.json"} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s written", filepath.Base(p))
				}
			}
			if h := hidden(t, dir); len(h) > 0 {
				t.Errorf("temporary files left: %v", h)
			}
		})
	}
	// --allow-partial redacts what the truncated core holds.
	out := filepath.Join(dir, "partial.core")
	if code, _, stderr := run(t, "", "redact", "-q", "--allow-partial", truncated, "-o", out); code != ExitClean {
		t.Errorf("--allow-partial: exit status %d: %s", code, stderr)
	}
}
