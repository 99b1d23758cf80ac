// Package redact writes a copy of a dump with the bytes of every key found
// overwritten: it plans the byte ranges from the findings, streams the dump
// through an overwriting writer (inside its zstd or gzip compression, which it
// writes again, beside the decoders of container), scans the copy again, and
// keeps it, with its sidecar report, only if nothing in it still blocks. It
// imports scanner, container, dumpio, policy, report (its sidecar's shapes)
// and release (to write atomically), and nothing that prints.
package redact

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/exp/mmap"

	"dumpguard/container"
	"dumpguard/internal/dumpio"
	"dumpguard/internal/policy"
	"dumpguard/internal/release"
	"dumpguard/internal/report"
	"dumpguard/scanner"
)

// Options say what to redact, how, and under which policy.
type Options struct {
	In, Out      string
	Fill         []byte // nil for zeros
	FillName     string // "zero", or the fill in hex, for the report
	Pool         *scanner.Pool
	Scan         func() *scanner.FileOptions // fresh options for each scan
	Limits       container.Limits
	Policy       *policy.Policy // what blocks; its file is recorded in the report
	AllowPartial bool
	Tool         string // the dumpguard build, recorded in the report
}

// ErrIncomplete is returned when the dump could not be scanned completely:
// nothing is written.
var ErrIncomplete = errors.New("not redacted: the dump could not be scanned completely")

// A StillBlockedError is returned when the redacted copy still holds
// blocking keys: nothing is written.
type StillBlockedError struct {
	Rescan *report.Report // of the copy
}

func (e *StillBlockedError) Error() string {
	return fmt.Sprintf("the redacted copy still holds %d blocking keys; nothing written", e.Rescan.Summary.Blocking)
}

// A Report is the sidecar report, OUT.redaction.json.
type Report struct {
	Version  int                `json:"version"`
	Tool     string             `json:"tool,omitempty"`
	Policy   *report.PolicyFile `json:"policy,omitempty"`
	Input    File               `json:"input"`
	Output   File               `json:"output"`
	Fill     string             `json:"fill"`   // "zero", or the fill pattern in hex
	Ranges   []Range            `json:"ranges"` // merged byte ranges overwritten
	Bytes    int64              `json:"bytes"`  // bytes overwritten
	Findings []report.Finding   `json:"findings"`
	Rescan   report.Summary     `json:"rescan"`
}

// A File is one side of a redaction.
type File struct {
	Path        string `json:"path"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`                  // bytes of the file
	Compression string `json:"compression,omitempty"` // zstd, gzip
	DumpSize    int64  `json:"dump_size"`             // bytes of the (decompressed) dump
	Format      string `json:"format"`
}

// A Range is bytes overwritten.
type Range struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

// ParseFill returns the fill pattern (nil for zeros) and its name for the
// report: "zero", "hex:414243", or text repeated.
func ParseFill(s string) ([]byte, string, error) {
	switch {
	case s == "" || s == "zero":
		return nil, "zero", nil
	case strings.HasPrefix(s, "hex:"):
		b, err := hex.DecodeString(s[len("hex:"):])
		if err != nil || len(b) == 0 {
			return nil, "", fmt.Errorf("--fill %q: want hex digits after \"hex:\"", s)
		}
		return b, hex.EncodeToString(b), nil
	}
	return []byte(s), hex.EncodeToString([]byte(s)), nil
}

