package cmd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/exp/mmap"

	"dumpguard/scanner"
)

// gateFlags are the flags of `dumpguard gate`.
type gateFlags struct {
	scanFlags
	to         string
	quarantine string
	keep       bool
	move       bool
	overwrite  bool
}

func newGateCmd(s stdio) *cobra.Command {
	var f gateFlags
	c := &cobra.Command{
		Use:   "gate --to DIR [--quarantine QDIR] [flags] PATH...",
		Short: "Release only clean dumps to a directory; quarantine the rest",
		Long: `Scan each dump and, only when nothing in it blocks, copy it into DIR. The copy
is written to a hidden temporary file in DIR, synced, checked against the hash
of the bytes that were scanned, and renamed into place, so a reader of DIR never
sees a partial file or a dump that was not scanned.

A blocked dump is never written to DIR. With --quarantine it is moved (or, with
--keep, copied) to QDIR beside a JSON report, QDIR/NAME.dumpguard.json. A dump
that could not be scanned completely stays where it is. With --move a released
dump's source is removed once its copy is durable. No dump is ever lost: a
source is removed only after its destination has been synced.

Directories are gated file by file; a compressed file or archive is released
or quarantined whole.

Exit status: 0 nothing blocks, 1 blocking keys found, 2 usage error, an input
that could not be scanned completely, or a dump that could not be released or
quarantined.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f.changed = c.Flags().Changed
			return f.run(c.Context(), s, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.to, "to", "", "release clean dumps into `DIR` (required; must exist)")
	fl.StringVar(&f.quarantine, "quarantine", "", "move blocked dumps into `QDIR` (must exist), each beside its report")
	fl.BoolVar(&f.keep, "keep", false, "copy blocked dumps to the quarantine instead of moving them")
	fl.BoolVar(&f.move, "move", false, "remove a released dump's source once its copy is durable")
	fl.BoolVar(&f.overwrite, "overwrite", false, "replace a file of the same name and different content in DIR or QDIR")
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text, json or sarif")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `FILE` (atomically) instead of standard output")
	f.registerDetect(c)
	return c
}

// A gateAction is what gate did with one input.
type gateAction struct {
	Path   string `json:"path"`
	Action string `json:"action"` // released, quarantined, blocked, error
	Dest   string `json:"dest,omitempty"`
	SHA256 string `json:"sha256,omitempty"` // of the file as scanned
	// Removed is set when the source is gone: moved to quarantine, or released with --move.
	Removed bool   `json:"source_removed,omitempty"`
	Error   string `json:"error,omitempty"`
}

// A gateReport is a scan report with what gate did.
type gateReport struct {
	*scanner.Report
	Actions []gateAction `json:"actions"`
}

// errGate marks failures to release or quarantine; the details were reported.
var errGate = errors.New("some dumps could not be released or quarantined")

func (f *gateFlags) run(ctx context.Context, s stdio, args []string) error {
	st, err := f.setup(s)
	if err != nil {
		return err
	}
	if f.format != "text" && f.format != "json" && f.format != "sarif" {
		return fmt.Errorf("--format %q: want text, json or sarif", f.format)
	}
	if f.to == "" {
		return errors.New("--to DIR is required")
	}
	if f.keep && f.quarantine == "" {
		return errors.New("--keep needs --quarantine")
	}
	for _, d := range []string{f.to, f.quarantine} {
		if d == "" {
			continue
		}
		if err := checkDir(d); err != nil {
			return err
		}
		cleanStale(d, time.Now(), st.warn)
	}
	if f.quarantine != "" {
		a, _ := os.Stat(f.to)
		b, _ := os.Stat(f.quarantine)
		if os.SameFile(a, b) {
			return errors.New("--to and --quarantine must be different directories")
		}
	}
	var inputs []input
	var total int64
	named := map[string]bool{}
	for _, a := range args {
		named[a] = true
	}
	warnList := func(msg string) {
		st.warn(strings.Replace(msg, "symbolic link not followed (use --follow-symlinks)", "symbolic link skipped: gate moves files, not links", 1))
	}
	for _, in := range listInputs(args, false, warnList) {
		if in.path == "-" {
			return errors.New("gate reads files, not standard input")
		}
		if strings.HasPrefix(filepath.Base(in.path), ".") && !named[in.path] {
			continue // hidden: a file still being written (".#core…", our ".NAME.tmp-1"), or not a dump
		}
		inputs = append(inputs, in)
		total += max(in.size, 0)
	}
	out, commit, abort, err := reportWriter(s.out, f.output)
	if err != nil {
		return err
	}
	defer abort()

	bar := newProgress(s.err, total, len(inputs), f.quiet)
	opt := st.fileOptions(bar.add)
	pool := scanner.NewPool(f.workers)
	defer pool.Close()
	var files []scanner.FileReport
	var actions []gateAction
	failed := false
	for _, in := range inputs {
		frs, act := f.gateOne(ctx, pool, in, opt, st)
		bar.fileDone()
		for _, fr := range frs {
			for _, e := range fr.Errors {
				st.warn(fmt.Sprintf("%s: %s", displayName(fr), e))
			}
			if fr.Partial && !f.allowPartial {
				st.warn(fmt.Sprintf("%s: %d bytes of memory missing from the dump (truncated?); use --allow-partial to accept", displayName(fr), fr.MissingBytes))
			}
		}
		if act.Error != "" {
			st.warn(fmt.Sprintf("%s: %s", in.path, act.Error))
			failed = true
		}
		files = append(files, frs...)
		actions = append(actions, act)
		if ctx.Err() != nil {
			break
		}
	}
	bar.finish()
	if files == nil {
		files = []scanner.FileReport{}
	}
	if actions == nil {
		actions = []gateAction{}
	}
	rep := gateReport{&scanner.Report{Version: scanner.ReportVersion, Files: files, Summary: scanner.Summarize(files, st.policy, f.allowPartial)}, actions}
	rep.Summary.ProtectedKeys = protectedSummary(st.protected, files)
	rep.Summary.InputBytes = total
	switch f.format {
	case "json":
		err = writeIndented(out, rep)
	case "sarif":
		err = writeSARIF(out, rep.Report, st.policy)
	default:
		err = writeText(out, rep.Report, st.policy)
		for _, a := range actions {
			fmt.Fprintf(out, "%s\n", a.line())
		}
	}
	if err != nil {
		return err
	}
	if err := commit(); err != nil {
		return err
	}
	switch {
	case ctx.Err() != nil:
		return errors.New("interrupted: the report covers only what was scanned before")
	case rep.Summary.Verdict == "blocked":
		return errFound
	case rep.Summary.Verdict == "error":
		return errIncomplete
	case failed:
		return errGate
	}
	return nil
}

// line is the text form of an action: "released\tSRC\tDEST".
func (a gateAction) line() string {
	parts := []string{a.Action, a.Path}
	if a.Dest != "" {
		parts = append(parts, a.Dest)
	}
	if a.Error != "" {
		parts = append(parts, a.Error)
	}
	return strings.Join(parts, "\t")
}

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// gateOne scans one input and releases or quarantines it.
func (f *gateFlags) gateOne(ctx context.Context, pool *scanner.Pool, in input, opt *scanner.FileOptions, st *scanSetup) ([]scanner.FileReport, gateAction) {
	act := gateAction{Path: in.path, Action: "error"}
	fail := func(err error) ([]scanner.FileReport, gateAction) {
		act.Error = err.Error()
		return []scanner.FileReport{{Path: in.path, Format: "raw", Errors: []string{err.Error()}, Findings: []scanner.Finding{}}}, act
	}
	if in.err != nil {
		return fail(in.err)
	}
	info, err := os.Lstat(in.path)
	switch {
	case err != nil:
		return fail(err)
	case info.Mode()&fs.ModeSymlink != 0:
		return fail(errors.New("a symbolic link: name the file itself"))
	case !info.Mode().IsRegular():
		return fail(errors.New("not a regular file"))
	}

	// Scan the mapped file while hashing the same mapping, so that the copy
	// can be checked against the bytes that were scanned.
	m, err := mmap.Open(in.path)
	if err != nil {
		return fail(err)
	}
	type hashed struct {
		sum [32]byte
		err error
	}
	hc := make(chan hashed, 1)
	go func() {
		sum, err := hashMapped(m, int64(m.Len()))
		hc <- hashed{sum, err}
	}()
	frs := pool.ScanAt(ctx, in.path, m, int64(m.Len()), opt)
	h := <-hc
	size := int64(m.Len())
	m.Close()
	if h.err != nil {
		act.Error = fmt.Sprintf("hashing: %v", h.err)
		return frs, act
	}
	act.SHA256 = hex.EncodeToString(h.sum[:])
	src := source{path: in.path, size: size, sum: h.sum, info: info}

	blocked, incomplete := false, false
	for i := range frs {
		fr := &frs[i]
		incomplete = incomplete || fr.Failed(f.allowPartial)
		for j := range fr.Findings {
			blocked = blocked || st.policy.Blocks(&fr.Findings[j])
		}
	}
	switch {
	case blocked:
		act.Action = "blocked"
		if f.quarantine == "" {
			return frs, act
		}
		files := append([]scanner.FileReport(nil), frs...)
		dest := filepath.Join(f.quarantine, filepath.Base(src.path))
		rep := gateReport{&scanner.Report{Version: scanner.ReportVersion, Files: files, Summary: scanner.Summarize(files, st.policy, f.allowPartial)},
			[]gateAction{{Path: in.path, Action: "quarantined", Dest: dest, SHA256: act.SHA256, Removed: !f.keep}}}
		removed, err := f.quarantineOne(src, dest, rep)
		act.Removed = removed
		if err != nil {
			act.Error = fmt.Sprintf("quarantine: %v", err)
			return frs, act
		}
		act.Action, act.Dest = "quarantined", dest
	case incomplete:
		act.Action = "error"
		act.Error = "not released: the dump could not be scanned completely"
	default:
		dest, err := f.release(src)
		if err != nil {
			act.Error = fmt.Sprintf("release: %v", err)
			return frs, act
		}
		act.Action, act.Dest = "released", dest
		if f.move {
			testPause(ctx, "before-remove")
			if err := os.Remove(src.path); err != nil {
				act.Error = fmt.Sprintf("released, but the source could not be removed: %v", err)
				return frs, act
			}
			syncDir(filepath.Dir(src.path))
			act.Removed = true
		}
	}
	return frs, act
}

// A source is a dump as it was scanned.
type source struct {
	path string
	size int64
	sum  [32]byte // SHA-256 of the bytes scanned
	info fs.FileInfo
}

// release copies a clean dump into the release directory; it returns the
// destination. A file of the same name and content there already is success.
func (f *gateFlags) release(src source) (string, error) {
	dest := filepath.Join(f.to, filepath.Base(src.path))
	if done, err := sameFile(dest, src, f.overwrite); done || err != nil {
		return dest, err
	}
	tmp, err := copyVerified(src, f.to)
	if err != nil {
		return dest, err
	}
	defer os.Remove(tmp) // gone after a rename; the second name after a link
	testPause(context.Background(), "before-rename")
	if err := place(tmp, dest, src, f.overwrite); err != nil {
		return dest, err
	}
	syncDir(f.to)
	return dest, nil
}

// quarantineOne writes the report, then moves (or copies) the dump beside it.
// It reports whether the source is gone.
func (f *gateFlags) quarantineOne(src source, dest string, rep gateReport) (removed bool, err error) {
	done, err := sameFile(dest, src, f.overwrite)
	if err != nil {
		return false, err
	}
	w, err := createAtomic(dest + ".dumpguard.json")
	if err != nil {
		return false, err
	}
	defer w.abort()
	if err := writeIndented(w, rep); err != nil {
		return false, err
	}
	if err := w.commit(); err != nil {
		return false, err
	}
	placed := done
	defer func() {
		if !placed { // no report without its dump
			os.Remove(dest + ".dumpguard.json")
		}
	}()
	if !done {
		moved := false
		if !f.keep {
			// Same filesystem: a second name for the same file, then drop the first.
			switch err := place(src.path, dest, src, f.overwrite); {
			case err == nil:
				moved = true
			case errors.Is(err, fs.ErrExist):
				return false, err
			}
		}
		if !moved {
			tmp, err := copyVerified(src, f.quarantine)
			if err != nil {
				return false, err
			}
			defer os.Remove(tmp)
			if err := place(tmp, dest, src, f.overwrite); err != nil {
				return false, err
			}
		}
		syncDir(f.quarantine)
		placed = true
	}
	if f.keep {
		return false, nil
	}
	if err := os.Remove(src.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("quarantined, but the source could not be removed: %v", err)
	}
	syncDir(filepath.Dir(src.path))
	return true, nil
}

// sameFile reports whether dest already holds src's bytes (then synced, so it
// is as durable as a fresh copy). A different file there is an error unless
// overwrite.
func sameFile(dest string, src source, overwrite bool) (bool, error) {
	st, err := os.Lstat(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if os.SameFile(st, src.info) {
		return false, fmt.Errorf("%s is the source itself", dest)
	}
	if st.Mode().IsRegular() && st.Size() == src.size {
		if sum, err := hashFile(dest, true); err == nil && sum == src.sum {
			return true, nil
		}
	}
	if overwrite && st.Mode().IsRegular() {
		return false, nil
	}
	return false, fmt.Errorf("%s exists with different content (use --overwrite to replace it)", dest)
}

// copyVerified copies src into a hidden temporary file in dir, syncs it and
// checks that both the bytes read and the bytes written hash to what was
// scanned. It returns the temporary file's name.
func copyVerified(src source, dir string) (tmp string, err error) {
	in, err := os.Open(src.path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, "."+filepath.Base(src.path)+".tmp-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(out, io.TeeReader(in, h))
	if err != nil {
		return "", err
	}
	if n != src.size || [32]byte(h.Sum(nil)) != src.sum {
		return "", errors.New("the dump changed while it was being gated; not copied")
	}
	if err := out.Chmod(src.info.Mode().Perm()); err != nil {
		return "", err
	}
	if err := out.Sync(); err != nil {
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	os.Chtimes(out.Name(), time.Time{}, src.info.ModTime())
	// Read the copy back: what lands is byte for byte what was scanned.
	sum, err := hashFile(out.Name(), false)
	if err != nil {
		return "", err
	}
	if sum != src.sum {
		return "", fmt.Errorf("the copy in %s differs from the dump scanned", dir)
	}
	return out.Name(), nil
}

// place gives from the name to: a rename when overwriting, else a hard link
// that fails if to exists (from then keeps its name too), or, where links are
// not supported, a check and a rename.
func place(from, to string, src source, overwrite bool) error {
	if overwrite {
		return os.Rename(from, to)
	}
	err := os.Link(from, to)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, err := os.Lstat(to); err == nil {
		return fmt.Errorf("%s: %w", to, fs.ErrExist)
	}
	return os.Rename(from, to)
}

// hashFile returns the SHA-256 of a file; sync first flushes it to disk.
func hashFile(name string, sync bool) ([32]byte, error) {
	var sum [32]byte
	fh, err := os.Open(name)
	if err != nil {
		return sum, err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return sum, err
	}
	if sync {
		if err := fh.Sync(); err != nil {
			// Windows flushes only through a handle that may write
			// (FlushFileBuffers: ERROR_ACCESS_DENIED on a read-only one).
			w, werr := os.OpenFile(name, os.O_WRONLY, 0)
			if werr != nil {
				return sum, err
			}
			err = w.Sync()
			w.Close()
			if err != nil {
				return sum, err
			}
		}
	}
	h.Sum(sum[:0])
	return sum, nil
}

// hashMapped hashes a mapped file; a file that shrinks under the mapping is
// an error, not a crash.
func hashMapped(r io.ReaderAt, size int64) (sum [32]byte, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			err = errors.New("the file shrank while it was read")
		}
	}()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return sum, err
	}
	h.Sum(sum[:0])
	return sum, nil
}

// checkDir reports a destination that is not a directory.
func checkDir(d string) error {
	st, err := os.Stat(d)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: not a directory", d)
	}
	return nil
}

// staleAfter is how old a temporary file must be before gate takes it for
// the leftover of a run that was killed, and removes it.
const staleAfter = time.Hour

// cleanStale removes the temporary files of killed runs from dir. Files of a
// run still going are younger: a copy in progress keeps its file's time fresh.
func cleanStale(dir string, now time.Time, warn func(string)) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !isTemp(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < staleAfter {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if os.Remove(p) == nil {
			warn(fmt.Sprintf("%s: removed a temporary file left by an interrupted run", p))
		}
	}
}

// isTemp reports whether name is one of our temporary files: ".NAME.tmp-123".
func isTemp(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 1 {
		return false
	}
	for _, c := range name[i+len(".tmp-"):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(name) > i+len(".tmp-")
}

// testPause stops at a named point when DUMPGUARD_TEST_PAUSE names it, so
// that tests can kill the process there. It is for tests only.
func testPause(ctx context.Context, point string) {
	if os.Getenv("DUMPGUARD_TEST_PAUSE") != point {
		return
	}
	fmt.Fprintf(os.Stderr, "dumpguard: test: paused %s\n", point)
	select {
	case <-ctx.Done():
	case <-time.After(time.Minute):
	}
}
