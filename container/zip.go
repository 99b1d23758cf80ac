package container

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"strconv"
	"strings"

	"dumpguard/internal/dumpio"

	"github.com/klauspost/compress/flate"
)

// Zip signatures and methods (APPNOTE.TXT 4.3, 4.4.5).
const (
	sigLocal      = 0x04034b50
	sigCentral    = 0x02014b50
	sigEnd        = 0x06054b50
	sigEnd64      = 0x06064b50
	sigDescriptor = 0x08074b50

	methodStore   = 0
	methodDeflate = 8
	methodBzip2   = 12
	methodZstd    = 93
	methodXZ      = 95
	methodAES     = 99

	flagEncrypted  = 0x1
	flagDescriptor = 0x8
	flagStrong     = 0x40
)

// A posReader counts the bytes read from a bufio.Reader, and keeps
// io.ByteReader so that flate stops exactly at the end of a deflate stream.
type posReader struct {
	br *bufio.Reader
	n  int64
}

func (p *posReader) Read(b []byte) (int, error) {
	n, err := p.br.Read(b)
	p.n += int64(n)
	return n, err
}

func (p *posReader) ReadByte() (byte, error) {
	c, err := p.br.ReadByte()
	if err == nil {
		p.n++
	}
	return c, err
}

// walkZipStream walks a zip from its local file headers, in one pass and
// without buffering entry data. An entry followed by a data descriptor has no
// size in its header, so only a deflate entry, whose stream ends itself, can
// be followed; any other ends the walk of this zip with an error.
func (w *walker) walkZipStream(path string, layers []Kind, br *bufio.Reader) {
	pr := &posReader{br: br}
	for first := true; !w.stopped(); first = false {
		at := pr.n
		var h [30]byte
		if _, err := io.ReadFull(pr, h[:4]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // no central directory
			}
			w.report(w.classify(path, Zip, fmt.Errorf("header at %#x: %w", at, err)))
			return
		}
		switch sig := binary.LittleEndian.Uint32(h[:4]); {
		case sig == sigLocal:
		case sig == sigCentral || sig == sigEnd || sig == sigEnd64:
			return // the entries are done; the directory repeats them
		case sig == sigDescriptor && first:
			continue // spanned-archive marker
		default:
			w.report(&Error{Path: path, Err: ErrCorrupt, Msg: fmt.Sprintf("zip: signature %#08x at %#x", sig, at)})
			return
		}
		if _, err := io.ReadFull(pr, h[4:]); err != nil {
			w.report(w.classify(path, Zip, fmt.Errorf("header at %#x: %w", at, noEOF(err))))
			return
		}
		le := binary.LittleEndian
		flags, method := le.Uint16(h[6:]), le.Uint16(h[8:])
		e := zipEntry{
			crc:   le.Uint32(h[14:]),
			csize: uint64(le.Uint32(h[18:])),
			usize: uint64(le.Uint32(h[22:])),
			desc:  flags&flagDescriptor != 0,
		}
		name := make([]byte, le.Uint16(h[26:])) // at most 64 KiB by format
		extra := make([]byte, le.Uint16(h[28:]))
		if _, err := io.ReadFull(pr, name); err != nil {
			w.report(w.classify(path, Zip, fmt.Errorf("name at %#x: %w", at, noEOF(err))))
			return
		}
		if _, err := io.ReadFull(pr, extra); err != nil {
			w.report(w.classify(path, Zip, fmt.Errorf("extra field at %#x: %w", at, noEOF(err))))
			return
		}
		e.zip64 = zip64Sizes(extra, &e.usize, &e.csize)
		mpath := path + "!/" + dumpio.Escape(string(name))
		skip := func() bool { // past the data of an entry not read; false if impossible
			var err error
			if e.desc {
				_, err = io.Copy(io.Discard, &descScanner{pr: pr})
			} else {
				_, err = io.CopyN(io.Discard, pr, int64(min(e.csize, math.MaxInt64)))
			}
			if err != nil {
				w.report(w.classify(mpath, Zip, noEOF(err)))
				return false
			}
			return true
		}
		switch {
		case flags&(flagEncrypted|flagStrong) != 0 || method == methodAES:
			w.report(&Error{Path: mpath, Err: ErrEncrypted, Msg: fmt.Sprintf("zip: flags %#04x method %d", flags, method)})
			if !skip() {
				return
			}
			continue
		case strings.HasSuffix(string(name), "/") && e.csize == 0 && !e.desc:
			continue // a directory
		}
		if unsafeName(string(name)) {
			w.report(&Error{Path: mpath, Err: ErrTraversal, Msg: "zip: name " + strconv.Quote(string(name))})
		}

		var src io.Reader = pr // a deflate stream ends itself
		start := pr.n
		in := func() int64 { return pr.n - start }
		switch {
		case !e.desc:
			src = &exactReader{r: pr, n: int64(min(e.csize, math.MaxInt64))}
		case method != methodDeflate:
			e.scan = &descScanner{pr: pr}
			if method == methodStore {
				e.scan.crc = crc32.NewIEEE()
			}
			src = e.scan
		}
		dec, err := w.zipDecoder(method, src)
		if err != nil {
			w.report(w.classify(mpath, Zip, err))
			if !skip() {
				return
			}
			continue
		}
		var r io.Reader = dec
		if method != methodStore {
			r = w.newLayer(mpath, Zip, dec, in)
		}
		e.w, e.path, e.r, e.src, e.hash = w, mpath, r, pr, crc32.NewIEEE()
		size := int64(-1)
		if !e.desc && e.usize <= math.MaxInt64 {
			size = int64(e.usize)
		}
		if dir := strings.HasSuffix(string(name), "/"); !dir {
			w.walk(mpath, layers, &e, size)
		}
		if !e.done && e.err == nil && e.desc {
			io.Copy(io.Discard, &e) // the only way to find the end
		}
		dec.Close()
		if e.err != nil {
			w.report(e.err)
		}
		if e.desc && !e.done || errors.Is(e.err, ErrTruncated) {
			return // lost the position of the next header, or the input ended
		}
		if ex, ok := src.(*exactReader); ok && ex.n > 0 {
			if _, err := io.CopyN(io.Discard, pr, ex.n); err != nil {
				w.report(w.classify(mpath, Zip, noEOF(err)))
				return
			}
		}
	}
}

