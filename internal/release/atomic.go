package release

import (
	"fmt"
	"io"
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
// ".NAME.tmp-123", in dest's directory.
func Create(dest string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, dest: dest}, nil
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
		return err
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

// SyncDir makes a rename durable; where directories cannot be synced
// (Windows), the rename is already as durable as the platform makes it.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
