package container

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"dumpguard/internal/dumpio"
)

// bufSize is the read-ahead of each layer: enough for [SniffLen] and for
// decoders to read in large pieces.
const bufSize = 64 << 10

// bufPool recycles the read-ahead of layers, which would otherwise cost an
// allocation per member of an archive of many small files.
var bufPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bufSize) }}

// Walk reads r, the input called name, peels every container layer it
// recognises by magic, and calls fn once per leaf member with a reader of its
// decompressed bytes. fn may read the member to its end or not; the reader is
// valid only until fn returns. Problems with one member are passed to onErr
// (see the package comment), and Walk returns an error only when the whole
// input has to stop: the context is done, r failed, an input-wide limit was
// exceeded, or fn returned an error that is not an [*Error] from the member's
// reader (that error is returned as is).
//
// Walk is synchronous: fn and onErr are called on the caller's goroutine, and
// no goroutine of the walk outlives it.
func Walk(ctx context.Context, name string, r io.Reader, lim Limits, fn func(Member) error, onErr func(path string, err error)) error {
	w := newWalker(ctx, name, lim, fn, onErr)
	w.walk(name, nil, &topReader{w: w, r: r}, -1)
	return w.result()
}

// WalkFile is [Walk] for a file of the given size: a zip is read through its
// central directory, which finds entries that a stream of local headers cannot
// describe. A file that is not a container is passed to fn as an
// [*io.SectionReader] of r, so the caller may read it by offset.
func WalkFile(ctx context.Context, name string, r io.ReaderAt, size int64, lim Limits, fn func(Member) error, onErr func(path string, err error)) error {
	if size < 0 {
		return &Error{Path: name, Err: ErrCorrupt, Msg: fmt.Sprintf("negative size %d", size)}
	}
	w := newWalker(ctx, name, lim, fn, onErr)
	head := make([]byte, min(size, SniffLen))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return &Error{Path: name, Err: err, Msg: "reading at 0x0"}
	}
	ra := &topReaderAt{w: w, r: r, size: size}
	switch Sniff(head) {
	case Raw:
		w.count.in.Add(size)
		w.count.out.Add(size)
		if err := fn(Member{Path: name, R: io.NewSectionReader(r, 0, size), Size: size, Count: &w.count}); err != nil {
			return err
		}
		return nil
	case Zip:
		w.walkZipFile(name, []Kind{Zip}, ra, size)
	default:
		w.walk(name, nil, &topReader{w: w, r: io.NewSectionReader(r, 0, size)}, size)
	}
	return w.result()
}

type walker struct {
	ctx   context.Context
	name  string
	lim   Limits
	fn    func(Member) error
	onErr func(string, error)
	count Counter
	// decoded is the output of every decompressing layer so far: the work
	// of the walk, which bytes decoded only to be skipped (a tar entry that
	// is not a regular file) add to without reaching a member.
	decoded atomic.Int64

	fatal  error      // stops the walk; Walk returns it
	recent [16]*Error // errors passed to onErr last: a sticky error resurfaces soon
	last   error      // the error reported last
	nrep   int        // errors reported so far
}

func newWalker(ctx context.Context, name string, lim Limits, fn func(Member) error, onErr func(string, error)) *walker {
	return &walker{ctx: ctx, name: name, lim: lim.withDefaults(), fn: fn, onErr: onErr}
}

func (w *walker) result() error {
	if w.fatal == nil {
		return context.Cause(w.ctx) // nil unless done
	}
	return w.fatal
}

// stopped reports whether the walk must end now.
func (w *walker) stopped() bool {
	if w.fatal == nil && w.ctx.Err() != nil {
		w.fatal = context.Cause(w.ctx)
	}
	return w.fatal != nil
}

// report passes a member error to onErr once. A fatal error, or one that is
// not an [*Error] (the context's), ends the walk instead.
func (w *walker) report(err error) {
	var e *Error
	if !errors.As(err, &e) || e.fatal {
		if w.fatal == nil {
			w.fatal = err
		}
		return
	}
	if slices.Contains(w.recent[:], e) {
		return
	}
	w.recent[w.nrep%len(w.recent)] = e
	w.last = e
	w.nrep++
	w.onErr(e.Path, e)
}

