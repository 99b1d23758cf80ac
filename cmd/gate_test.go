package cmd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test run the real command line in a child process (to kill
// it): the test binary runs Run when DUMPGUARD_TEST_MAIN is set.
func TestMain(m *testing.M) {
	if os.Getenv("DUMPGUARD_TEST_MAIN") == "1" {
		os.Exit(Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

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
	pemHeap    = "../testdata/dumps/linux/pem-heap.core.zst"
	cleanCore  = "../testdata/dumps/linux/clean-cert-only.core.zst"
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
		Summary struct{ Verdict string }
		Actions []gateAction
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
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

// startPaused runs gate in a child process that stops at point, and waits
// until it has.
func startPaused(t *testing.T, point string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "DUMPGUARD_TEST_MAIN=1", "DUMPGUARD_TEST_PAUSE="+point)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	paused := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "paused "+point) {
				paused <- true
			}
		}
		paused <- false
	}()
	select {
	case ok := <-paused:
		if !ok {
			cmd.Wait()
			t.Fatalf("gate ended before pausing at %s", point)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("gate did not pause at %s", point)
	}
	return cmd
}

// TestGateKilled kills gate with SIGKILL at its most delicate moments: a
// reader of DIR never sees a partial file, the dump is never lost, and the
// next run finishes the job and removes what the killed one left.
func TestGateKilled(t *testing.T) {
	for _, point := range []string{"before-rename", "before-remove"} {
		t.Run(point, func(t *testing.T) {
			spool, to, _ := gateDirs(t)
			big := filepath.Join(spool, "big.core")
			f, err := os.Create(big)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("a large, mostly sparse dump")
			f.Truncate(8 << 20)
			f.WriteAt([]byte("the end"), 8<<20-7)
			f.Close()
			sum := fileSum(t, big)

			cmd := startPaused(t, point, "gate", "-q", "--move", "--to", to, big)
			cmd.Process.Kill()
			cmd.Wait()

			if fileSum(t, big) != sum {
				t.Fatal("the source changed or was lost")
			}
			switch got := visible(t, to); point {
			case "before-rename":
				if len(got) > 0 {
					t.Fatalf("DIR shows %v before the rename", got)
				}
				if h := hidden(t, to); len(h) != 1 || !isTemp(h[0]) {
					t.Fatalf("DIR hides %v, want one temporary file", h)
				}
				// Age the leftover so that the next run takes it for stale.
				old := time.Now().Add(-2 * staleAfter)
				os.Chtimes(filepath.Join(to, hidden(t, to)[0]), old, old)
			case "before-remove":
				if !slices.Equal(got, []string{"big.core"}) || fileSum(t, filepath.Join(to, "big.core")) != sum {
					t.Fatalf("DIR holds %v, want the whole dump", got)
				}
			}

			code, _, stderr := run(t, "", "gate", "-q", "--move", "--to", to, big)
			if code != ExitClean {
				t.Fatalf("second run: exit status %d; stderr:\n%s", code, stderr)
			}
			if got := visible(t, to); !slices.Equal(got, []string{"big.core"}) || fileSum(t, filepath.Join(to, "big.core")) != sum {
				t.Errorf("after the second run DIR holds %v", got)
			}
			if h := hidden(t, to); len(h) > 0 {
				t.Errorf("temporary files left: %v", h)
			}
			if _, err := os.Stat(big); err == nil {
				t.Errorf("--move left the source")
			}
		})
	}
}

func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	old := now.Add(-2 * staleAfter)
	files := []struct {
		name     string
		mtime    time.Time
		wantGone bool
	}{
		{".core.1.tmp-123456", old, true},
		{".core.2.tmp-654321", now, false},       // a run still going
		{".core.3.tmp-abc", old, false},          // not ours
		{"core.4.tmp-123", old, false},           // not hidden: not ours
		{".#core.5.deadbeef", old, false},        // systemd-coredump's own temporary file
		{"report.json.tmp-1", old, false},        // not hidden
		{".report.json.tmp-42", old, true},       // createAtomic's
		{".report.json.tmp-", old, false},        // no number
		{".tmp-7", old, false},                   // no name
		{".core.6.tmp-77.dumpguard", old, false}, // something else
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		os.WriteFile(p, []byte("x"), 0o644)
		os.Chtimes(p, f.mtime, f.mtime)
	}
	var warned []string
	cleanStale(dir, now, func(s string) { warned = append(warned, s) })
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		if gone := err != nil; gone != f.wantGone {
			t.Errorf("%s: removed = %v, want %v", f.name, gone, f.wantGone)
		}
	}
	if len(warned) != 2 {
		t.Errorf("warnings %q, want 2", warned)
	}
}
