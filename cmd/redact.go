package cmd

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/spf13/cobra"
	"golang.org/x/exp/mmap"

	"dumpguard/container"
	"dumpguard/scanner"
)

// redactFlags are the flags of `dumpguard redact`.
type redactFlags struct {
	scanFlags
	fill string
}

func newRedactCmd(s stdio) *cobra.Command {
	var f redactFlags
	c := &cobra.Command{
		Use:   "redact [flags] IN -o OUT",
		Short: "Write a copy of a dump with every key found overwritten",
		Long: `Write a copy of a dump in which the bytes of every key found (every piece of
a key found in pieces) are overwritten, with zeros or with --fill. The copy
keeps the dump's size and layout, so debuggers still open it. It is scanned
again before it is kept: if anything in it still blocks, nothing is written.
A report, OUT.redaction.json, lists what was overwritten: offsets, lengths and
key fingerprints, never the bytes.

A zstd or gzip file is redacted inside its compression and written with the
same compression; offsets in the report are then within the decompressed
dump. Archives (tar, zip) and other compressions are refused.

Exit status: 0 the redacted copy was written, 1 the copy still holds a
blocking key (nothing written), 2 usage error or an input that could not be
scanned or redacted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f.changed = c.Flags().Changed
			return f.run(c.Context(), s, args[0])
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "write the redacted copy to `OUT` (required)")
	fl.StringVar(&f.fill, "fill", "", "overwrite with this `TEXT` repeated (hex:414243 for bytes) instead of zeros")
	f.registerDetect(c)
	return c
}

// A redaction is the sidecar report, OUT.redaction.json.
type redaction struct {
	Version  int               `json:"version"`
	Input    redactedFile      `json:"input"`
	Output   redactedFile      `json:"output"`
	Fill     string            `json:"fill"`   // "zero", or the fill pattern in hex
	Ranges   []redactedRange   `json:"ranges"` // merged byte ranges overwritten
	Bytes    int64             `json:"bytes"`  // bytes overwritten
	Findings []scanner.Finding `json:"findings"`
	Rescan   scanner.Summary   `json:"rescan"`
}

type redactedFile struct {
	Path        string `json:"path"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`                  // bytes of the file
	Compression string `json:"compression,omitempty"` // zstd, gzip
	DumpSize    int64  `json:"dump_size"`             // bytes of the (decompressed) dump
	Format      string `json:"format"`
}

type redactedRange struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

func (f *redactFlags) run(ctx context.Context, s stdio, in string) error {
	st, err := f.setup(s)
	if err != nil {
		return err
	}
	if f.output == "" {
		return errors.New("-o OUT is required")
	}
	fill, fillName, err := parseFill(f.fill)
	if err != nil {
		return err
	}
	inInfo, err := os.Stat(in)
	if err != nil {
		return err
	}
	if !inInfo.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", in)
	}
	if outInfo, err := os.Stat(f.output); err == nil && os.SameFile(inInfo, outInfo) {
		return fmt.Errorf("%s: the output would overwrite the input", f.output)
	}
	m, err := mmap.Open(in)
	if err != nil {
		return err
	}
	defer m.Close()
	size := int64(m.Len())
	head := make([]byte, min(size, container.SniffLen))
	m.ReadAt(head, 0)
	kind := container.Sniff(head)
	switch kind {
	case container.Raw, container.Zstd, container.Gzip:
	default:
		return fmt.Errorf("%s: cannot redact inside %s: decompress or unpack it first", in, kind)
	}

	pool := scanner.NewPool(f.workers)
	defer pool.Close()
	opt := st.fileOptions(nil)
	type hashed struct {
		sum [32]byte
		err error
	}
	hc := make(chan hashed, 1)
	go func() {
		sum, err := hashMapped(m, size)
		hc <- hashed{sum, err}
	}()
	frs := pool.ScanAt(ctx, in, m, size, opt)
	h := <-hc
	if h.err != nil {
		return fmt.Errorf("%s: %v", in, h.err)
	}
	if len(frs) != 1 || frs[0].Member != "" || kind != container.Raw && !slices.Equal(frs[0].Layers, []string{string(kind)}) {
		return fmt.Errorf("%s: cannot redact an archive or nested compression: unpack it first", in)
	}
	fr := frs[0]
	for _, e := range fr.Errors {
		st.warn(fmt.Sprintf("%s: %s", in, e))
	}
	if fr.Failed(f.allowPartial) {
		st.warn(fmt.Sprintf("%s: not redacted: the dump could not be scanned completely", in))
		return errIncomplete
	}
	spans, err := mergeSpans(fr.Findings, fr.Size)
	if err != nil {
		return fmt.Errorf("%s: %v", in, err)
	}

	w, err := createAtomic(f.output)
	if err != nil {
		return err
	}
	defer w.abort()
	rw := &redactWriter{w: w, spans: spans, fill: fill}
	if kind == container.Raw {
		err = copyMapped(rw, m, size)
	} else {
		err = redactCompressed(ctx, in, m, size, kind, rw, st.limits)
	}
	if err == nil && rw.pos != fr.Size {
		err = fmt.Errorf("wrote %d bytes of a %d-byte dump", rw.pos, fr.Size)
	}
	if err != nil {
		return fmt.Errorf("%s: redacting: %v", in, err)
	}
	if err := w.Chmod(inInfo.Mode().Perm()); err != nil {
		return err
	}
	if err := w.Sync(); err != nil {
		return err
	}

	// Scan the copy as it will be kept.
	again := pool.ScanFile(ctx, w.Name(), st.fileOptions(nil))
	for i := range again {
		again[i].Path = f.output
	}
	sum := scanner.Summarize(again, st.policy, f.allowPartial)
	switch {
	case len(again) != 1 || again[0].Size != fr.Size || again[0].Format != fr.Format:
		return fmt.Errorf("%s: the redacted copy does not read back as the same dump", in)
	case sum.Blocking > 0:
		writeText(s.out, &scanner.Report{Files: again, Summary: sum}, st.policy)
		st.warn(fmt.Sprintf("%s: the redacted copy still holds %d blocking keys; nothing written", in, sum.Blocking))
		return errFound
	case sum.Errors > 0:
		return fmt.Errorf("%s: the redacted copy could not be scanned completely", in)
	}
	outSum, err := hashFile(w.Name(), false)
	if err != nil {
		return err
	}
	outStat, err := w.Stat()
	if err != nil {
		return err
	}

	rep := redaction{
		Version:  scanner.ReportVersion,
		Input:    redactedFile{Path: in, SHA256: hex.EncodeToString(h.sum[:]), Size: size, DumpSize: fr.Size, Format: fr.Format},
		Output:   redactedFile{Path: f.output, SHA256: hex.EncodeToString(outSum[:]), Size: outStat.Size(), DumpSize: again[0].Size, Format: again[0].Format},
		Fill:     fillName,
		Ranges:   []redactedRange{},
		Findings: fr.Findings,
		Rescan:   sum,
	}
	if kind != container.Raw {
		rep.Input.Compression, rep.Output.Compression = string(kind), string(kind)
	}
	for _, sp := range spans {
		rep.Ranges = append(rep.Ranges, redactedRange{sp[0], sp[1] - sp[0]})
		rep.Bytes += sp[1] - sp[0]
	}
	side, err := createAtomic(f.output + ".redaction.json")
	if err != nil {
		return err
	}
	defer side.abort()
	if err := writeIndented(side, rep); err != nil {
		return err
	}
	if err := side.commit(); err != nil {
		return err
	}
	if err := w.commit(); err != nil {
		os.Remove(f.output + ".redaction.json")
		return err
	}
	_, err = fmt.Fprintf(s.out, "redacted %d findings (%d bytes in %d ranges): %s -> %s\n", len(fr.Findings), rep.Bytes, len(rep.Ranges), in, f.output)
	return err
}

// parseFill returns the fill pattern (nil for zeros) and its name for the report.
func parseFill(s string) ([]byte, string, error) {
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

// mergeSpans returns the sorted, merged byte ranges of every finding.
func mergeSpans(fs []scanner.Finding, size int64) ([][2]int64, error) {
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

// A redactWriter passes a dump through, overwriting the bytes in spans.
type redactWriter struct {
	w       io.Writer
	spans   [][2]int64 // sorted, merged
	fill    []byte     // nil for zeros
	pos     int64
	scratch []byte
}

func (r *redactWriter) Write(p []byte) (int, error) {
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

// copyMapped copies a mapped file; a file that shrinks under the mapping is
// an error, not a crash.
func copyMapped(w io.Writer, r io.ReaderAt, size int64) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			err = errors.New("the file shrank while it was read")
		}
	}()
	_, err = io.Copy(w, io.NewSectionReader(r, 0, size))
	return err
}

// redactCompressed decompresses the one member of a zstd or gzip file through
// rw and compresses the result again, the same way.
func redactCompressed(ctx context.Context, name string, m io.ReaderAt, size int64, kind container.Kind, rw *redactWriter, lim container.Limits) error {
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
