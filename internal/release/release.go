// Package release is the gate's transaction on disk: it copies a dump into a
// hidden temporary file of the release directory (the bytes that are then
// scanned), and releases exactly that copy by a synced link or rename,
// quarantines the source beside its report, or drops the copy; it removes a
// source only once its destination is durable, finishes what a killed run
// left, and writes every output atomically. It knows nothing of keys or
// reports: the caller scans the copy and decides. It imports nothing from
// this module.
package release

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// hook, when set by a test, is called at each stage of the transaction, so
// that the test can change a file or kill the process at the worst moment.
var hook func(stage string)

func at(stage string) {
	if hook != nil {
		hook(stage)
	}
}

// ErrInUse is wrapped by the error of a dump that another program still
// holds open (Windows: a sharing violation): it stays where it is, and the
// next run gates it.
var ErrInUse = errors.New("still open by another program (its writer?); left where it is for the next run")

// inUse maps the error of opening, renaming or removing a file another
// program holds open to one wrapping [ErrInUse].
func inUse(err error) error {
	for _, e := range inUseErrnos {
		if errors.Is(err, e) {
			return fmt.Errorf("%w (%v)", ErrInUse, Cause(err))
		}
	}
	return err
}

// ErrSourceKept is wrapped by the error of a Release that put the dump in
// place but did not remove its source.
var ErrSourceKept = errors.New("the source was not removed")

// A Gate releases clean dumps into To and quarantines blocked ones into
// Quarantine.
type Gate struct {
	To         string // release directory
	Quarantine string // "" leaves blocked dumps where they are
	Keep       bool   // copy blocked dumps to the quarantine instead of moving them
	Move       bool   // remove a released dump's source once its copy is durable
	Overwrite  bool   // replace a different file of the same name

	names map[string]string // destination name → the input that took it in this run
}

// New checks the directories of g and removes the temporary files that
// killed runs left in them (reported through warn).
func New(g Gate, warn func(string)) (*Gate, error) {
	if g.To == "" {
		return nil, errors.New("--to DIR is required")
	}
	if g.Keep && g.Quarantine == "" {
		return nil, errors.New("--keep needs --quarantine")
	}
	for _, d := range []struct{ flag, dir string }{{"--to", g.To}, {"--quarantine", g.Quarantine}} {
		if d.dir == "" {
			continue
		}
		st, err := os.Stat(d.dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s %s: directory does not exist (create it first)", d.flag, d.dir)
		case err != nil:
			return nil, fmt.Errorf("%s %s: %v", d.flag, d.dir, Cause(err))
		case !st.IsDir():
			return nil, fmt.Errorf("%s %s: not a directory", d.flag, d.dir)
		}
	}
	if g.Quarantine != "" {
		a, _ := os.Stat(g.To)
		b, _ := os.Stat(g.Quarantine)
		if os.SameFile(a, b) {
			return nil, errors.New("--to and --quarantine must be different directories")
		}
	}
	for _, d := range []string{g.To, g.Quarantine} {
		if d != "" {
			CleanStale(d, time.Now(), warn)
		}
	}
	g.names = map[string]string{}
	return &g, nil
}

// A Dump is a source copied into a hidden temporary file of the release
// directory. Scan it (it is an io.ReaderAt), then Release, Quarantine or Drop
// it: what is released is the very file that was scanned.
type Dump struct {
	Path string   // the source
	Size int64    // bytes copied
	Sum  [32]byte // SHA-256 of the copy

	g       *Gate
	tmp     *os.File // the copy, open for reading; nil once closed
	tmpName string   // the copy's name; "" once removed or placed
	info    fs.FileInfo
}

