package cmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dumpguard/internal/testpath"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileSum(t *testing.T, name string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// visible lists the names in dir that do not start with a dot.
func visible(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// hidden lists the dot files in dir.
func hidden(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	out := []string{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// gateDirs makes a spool holding copies of files, and empty release and
// quarantine directories.
func gateDirs(t *testing.T, files ...string) (spool, to, q string) {
	t.Helper()
	root := t.TempDir()
	spool, to, q = filepath.Join(root, "spool"), filepath.Join(root, "out"), filepath.Join(root, "quarantine")
	for _, d := range []string{spool, to, q} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		copyFile(t, f, filepath.Join(spool, filepath.Base(f)))
	}
	return spool, to, q
}

const (
	clean      = "testdata/clean.bin"
	planted    = "testdata/planted.bin"
	testKeyBin = "testdata/testkey.bin"
)

var (
	pemHeap   = testpath.Path("dumps", "linux", "pem-heap.core.zst")
	cleanCore = testpath.Path("dumps", "linux", "clean-cert-only.core.zst")
)

func TestGate(t *testing.T) {
	tests := []struct {
		name        string
		files       []string
		flags       []string // {Q} is the quarantine directory
		want        int
		released    []string
		quarantined []string
		left        []string // still in the spool
	}{
		{"clean", []string{clean}, nil, ExitClean, []string{"clean.bin"}, nil, []string{"clean.bin"}},
		{"clean, move", []string{clean}, []string{"--move"}, ExitClean, []string{"clean.bin"}, nil, nil},
		{"keys, no quarantine", []string{planted}, []string{"--move"}, ExitFindings, nil, nil, []string{"planted.bin"}},
		{"keys, quarantine", []string{planted}, []string{"--quarantine", "{Q}"}, ExitFindings, nil, []string{"planted.bin"}, nil},
		{"keys, quarantine, keep", []string{planted}, []string{"--quarantine", "{Q}", "--keep"}, ExitFindings, nil, []string{"planted.bin"}, []string{"planted.bin"}},
		{"mixed cores", []string{clean, planted, pemHeap, cleanCore}, []string{"--quarantine", "{Q}", "--move"}, ExitFindings,
			[]string{"clean-cert-only.core.zst", "clean.bin"}, []string{"pem-heap.core.zst", "planted.bin"}, nil},
		{"allowlisted", []string{planted}, []string{"--config", "testdata/policy/allow.json", "--move"}, ExitClean, []string{"planted.bin"}, nil, nil},
		{"known test key", []string{testKeyBin}, []string{"--quarantine", "{Q}"}, ExitClean, []string{"testkey.bin"}, nil, []string{"testkey.bin"}},
		{"known test key, strict", []string{testKeyBin}, []string{"--quarantine", "{Q}", "--strict"}, ExitFindings, nil, []string{"testkey.bin"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spool, to, q := gateDirs(t, tt.files...)
			sums := map[string][32]byte{}
			for _, f := range tt.files {
				sums[filepath.Base(f)] = fileSum(t, f)
			}
			args := []string{"gate", "-q", "--to", to}
			for _, fl := range tt.flags {
				args = append(args, strings.ReplaceAll(fl, "{Q}", q))
			}
			code, stdout, stderr := run(t, "", append(args, spool)...)
			if code != tt.want {
				t.Fatalf("exit status = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, stdout, stderr)
			}
			if got := visible(t, to); !slices.Equal(got, append([]string{}, tt.released...)) {
				t.Errorf("released %v, want %v", got, tt.released)
			}
			for _, name := range tt.released {
				if fileSum(t, filepath.Join(to, name)) != sums[name] {
					t.Errorf("%s released with different bytes", name)
				}
			}
			var wantQ []string
			for _, name := range tt.quarantined {
				wantQ = append(wantQ, name, name+".dumpguard.json")
			}
			slices.Sort(wantQ)
			if got := visible(t, q); !slices.Equal(got, append([]string{}, wantQ...)) {
				t.Errorf("quarantine holds %v, want %v", got, wantQ)
			}
			for _, name := range tt.quarantined {
				if fileSum(t, filepath.Join(q, name)) != sums[name] {
					t.Errorf("%s quarantined with different bytes", name)
				}
				var rep struct {
					Files   []struct{ Findings []json.RawMessage }
					Summary struct{ Verdict string }
					Actions []gateAction
				}
				b, _ := os.ReadFile(filepath.Join(q, name+".dumpguard.json"))
				if err := json.Unmarshal(b, &rep); err != nil || rep.Summary.Verdict != "blocked" || len(rep.Files) == 0 || len(rep.Files[0].Findings) == 0 || len(rep.Actions) != 1 {
					t.Errorf("%s.dumpguard.json = %s (%v)", name, b, err)
				}
			}
			if got := visible(t, spool); !slices.Equal(got, append([]string{}, tt.left...)) {
				t.Errorf("spool holds %v, want %v", got, tt.left)
			}
			for _, d := range []string{to, q} {
				if h := hidden(t, d); len(h) > 0 {
					t.Errorf("%s holds temporary files %v", d, h)
				}
			}
		})
	}
}

func TestGateReport(t *testing.T) {
	spool, to, q := gateDirs(t, clean, planted)
	code, stdout, _ := run(t, "", "gate", "-q", "--format", "json", "--to", to, "--quarantine", q, "--move", spool)
	if code != ExitFindings {
		t.Fatalf("exit status %d", code)
	}
	var rep struct {
		Tool    string
		Summary struct{ Verdict string }
		Actions []gateAction
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Tool == "" || rep.Tool != version() {
		t.Errorf("gate report's tool = %q, want %q", rep.Tool, version())
	}
	var side struct{ Tool string }
	b, err := os.ReadFile(filepath.Join(q, "planted.bin.dumpguard.json"))
	if err != nil || json.Unmarshal(b, &side) != nil || side.Tool != version() {
		t.Errorf("quarantine report's tool = %q (%v), want %q", side.Tool, err, version())
	}
	got := map[string]string{}
	for _, a := range rep.Actions {
		got[filepath.Base(a.Path)] = a.Action
		if len(a.SHA256) != 64 || !a.Removed || a.Dest == "" {
			t.Errorf("action %+v: want sha256, dest and source_removed", a)
		}
	}
	want := map[string]string{"clean.bin": "released", "planted.bin": "quarantined"}
	if rep.Summary.Verdict != "blocked" || len(got) != 2 || got["clean.bin"] != want["clean.bin"] || got["planted.bin"] != want["planted.bin"] {
		t.Errorf("actions %v, verdict %q; want %v, blocked", got, rep.Summary.Verdict, want)
	}
}

func TestGateExisting(t *testing.T) {
	tests := []struct {
		name      string
		existing  string // content of DIR/clean.bin before the run; "" copies the dump
		flags     []string
		want      int
		wantDest  string // "dump" when DIR/clean.bin must hold the dump
		wantLeft  bool   // the source is still there
		wantError string
	}{
		{"identical", "", []string{"--move"}, ExitClean, "dump", false, ""},
		{"different", "another dump", []string{"--move"}, ExitError, "another dump", true, "exists with different content"},
		{"different, overwrite", "another dump", []string{"--move", "--overwrite"}, ExitClean, "dump", false, ""},
	}
	dump, _ := os.ReadFile(clean)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spool, to, _ := gateDirs(t, clean)
			existing := []byte(tt.existing)
			if tt.existing == "" {
				existing = dump
			}
			os.WriteFile(filepath.Join(to, "clean.bin"), existing, 0o644)
			code, _, stderr := run(t, "", append(append([]string{"gate", "-q", "--to", to}, tt.flags...), filepath.Join(spool, "clean.bin"))...)
			if code != tt.want {
				t.Fatalf("exit status = %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
			got, _ := os.ReadFile(filepath.Join(to, "clean.bin"))
			want := []byte(tt.wantDest)
			if tt.wantDest == "dump" {
				want = dump
			}
			if !bytes.Equal(got, want) {
				t.Errorf("DIR/clean.bin holds %d bytes, want %d", len(got), len(want))
			}
			if _, err := os.Stat(filepath.Join(spool, "clean.bin")); (err == nil) != tt.wantLeft {
				t.Errorf("source left = %v, want %v", err == nil, tt.wantLeft)
			}
			if !strings.Contains(stderr, tt.wantError) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantError)
			}
			if h := hidden(t, to); len(h) > 0 {
				t.Errorf("temporary files left: %v", h)
			}
		})
	}
}

// TestGateUnwritable: a destination that cannot be written is an error and
// loses nothing. A path under a regular file fails even for root.
func TestGateUnwritable(t *testing.T) {
	spool, to, q := gateDirs(t, clean, planted)
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o644)
	bad := filepath.Join(file, "sub")
	tests := []struct {
		name string
		args []string
	}{
		{"release under a file", []string{"--to", bad, "--move"}},
		{"quarantine under a file", []string{"--to", to, "--quarantine", bad}},
		{"release is a file", []string{"--to", file, "--move"}},
		{"no --to", []string{"--move"}},
		{"keep without quarantine", []string{"--to", to, "--keep"}},
		{"quarantine is the release directory", []string{"--to", to, "--quarantine", to + "/."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", append(append([]string{"gate", "-q"}, tt.args...), spool)...)
			if code != ExitError || !strings.HasPrefix(stderr, "dumpguard: ") {
				t.Errorf("exit status %d, stderr %q; want %d and an error", code, stderr, ExitError)
			}
			if got := visible(t, spool); !slices.Equal(got, []string{"clean.bin", "planted.bin"}) {
				t.Errorf("spool holds %v after a failed gate", got)
			}
			if got := visible(t, to); len(got) > 0 {
				t.Errorf("released %v", got)
			}
			if got := visible(t, q); len(got) > 0 {
				t.Errorf("quarantined %v", got)
			}
		})
	}
	// A quarantine name taken by another file: the dump stays where it was.
	os.WriteFile(filepath.Join(q, "planted.bin"), []byte("other"), 0o644)
	code, _, stderr := run(t, "", "gate", "-q", "--to", to, "--quarantine", q, filepath.Join(spool, "planted.bin"))
	if code != ExitFindings || !strings.Contains(stderr, "exists with different content") {
		t.Errorf("exit status %d, stderr %q", code, stderr)
	}
	if fileSum(t, filepath.Join(spool, "planted.bin")) != fileSum(t, planted) {
		t.Errorf("source lost")
	}
	if _, err := os.Stat(filepath.Join(q, "planted.bin.dumpguard.json")); err == nil {
		t.Errorf("a report was written for a dump that was not quarantined")
	}
}

