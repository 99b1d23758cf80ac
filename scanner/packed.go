package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"dumpguard/container"
	"dumpguard/detectors"
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

// memberScan is what the first pass learnt of one member, for the hunt's pass.
type memberScan struct {
	path   string
	report int // index in the reports
	layout *Layout
	h      *harvester
	keys   []detectors.PublicKey // what the hunt pass looks for in it
}

// scanPacked scans every member a walk yields, one after the other; each
// member's windows are spread over the pool. A member that cannot be read to
// its end is reported with an error and the walk goes on with the next one.
//
// The hunt needs a second pass over a member (it hunts the public keys the
// first pass found, in the regions the first pass laid out): rewalk, when not
// nil, walks the input again. A stream that cannot be read twice (stdin) is
// hunted in its one pass, for the protected keys only.
func (p *Pool) scanPacked(ctx context.Context, name string, walk, rewalk walkFunc, opt *FileOptions) []FileReport {
	var reports []FileReport
	var members []memberScan
	oneHuntPass := opt.Hunt != nil && rewalk == nil
	fn := func(m container.Member) error {
		fr := FileReport{Path: name, Member: memberName(name, m.Path), Layers: kinds(m.Layers), Errors: []string{}, Format: "raw"}
		o, h := firstPass(opt)
		if oneHuntPass {
			h, o.Visit = nil, nil
			if ho := opt.Hunt.huntOptions(opt.Hunt.Protected, opt.Window); ho != nil {
				o.Hunt, o.Deep = ho.Hunt, ho.Deep
			}
			if opt.Hunt.Harvest {
				fr.Warnings = append(fr.Warnings, "hunt: a stream read once is hunted for the --pubkeys keys only, not for the public keys inside it")
			}
		}
		o.Progress = compressedProgress(opt.Progress, m.Count)
		res, err := p.ScanStream(ctx, m.R, KeepPrefix, nil, &o)
		fr.Size = res.Size
		l := streamLayout(res)
		fr.describe(l)
		Relocate(res.Findings, l)
		fr.finish(res.Findings, err, res.Size, opt)
		if err != nil {
			fr.ScannedBytes = res.Size
		}
		reports = append(reports, fr)
		members = append(members, memberScan{path: m.Path, report: len(reports) - 1, layout: l, h: h})
		return ctx.Err()
	}
	onErr := func(path string, err error) {
		msg := err.Error()
		for i := range reports {
			if reports[i].Member == memberName(name, path) {
				if !slices.ContainsFunc(reports[i].Errors, func(e string) bool { return e == msg || errorsSame(e, msg) }) {
					reports[i].Errors = append(reports[i].Errors, msg)
				}
				return
			}
		}
		reports = append(reports, FileReport{Path: name, Member: memberName(name, path), Format: "raw", Errors: []string{msg}, Findings: []Finding{}})
	}
	fail := func(err error) {
		if errors.Is(err, context.Canceled) {
			err = errors.New("scan interrupted")
		}
		reports = append(reports, FileReport{Path: name, Format: "raw", Errors: []string{err.Error()}, Findings: []Finding{}})
	}
	if err := walk(fn, onErr); err != nil {
		fail(err)
	} else if opt.Hunt != nil && rewalk != nil {
		if err := p.huntPacked(ctx, rewalk, members, reports, opt); err != nil {
			fail(err)
		}
	}
	if len(reports) == 0 {
		// An archive with no member to scan is not an error: it holds no dump.
		reports = append(reports, FileReport{Path: name, Format: "raw", Errors: []string{}, Findings: []Finding{}})
	}
	return reports
}

// huntPacked walks the input a second time and hunts each member, in the
// layout and for the public keys its first pass found.
func (p *Pool) huntPacked(ctx context.Context, rewalk walkFunc, members []memberScan, reports []FileReport, opt *FileOptions) error {
	need := false
	for i := range members {
		ms := &members[i]
		var warn []string
		ms.keys, warn = opt.Hunt.huntPlan(ms.h)
		need = need || len(reports[ms.report].Errors) == 0 && len(ms.keys) > 0
		reports[ms.report].Warnings = append(reports[ms.report].Warnings, warn...)
	}
	if !need {
		return nil
	}
	k := 0
	fn := func(m container.Member) error {
		if k >= len(members) || members[k].path != m.Path {
			return fmt.Errorf("%s: the archive changed between two reads", m.Path)
		}
		ms := members[k]
		k++
		fr := &reports[ms.report]
		ho := opt.Hunt.huntOptions(ms.keys, opt.Window)
		if ho == nil || len(fr.Errors) > 0 {
			return nil
		}
		res, err := p.ScanStream(ctx, m.R, 0, ms.layout, ho)
		if err != nil {
			fr.Errors = append(fr.Errors, "hunt: "+err.Error())
			return ctx.Err()
		}
		markProtected(res.Findings, opt.Hunt)
		for i := range res.Findings {
			res.Findings[i].Member = fr.Member
			if opt.Annotate != nil {
				opt.Annotate(&res.Findings[i])
			}
		}
		fr.Findings = mergeHunt(fr.Findings, res.Findings)
		return ctx.Err()
	}
	return rewalk(fn, func(string, error) {}) // the first pass reported these
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