// classify turns the error of a decoder or archive reader into an [*Error]
// about path. An [*Error] from a layer below passes through unchanged, so each
// problem is reported once, by the layer that found it.
func (w *walker) classify(path string, kind Kind, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if w.ctx.Err() != nil && errors.Is(err, w.ctx.Err()) {
		return err
	}
	return &Error{Path: path, Err: sentinel(err), Msg: string(kind) + ": " + err.Error()}
}

// walk sniffs src and either peels a layer or yields it as a leaf.
func (w *walker) walk(path string, layers []Kind, src io.Reader, size int64) {
	if w.stopped() {
		return
	}
	br := bufPool.Get().(*bufio.Reader)
	br.Reset(src)
	defer func() {
		br.Reset(nil)
		bufPool.Put(br)
	}()
	// A failed Peek keeps what it read: the bytes before a corrupt or
	// truncated spot are still sniffed and passed on, then the error.
	head, err := br.Peek(SniffLen)
	if e := (*Error)(nil); errors.As(err, &e) && e.fatal {
		w.report(e)
		return
	}
	kind := Sniff(head)
	if kind != Raw && len(layers) >= w.lim.MaxDepth {
		w.report(&Error{Path: path, Err: ErrTooDeep, Msg: fmt.Sprintf("%s under %d layers; scanned undecoded", kind, len(layers))})
		kind = Raw
	}
	switch kind {
	case Raw:
		w.leaf(path, layers, br, size)
	case Tar:
		w.walkTar(path, with(layers, Tar), br)
	case Zip:
		w.walkZipStream(path, with(layers, Zip), br)
	default:
		in := &countReader{r: br}
		dec, err := w.open(kind, in, head)
		if err != nil {
			w.report(w.classify(path, kind, err))
			return
		}
		defer dec.Close()
		w.walk(path, with(layers, kind), w.newLayer(path, kind, dec, in.count), -1)
	}
}

// with returns layers plus k in a new array, so siblings never share one.
func with(layers []Kind, k Kind) []Kind {
	return append(layers[:len(layers):len(layers)], k)
}

func last(layers []Kind) Kind {
	if len(layers) == 0 {
		return Raw
	}
	return layers[len(layers)-1]
}

// leaf hands one member to fn and reports what went wrong reading it.
func (w *walker) leaf(path string, layers []Kind, r io.Reader, size int64) {
	lr := &leafReader{w: w, path: path, kind: last(layers), r: r, max: -1}
	if len(layers) > 0 && w.lim.MaxMember > 0 {
		lr.max = w.lim.MaxMember
	}
	ferr := w.fn(Member{Path: path, R: lr, Size: size, Layers: layers, Count: &w.count})
	if lr.err != nil {
		w.report(lr.err)
	}
	lr.err = errExpired // its buffers are about to be reused
	var e *Error
	switch {
	case ferr == nil:
	case errors.As(ferr, &e):
		w.report(e) // a member error handed back: reported once
	case w.fatal == nil:
		w.fatal = ferr
	}
}

func (w *walker) walkTar(path string, layers []Kind, r io.Reader) {
	tr := tar.NewReader(r)
	var truncated bool // the last member ended in a truncation already reported
	for !w.stopped() {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			if e := w.classify(path, Tar, err); !truncated || !errors.Is(e, ErrTruncated) {
				w.report(e)
			}
			return
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
		default:
			continue // directories, links, devices, fifos: no content of their own
		}
		mpath := path + "!/" + dumpio.Escape(h.Name)
		if unsafeName(h.Name) {
			w.report(&Error{Path: mpath, Err: ErrTraversal, Msg: "tar: name " + strconv.Quote(h.Name)})
		}
		n := w.nrep
		w.walk(mpath, layers, tr, h.Size)
		truncated = w.nrep > n && errors.Is(w.last, ErrTruncated)
	}
}

// A countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n atomic.Int64 // a decoder may read from its own goroutine
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countReader) count() int64 { return c.n.Load() }

// A topReader is the caller's input: it counts what is read and makes a
// failure of the caller's reader fatal.
type topReader struct {
	w   *walker
	r   io.Reader
	off int64
	err error
}

func (t *topReader) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.r.Read(p)
	t.off += int64(n)
	t.w.count.in.Add(int64(n))
	if err != nil && err != io.EOF {
		t.err = &Error{Path: t.w.name, Err: err, Msg: fmt.Sprintf("reading at %#x", t.off), fatal: true}
		return n, t.err
	}
	return n, err
}

