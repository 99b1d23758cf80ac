package container

import (
	"compress/bzip2"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

var (
	errWindow = errors.New("window exceeds limit")
	errMethod = errors.New("unsupported method")
)

// open returns a decoder of kind reading r; head is what [Sniff] saw.
func (w *walker) open(kind Kind, r io.Reader, head []byte) (io.ReadCloser, error) {
	switch kind {
	case Gzip:
		return gzip.NewReader(r) // concatenated members are read as one stream
	case Zstd:
		return w.openZstd(r)
	case Bzip2:
		return io.NopCloser(bzip2.NewReader(r)), nil
	case XZ:
		if n, ok := xzDict(head); ok && n > w.lim.MaxWindow {
			return nil, fmt.Errorf("%w: dictionary of %d bytes over %d", errWindow, n, w.lim.MaxWindow)
		}
		// DictCap is a floor: the decoder allocates the dictionary each
		// block header declares, so the guard checks every one of them.
		zr, err := xz.ReaderConfig{DictCap: lzma.MinDictCap}.NewReader(&xzGuard{r: r, max: w.lim.MaxWindow})
		if err != nil {
			return nil, err
		}
		return io.NopCloser(zr), nil
	case LZ4:
		return io.NopCloser(lz4.NewReader(r)), nil // frames, skippable and legacy frames, one goroutine
	}
	return nil, fmt.Errorf("%w %s", errMethod, kind)
}

// openZstd returns a synchronous zstd decoder. On two cores it read
// core-like data twice as fast as the asynchronous one (whose goroutines hand
// blocks over through channels) and text about as fast, and it leaves the
// cores to the caller's scan. Frames whose window (or, for a single-segment
// frame, whole content) exceeds MaxWindow are refused before their buffers
// are allocated.
func (w *walker) openZstd(r io.Reader) (io.ReadCloser, error) {
	d, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxWindow(uint64(max(w.lim.MaxWindow, zstd.MinWindowSize))),
		zstd.WithDecoderMaxMemory(uint64(max(w.lim.MaxWindow, zstd.MinWindowSize))),
	)
	if err != nil {
		return nil, err
	}
	return d.IOReadCloser(), nil
}

// sentinel maps a decoder's error to the Err value that describes it.
func sentinel(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ErrTruncated
	case errors.Is(err, errWindow), errors.Is(err, errEntries),
		errors.Is(err, zstd.ErrWindowSizeExceeded),
		errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return ErrBomb
	case errors.Is(err, errMethod):
		return ErrUnsupported
	}
	return ErrCorrupt
}

// xzDict returns the LZMA2 dictionary size declared by the first block of an
// xz stream, if head holds that block header.
func xzDict(head []byte) (int64, bool) {
	const streamHeaderLen = 12
	if len(head) < streamHeaderLen+2 || head[streamHeaderLen] == 0 {
		return 0, false // short, or an index: a stream without blocks
	}
	b := head[streamHeaderLen:]
	size := (int(b[0]) + 1) * 4
	if size > len(b) {
		return 0, false
	}
	return xzBlockDict(b[:size])
}