// TestGateSameName: dumps with one name in different subdirectories of the
// spool never share a destination, even with --overwrite: the second is
// refused (exit 2 if nothing blocks) and stays in the spool.
func TestGateSameName(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // spool path → test file
		want  int
	}{
		{"clean", map[string]string{"a/core": clean, "b/core": clean + "2"}, ExitError},
		{"clean and blocked", map[string]string{"a/core": clean, "b/core": clean + "2", "a/bad": planted, "b/bad": planted}, ExitFindings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spool, to, q := gateDirs(t)
			for p, f := range tt.files {
				os.MkdirAll(filepath.Join(spool, filepath.Dir(p)), 0o755)
				if strings.HasSuffix(f, "2") { // another clean dump, other bytes
					os.WriteFile(filepath.Join(spool, p), []byte("another clean dump"), 0o644)
					continue
				}
				copyFile(t, f, filepath.Join(spool, p))
			}
			code, _, stderr := run(t, "", "gate", "-q", "--move", "--overwrite", "--to", to, "--quarantine", q, spool)
			if code != tt.want {
				t.Fatalf("exit status %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
			if !strings.Contains(stderr, "same name") {
				t.Errorf("stderr does not say why b/ was refused:\n%s", stderr)
			}
			if fileSum(t, filepath.Join(to, "core")) != fileSum(t, clean) {
				t.Errorf("DIR/core is not a/core")
			}
			for p := range tt.files {
				if strings.HasPrefix(p, "b/") {
					if _, err := os.Stat(filepath.Join(spool, p)); err != nil {
						t.Errorf("%s lost: %v", p, err)
					}
				}
				if p == "a/bad" && fileSum(t, filepath.Join(q, "bad")) != fileSum(t, planted) {
					t.Errorf("QDIR/bad is not a/bad")
				}
			}
		})
	}
}

