package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// A StreamResult is what a stream scan saw.
type StreamResult struct {
	Findings []Finding
	Size     int64  // bytes read from the stream
	Prefix   []byte // the first bytes of the stream, up to the KeepPrefix asked for
}

// ScanStream scans r front to back, once, in the same overlapping windows as
// Scan, with reading and scanning overlapped: one goroutine fills buffers while
// the pool's workers scan the ones already filled. Memory is bounded by three
// windows per stream plus keepPrefix bytes, however long the stream.
//
// Findings are placed with a raw layout (no addresses): the caller may parse the
// kept prefix once the stream has ended, and call [Relocate] with the layout it
// finds. A read error ends the scan and is returned with what was found before it.
//
// l, when not nil, is the stream's layout already known (from an earlier pass
// over the same bytes): it restricts the hunt to writable memory.
func (p *Pool) ScanStream(ctx context.Context, r io.Reader, keepPrefix int, l *Layout, opt *Options) (StreamResult, error) {
	if l == nil {
		l = &Layout{Format: "raw", Regions: []Region{{Off: 0, Size: 1<<63 - 1, Kind: KindRaw}}}
	}
	l.normalize()
	f := &fileScan{opt: opt, layout: l}
	f.ctx, f.cancel = context.WithCancelCause(ctx)
	defer f.cancel(nil)
	body, overlap := opt.window(), opt.Overlap()
	carry := lookback + overlap // bytes a window shares with the next
	size := body + carry
	const nbuf = 3
	free := make(chan []byte, nbuf)
	for range nbuf {
		free <- make([]byte, size)
	}
	var res StreamResult
	var tail []byte // the last carry bytes of the previous window
	var start int64 // file offset of the current window's first owned byte
	var readErr error
	for f.ctx.Err() == nil && readErr == nil {
		var buf []byte
		select {
		case buf = <-free:
		case <-f.ctx.Done():
		}
		if buf == nil {
			break
		}
		pre := copy(buf, tail)
		n, err := io.ReadFull(r, buf[pre:])
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = nil
			readErr = io.EOF
		} else if err != nil {
			readErr = err
		}
		if len(res.Prefix) < keepPrefix {
			if res.Prefix == nil {
				// One allocation of the whole prefix: growing it by appends
				// would copy it again and again. Pages never written cost nothing.
				res.Prefix = make([]byte, 0, keepPrefix)
			}
			res.Prefix = append(res.Prefix, buf[pre:pre+min(n, keepPrefix-len(res.Prefix))]...)
		}
		res.Size += int64(n)
		data := buf[:pre+n]
		// Of the bytes in this buffer, those before lo were owned by the previous
		// window; it owns up to body bytes from lo, unless the stream goes on and
		// the next window needs them as its look-ahead.
		lo := min(pre, lookback)
		if start == 0 {
			lo = 0
		}
		hi := len(data)
		if readErr == nil {
			hi = max(lo, len(data)-overlap)
		}
		off := start - int64(lo)
		if hi > lo || readErr != nil {
			f.wg.Add(1)
			j := job{f: f, data: data, free: free, off: off, lo: lo, hi: hi}
			select {
			case p.jobs <- j:
			case <-f.ctx.Done():
				f.wg.Done()
				free <- buf
			}
		} else {
			free <- buf
		}
		start += int64(hi - lo)
		tail = append(tail[:0], data[max(0, hi-lookback):]...)
	}
	f.wg.Wait()
	res.Findings = sortFindings(f.findings)
	if readErr != nil && readErr != io.EOF {
		return res, fmt.Errorf("reading at offset %#x: %w", res.Size, readErr)
	}
	if err := scanErr(f.ctx); err != nil && !errors.Is(err, io.EOF) {
		return res, err
	}
	return res, nil
}

// Relocate places findings made with a raw layout in l: addresses, regions and
// modules, for a stream whose layout became known only after it was scanned.
func Relocate(fs []Finding, l *Layout) {
	l.normalize()
	for i := range fs {
		f := &fs[i]
		r := l.Locate(f.Offset)
		f.VA = vaAt(r, f.Offset)
		f.Region = RegionRef{Kind: r.Kind, Module: r.Module, Thread: r.Thread}
		for k := range f.Components {
			c := &f.Components[k]
			c.VA = vaAt(l.Locate(c.Offset), c.Offset)
		}
	}
}