// zipDecoder returns a decoder for one entry's compressed bytes.
func (w *walker) zipDecoder(method uint16, r io.Reader) (io.ReadCloser, error) {
	switch method {
	case methodStore:
		return io.NopCloser(r), nil
	case methodDeflate:
		return flate.NewReader(r), nil
	case methodBzip2:
		return io.NopCloser(bzip2.NewReader(r)), nil
	case methodZstd:
		return w.openZstd(r)
	case methodXZ:
		return w.open(XZ, r, nil)
	}
	return nil, fmt.Errorf("%w %d", errMethod, method)
}

// zip64Sizes reads the zip64 extended information extra field (ID 1), which
// holds the sizes whose 32-bit fields are all ones, in that order.
func zip64Sizes(extra []byte, usize, csize *uint64) bool {
	found, _ := zip64Extra(extra, usize, csize)
	return found
}

// A zipEntry reads an entry's content and checks it at the end: its size and
// CRC-32 against the local header, or against the data descriptor that
// follows the data.
type zipEntry struct {
	w     *walker
	path  string
	r     io.Reader
	src   *posReader // the zip, where a data descriptor follows
	hash  hash.Hash32
	crc   uint32
	csize uint64
	usize uint64
	n     uint64
	desc  bool
	scan  *descScanner // finds the end of data followed by a descriptor, if not deflate
	zip64 bool
	done  bool // content read to its end and checked
	err   error
}

func (e *zipEntry) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.done {
		return 0, io.EOF
	}
	n, err := e.r.Read(p)
	e.hash.Write(p[:n])
	e.n += uint64(n)
	switch {
	case !e.desc && e.scan == nil && e.n > e.usize:
		e.err = &Error{Path: e.path, Err: ErrCorrupt, Msg: fmt.Sprintf("zip: content longer than the %d bytes declared", e.usize)}
	case err == io.EOF:
		e.err = e.finish()
		e.done = e.err == nil
		if e.done {
			return n, io.EOF
		}
	case err != nil:
		e.err = e.w.classify(e.path, Zip, noEOF(err))
	default:
		return n, nil
	}
	return n, e.err
}

