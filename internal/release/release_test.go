package release_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"dumpguard/internal/release"
)

// TestMain lets a test run one gate transaction in a child process that
// stops at a stage, so that the test can kill it there with SIGKILL.
func TestMain(m *testing.M) {
	if stage := os.Getenv("RELEASE_TEST_PAUSE"); stage != "" {
		os.Exit(child(stage, os.Args[len(os.Args)-4:]))
	}
	os.Exit(m.Run())
}

// child gates src (args: to, quarantine or "-", "release" or "quarantine", src)
// with --move, pausing at stage.
func child(stage string, args []string) int {
	release.SetHook(func(s string) {
		if s == stage {
			fmt.Fprintf(os.Stderr, "paused %s\n", s)
			time.Sleep(time.Minute)
		}
	})
	g := release.Gate{To: args[0], Move: true}
	if args[1] != "-" {
		g.Quarantine = args[1]
	}
	gt, err := release.New(g, func(string) {})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	d, err := gt.Stage(args[3])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if args[2] == "quarantine" {
		_, _, err = d.Quarantine(func(w io.Writer) error { _, err := io.WriteString(w, "{}\n"); return err })
	} else {
		_, _, err = d.Release()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// startPaused runs a transaction in a child process that stops at stage,
// and waits until it has.
func startPaused(t *testing.T, stage string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$"}, args...)...)
	cmd.Env = append(os.Environ(), "RELEASE_TEST_PAUSE="+stage)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	paused := make(chan string, 1)
	go func() {
		var all strings.Builder
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
			if sc.Text() == "paused "+stage {
				paused <- ""
			}
		}
		paused <- all.String()
	}()
	select {
	case out := <-paused:
		if out != "" {
			cmd.Wait()
			t.Fatalf("the child ended before pausing at %s:\n%s", stage, out)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the child did not pause at %s", stage)
	}
	return cmd
}

func dirs(t *testing.T) (spool, to, q string) {
	t.Helper()
	root := t.TempDir()
	spool, to, q = filepath.Join(root, "spool"), filepath.Join(root, "out"), filepath.Join(root, "quarantine")
	for _, d := range []string{spool, to, q} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return spool, to, q
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func names(t *testing.T, dir string, hidden bool) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	out := []string{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") == hidden {
			out = append(out, e.Name())
		}
	}
	return out
}

// dirty is what a fake scan blocks on.
const dirty = "PRIVATE KEY"

// scan is a fake scanner: it reads the staged copy and blocks on dirty.
func scan(t *testing.T, d *release.Dump) bool {
	t.Helper()
	b, err := io.ReadAll(io.NewSectionReader(d, 0, d.Size))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(b, []byte(dirty))
}

// TestChangedDuringGate changes the source in place at each stage after it
// was copied: what is released is always exactly the bytes scanned, never
// the new ones, and the changed source is not removed by --move.
func TestChangedDuringGate(t *testing.T) {
	for _, stage := range []string{"staged", "before-rename", "before-remove"} {
		t.Run(stage, func(t *testing.T) {
			spool, to, _ := dirs(t)
			src := filepath.Join(spool, "core")
			write(t, src, "a clean dump, as scanned")
			defer release.SetHook(func(s string) {
				if s == stage { // the crashing process is still writing its dump
					f, _ := os.OpenFile(src, os.O_WRONLY, 0)
					f.WriteAt([]byte(dirty+" MATERIAL"), 2)
					f.Close()
					future := time.Now().Add(time.Minute)
					os.Chtimes(src, future, future)
				}
			})()
			g, err := release.New(release.Gate{To: to, Move: true}, func(s string) { t.Log(s) })
			if err != nil {
				t.Fatal(err)
			}
			d, err := g.Stage(src)
			if err != nil {
				t.Fatal(err)
			}
			if scan(t, d) {
				t.Fatal("the copy scanned dirty")
			}
			dest, removed, err := d.Release()
			if got := read(t, dest); got != "a clean dump, as scanned" {
				t.Errorf("released %q, not what was scanned", got)
			}
			if sha256.Sum256([]byte(read(t, dest))) != d.Sum {
				t.Errorf("released bytes do not hash to the dump's Sum")
			}
			if removed || err == nil || !strings.Contains(err.Error(), "changed") {
				t.Errorf("removed=%v err=%v; want the changed source kept, with an error", removed, err)
			}
			if !strings.Contains(read(t, src), dirty) {
				t.Errorf("the changed source was lost")
			}
			if h := names(t, to, true); len(h) > 0 {
				t.Errorf("temporary files left: %v", h)
			}
		})
	}
}

// TestSameName: two inputs of one run with one base name (a/core, b/core)
// never share a destination, even with Overwrite: the second is refused and
// stays where it was.
func TestSameName(t *testing.T) {
	spool, to, q := dirs(t)
	for _, p := range []string{"a/core", "b/core", "a/bad", "b/bad"} {
		write(t, filepath.Join(spool, p), p)
	}
	g, err := release.New(release.Gate{To: to, Quarantine: q, Move: true, Overwrite: true}, func(s string) { t.Log(s) })
	if err != nil {
		t.Fatal(err)
	}
	report := func(w io.Writer) error { _, err := io.WriteString(w, "{}"); return err }
	for _, p := range []string{"a/core", "b/core", "a/bad", "b/bad"} {
		src := filepath.Join(spool, p)
		d, err := g.Stage(src)
		if strings.HasPrefix(p, "b/") {
			if err == nil || !strings.Contains(err.Error(), "same name") {
				t.Errorf("%s: Stage error %v, want a refusal", p, err)
			}
			if read(t, src) != p {
				t.Errorf("%s: source lost", p)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if strings.HasSuffix(p, "bad") {
			_, _, err = d.Quarantine(report)
		} else {
			_, _, err = d.Release()
		}
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if got := read(t, filepath.Join(to, "core")); got != "a/core" {
		t.Errorf("DIR/core = %q", got)
	}
	if got := read(t, filepath.Join(q, "bad")); got != "a/bad" {
		t.Errorf("QDIR/bad = %q", got)
	}
	// Staging the same path twice is not a clash.
	d, err := g.Stage(filepath.Join(spool, "b/core"))
	if err == nil {
		d.Drop()
	}
}

// TestKilled kills a transaction with SIGKILL at its most delicate moments:
// a reader of DIR never sees a partial file, the dump is never lost, and the
// next run finishes the job and removes what the killed one left.
func TestKilled(t *testing.T) {
	tests := []struct {
		stage, action string
	}{
		{"staged", "release"},
		{"before-rename", "release"},
		{"before-remove", "release"},
		{"staged", "quarantine"},
		{"quarantine-linked", "quarantine"},
	}
	for _, tt := range tests {
		t.Run(tt.action+"/"+tt.stage, func(t *testing.T) {
			spool, to, q := dirs(t)
			src := filepath.Join(spool, "big.core")
			f, err := os.Create(src)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("a large, mostly sparse dump")
			f.Truncate(8 << 20)
			f.WriteAt([]byte("the end"), 8<<20-7)
			f.Close()
			want := read(t, src)
			home := to
			if tt.action == "quarantine" {
				home = q
			}

			cmd := startPaused(t, tt.stage, to, q, tt.action, src)
			cmd.Process.Kill()
			cmd.Wait()

			if read(t, src) != want {
				t.Fatal("the source changed or was lost")
			}
			got := names(t, home, false)
			switch tt.stage {
			case "staged", "before-rename":
				if len(got) > 0 {
					t.Fatalf("%s shows %v before the rename", home, got)
				}
				h := names(t, to, true)
				if len(h) != 1 || !release.IsTemp(h[0]) {
					t.Fatalf("DIR hides %v, want one temporary file", h)
				}
				// Age the leftover so that the next run takes it for stale.
				old := time.Now().Add(-2 * release.StaleAfter)
				os.Chtimes(filepath.Join(to, h[0]), old, old)
			default:
				if !slices.Contains(got, "big.core") || read(t, filepath.Join(home, "big.core")) != want {
					t.Fatalf("%s holds %v, want the whole dump", home, got)
				}
			}

			var warned []string
			g, err := release.New(release.Gate{To: to, Quarantine: q, Move: true}, func(s string) { warned = append(warned, s) })
			if err != nil {
				t.Fatal(err)
			}
			d, err := g.Stage(src)
			if err != nil {
				t.Fatal(err)
			}
			var removed bool
			if tt.action == "quarantine" {
				_, removed, err = d.Quarantine(func(w io.Writer) error { _, err := io.WriteString(w, "{}"); return err })
			} else {
				_, removed, err = d.Release()
			}
			if err != nil || !removed {
				t.Fatalf("second run: removed=%v, err=%v", removed, err)
			}
			if read(t, filepath.Join(home, "big.core")) != want {
				t.Errorf("after the second run %s does not hold the dump", home)
			}
			for _, dir := range []string{to, q} {
				if h := names(t, dir, true); len(h) > 0 {
					t.Errorf("temporary files left in %s: %v", dir, h)
				}
			}
			if _, err := os.Stat(src); err == nil {
				t.Errorf("the source is still in the spool")
			}
		})
	}
}

func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	old := now.Add(-2 * release.StaleAfter)
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
		{".report.json.tmp-42", old, true},       // Create's
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
	release.CleanStale(dir, now, func(s string) { warned = append(warned, s) })
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

// TestAtomic: an aborted File leaves nothing; a committed one replaces the
// destination whole.
func TestAtomic(t *testing.T) {
	dir := t.TempDir()
	dest := filepath.Join(dir, "report.json")
	write(t, dest, "old")
	f, err := release.Create(dest)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, "new")
	f.Abort()
	if read(t, dest) != "old" || len(names(t, dir, true)) > 0 {
		t.Fatalf("abort: %q, hidden %v", read(t, dest), names(t, dir, true))
	}
	f, _ = release.Create(dest)
	io.WriteString(f, "new")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // after Commit: nothing
	if read(t, dest) != "new" || len(names(t, dir, true)) > 0 {
		t.Fatalf("commit: %q, hidden %v", read(t, dest), names(t, dir, true))
	}
}

// TestInUse: a dump that another program holds open (Windows: a sharing
// violation on open or remove; here the same path through an errno the
// test chooses) stays where it is, with an error that says why.
func TestInUse(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root opens and removes anything")
	}
	defer release.SetInUseErrnos(syscall.EACCES)()
	spool, to := t.TempDir(), t.TempDir()
	src := filepath.Join(spool, "app.dmp")
	if err := os.WriteFile(src, []byte("MDMP dump being written"), 0o000); err != nil {
		t.Fatal(err)
	}
	g, err := release.New(release.Gate{To: to, Move: true}, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Stage(src)
	if !errors.Is(err, release.ErrInUse) || !strings.Contains(err.Error(), "left where it is for the next run") {
		t.Errorf("Stage of a file in use: %v, want ErrInUse", err)
	}
	if entries, _ := os.ReadDir(to); len(entries) != 0 {
		t.Errorf("release directory holds %v after a failed stage", entries)
	}
	if _, err := os.Stat(src); err != nil {
		t.Errorf("source gone: %v", err)
	}

	// Released, but the source cannot be removed: it stays, and says why.
	os.Chmod(src, 0o644)
	os.Chmod(spool, 0o555)
	defer os.Chmod(spool, 0o755)
	d, err := g.Stage(src)
	if err != nil {
		t.Fatal(err)
	}
	dest, removed, err := d.Release()
	if !errors.Is(err, release.ErrSourceKept) || !strings.Contains(err.Error(), "still open by another program") || removed {
		t.Errorf("Release with the source in use: removed %v, %v; want ErrSourceKept saying it is in use", removed, err)
	}
	if b, rerr := os.ReadFile(dest); rerr != nil || string(b) != "MDMP dump being written" {
		t.Errorf("released copy: %q, %v", b, rerr)
	}
	if _, err := os.Stat(src); err != nil {
		t.Errorf("source gone: %v", err)
	}
}

// TestNoSharingViolationByDefault: elsewhere than Windows no errno means
// "in use", so a permission error stays a permission error.
func TestNoSharingViolationByDefault(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("Windows maps sharing violations; root reads anything")
	}
	src := filepath.Join(t.TempDir(), "app.dmp")
	os.WriteFile(src, []byte("x"), 0o000)
	g, err := release.New(release.Gate{To: t.TempDir()}, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Stage(src); err == nil || errors.Is(err, release.ErrInUse) || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Stage of an unreadable file: %v, want a permission error", err)
	}
}

// TestInUseMapping: the errors of a file in use, and only those, become
// ErrInUse, naming the cause; on Windows, a sharing violation is one.
func TestInUseMapping(t *testing.T) {
	open := func(errno syscall.Errno) error {
		return &fs.PathError{Op: "open", Path: `C:\dumps\app.dmp`, Err: errno}
	}
	if runtime.GOOS == "windows" {
		if err := release.InUse(open(32)); !errors.Is(err, release.ErrInUse) {
			t.Errorf("InUse(ERROR_SHARING_VIOLATION) = %v, want ErrInUse", err)
		}
	}
	if err := release.InUse(open(syscall.EACCES)); errors.Is(err, release.ErrInUse) || !errors.Is(err, syscall.EACCES) {
		t.Errorf("InUse(EACCES) = %v, want it unchanged", err)
	}
	defer release.SetInUseErrnos(syscall.EBUSY)()
	err := release.InUse(open(syscall.EBUSY))
	if !errors.Is(err, release.ErrInUse) || !strings.Contains(err.Error(), "left where it is for the next run") || strings.Contains(err.Error(), `C:\dumps`) {
		t.Errorf("InUse(in use) = %v, want ErrInUse, its cause, and no path (the caller names it)", err)
	}
	if err := release.InUse(open(syscall.ENOENT)); errors.Is(err, release.ErrInUse) {
		t.Errorf("InUse(ENOENT) = %v, want it unchanged", err)
	}
}
