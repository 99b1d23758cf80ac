package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"dumpguard/detectors"
	"dumpguard/internal/dumpio"
	"dumpguard/internal/hunt"
	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// DefaultWindow is the number of bytes a window owns. Large enough that the
// overlap is a small fraction of the work, small enough that a window stays in
// the CPU's caches while every detector passes over it.
const DefaultWindow = 2 << 20

// lookback is how many bytes before its own a window also hands the detectors,
// so a hunt that checks a malloc header just before a number sees it even when
// the number starts a window.
const lookback = 256

// Options say what to scan a file for.
type Options struct {
	Detectors []detectors.Detector // run over every byte
	// Hunt is handed writable process memory only (heap, stack, anonymous),
	// or every byte when it is deep, in spans that start at addresses aligned
	// to hunt.Align. Nil for no hunt.
	Hunt *hunt.Hunter
	// Visit, when set, sees every window in which the detectors' prefilter
	// pass found one of VisitAnchors, and m says where (literal k is bit k).
	// It must not retain buf or m. Used to harvest public keys.
	Visit        func(buf []byte, m *prefilter.Marks)
	VisitAnchors [][]byte
	// VisitMemory, when set, sees the writable process memory of every
	// window, as the hunt would be handed it (starting at addresses aligned
	// to hunt.Align; buf starts at file offset off); owned is how many bytes
	// of the window are its own. It reports whether buf is all data
	// (hunt.IsData), for DataWindow. It must not retain buf. Used to harvest
	// public keys from bare numbers. m maps buf's words (hunt.WordMap; none
	// when the window was not read from a file here).
	VisitMemory func(buf []byte, m hunt.WordMap, off int64, owned int) (data bool)
	// VisitKey, when set, sees the encoding of every key a detector
	// validated in a window it owns. It must not retain enc. Used to hunt
	// the raw copies of keys found encoded.
	VisitKey func(enc []byte)
	// DataWindow, when set with VisitMemory, is told of every window (by the
	// file offset of the first byte it owns) whose writable memory
	// VisitMemory said is all data (random, compressed or encrypted bytes),
	// or whose first headData bytes of writable memory hold no structured
	// word (hunt.Structured), which the hunt pass may leave unread.
	DataWindow func(start int64, all, head bool)
	// SkipWindow, when set, says which windows (by the file offset of the
	// first byte they own) the scan leaves unread.
	SkipWindow func(start int64) bool
	Window     int // bytes a window owns; 0 means DefaultWindow
	// Progress is told of bytes scanned as windows finish.
	Progress func(n int64)
}

// Overlap is how many bytes past its own a window must see: the longest
// encoding any detector reports.
func (o *Options) Overlap() int {
	n := 0
	for _, d := range o.Detectors {
		n = max(n, d.MaxLen())
	}
	if o.Hunt != nil {
		n = max(n, o.Hunt.Reach())
	}
	return n
}

func (o *Options) window() int {
	if o.Window > 0 {
		return o.Window
	}
	return DefaultWindow
}

// A Pool is a fixed set of workers shared by every file being scanned, so that
// several files in flight never use more than Workers cores or more than
// Workers window buffers.
type Pool struct {
	jobs    chan job
	wg      sync.WaitGroup
	workers int
}

// NewPool starts workers goroutines; 0 means GOMAXPROCS. Close stops them.
func NewPool(workers int) *Pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &Pool{jobs: make(chan job), workers: workers}
	for range workers {
		p.wg.Go(p.work)
	}
	return p
}

// Workers is the number of workers.
func (p *Pool) Workers() int { return p.workers }

// Close stops the workers once every scan has returned.
func (p *Pool) Close() {
	close(p.jobs)
	p.wg.Wait()
}

// A job is one window: the bytes of file [off, off+n), owning buf[lo:hi].
type job struct {
	f      *fileScan
	r      io.ReaderAt // nil when data is already filled (streams)
	data   []byte
	free   chan<- []byte // where a filled buffer goes back
	off    int64
	n      int
	lo, hi int
}

// fileScan is the shared state of one file's scan.
type fileScan struct {
	ctx      context.Context
	cancel   context.CancelCauseFunc
	opt      *Options
	layout   *Layout
	wg       sync.WaitGroup
	mu       sync.Mutex
	findings []Finding

	setOnce sync.Once
	set     *detectors.Set // opt.Detectors, for one prefilter pass per window
}