// finish checks an entry read to its end.
func (e *zipEntry) finish() error {
	if e.scan != nil {
		e.crc, e.usize = e.scan.crc32, e.scan.usize
	} else if e.desc {
		if err := e.readDescriptor(); err != nil {
			return err
		}
	}
	switch {
	case e.n != e.usize:
		return &Error{Path: e.path, Err: ErrCorrupt, Msg: fmt.Sprintf("zip: %d bytes of content, %d declared", e.n, e.usize)}
	case e.hash.Sum32() != e.crc:
		return &Error{Path: e.path, Err: ErrCorrupt, Msg: fmt.Sprintf("zip: crc-32 %#08x, %#08x declared", e.hash.Sum32(), e.crc)}
	}
	return nil
}

// readDescriptor reads the data descriptor after a deflate stream. Its
// signature is optional and its sizes are 4 or 8 bytes, so of the four
// layouts it takes the first whose CRC and size match what was read and
// which a header signature (or the end of input) follows.
func (e *zipEntry) readDescriptor() error {
	b, err := e.src.br.Peek(4 + 4 + 8 + 8 + 4)
	if err != nil && err != io.EOF {
		return e.w.classify(e.path, Zip, err)
	}
	le := binary.LittleEndian
	for _, d := range []struct{ sig, wide bool }{{true, false}, {true, true}, {false, false}, {false, true}} {
		q := b
		if d.sig {
			if len(q) < 4 || le.Uint32(q) != sigDescriptor {
				continue
			}
			q = q[4:]
		}
		size := 12
		if d.wide {
			size = 20
		}
		if len(q) < size {
			continue
		}
		crc, usize := le.Uint32(q), uint64(le.Uint32(q[8:]))
		if d.wide {
			usize = le.Uint64(q[12:])
		}
		next := q[size:]
		if crc != e.hash.Sum32() || usize != e.n || !(len(next) == 0 || isZipSig(next)) {
			continue
		}
		e.crc, e.usize = crc, usize
		_, err := e.src.br.Discard(len(b) - len(next))
		e.src.n += int64(len(b) - len(next))
		return err
	}
	kind := ErrCorrupt
	if err == io.EOF {
		kind = ErrTruncated
	}
	return &Error{Path: e.path, Err: kind, Msg: fmt.Sprintf("zip: no data descriptor matches crc-32 %#08x and size %d", e.hash.Sum32(), e.n)}
}

func isZipSig(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	s := binary.LittleEndian.Uint32(b)
	return s == sigLocal || s == sigCentral || s == sigEnd || s == sigEnd64
}

// A descScanner reads the data of an entry that only its data descriptor
// sizes, and which no decoder can delimit (stored, encrypted, or compressed
// by other than deflate). The data end at a descriptor signature followed by
// the number of bytes before it as the compressed size (and, for stored data,
// their CRC-32 and size) and then by a header signature: a chance match
// inside the data would have to agree on all of these. It consumes the
// descriptor and keeps its CRC-32 and uncompressed size.
type descScanner struct {
	pr  *posReader
	crc hash.Hash32 // of the data, checked against the descriptor if non-nil
	n   uint64      // bytes of data so far

	done  bool
	crc32 uint32 // from the descriptor
	usize uint64
}

func (d *descScanner) Read(p []byte) (int, error) {
	if d.done {
		return 0, io.EOF
	}
	br := d.pr.br
	buf, err := br.Peek(br.Size())
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return 0, err
	}
	i := bytes.Index(buf, []byte("PK\x07\x08"))
	if i == 0 {
		if d.match(buf, err == io.EOF) {
			d.done = true
			return 0, io.EOF
		}
		i = 1 // not a descriptor: its first byte is data
	}
	if i < 0 {
		i = len(buf) - 3 // keep what may be the start of a signature
		if err == io.EOF {
			i = len(buf)
		}
	}
	if i <= 0 {
		return 0, io.ErrUnexpectedEOF // no descriptor before the end
	}
	n := copy(p, buf[:i])
	if d.crc != nil {
		d.crc.Write(p[:n])
	}
	br.Discard(n)
	d.pr.n += int64(n)
	d.n += uint64(n)
	return n, nil
}