// Redact writes the redacted copy of opt.In to opt.Out and its report to
// opt.Out+".redaction.json", both atomically, and returns the report. The
// input's warnings and errors go through warn.
func Redact(ctx context.Context, opt Options, warn func(string)) (*Report, error) {
	in := opt.In
	inInfo, err := os.Stat(in)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", in, release.Cause(err))
	case inInfo.IsDir():
		return nil, fmt.Errorf("%s: is a directory: redact writes a copy of one dump file (scan and gate take directories)", in)
	case !inInfo.Mode().IsRegular():
		return nil, fmt.Errorf("%s: not a regular file", in)
	}
	if outInfo, err := os.Stat(opt.Out); err == nil && os.SameFile(inInfo, outInfo) {
		return nil, fmt.Errorf("%s: the output would overwrite the input", opt.Out)
	}
	mf, err := mmap.Open(in)
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	size := int64(mf.Len())
	// Every read of the mapping, here and in the scanner and container
	// readers it is handed to, goes through dumpio: a file that shrinks
	// under its mapping is an error, not a SIGBUS.
	m := dumpio.Guard(mf)
	head := make([]byte, min(size, container.SniffLen))
	dumpio.ReadAt(m, head, 0)
	kind := container.Sniff(head)
	switch kind {
	case container.Raw, container.Zstd, container.Gzip:
	default:
		return nil, fmt.Errorf("%s: cannot redact inside %s: decompress or unpack it first", in, kind)
	}

	type hashed struct {
		sum [32]byte
		err error
	}
	hc := make(chan hashed, 1)
	go func() {
		h := sha256.New()
		_, err := dumpio.Copy(h, m, 0, size)
		hc <- hashed{[32]byte(h.Sum(nil)), err}
	}()
	frs := opt.Pool.ScanAt(ctx, in, m, size, opt.Scan())
	h := <-hc
	if h.err != nil {
		return nil, fmt.Errorf("%s: %v", in, h.err)
	}
	if len(frs) != 1 || frs[0].Member != "" || kind != container.Raw && !slices.Equal(frs[0].Layers, []string{string(kind)}) {
		return nil, fmt.Errorf("%s: cannot redact an archive or nested compression: unpack it first", in)
	}
	fr := frs[0]
	for _, e := range fr.Errors {
		warn(fmt.Sprintf("%s: %s", in, e))
	}
	if fr.Failed(opt.AllowPartial) {
		return nil, ErrIncomplete
	}
	spans, err := Plan(fr.Findings, fr.Size)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", in, err)
	}

	w, err := release.Create(opt.Out)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	rw := &Writer{w: w, spans: spans, fill: opt.Fill}
	if kind == container.Raw {
		_, err = dumpio.Copy(rw, m, 0, size)
	} else {
		err = redactCompressed(ctx, in, m, size, kind, rw, opt.Limits)
	}
	if err == nil && rw.pos != fr.Size {
		err = fmt.Errorf("wrote %d bytes of a %d-byte dump", rw.pos, fr.Size)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: redacting: %v", in, err)
	}
	if err := w.Chmod(inInfo.Mode().Perm()); err != nil {
		return nil, err
	}
	if err := w.Sync(); err != nil {
		return nil, err
	}

	// Scan the copy as it will be kept.
	again := opt.Pool.ScanFile(ctx, w.Name(), opt.Scan())
	for i := range again {
		again[i].Path = opt.Out
	}
	rescan := report.New(again, opt.Policy, opt.AllowPartial)
	sum := rescan.Summary
	switch {
	case len(again) != 1 || again[0].Size != fr.Size || again[0].Format != fr.Format:
		return nil, fmt.Errorf("%s: the redacted copy does not read back as the same dump", in)
	case sum.Blocking > 0:
		return nil, &StillBlockedError{rescan}
	case sum.Errors > 0:
		return nil, fmt.Errorf("%s: the redacted copy could not be scanned completely", in)
	}
	outSum, err := hashFile(w.Name())
	if err != nil {
		return nil, err
	}
	outStat, err := w.Stat()
	if err != nil {
		return nil, err
	}

	rep := &Report{
		Version:  report.SchemaVersion,
		Tool:     opt.Tool,
		Policy:   rescan.Policy,
		Input:    File{Path: in, SHA256: hex.EncodeToString(h.sum[:]), Size: size, DumpSize: fr.Size, Format: fr.Format},
		Output:   File{Path: opt.Out, SHA256: hex.EncodeToString(outSum[:]), Size: outStat.Size(), DumpSize: again[0].Size, Format: again[0].Format},
		Fill:     opt.FillName,
		Ranges:   []Range{},
		Findings: report.Findings(fr.Findings, opt.Policy),
		Rescan:   sum,
	}
	if kind != container.Raw {
		rep.Input.Compression, rep.Output.Compression = string(kind), string(kind)
	}
	for _, sp := range spans {
		rep.Ranges = append(rep.Ranges, Range{sp[0], sp[1] - sp[0]})
		rep.Bytes += sp[1] - sp[0]
	}
	side, err := release.Create(opt.Out + ".redaction.json")
	if err != nil {
		return nil, err
	}
	defer side.Abort()
	if err := report.Indented(side, rep); err != nil {
		return nil, err
	}
	if err := side.Commit(); err != nil {
		return nil, err
	}
	if err := w.Commit(); err != nil {
		os.Remove(opt.Out + ".redaction.json")
		return nil, err
	}
	return rep, nil
}