// cancelOnWrite cancels a context at the first write: a run interrupted at
// its first warning.
type cancelOnWrite struct {
	bytes.Buffer
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.Buffer.Write(p)
}

// TestGateInterruptedWithKeys: a gate interrupted after finding blocking
// keys exits 1, as scan does: what was found still leaks.
func TestGateInterruptedWithKeys(t *testing.T) {
	spool, to, _ := gateDirs(t, planted)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &cancelOnWrite{cancel: cancel}
	var stdout bytes.Buffer
	code := Run(ctx, []string{"gate", "-q", "--to", to, filepath.Join(spool, "planted.bin"), filepath.Join(spool, "missing"), filepath.Join(spool, "planted.bin")}, strings.NewReader(""), &stdout, stderr)
	if code != ExitFindings || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit status %d, want %d; stderr:\n%s", code, ExitFindings, stderr.String())
	}
}

// TestGateFinishesQuarantine: a run killed between the quarantine's hard
// link and the source's removal leaves one file under two names; the next
// run finishes the move instead of failing with "is the source itself".
func TestGateFinishesQuarantine(t *testing.T) {
	spool, to, q := gateDirs(t, planted)
	src := filepath.Join(spool, "planted.bin")
	if err := os.Link(src, filepath.Join(q, "planted.bin")); err != nil {
		t.Skip(err)
	}
	code, _, stderr := run(t, "", "gate", "-q", "--to", to, "--quarantine", q, spool)
	if code != ExitFindings || strings.Contains(stderr, "source itself") {
		t.Fatalf("exit status %d, want %d; stderr:\n%s", code, ExitFindings, stderr)
	}
	if _, err := os.Stat(src); err == nil {
		t.Error("the source is still in the spool")
	}
	if fileSum(t, filepath.Join(q, "planted.bin")) != fileSum(t, planted) {
		t.Error("the quarantined dump lost its bytes")
	}
	if _, err := os.Stat(filepath.Join(q, "planted.bin.dumpguard.json")); err != nil {
		t.Errorf("no report beside the quarantined dump: %v", err)
	}
}