// match reports whether b starts with the descriptor of the data read so
// far, and if so consumes it. eof says whether b runs to the end of input.
func (d *descScanner) match(b []byte, eof bool) bool {
	le := binary.LittleEndian
	for _, wide := range []bool{false, true} {
		size := 16
		if wide {
			size = 24
		}
		if len(b) < size {
			return false
		}
		crc, csize, usize := le.Uint32(b[4:]), uint64(le.Uint32(b[8:])), uint64(le.Uint32(b[12:]))
		if wide {
			csize, usize = le.Uint64(b[8:]), le.Uint64(b[16:])
		}
		next := b[size:]
		if csize != d.n || !(isZipSig(next) || eof && len(next) == 0) {
			continue
		}
		if d.crc != nil && (crc != d.crc.Sum32() || usize != d.n) {
			continue
		}
		d.crc32, d.usize = crc, usize
		d.pr.br.Discard(size)
		d.pr.n += int64(size)
		return true
	}
	return false
}

// An exactReader reads n more bytes, and fails with io.ErrUnexpectedEOF if
// r ends first.
type exactReader struct {
	r io.Reader
	n int64
}

func (x *exactReader) Read(p []byte) (int, error) {
	if x.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > x.n {
		p = p[:x.n]
	}
	n, err := x.r.Read(p)
	x.n -= int64(n)
	if err == io.EOF && x.n > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// walkZipFile walks a zip through its central directory (see readZipDir). If
// there is none (a truncated zip), or it cannot be read, it says so and walks
// the local headers instead.
func (w *walker) walkZipFile(path string, layers []Kind, ra io.ReaderAt, size int64) {
	recs, err := readZipDir(ra, size)
	if err != nil {
		w.report(w.classify(path, Zip, fmt.Errorf("central directory: %w", err)))
		if !w.stopped() {
			w.walkZipStream(path, layers, bufio.NewReaderSize(io.NewSectionReader(ra, 0, size), bufSize))
		}
		return
	}
	for _, z := range recs {
		if w.stopped() {
			return
		}
		if z.special {
			continue // directories, links, devices
		}
		name := make([]byte, z.nameLen)
		if _, err := ra.ReadAt(name, z.nameOff); err != nil && err != io.EOF {
			w.report(w.classify(path, Zip, fmt.Errorf("name at %#x: %w", z.nameOff, err)))
			continue
		}
		mpath := path + "!/" + dumpio.Escape(string(name))
		switch {
		case z.flags&(flagEncrypted|flagStrong) != 0 || z.method == methodAES:
			w.report(&Error{Path: mpath, Err: ErrEncrypted, Msg: fmt.Sprintf("zip: flags %#04x method %d", z.flags, z.method)})
			continue
		case z.fault != faultNone:
			w.report(z.error(mpath))
			continue
		}
		if unsafeName(string(name)) {
			w.report(&Error{Path: mpath, Err: ErrTraversal, Msg: "zip: name " + strconv.Quote(string(name))})
		}
		src := &countReader{r: io.NewSectionReader(ra, z.data, int64(z.csize))}
		dec, err := w.zipDecoder(z.method, src)
		if err != nil {
			w.report(w.classify(mpath, Zip, err))
			continue
		}
		var r io.Reader = dec
		if z.method != methodStore {
			r = w.newLayer(mpath, Zip, dec, src.count)
		}
		e := &zipEntry{w: w, path: mpath, r: r, hash: crc32.NewIEEE(), crc: z.crc, usize: z.usize}
		n := int64(-1)
		if z.usize <= math.MaxInt64 {
			n = int64(z.usize)
		}
		w.walk(mpath, layers, e, n)
		dec.Close()
		if e.err != nil {
			w.report(e.err)
		}
	}
}
