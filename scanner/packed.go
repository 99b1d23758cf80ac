package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"dumpguard/container"
)

// This file scans compressed files and archives: every member is
// decompressed as a stream and scanned as it flows, never unpacked to disk.

// packed returns the container layer the file starts with, or "" for none.
func packed(r io.ReaderAt, size int64) container.Kind {
	head := make([]byte, min(size, container.SniffLen))
	n, _ := r.ReadAt(head, 0)
	if k := container.Sniff(head[:n]); k != container.Raw {
		return k
	}
	return ""
}

// memberName is the member path of a walk's member, or "" when the member is
// the input itself (a plain compressed file).
func memberName(input, path string) string {
	if path == input {
		return ""
	}
	return path
}

func kinds(ks []container.Kind) []string {
	out := make([]string, 0, len(ks))
	for _, k := range ks {
		out = append(out, string(k))
	}
	return out
}

// walkFunc runs a container walk with the given callbacks.
type walkFunc func(fn func(container.Member) error, onErr func(string, error)) error

// scanPacked scans every member a walk yields, one after the other, each
// through the pipeline (pipeline.go); each member's windows are spread over
// the pool. A member that cannot be read to its end is reported with an error
// and the walk goes on with the next one.
//
// The hunt pass needs a second read of a member: rewalk, when not nil, walks
// the input again, once for every member that wants a hunt. A stream that
// cannot be read twice (stdin) is hunted in its one pass.
func (p *Pool) scanPacked(ctx context.Context, name string, walk, rewalk walkFunc, opt *FileOptions) []FileReport {
	var reports []*FileReport
	var members []*dumpScan
	paths := map[*dumpScan]string{}
	fn := func(m container.Member) error {
		fr := &FileReport{Path: name, Member: memberName(name, m.Path), Layers: kinds(m.Layers), Errors: []string{}, Format: "raw"}
		d := newDumpScan(opt, fr)
		d.detect(streamSource{p, ctx, m.R}, rewalk != nil, compressedProgress(opt.Progress, m.Count))
		reports, members = append(reports, fr), append(members, d)
		paths[d] = m.Path
		return ctx.Err()
	}
	onErr := func(path string, err error) {
		msg := err.Error()
		for _, fr := range reports {
			if fr.Member == memberName(name, path) {
				if !slices.ContainsFunc(fr.Errors, func(e string) bool { return e == msg || errorsSame(e, msg) }) {
					fr.Errors = append(fr.Errors, msg)
				}
				return
			}
		}
		reports = append(reports, &FileReport{Path: name, Member: memberName(name, path), Format: "raw", Errors: []string{msg}, Findings: []Finding{}})
	}
	var failed error
	if err := walk(fn, onErr); err != nil {
		failed = err
	} else if rewalk != nil && slices.ContainsFunc(members, (*dumpScan).wantsHunt) {
		k := 0
		again := func(m container.Member) error {
			if k >= len(members) || paths[members[k]] != m.Path {
				return fmt.Errorf("%s: the archive changed between two reads", m.Path)
			}
			members[k].hunt(streamSource{p, ctx, m.R})
			k++
			return ctx.Err()
		}
		failed = rewalk(again, func(string, error) {}) // the first pass reported these
	}
	for _, d := range members {
		d.finish()
	}
	out := make([]FileReport, 0, len(reports)+1)
	for _, fr := range reports {
		out = append(out, *fr)
	}
	if failed != nil {
		if errors.Is(failed, context.Canceled) {
			failed = errors.New("scan interrupted")
		}
		out = append(out, FileReport{Path: name, Format: "raw", Errors: []string{failed.Error()}, Findings: []Finding{}})
	}
	if len(out) == 0 {
		// An archive with no member to scan is not an error: it holds no dump.
		out = append(out, FileReport{Path: name, Format: "raw", Errors: []string{}, Findings: []Finding{}})
	}
	return out
}

// compressedProgress reports progress in bytes of the input on disk, as the
// progress total counts them, rather than in decompressed bytes.
func compressedProgress(report func(int64), c *container.Counter) func(int64) {
	if report == nil || c == nil {
		return report
	}
	last := c.In()
	return func(int64) {
		if in := c.In(); in > last {
			report(in - last)
			last = in
		}
	}
}

// errorsSame reports whether a scan error and a walk error describe the same
// failure: the scan's wraps the walk's ("reading at offset 0x…: container: …").
func errorsSame(scanErr, walkErr string) bool {
	return len(scanErr) > len(walkErr) && scanErr[len(scanErr)-len(walkErr):] == walkErr
}

// inspectStream lays out each member of a stream (decompressing it) from the
// prefix kept while reading it through.
func inspectStream(ctx context.Context, name string, r io.Reader, lim container.Limits) ([]Inspection, error) {
	var out []Inspection
	var walkErrs []string
	fn := func(m container.Member) error {
		prefix := make([]byte, 0, 1<<20)
		buf := make([]byte, 1<<20)
		var size int64
		for {
			n, err := m.R.Read(buf)
			if len(prefix) < KeepPrefix {
				prefix = append(prefix, buf[:min(n, KeepPrefix-len(prefix))]...)
			}
			size += int64(n)
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		out = append(out, Inspection{Member: memberName(name, m.Path), Layout: streamLayout(StreamResult{Prefix: prefix, Size: size}), Size: size, Layers: kinds(m.Layers)})
		return nil
	}
	err := container.Walk(ctx, name, r, lim, fn, func(path string, err error) { walkErrs = append(walkErrs, err.Error()) })
	if err == nil && len(walkErrs) > 0 {
		err = errors.New(walkErrs[0])
	}
	return out, err
}
