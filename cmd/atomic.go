package cmd

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// An atomicFile is written beside its destination and renamed into place on
// commit, so a reader never sees a partial file and a failure leaves the old
// one (or none).
type atomicFile struct {
	*os.File
	dest string
	done bool
}

// reportWriter returns where a report goes: w is stdout when path is "",
// else a file written atomically, which commit puts in place; abort, deferred,
// removes what was not committed.
func reportWriter(stdout io.Writer, path string) (w io.Writer, commit func() error, abort func(), err error) {
	if path == "" {
		return stdout, func() error { return nil }, func() {}, nil
	}
	a, err := createAtomic(path)
	if err != nil {
		return nil, nil, nil, err
	}
	return a, a.commit, a.abort, nil
}

func createAtomic(dest string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &atomicFile{File: f, dest: dest}, nil
}

// commit syncs the file and renames it over the destination.
func (a *atomicFile) commit() error {
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
	syncDir(filepath.Dir(a.dest))
	return nil
}

// abort removes the temporary file unless it was committed.
func (a *atomicFile) abort() {
	if !a.done {
		a.done = true
		a.Close()
		os.Remove(a.Name())
	}
}

// syncDir makes a rename durable; where directories cannot be synced
// (Windows), the rename is already as durable as the platform makes it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
