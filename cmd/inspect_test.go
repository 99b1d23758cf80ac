package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dumpguard/internal/dumpio"
	"dumpguard/internal/testpath"
	"dumpguard/scanner"
)

// inspectRun runs a command line and returns its exit status and output.
func inspectRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestWriteInspectionEscapes(t *testing.T) {
	evil := "lib\x1b]0;owned\x07.so"
	l := &scanner.Layout{Format: "minidump", Warnings: []string{"odd " + evil},
		Regions: []scanner.Region{{Off: 0, Size: 16, Addr: 0x1000, HasAddr: true, Kind: dumpio.Image, Module: evil}}}
	for _, all := range []bool{false, true} {
		f := inspectFlags{all: all}
		r := f.inspection("a\x1b[2J.dmp", scanner.Inspection{Member: "x/" + evil, Layout: l, Size: 16})
		var out bytes.Buffer
		writeInspection(&out, &r, l)
		if strings.ContainsAny(out.String(), "\x1b\x07") {
			t.Errorf("writeInspection(all %v) printed control characters:\n%q", all, out.String())
		}
		if got := strings.Count(out.String(), `lib\x1b]0;owned\x07.so`); got != 3 {
			t.Errorf("escaped name appears %d times, want 3 (member, region, warning):\n%s", got, out.String())
		}
		if !strings.Contains(out.String(), `a\x1b[2J.dmp`) {
			t.Errorf("file name not shown escaped:\n%s", out.String())
		}
	}
}

// TestInspectErrorsEscaped checks the lines inspect writes to standard error:
// the file name given on the command line comes back escaped, in the error
// and in the truncation warning.
func TestInspectErrorsEscaped(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad\x1b]0;x\x07.dmp")
	if err := os.WriteFile(bad, []byte("MDMP too short to be a minidump"), 0o644); err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut\x1b[2J.core")
	writeHead(t, cut, testpath.Path("realdumps", "lldb__linux-x86_64.core"), 20000)
	for _, name := range []string{bad, filepath.Join(dir, "none\x1b[2J"), cut} {
		code, _, stderr := inspectRun(t, "inspect", name)
		if code != ExitError || stderr == "" || strings.ContainsAny(stderr, "\x1b\x07") {
			t.Errorf("inspect %q: exit %d, stderr %q; want 2 and an escaped message", name, code, stderr)
		}
	}
}

// writeHead writes the first n bytes of src to name: a truncated dump.
func writeHead(t *testing.T, name, src string, n int) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b[:n], 0o644); err != nil {
		t.Fatal(err)
	}
}

// inspected is inspect's JSON as a reader decodes it.
type inspected struct {
	Version      int
	Tool         string
	MissingBytes int64 `json:"missing_bytes"`
	Partial      bool
	RegionCount  int    `json:"region_count"`
	Listed       string `json:"regions_listed"`
	Regions      []struct {
		Addr                  *uint64
		Size                  uint64
		Bytes, Offset         int64
		Kind, Protect, Module string
		Thread                uint32
		Count                 int `json:"regions"`
	}
}

// inspectJSON runs inspect --format json with args and decodes its output.
func inspectJSON(t *testing.T, args ...string) (inspected, int) {
	t.Helper()
	code, out, stderr := inspectRun(t, append([]string{"inspect", "--format", "json"}, args...)...)
	var got inspected
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("inspect --format json %v: %v\n%s\n%s", args, err, out, stderr)
	}
	return got, code
}

