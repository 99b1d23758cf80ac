package release

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A File is written beside its destination and renamed into place by
// Commit, so a reader never sees a partial file and a failure leaves the old
// one (or none).
type File struct {
	*os.File
	dest string
	done bool
}

// Create starts an atomic write of dest: a hidden temporary file,
// ".NAME.tmp-123", in dest's directory. Its errors name dest, never the
// temporary file: "out/r.json: directory does not exist".
func Create(dest string) (*File, error) {
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", dest)
	}
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return nil, PathError(dest, err)
	}
	return &File{File: f, dest: dest}, nil
}

// CheckDest reports an error when dest could not be created: it is a
// directory, or its directory does not exist; so that a command can say so
// before it does the work whose result goes there.
func CheckDest(dest string) error {
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		return fmt.Errorf("%s: is a directory", dest)
	}
	dir := filepath.Dir(dest)
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %w", dest, ErrNoDir)
	case err != nil:
		return fmt.Errorf("%s: %v", dest, Cause(err))
	case !st.IsDir():
		return fmt.Errorf("%s: %s is not a directory", dest, dir)
	}
	return nil
}

// ErrNoDir is wrapped by the error of a file that cannot be created because
// its directory does not exist.
var ErrNoDir = errors.New("directory does not exist")

// PathError is err, from creating or renaming a file at path, said as
// "path: what is wrong", whatever temporary name the operation used; a
// missing directory wraps [ErrNoDir].
func PathError(path string, err error) error {
	dir := filepath.Dir(path)
	switch st, serr := os.Stat(dir); {
	case errors.Is(serr, fs.ErrNotExist):
		return fmt.Errorf("%s: %w", path, ErrNoDir)
	case serr == nil && !st.IsDir():
		return fmt.Errorf("%s: %s is not a directory", path, dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied (cannot write in %s)", path, dir)
	}
	return fmt.Errorf("%s: %w", path, Cause(err))
}

// Cause is what went wrong in err without the path or paths it names: the
// errno of an *fs.PathError or *os.LinkError, else err.
func Cause(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// Commit syncs the file and renames it over the destination.
func (a *File) Commit() error {
	if a.done {
		return nil
	}
	a.done = true
	if err := a.Sync(); err != nil {
		a.Close()
		os.Remove(a.Name())
		return fmt.Errorf("writing %s: %w", a.dest, err)
	}
	if err := a.Close(); err != nil {
		os.Remove(a.Name())
		return fmt.Errorf("writing %s: %w", a.dest, err)
	}
	if err := os.Rename(a.Name(), a.dest); err != nil {
		os.Remove(a.Name())
		return PathError(a.dest, err)
	}
	SyncDir(filepath.Dir(a.dest))
	return nil
}

// Abort removes the temporary file unless it was committed; deferred, it
// cleans up after any failure.
func (a *File) Abort() {
	if !a.done {
		a.done = true
		a.Close()
		os.Remove(a.Name())
	}
}

// Output returns where a report goes: stdout when path is "", else a file
// written atomically, which commit puts in place; abort, deferred, removes
// what was not committed.
func Output(stdout io.Writer, path string) (w io.Writer, commit func() error, abort func(), err error) {
	if path == "" {
		return stdout, func() error { return nil }, func() {}, nil
	}
	a, err := Create(path)
	if err != nil {
		return nil, nil, nil, err
	}
	return a, a.Commit, a.Abort, nil
}