func hashFile(name string) ([32]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return [32]byte{}, err
	}
	defer f.Close()
	h := sha256.New()
	_, err = io.Copy(h, f)
	return [32]byte(h.Sum(nil)), err
}

// Plan returns the sorted, merged byte ranges of every finding.
func Plan(fs []scanner.Finding, size int64) ([][2]int64, error) {
	var spans [][2]int64
	for i := range fs {
		for _, sp := range fs[i].Spans() {
			if sp[0] < 0 || sp[1] < sp[0] || sp[1] > size {
				return nil, fmt.Errorf("finding range %#x-%#x outside the %d-byte dump", sp[0], sp[1], size)
			}
			if sp[1] > sp[0] {
				spans = append(spans, sp)
			}
		}
	}
	slices.SortFunc(spans, func(a, b [2]int64) int { return int(max(min(a[0]-b[0], 1), -1)) })
	out := spans[:0]
	for _, sp := range spans {
		if k := len(out); k > 0 && sp[0] <= out[k-1][1] {
			out[k-1][1] = max(out[k-1][1], sp[1])
			continue
		}
		out = append(out, sp)
	}
	return out, nil
}

// A Writer passes a dump through to w, overwriting the bytes in spans
// (sorted and merged, as Plan returns them) with fill repeated, or zeros.
type Writer struct {
	w       io.Writer
	spans   [][2]int64
	fill    []byte
	pos     int64
	scratch []byte
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer, spans [][2]int64, fill []byte) *Writer {
	return &Writer{w: w, spans: spans, fill: fill}
}

func (r *Writer) Write(p []byte) (int, error) {
	end := r.pos + int64(len(p))
	for len(r.spans) > 0 && r.spans[0][1] <= r.pos {
		r.spans = r.spans[1:]
	}
	if len(r.spans) == 0 || r.spans[0][0] >= end {
		n, err := r.w.Write(p)
		r.pos += int64(n)
		return n, err
	}
	r.scratch = append(r.scratch[:0], p...)
	for _, sp := range r.spans {
		if sp[0] >= end {
			break
		}
		a, b := max(sp[0], r.pos), min(sp[1], end)
		for i := a; i < b; i++ {
			var c byte
			if r.fill != nil {
				c = r.fill[(i-sp[0])%int64(len(r.fill))]
			}
			r.scratch[i-r.pos] = c
		}
	}
	n, err := r.w.Write(r.scratch)
	r.pos += int64(n)
	return n, err
}

// redactCompressed decompresses the one member of a zstd or gzip file through
// rw and compresses the result again, the same way.
func redactCompressed(ctx context.Context, name string, m io.ReaderAt, size int64, kind container.Kind, rw *Writer, lim container.Limits) error {
	out := rw.w
	var enc io.WriteCloser
	var err error
	switch kind {
	case container.Zstd:
		enc, err = zstd.NewWriter(out)
	case container.Gzip:
		enc = gzip.NewWriter(out)
	}
	if err != nil {
		return err
	}
	rw.w = enc
	members := 0
	var walkErr error
	err = container.WalkFile(ctx, name, m, size, lim, func(mb container.Member) error {
		members++
		if members > 1 || len(mb.Layers) != 1 || mb.Layers[0] != kind {
			return fmt.Errorf("cannot redact an archive or nested compression")
		}
		_, err := io.Copy(rw, mb.R)
		return err
	}, func(_ string, err error) {
		if walkErr == nil {
			walkErr = err
		}
	})
	if err == nil {
		err = walkErr
	}
	if err != nil {
		enc.Close()
		return err
	}
	return enc.Close()
}
