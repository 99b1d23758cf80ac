// Package dumpio is what every reader of a dump file shares: the one read out of
// a file that turns a memory fault into an error, overflow-free span
// arithmetic, a capped list of warnings, and the typed vocabulary of a dump's
// memory (region kinds, protections, why memory is missing).
//
// It is the saferio of this project. The format readers (minidump, elfcore),
// the scanner, the gate's release and redaction all read mapped files through
// [ReadAt], so a file that shrinks under its mapping is an error everywhere and
// a crash nowhere. It imports nothing from this module.
package dumpio

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"runtime/debug"
)

// ErrFault is wrapped by the error of a read that faulted: the file shrank
// under its mapping (truncated while being read) or its storage failed.
var ErrFault = errors.New("memory fault reading the file (was it truncated while being read?)")

// ReadAt is r.ReadAt with a memory fault turned into an error wrapping
// [ErrFault]. A mapped file that shrinks turns a read into SIGBUS;
// SetPanicOnFault makes that a panic in this goroutine, recovered here.
func ReadAt(r io.ReaderAt, p []byte, off int64) (n int, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if e := recover(); e != nil {
			n, err = 0, fmt.Errorf("%w: %d bytes at %#x: %v", ErrFault, len(p), off, e)
		}
	}()
	return r.ReadAt(p, off)
}

// ReadFull reads exactly len(p) bytes at off; a short read is
// io.ErrUnexpectedEOF.
func ReadFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := ReadAt(r, p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// Guard wraps r so that every read goes through [ReadAt].
func Guard(r io.ReaderAt) io.ReaderAt {
	if g, ok := r.(guarded); ok {
		return g
	}
	return guarded{r}
}

type guarded struct{ r io.ReaderAt }

func (g guarded) ReadAt(p []byte, off int64) (int, error) { return ReadAt(g.r, p, off) }

// Copy writes the n bytes of r at off to w through [ReadAt], so a file that
// shrinks while it is copied is an error, not a crash.
func Copy(w io.Writer, r io.ReaderAt, off, n int64) (int64, error) {
	return io.Copy(w, io.NewSectionReader(Guard(r), off, n))
}

// Span returns off+n and whether [off, off+n) lies inside a file of size
// bytes, with arithmetic that cannot overflow.
func Span(off, n uint64, size int64) (end int64, ok bool) {
	e, carry := bits.Add64(off, n, 0)
	return int64(e), carry == 0 && size >= 0 && e <= uint64(size)
}

// Clip returns how many of the n bytes at off lie inside a file of size bytes.
func Clip(off, n uint64, size int64) uint64 {
	if size < 0 || off >= uint64(size) {
		return 0
	}
	return min(n, uint64(size)-off)
}

// SatAdd adds two non-negative sizes, saturating instead of overflowing.
func SatAdd(a, b int64) int64 {
	if b < 0 || a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// MaxWarnings is how many warnings a [Warnings] keeps; the rest are counted.
const MaxWarnings = 64

// Warnings collects a reader's non-fatal problems, at most [MaxWarnings] of
// them, so a hostile file cannot grow the list without bound. The zero value
// is ready to use.
type Warnings struct {
	list    []string
	dropped int
}

// Addf records a warning.
func (w *Warnings) Addf(format string, args ...any) {
	if len(w.list) >= MaxWarnings {
		w.dropped++
		return
	}
	w.list = append(w.list, fmt.Sprintf(format, args...))
}

// List returns the warnings kept, and a last line counting those dropped.
func (w *Warnings) List() []string {
	if w.dropped == 0 {
		return w.list
	}
	return append(w.list[:len(w.list):len(w.list)], fmt.Sprintf("%d further warnings suppressed", w.dropped))
}