// detectorSet is the Set of opt.Detectors, built by the first window.
func (f *fileScan) detectorSet() *detectors.Set {
	f.setOnce.Do(func() { f.set = detectors.NewSetWith(f.opt.Detectors, f.opt.VisitAnchors) })
	return f.set
}

func (f *fileScan) add(local []Finding, n int) {
	if len(local) > 0 {
		f.mu.Lock()
		f.findings = append(f.findings, local...)
		f.mu.Unlock()
	}
	if f.opt.Progress != nil {
		f.opt.Progress(int64(n))
	}
}

func (p *Pool) work() {
	var buf []byte
	var w windowScratch
	for j := range p.jobs {
		f := j.f
		data := j.data
		w.words = w.words[:0]
		if j.r != nil && f.ctx.Err() == nil {
			if cap(buf) < j.n {
				// With room for a later pass's longer overlap (the hunt's
				// reach is longer than the detectors'): a new buffer is
				// 2 MiB of fresh pages, 1.5 ms of page faults.
				buf = make([]byte, j.n+bufSlack)
			}
			data = buf[:j.n]
			if err := f.read(&w, data, j); err != nil {
				f.cancel(fmt.Errorf("reading %d bytes at offset %#x: %w", j.n, j.off, err))
			}
		}
		if f.ctx.Err() == nil {
			var local []Finding
			local = f.scanWindow(local, &w, data, j)
			f.add(local, j.hi-j.lo)
		}
		if j.free != nil {
			j.free <- j.data
		}
		f.wg.Done()
	}
}

// windowScratch is a worker's reused working memory.
type windowScratch struct {
	hits  []detectors.Hit
	finds []hunt.Find
	spans [][2]int64
	words []uint64 // the window's hunt.WordMap, when read reads it
}

// bufSlack is how many bytes a worker's window buffer has past the first
// window it reads.
const bufSlack = 256 << 10

// headData is how much of a window's start [Options.DataWindow] looks at for
// a structured word: more than the hunt's reach past a window
// (hunt.Hunter.Reach).
const headData = 128 << 10

// readPiece is how much of a window read copies before it maps the words of
// those bytes, still in the cache: 64 KiB, a whole number of a map's groups.
const readPiece = 64 << 10

// read reads the window j into data. When the window's memory is harvested
// or hunted (not deep) it reads it a piece at a time and maps each piece's
// words as it comes (hunt.MapWords): the harvest and the hunt then pass over
// random blocks without reading them again, which for a window of random
// data the copy has pushed out of the cache is a read at memory speed.
func (f *fileScan) read(w *windowScratch, data []byte, j job) error {
	if f.opt.VisitMemory == nil && (f.opt.Hunt == nil || f.opt.Hunt.Deep()) {
		return dumpio.ReadFull(j.r, data, j.off)
	}
	w.words = slices.Grow(w.words[:0], hunt.MapWordsLen(len(data)))[:hunt.MapWordsLen(len(data))]
	for at := 0; at < len(data); at += readPiece {
		piece := data[at:min(len(data), at+readPiece)]
		if err := dumpio.ReadFull(j.r, piece, j.off+int64(at)); err != nil {
			w.words = w.words[:0]
			return err
		}
		hunt.MapWords(w.words[hunt.MapWordsLen(at):], piece) // at is a whole number of groups
	}
	return nil
}

// wordMap returns the map of data[a:] (none unless the window was mapped and
// a is word-aligned in it).
func (w *windowScratch) wordMap(a int) hunt.WordMap {
	if len(w.words) == 0 || a%8 != 0 {
		return hunt.WordMap{}
	}
	return hunt.WordMap{Bits: w.words, Off: a}
}