// Stage copies the regular file path into the release directory. Two
// inputs of one run that would have one destination are an error: the
// second stays where it is.
func (g *Gate) Stage(path string) (*Dump, error) {
	info, err := os.Lstat(path)
	switch {
	case err != nil:
		return nil, err
	case info.Mode()&fs.ModeSymlink != 0:
		return nil, errors.New("a symbolic link: name the file itself")
	case !info.Mode().IsRegular():
		return nil, errors.New("not a regular file")
	}
	base := filepath.Base(path)
	if prev, ok := g.names[base]; ok && prev != path {
		return nil, fmt.Errorf("%s has the same name as %s, gated before in this run; not gated (gate them in separate runs)", path, prev)
	}
	g.names[base] = path
	in, err := os.Open(path)
	if err != nil {
		return nil, inUse(err)
	}
	defer in.Close()
	out, err := os.CreateTemp(g.To, "."+base+".tmp-*") // mode 0600 until released
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Dump, error) {
		out.Close()
		os.Remove(out.Name())
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if err != nil {
		return fail(inUse(err)) // a locked range of the source
	}
	if err := out.Sync(); err != nil {
		return fail(err)
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	d := &Dump{Path: path, Size: n, g: g, tmp: out, tmpName: out.Name(), info: info}
	h.Sum(d.Sum[:0])
	at("staged")
	return d, nil
}

// ReadAt reads the copy.
func (d *Dump) ReadAt(p []byte, off int64) (int, error) { return d.tmp.ReadAt(p, off) }

// Drop removes the copy. It is safe to call more than once.
func (d *Dump) Drop() {
	d.close()
	if d.tmpName != "" {
		os.Remove(d.tmpName)
		d.tmpName = ""
	}
}

// close closes the copy, keeping its name: Windows renames no file that is
// open (Go opens files without FILE_SHARE_DELETE).
func (d *Dump) close() {
	if d.tmp != nil {
		d.tmp.Close()
		d.tmp = nil
	}
}

// Release puts the copy into the release directory under the source's name
// and, with Move, removes the source. A file of the same name and content
// there already is success. It reports whether the source was removed.
func (d *Dump) Release() (dest string, removed bool, err error) {
	g := d.g
	defer d.Drop()
	dest = filepath.Join(g.To, filepath.Base(d.Path))
	done, err := sameFile(dest, d.info, d.Size, d.Sum, g.Overwrite, false)
	if err != nil {
		return dest, false, err
	}
	if !done {
		// Read the copy back: what lands is byte for byte what was scanned.
		sum, err := hashFile(d.tmpName, false)
		if err != nil {
			return dest, false, err
		}
		if sum != d.Sum {
			return dest, false, fmt.Errorf("the copy in %s differs from the dump scanned", g.To)
		}
		if err := d.tmp.Chmod(d.info.Mode().Perm()); err != nil {
			return dest, false, err
		}
		d.close()
		os.Chtimes(d.tmpName, time.Time{}, d.info.ModTime())
		at("before-rename")
		if err := place(d.tmpName, dest, g.Overwrite); err != nil {
			return dest, false, err
		}
		SyncDir(g.To)
	}
	d.Drop() // the copy's temporary name, before anything can kill us
	if !g.Move {
		return dest, false, nil
	}
	at("before-remove")
	if err := d.unchanged(); err != nil {
		return dest, false, fmt.Errorf("released, but %w: %v", ErrSourceKept, err)
	}
	if err := os.Remove(d.Path); err != nil {
		return dest, false, fmt.Errorf("released, but %w: %v", ErrSourceKept, inUse(err))
	}
	SyncDir(filepath.Dir(d.Path))
	return dest, true, nil
}

// unchanged reports an error when the source is no longer the file that was
// copied: it was replaced, or written since.
func (d *Dump) unchanged() error {
	st, err := os.Lstat(d.Path)
	if err != nil {
		return err
	}
	if !os.SameFile(st, d.info) || st.Size() != d.Size || !st.ModTime().Equal(d.info.ModTime()) {
		return errors.New("it changed after it was copied")
	}
	return nil
}

// Quarantine writes report beside the quarantined dump, QDIR/NAME.dumpguard.json,
// then moves the source there (or, with Keep, copies what was scanned). A
// quarantine that a killed run left half done (the dump linked, the source
// not yet removed) is finished. It reports whether the source is gone.
func (d *Dump) Quarantine(report func(io.Writer) error) (dest string, removed bool, err error) {
	g := d.g
	defer d.Drop()
	dest = filepath.Join(g.Quarantine, filepath.Base(d.Path))
	done, err := sameFile(dest, d.info, d.Size, d.Sum, g.Overwrite, !g.Keep)
	if err != nil {
		return dest, false, err
	}
	w, err := Create(dest + ".dumpguard.json")
	if err != nil {
		return dest, false, err
	}
	defer w.Abort()
	if err := report(w); err != nil {
		return dest, false, err
	}
	if err := w.Commit(); err != nil {
		return dest, false, err
	}
	placed := done
	defer func() {
		if !placed { // no report without its dump
			os.Remove(dest + ".dumpguard.json")
		}
	}()
	if !done {
		moved := false
		if !g.Keep {
			// Same filesystem: a second name for the same file, then drop the first.
			switch err := place(d.Path, dest, g.Overwrite); {
			case err == nil:
				moved = true
			case errors.Is(err, fs.ErrExist):
				return dest, false, err
			} // else copy what was scanned; the source is removed below, or stays if in use
		}
		if !moved {
			if err := d.copyTo(dest); err != nil {
				return dest, false, err
			}
		}
		SyncDir(g.Quarantine)
		placed = true
	}
	d.Drop()
	if g.Keep {
		return dest, false, nil
	}
	at("quarantine-linked")
	if err := os.Remove(d.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return dest, false, fmt.Errorf("quarantined, but the source could not be removed: %v", inUse(err))
	}
	SyncDir(filepath.Dir(d.Path))
	return dest, true, nil
}

// copyTo copies the scanned copy to dest through a synced temporary file in
// dest's directory, and checks what it wrote.
func (d *Dump) copyTo(dest string) (err error) {
	out, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name()) // gone after a rename; the second name after a link
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.NewSectionReader(d.tmp, 0, d.Size))
	if err == nil && (n != d.Size || [32]byte(h.Sum(nil)) != d.Sum) {
		err = errors.New("the copy changed while it was being gated")
	}
	if err == nil {
		err = out.Chmod(d.info.Mode().Perm())
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	os.Chtimes(out.Name(), time.Time{}, d.info.ModTime())
	if sum, err := hashFile(out.Name(), false); err != nil || sum != d.Sum {
		return fmt.Errorf("the copy in %s differs from the dump scanned (%v)", filepath.Dir(dest), err)
	}
	return place(out.Name(), dest, d.g.Overwrite)
}

