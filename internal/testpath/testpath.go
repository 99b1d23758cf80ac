// Package testpath resolves the paths of the repository's test data for tests,
// so that no test writes a relative path to testdata/ and every test finds its
// data inside the checkout, whatever package it runs from.
package testpath

import (
	"compress/bzip2"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
)

var root = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", os.ErrNotExist
		}
		dir = up
	}
})

// Root is the module's root directory: the nearest parent of the working
// directory holding go.mod.
func Root(tb testing.TB) string {
	tb.Helper()
	r, err := root()
	if err != nil {
		tb.Fatalf("testpath: no go.mod above the working directory: %v", err)
	}
	return r
}

// Join returns the path of elem under the repository's testdata/ folder:
// Join(t, "realdumps") or Join(t, "dumps", "linux", "pem-heap.core.zst").
func Join(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Root(tb), "testdata"}, elem...)...)
}

// Glob is filepath.Glob of pattern under testdata/; a test that finds no
// file fails, so data that went missing is never a silent pass.
func Glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	m, err := filepath.Glob(Join(tb, pattern))
	if err != nil || len(m) == 0 {
		tb.Fatalf("testpath: nothing matches testdata/%s (%v)", pattern, err)
	}
	return m
}

// Path is [Join] for package-level variables, where no testing.TB is at
// hand; it panics when the working directory is outside the module.
func Path(elem ...string) string {
	r, err := root()
	if err != nil {
		panic("testpath: no go.mod above the working directory")
	}
	return filepath.Join(append([]string{r, "testdata"}, elem...)...)
}

// ReadDump reads a test dump, decompressing it when its name ends in .zst or
// .bz2; more than 256 MiB is an error.
func ReadDump(tb testing.TB, name string) []byte {
	tb.Helper()
	f, err := os.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	switch {
	case strings.HasSuffix(name, ".bz2"):
		r = bzip2.NewReader(f)
	case strings.HasSuffix(name, ".zst"):
		zr, err := zstd.NewReader(f, zstd.WithDecoderMaxMemory(512<<20), zstd.WithDecoderConcurrency(1))
		if err != nil {
			tb.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	const limit = 256 << 20
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil || len(b) > limit {
		tb.Fatalf("%s: %v (%d bytes)", name, err, len(b))
	}
	return b
}
