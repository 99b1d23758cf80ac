package scanner

import (
	"context"
	"errors"
	"io"

	"dumpguard/internal/hunt"
)

// This file is the pipeline every dump goes through, whatever holds its
// bytes: a mapped file, an archive member that can be walked again, or a
// stream read once (standard input):
//
//	detect (the detectors, and the harvest of public keys)
//	  → plan (which public keys the hunt looks for, and what it leaves out)
//	  → hunt (a second pass over writable memory, for the planned keys)
//	  → merge (the hunt's findings with the detectors')
//	  → annotate (protected keys; the policy's annotations are the report's)
//
// A source that cannot be read twice is hunted in its one pass, for the
// protected keys only: the keys it holds are known only once it has been read.

// A source is the bytes of one dump, as the pipeline reads them.
type source interface {
	// detect reads the bytes once with opt and lays them out.
	detect(opt *Options) detected
	// hunt reads the bytes again with opt, in the layout detect found.
	hunt(l *Layout, opt *Options) ([]Finding, error)
}

// detected is what a source's first pass found.
type detected struct {
	fs     []Finding // on an error, those found before it
	layout *Layout
	size   int64 // of the dump
	read   int64 // bytes scanned before an error; size when there was none
	err    error
}

// A dumpScan is one dump going through the pipeline. Its report is fr.
type dumpScan struct {
	opt     *FileOptions
	fr      *FileReport
	h       *harvester // nil when the hunt wants no harvest, or cannot use it
	d       detected
	huntOpt *Options // the planned hunt pass; nil for none
	huntErr error
	budget  *hunt.Budget // of the hunt pass, or of the one pass of a stream read once
}

func newDumpScan(opt *FileOptions, fr *FileReport) *dumpScan {
	return &dumpScan{opt: opt, fr: fr}
}

// detect runs the first pass over src: the detectors, with the harvest when
// the hunt wants the dump's own public keys and src can be read again
// (again); otherwise with the hunt of the protected keys in the same pass.
// It then plans the hunt pass.
func (d *dumpScan) detect(src source, again bool, progress func(int64)) {
	o := d.opt.Options
	if progress != nil {
		o.Progress = progress
	}
	c := d.opt.Hunt
	if c != nil {
		switch {
		case !again:
			d.budget = hunt.NewBudget(0, c.Deep)
			o.Hunt = c.hunter(c.Protected, d.budget, false)
			if c.Harvest {
				// One pass: the harvest's derived keys are proved by the
				// public keys the stream holds (finish); the keys those
				// public keys lead to are not hunted, which needs a second read.
				d.h = newHarvester(c.Deep)
				d.h.hook(&o)
				d.fr.Warnings = append(d.fr.Warnings, "hunt: a stream read once is hunted for the --pubkeys keys and for the EC and Ed25519 scalars whose public keys it holds; the RSA numbers and the scalars its other public keys lead to need a second read (give a file, not a pipe)")
			}
			o.VisitMemory = func(buf []byte, m hunt.WordMap, off int64, owned int) bool {
				d.budget.Earn(int64(owned))
				return d.h != nil && d.h.memory(buf, m, off, owned)
			}
		case c.Harvest:
			d.h = newHarvester(c.Deep)
			d.h.hook(&o)
			if !c.Deep {
				o.DataWindow = d.h.dataWindow
			}
		}
	}
	d.d = src.detect(&o)
	d.fr.Size = d.d.size
	d.fr.describe(d.d.layout)
	if !again || c == nil {
		return
	}
	keys, warn := c.huntPlan(d.h)
	d.fr.Warnings = append(d.fr.Warnings, warn...)
	d.budget = hunt.NewBudget(d.d.size, c.Deep)
	if hu := c.hunter(keys, d.budget, d.h != nil); hu != nil && d.d.err == nil {
		d.huntOpt = &Options{Hunt: hu, Window: d.opt.Window}
		if d.h != nil && !c.Deep {
			d.huntOpt.SkipWindow = d.h.skipData(int64(d.huntOpt.window()), int64(d.huntOpt.Overlap()), d.d.size)
		}
	}
}

// wantsHunt reports whether the plan made by detect has a hunt pass.
func (d *dumpScan) wantsHunt() bool { return d.huntOpt != nil && len(d.fr.Errors) == 0 }

// hunt runs the planned hunt pass over src, the same bytes detect read, and
// merges its findings with the detectors'. When the hunt pass fails, the
// detectors' findings stay and the report says the hunt failed.
func (d *dumpScan) hunt(src source) {
	if !d.wantsHunt() {
		return
	}
	hunted, err := src.hunt(d.d.layout, d.huntOpt)
	d.huntOpt = nil
	if err != nil {
		d.huntErr = err
		return
	}
	d.h.placeSeeds(hunted, d.d.layout)
	d.d.fs = mergeHunt(d.d.fs, hunted)
}

// finish adds the findings of the seeds and scalars the harvest proved (see
// harvester.proved), annotates the findings and records the outcome in the
// report.
func (d *dumpScan) finish() {
	if d.h != nil {
		d.d.fs = mergeHunt(d.d.fs, d.h.proved(d.d.fs, d.opt.Hunt.Protected, d.d.layout))
	}
	err := d.d.err
	if err == nil && errors.Is(d.huntErr, context.Canceled) {
		err = d.huntErr // an interrupted hunt is an interrupted scan
	}
	d.fr.finish(d.d.fs, err, d.d.size, d.opt)
	switch {
	case err != nil:
		d.fr.ScannedBytes = d.d.read
	case d.huntErr != nil:
		d.fr.Errors = append(d.fr.Errors, "hunt: "+d.huntErr.Error())
	}
	if d.budget.Cut() || d.h != nil && d.h.budget.Cut() {
		d.fr.Warnings = append(d.fr.Warnings, cutWarning)
		d.fr.Errors = append(d.fr.Errors, errCut)
	}
}

// mappedSource is a file read through io.ReaderAt, laid out by its format.
type mappedSource struct {
	p    *Pool
	ctx  context.Context
	r    io.ReaderAt
	size int64
}

func (s mappedSource) detect(opt *Options) detected {
	l := LayoutOf(s.r, s.size)
	fs, err := s.p.Scan(s.ctx, s.r, s.size, l, opt)
	d := detected{fs: fs, layout: l, size: s.size, read: s.size, err: err}
	if err != nil {
		d.read = 0 // which windows were scanned is not known
	}
	return d
}

func (s mappedSource) hunt(l *Layout, opt *Options) ([]Finding, error) {
	return s.p.Scan(s.ctx, s.r, s.size, l, opt)
}

// streamSource is a stream read front to back, laid out from the prefix kept
// while reading it.
type streamSource struct {
	p   *Pool
	ctx context.Context
	r   io.Reader
}

func (s streamSource) detect(opt *Options) detected {
	res, err := s.p.ScanStream(s.ctx, s.r, KeepPrefix, nil, opt)
	l := streamLayout(res)
	Relocate(res.Findings, l)
	return detected{fs: res.Findings, layout: l, size: res.Size, read: res.Size, err: err}
}

func (s streamSource) hunt(l *Layout, opt *Options) ([]Finding, error) {
	res, err := s.p.ScanStream(s.ctx, s.r, 0, l, opt)
	return res.Findings, err
}
