package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/exp/mmap"

	"dumpguard/container"
)

// FileOptions configure [Pool.ScanFile].
type FileOptions struct {
	Options
	// Limits bound the decompression of compressed files and archives.
	Limits container.Limits
	// Hunt, when set, hunts the private halves of known public keys.
	Hunt *HuntConfig
}

// ScanFile scans one file on disk, whatever it holds: a minidump, an ELF core,
// anything else as raw bytes. It never fails silently: a file that cannot be
// opened, read or parsed has an entry in its report's Errors.
func (p *Pool) ScanFile(ctx context.Context, name string, opt *FileOptions) []FileReport {
	fr := FileReport{Path: name, Format: "raw", Errors: []string{}, Findings: []Finding{}}
	st, err := os.Stat(name)
	if err != nil {
		fr.Errors = append(fr.Errors, err.Error())
		return []FileReport{fr}
	}
	if !st.Mode().IsRegular() {
		fr.Errors = append(fr.Errors, fmt.Sprintf("%s: not a regular file", name))
		return []FileReport{fr}
	}
	m, err := mmap.Open(name)
	if err != nil {
		fr.Errors = append(fr.Errors, err.Error())
		return []FileReport{fr}
	}
	defer m.Close()
	return p.ScanAt(ctx, name, m, int64(m.Len()), opt)
}

// ScanAt scans the size bytes of r, a file the caller has opened (and
// mapped) itself, as [Pool.ScanFile] scans a file by name. The caller keeps r
// open until ScanAt returns.
func (p *Pool) ScanAt(ctx context.Context, name string, m io.ReaderAt, size int64, opt *FileOptions) []FileReport {
	fr := FileReport{Path: name, Format: "raw", Errors: []string{}, Findings: []Finding{}}
	if packed(m, size) != "" {
		walk := func(fn func(container.Member) error, onErr func(string, error)) error {
			return container.WalkFile(ctx, name, m, size, opt.Limits, fn, onErr)
		}
		return p.scanPacked(ctx, name, walk, walk, opt)
	}
	d := newDumpScan(opt, &fr)
	src := mappedSource{p, ctx, m, size}
	d.detect(src, true, nil)
	d.hunt(src)
	d.finish()
	return []FileReport{fr}
}

// describe copies what the layout says of the file into the report.
func (fr *FileReport) describe(l *Layout) {
	fr.Format = l.Format
	fr.Warnings = append(fr.Warnings, l.Warnings...)
	fr.MissingBytes = l.Missing
	if l.Missing > 0 {
		fr.Partial = true
	}
	if l.ParseError != nil {
		fr.Errors = append(fr.Errors, fmt.Sprintf("could not be parsed, scanned as raw bytes: %v", l.ParseError))
	}
}

// finish records a scan's outcome.
func (fr *FileReport) finish(fs []Finding, err error, scanned int64, opt *FileOptions) {
	if fs == nil {
		fs = []Finding{}
	}
	markProtected(fs, opt.Hunt)
	for i := range fs {
		fs[i].Member = fr.Member
	}
	fr.Findings = fs
	fr.ScannedBytes = scanned
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("scan interrupted")
		}
		fr.Errors = append(fr.Errors, err.Error())
		fr.ScannedBytes = 0
	}
}

// LayoutOf works out the format of the size bytes of r. A file that claims a
// format (by its magic) but does not parse is laid out raw, with ParseError set.
func LayoutOf(r io.ReaderAt, size int64) *Layout {
	for _, f := range formats {
		l, err := f(r, size)
		if errors.Is(err, errNotThisFormat) {
			continue
		}
		if err != nil {
			raw := RawLayout(size)
			raw.ParseError = err
			return raw
		}
		return l
	}
	return RawLayout(size)
}

// errNotThisFormat is what a format adapter returns for a file of another format.
var errNotThisFormat = errors.New("not this format")

// KeepPrefix is how much of a stream is kept in memory to parse its format
// once it has been scanned. Both minidumps and ELF cores put their directory and
// headers first; a dump whose metadata lies beyond this is still scanned whole,
// but its findings are not placed in the process.
const KeepPrefix = 64 << 20

// errBeyondPrefix is what a parser meets when it reads a stream's metadata
// past the part kept in memory.
var errBeyondPrefix = errors.New("metadata lies beyond the part of the stream kept for parsing")

// prefixReader serves the kept prefix of a stream of a known total size.
type prefixReader struct {
	b []byte
}

func (p prefixReader) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(p.b)) {
		return 0, errBeyondPrefix
	}
	n := copy(b, p.b[off:])
	if n < len(b) {
		return n, errBeyondPrefix
	}
	return n, nil
}

// ScanReader scans a stream read once, front to back, such as standard input;
// compressed streams and archives are unpacked as they flow.
func (p *Pool) ScanReader(ctx context.Context, name string, r io.Reader, opt *FileOptions) []FileReport {
	return p.scanPacked(ctx, name, func(fn func(container.Member) error, onErr func(string, error)) error {
		return container.Walk(ctx, name, r, opt.Limits, fn, onErr)
	}, nil, opt)
}

// streamLayout parses the kept prefix of a scanned stream.
func streamLayout(res StreamResult) *Layout {
	l := LayoutOf(prefixReader{res.Prefix}, res.Size)
	if l.ParseError != nil && errors.Is(l.ParseError, errBeyondPrefix) {
		raw := RawLayout(res.Size)
		raw.Warnings = append(raw.Warnings, fmt.Sprintf("findings not placed in the process: %v", l.ParseError))
		return raw
	}
	return l
}