// TestInspectMerges checks the default region list on the Wine MiniDumpNormal
// dump, whose data segments are 4188 pieces of a few bytes each, against
// --all.
func TestInspectMerges(t *testing.T) {
	dump := testpath.Path("dumps", "windows", "keyholder-normal.dmp")
	merged, code := inspectJSON(t, dump)
	all, code2 := inspectJSON(t, "--all", dump)
	if code != ExitClean || code2 != ExitClean {
		t.Fatalf("exit %d and %d, want 0", code, code2)
	}
	if merged.Listed != "merged" || all.Listed != "all" || merged.RegionCount != 4188 || all.RegionCount != 4188 {
		t.Fatalf("regions_listed %q/%q, region_count %d/%d; want merged/all, 4188", merged.Listed, all.Listed, merged.RegionCount, all.RegionCount)
	}
	if len(all.Regions) != 4188 || len(merged.Regions) > 40 {
		t.Errorf("%d lines with --all, %d merged; want 4188 and a few dozen at most", len(all.Regions), len(merged.Regions))
	}
	// The merged lines are the --all lines, in order, grouped.
	i := 0
	for _, m := range merged.Regions {
		var bytes int64
		for k := 0; k < m.Count; k++ {
			a := all.Regions[i+k]
			if a.Count != 1 || a.Size != uint64(a.Bytes) || a.Kind != m.Kind || a.Module != m.Module || a.Thread != m.Thread || a.Protect != m.Protect ||
				*a.Addr < *m.Addr || *a.Addr+a.Size > *m.Addr+m.Size {
				t.Fatalf("region %d %+v is not part of line %+v", i+k, a, m)
			}
			bytes += a.Bytes
		}
		if first := all.Regions[i]; first.Offset != m.Offset || *first.Addr != *m.Addr {
			t.Errorf("line %+v does not start with region %d %+v", m, i, first)
		}
		if bytes != m.Bytes {
			t.Errorf("line %+v holds %d bytes, its regions %d", m, m.Bytes, bytes)
		}
		i += m.Count
	}
	if i != len(all.Regions) {
		t.Errorf("merged lines cover %d regions, want %d", i, len(all.Regions))
	}

	_, text, _ := inspectRun(t, "inspect", dump)
	_, textAll, _ := inspectRun(t, "inspect", "--all", dump)
	line := regexp.MustCompile(`(?m)^  0x[0-9a-f]+ +\+0x[0-9a-f]+ +file 0x`)
	if n := len(line.FindAllString(textAll, -1)); n != 4188 {
		t.Errorf("inspect --all prints %d region lines, want 4188", n)
	}
	if n := len(line.FindAllString(text, -1)); n != len(merged.Regions) {
		t.Errorf("inspect prints %d region lines, want %d as in JSON", n, len(merged.Regions))
	}
	if want := "regions:  4188, in "; !strings.Contains(text, want) || !strings.Contains(text, "kernelbase.dll (715 regions, 0x40bc bytes)") {
		t.Errorf("inspect text lacks %q or the kernelbase.dll line:\n%s", want, text)
	}
}

// TestInspectTruncated checks that inspect reports a truncated dump in the
// words of scan, and exits as scan does, with and without --allow-partial.
func TestInspectTruncated(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, src string }{
		{"cut.core", "lldb__linux-x86_64.core"},   // memory past EOF
		{"cut.dmp", "breakpad__minidump2.dmp"},    // a memory list past EOF
		{"whole.core", "lldb__linux-x86_64.core"}, // not cut: not partial
	} {
		t.Run(tt.name, func(t *testing.T) {
			name := filepath.Join(dir, tt.name)
			src := testpath.Path("realdumps", tt.src)
			n := 20000
			if strings.HasSuffix(tt.name, ".dmp") {
				n = 5000
			}
			if tt.name == "whole.core" {
				st, err := os.Stat(src)
				if err != nil {
					t.Fatal(err)
				}
				n = int(st.Size())
			}
			writeHead(t, name, src, n)
			for _, extra := range [][]string{nil, {"--allow-partial"}} {
				scanCode, _, scanErr := inspectRun(t, append([]string{"scan", "-q"}, append(extra, name)...)...)
				code, out, stderr := inspectRun(t, append([]string{"inspect"}, append(extra, name)...)...)
				if code != scanCode || stderr != scanErr {
					t.Errorf("inspect %v: exit %d, stderr %q; scan: exit %d, stderr %q", extra, code, stderr, scanCode, scanErr)
				}
				truncated := tt.name != "whole.core"
				if want := truncated && extra == nil; (code == ExitError) != want || strings.Contains(stderr, "missing from the dump (truncated?)") != want {
					t.Errorf("inspect %v: exit %d, stderr %q; want an error: %v", extra, code, stderr, want)
				}
				if got := strings.Contains(out, "bytes of memory missing from the dump (truncated?)\n"); got != truncated {
					t.Errorf("inspect %v: text says partial: %v, want %v:\n%s", extra, got, truncated, out)
				}
				js, jcode := inspectJSON(t, append(extra, name)...)
				if jcode != code || js.Partial != truncated || (js.MissingBytes > 0) != truncated {
					t.Errorf("inspect --format json %v: exit %d, partial %v, missing_bytes %d; want exit %d, partial %v", extra, jcode, js.Partial, js.MissingBytes, code, truncated)
				}
			}
		})
	}
}

func TestInspectVersion(t *testing.T) {
	got, _ := inspectJSON(t, testpath.Path("realdumps", "lldb__linux-x86_64.dmp"))
	if got.Version != scanner.InspectVersion || got.Tool == "" || got.Tool != toolVersion {
		t.Errorf("version %d, tool %q; want %d, %q", got.Version, got.Tool, scanner.InspectVersion, toolVersion)
	}
}
