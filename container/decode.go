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
		// DictCap is a floor: the decoder takes the larger of it and the header's.
		zr, err := xz.ReaderConfig{DictCap: lzma.MinDictCap}.NewReader(r)
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
	b = b[:size]
	flags := b[1]
	p := 2
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && p < len(b); i++ {
			c := b[p]
			p++
			v |= uint64(c&0x7f) << (7 * i)
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	if flags&0x40 != 0 {
		if _, ok := varint(); !ok {
			return 0, false
		}
	}
	if flags&0x80 != 0 {
		if _, ok := varint(); !ok {
			return 0, false
		}
	}
	for range int(flags&3) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || n > uint64(len(b)-p) {
			return 0, false
		}
		props := b[p : p+int(n)]
		p += int(n)
		if id == 0x21 && len(props) == 1 {
			bits := props[0] & 0x3f
			if bits > 40 {
				return 0, false // invalid: the decoder rejects it
			}
			if bits == 40 {
				return 1<<32 - 1, true
			}
			return int64(2|bits&1) << (bits/2 + 11), true
		}
	}
	return 0, false
}