// scanWindow runs every detector and the hunt over one window and keeps the
// hits it owns.
func (f *fileScan) scanWindow(local []Finding, w *windowScratch, data []byte, j job) []Finding {
	opt, l := f.opt, f.layout
	var marked func(m *prefilter.Marks)
	if opt.Visit != nil {
		marked = func(m *prefilter.Marks) { opt.Visit(data, m) }
	}
	w.hits = f.detectorSet().EachMarked(w.hits[:0], data, func(d detectors.Detector, hits []detectors.Hit) {
		for _, h := range hits {
			if h.Off >= j.lo && h.Off < j.hi {
				local = append(local, newFinding(l, d.Name(), h, j.off))
				if opt.VisitKey != nil && h.Status == keys.Validated && len(h.Parts) == 0 {
					opt.VisitKey(data[h.Off:min(len(data), h.Off+h.Len)])
				}
			}
		}
	}, marked)
	if opt.VisitMemory != nil {
		w.spans = l.huntSpans(w.spans[:0], j.off, int64(len(data)), false)
		allData := true
		for _, s := range w.spans {
			if a, b := l.alignStart(s[0], j.off), int(s[1]-j.off); a < b {
				isData := opt.VisitMemory(data[a:b], w.wordMap(a), j.off+int64(a), max(0, min(b, j.hi)-max(a, j.lo)))
				allData = allData && isData
			}
		}
		if opt.DataWindow != nil {
			head := true
			for _, s := range w.spans {
				// From the span's first word at or after the window's own
				// bytes: its words, as the hunt reads them.
				a, b := l.alignStart(s[0], j.off), min(int(s[1]-j.off), j.lo+headData)
				if a < j.lo {
					a += (j.lo - a + 7) &^ 7
				}
				head = head && (a >= b || !hunt.Structured(data[a:b], w.wordMap(a)))
			}
			opt.DataWindow(j.off+int64(j.lo), allData, head)
		}
	}
	if opt.Hunt != nil {
		w.spans = l.huntSpans(w.spans[:0], j.off, int64(len(data)), opt.Hunt.Deep())
		for _, s := range w.spans {
			a, b := l.alignStart(s[0], j.off), int(s[1]-j.off)
			if a >= b {
				continue
			}
			w.finds = opt.Hunt.HuntMapped(w.finds[:0], data[a:b], w.wordMap(a))
			for _, h := range w.finds {
				if at := a + h.Parts[0].Off; at >= j.lo && at < j.hi {
					local = append(local, huntFinding(l, h, j.off+int64(a)))
				}
			}
		}
	}
	return local
}

// Scan scans the size bytes of r, laid out as l, and returns its findings
// sorted by offset. It returns when every window is done; the error is the first
// read failure, or the context's.
func (p *Pool) Scan(ctx context.Context, r io.ReaderAt, size int64, l *Layout, opt *Options) ([]Finding, error) {
	l.normalize()
	f := &fileScan{opt: opt, layout: l}
	f.ctx, f.cancel = context.WithCancelCause(ctx)
	defer f.cancel(nil)
	body, overlap := int64(opt.window()), int64(opt.Overlap())
	for start := int64(0); start < size && f.ctx.Err() == nil; start += body {
		pre := min(start, lookback)
		end := min(size, start+body+overlap)
		j := job{f: f, r: r, off: start - pre, n: int(end - start + pre), lo: int(pre), hi: int(pre + min(body, size-start))}
		if opt.SkipWindow != nil && opt.SkipWindow(start) {
			f.add(nil, j.hi-j.lo)
			continue
		}
		f.wg.Add(1)
		select {
		case p.jobs <- j:
		case <-f.ctx.Done():
			f.wg.Done()
		}
	}
	f.wg.Wait()
	if f.ctx.Err() == nil {
		f.scanSeams(r, l)
	}
	return sortFindings(f.findings), scanErr(f.ctx)
}

// scanSeams looks for keys straddling two regions that are adjacent in the
// process but not in the file: the end of one and the start of the next are
// joined and scanned, and only hits that cross the join are kept.
func (f *fileScan) scanSeams(r io.ReaderAt, l *Layout) {
	overlap := int64(f.opt.Overlap())
	var hits []detectors.Hit
	for _, s := range l.Seams {
		a, b := s[0], s[1]
		na, nb := min(a.Size, overlap), min(b.Size, overlap)
		buf := make([]byte, na+nb)
		if dumpio.ReadFull(r, buf[:na], a.Off+a.Size-na) != nil || dumpio.ReadFull(r, buf[na:], b.Off) != nil {
			continue // the windows over these bytes already reported the read error
		}
		for _, d := range f.opt.Detectors {
			hits = d.Detect(hits[:0], buf)
			for _, h := range hits {
				if int64(h.Off) < na && int64(h.Off+h.Len) > na {
					fd := newFinding(l, d.Name(), h, a.Off+a.Size-na)
					first := na - int64(h.Off)
					fd.Components = []Component{
						{What: "part", Offset: fd.Offset, Length: first, VA: fd.VA},
						{What: "part", Offset: b.Off, Length: int64(h.Len) - first, VA: vaAt(b, b.Off)},
					}
					f.findings = append(f.findings, fd)
				}
			}
		}
	}
}

func scanErr(ctx context.Context) error {
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}
