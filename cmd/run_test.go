package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"dumpguard/internal/testpath"
)

var update = flag.Bool("update", false, "rewrite golden files")

// run runs the command line and returns its exit status and output.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	unreadable := filepath.Join(dir, "unreadable")
	os.WriteFile(unreadable, []byte("x"), 0o000)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"keys found", []string{"scan", "testdata/planted.bin"}, ExitFindings},
		{"clean", []string{"scan", "testdata/clean.bin"}, ExitClean},
		{"empty file", []string{"scan", empty}, ExitClean},
		{"missing file", []string{"scan", filepath.Join(dir, "nope")}, ExitError},
		{"keys and a missing file", []string{"scan", "testdata/planted.bin", filepath.Join(dir, "nope")}, ExitFindings},
		{"clean and a missing file", []string{"scan", "testdata/clean.bin", filepath.Join(dir, "nope")}, ExitError},
		{"directory", []string{"scan", "testdata"}, ExitFindings},
		{"fail-on validated", []string{"scan", "--fail-on", "validated", "testdata/planted.bin"}, ExitFindings},
		{"bad fail-on", []string{"scan", "--fail-on", "bogus", "testdata/planted.bin"}, ExitError},
		{"bad format", []string{"scan", "--format", "xml", "testdata/planted.bin"}, ExitError},
		{"bad shard", []string{"scan", "--shard", "3/3", "testdata/planted.bin"}, ExitError},
		{"no args", []string{"scan"}, ExitError},
		{"unknown command", []string{"frobnicate"}, ExitError},
		{"stdin with key", []string{"scan", "-"}, ExitFindings},
	}
	if os.Geteuid() != 0 { // root reads anything
		tests = append(tests, struct {
			name string
			args []string
			want int
		}{"unreadable", []string{"scan", unreadable}, ExitError})
	}
	planted, _ := os.ReadFile("testdata/planted.bin")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdin := ""
			if tt.name == "stdin with key" {
				stdin = string(planted)
			}
			code, _, stderr := run(t, stdin, tt.args...)
			if code != tt.want {
				t.Errorf("exit status = %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
		})
	}
}

// TestNoKeyBytes checks that no output format carries any line of a planted
// key's PEM body.
func TestNoKeyBytes(t *testing.T) {
	keyDir := filepath.Join(testpath.Root(t), "detectors", "testdata", "keys")
	keys, _ := filepath.Glob(filepath.Join(keyDir, "*.pem"))
	if len(keys) == 0 {
		t.Fatal("no keys in detectors/testdata/keys")
	}
	var body []string
	for _, k := range keys {
		b, _ := os.ReadFile(k)
		for _, ln := range strings.Split(string(b), "\n") {
			if len(ln) > 16 && !strings.HasPrefix(ln, "-----") {
				body = append(body, ln)
			}
		}
	}
	for _, format := range []string{"text", "json", "jsonl", "sarif"} {
		_, out, errb := run(t, "", "scan", "--format", format, "testdata/planted.bin", keyDir)
		for _, ln := range body {
			if strings.Contains(out, ln) || strings.Contains(errb, ln) {
				t.Errorf("--format %s printed key material %q", format, ln)
			}
		}
	}
}

func TestGoldenReports(t *testing.T) {
	for _, format := range []string{"json", "sarif", "text", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			_, out, _ := run(t, "", "scan", "--format", format, "testdata/planted.bin", "testdata/clean.bin")
			checkGolden(t, filepath.Join("testdata/golden", "planted."+format), out)
		})
	}
}

func TestReportSchema(t *testing.T) {
	_, out, _ := run(t, "", "scan", "--format", "json", "testdata/planted.bin")
	var doc struct {
		Version int `json:"version"`
		Files   []struct {
			Path, Format string
			Size         int64
			Scanned      int64 `json:"scanned_bytes"`
			Errors       []string
			Findings     []map[string]any
		}
		Summary map[string]any
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != 1 || len(doc.Files) != 1 || doc.Files[0].Scanned != doc.Files[0].Size || doc.Files[0].Errors == nil {
		t.Fatalf("report = %+v", doc)
	}
	want := []string{"detector", "encoding", "key_type", "status", "spki_sha256", "offset", "length", "va", "region"}
	for _, f := range doc.Files[0].Findings {
		for _, k := range want {
			if _, ok := f[k]; !ok {
				t.Errorf("finding %v lacks %q", f, k)
			}
		}
	}
	if got := len(doc.Files[0].Findings); got != 3 {
		t.Errorf("findings = %d, want 3", got)
	}
}

func TestOutputFileIsAtomic(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "report.json")
	code, out, _ := run(t, "", "scan", "--format", "json", "-o", dest, "testdata/planted.bin")
	if code != ExitFindings || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "report.json" {
		t.Errorf("directory holds %v, want only report.json", entries)
	}
	// An unwritable destination is an error, and leaves nothing behind.
	code, _, _ = run(t, "", "scan", "-o", filepath.Join(dir, "no", "such", "dir", "r.json"), "testdata/planted.bin")
	if code != ExitError {
		t.Errorf("exit %d for an unwritable --output, want %d", code, ExitError)
	}
}

func TestShardsPartitionInputs(t *testing.T) {
	dir := t.TempDir()
	var args []string
	for i := range 40 {
		p := filepath.Join(dir, "f"+string(rune('a'+i%26))+strings.Repeat("x", i/26))
		os.WriteFile(p, []byte("x"), 0o644)
		args = append(args, p)
	}
	seen := map[string]int{}
	for i := range 4 {
		_, out, _ := run(t, "", append([]string{"scan", "--format", "json", "--shard", string(rune('0'+i)) + "/4"}, args...)...)
		var doc struct{ Files []struct{ Path string } }
		json.Unmarshal([]byte(out), &doc)
		for _, f := range doc.Files {
			seen[f.Path]++
		}
	}
	for _, a := range args {
		if seen[a] != 1 {
			t.Errorf("%s scanned by %d shards, want 1", a, seen[a])
		}
	}
}

// checkGolden compares out with the golden file, which -update rewrites; a
// mismatch is written beside it as NAME.got.
func checkGolden(t *testing.T, golden, out string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd -update)", err)
	}
	if out != string(want) {
		os.WriteFile(golden+".got", []byte(out), 0o644)
		t.Errorf("report differs from %s; got written to %s.got", golden, golden)
	}
}

// TestProcFile: /proc/PID/environ of a process with a key in its
// environment says its size is 0; it is read as a stream and blocks.
func TestProcFile(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("no procfs")
	}
	key, err := os.ReadFile(filepath.Join(testpath.Root(t), "detectors", "testdata", "keys", "p224.pkcs8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command("sleep", "60")
	child.Env = []string{"TLS_KEY=" + string(key)}
	if err := child.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	environ := fmt.Sprintf("/proc/%d/environ", child.Process.Pid)
	if st, err := os.Stat(environ); err != nil || st.Size() != 0 {
		t.Skipf("%s: %v: not the procfs this test is about", environ, err)
	}
	code, stdout, stderr := run(t, "", "scan", "-q", environ)
	if code != ExitFindings || !strings.Contains(stdout, "BLOCKED: 1 files") {
		t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, ExitFindings, stdout, stderr)
	}
	// A file that is really empty is still clean.
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o644)
	if code, stdout, _ := run(t, "", "scan", "-q", empty); code != ExitClean || !strings.Contains(stdout, "CLEAN: 1 files, 0 B scanned") {
		t.Errorf("empty file: exit status %d, stdout %q", code, stdout)
	}
}