// A topReaderAt is topReader for [WalkFile]. It keeps reads inside the
// file, so that an offset computed from hostile input is a corrupt archive
// and not a failure of the caller's reader.
type topReaderAt struct {
	w    *walker
	r    io.ReaderAt
	size int64
}

func (t *topReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &Error{Path: t.w.name, Err: ErrCorrupt, Msg: fmt.Sprintf("offset %#x before the start", off)}
	}
	if off >= t.size {
		return 0, io.EOF
	}
	short := int64(len(p)) > t.size-off
	if short {
		p = p[:t.size-off]
	}
	n, err := t.r.ReadAt(p, off)
	t.w.count.in.Add(int64(n))
	if err != nil && err != io.EOF {
		return n, &Error{Path: t.w.name, Err: err, Msg: fmt.Sprintf("reading at %#x", off), fatal: true}
	}
	if short && err == nil {
		err = io.EOF
	}
	return n, err
}

// A layer is one decompressing stream. It fails with [ErrBomb] once it has
// produced more than Limits.Grace bytes and more than MaxExpand times what it
// consumed, and turns decoder errors into [*Error] values. Errors are sticky.
type layer struct {
	w    *walker
	path string
	kind Kind
	r    io.Reader
	in   func() int64 // compressed bytes consumed so far
	out  int64
	err  error
}

func (w *walker) newLayer(path string, kind Kind, r io.Reader, in func() int64) *layer {
	return &layer{w: w, path: path, kind: kind, r: r, in: in}
}

func (l *layer) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	l.out += int64(n)
	w := l.w
	d := w.decoded.Add(int64(n))
	if x := w.lim.MaxExpand; x > 0 && l.out > w.lim.Grace && float64(l.out) > x*float64(l.in()) {
		l.err = &Error{Path: l.path, Err: ErrBomb, Msg: fmt.Sprintf("%s: %d bytes from %d compressed exceed ratio %g", l.kind, l.out, l.in(), x)}
		return n, l.err
	}
	// Each layer within the ratio, nested layers multiply it: members'
	// bytes are checked against the input by leafReader, and bytes decoded
	// only to be skipped are checked here, as layers' work, allowing each
	// layer the ratio.
	if x := w.lim.MaxExpand; x > 0 && d > 4*w.lim.Grace && float64(d) > float64(w.lim.MaxDepth)*x*float64(w.count.In()) {
		l.err = &Error{Path: w.name, Err: ErrBomb, Msg: fmt.Sprintf("input decodes %d bytes in its layers from %d, over %d layers at ratio %g", d, w.count.In(), w.lim.MaxDepth, x), fatal: true}
		return n, l.err
	}
	switch {
	case err == nil:
		return n, nil
	case err == io.EOF:
		l.err = err // sticky too: some decoders would read on
	default:
		l.err = l.w.classify(l.path, l.kind, err)
	}
	return n, l.err
}

var errExpired = errors.New("container: member read after its callback returned")

// A leafReader is what fn reads: it enforces MaxMember, MaxTotal and the
// input-wide ratio, and checks the context.
type leafReader struct {
	w    *walker
	path string
	kind Kind
	r    io.Reader
	n    int64
	max  int64 // -1: no limit
	err  error
}

func (l *leafReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if err := l.w.ctx.Err(); err != nil {
		l.err = err
		return 0, err
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	w := l.w
	out := w.count.out.Add(int64(n))
	switch {
	case l.max >= 0 && l.n > l.max:
		l.err = &Error{Path: l.path, Err: ErrBomb, Msg: fmt.Sprintf("member exceeds %d bytes", l.max)}
	case w.lim.MaxTotal > 0 && out > w.lim.MaxTotal:
		l.err = &Error{Path: w.name, Err: ErrBomb, Msg: fmt.Sprintf("input exceeds %d decompressed bytes", w.lim.MaxTotal), fatal: true}
	// The input's grace is larger so that a lone bomb stream is reported by
	// its own layer, as a member error.
	case w.lim.MaxExpand > 0 && out > 4*w.lim.Grace && float64(out) > w.lim.MaxExpand*float64(w.count.In()):
		l.err = &Error{Path: w.name, Err: ErrBomb, Msg: fmt.Sprintf("input expands %d bytes to %d, over ratio %g", w.count.In(), out, w.lim.MaxExpand), fatal: true}
	case err != nil && err != io.EOF:
		l.err = w.classify(l.path, l.kind, err)
	default:
		return n, err
	}
	return n, l.err
}