// sameFile reports whether dest already holds the dump's bytes (then
// synced, so it is as durable as a fresh copy). A different file there is an
// error unless overwrite. dest being the source itself is done when own (a
// killed quarantine linked it), else an error.
func sameFile(dest string, src fs.FileInfo, size int64, sum [32]byte, overwrite, own bool) (bool, error) {
	st, err := os.Lstat(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if os.SameFile(st, src) {
		if own {
			return true, nil
		}
		return false, fmt.Errorf("%s is the source itself", dest)
	}
	if st.Mode().IsRegular() && st.Size() == size {
		if got, err := hashFile(dest, true); err == nil && got == sum {
			return true, nil
		}
	}
	if overwrite && st.Mode().IsRegular() {
		return false, nil
	}
	return false, fmt.Errorf("%s exists with different content (use --overwrite to replace it)", dest)
}

// place gives from the name to: a rename when overwriting, else a hard link
// that fails if to exists (from then keeps its name too), or, where links are
// not supported, a check and a rename.
func place(from, to string, overwrite bool) error {
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

// staleAfter is how old a temporary file must be before it is taken for the
// leftover of a run that was killed, and removed.
const staleAfter = time.Hour

// CleanStale removes the temporary files of killed runs from dir. Files of a
// run still going are younger: a copy in progress keeps its file's time fresh.
func CleanStale(dir string, now time.Time, warn func(string)) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !IsTemp(e.Name()) || !e.Type().IsRegular() {
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

// IsTemp reports whether name is one of our temporary files: ".NAME.tmp-123".
func IsTemp(name string) bool {
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
