package scanner

import (
	"errors"
	"io"
	"math"
	"sort"

	"dumpguard/elfcore"
	"dumpguard/minidump"
)

// This file joins the format readers to the engine: each adapter turns a
// parsed dump into a Layout. The readers know nothing of detectors, and the
// engine knows nothing of formats beyond this file.

// formats are the dump formats LayoutOf tries, in order.
var formats = []func(io.ReaderAt, int64) (*Layout, error){minidumpLayout, elfcoreLayout}

func minidumpLayout(r io.ReaderAt, size int64) (*Layout, error) {
	f, err := minidump.NewFile(r, size)
	if errors.Is(err, minidump.ErrNotMinidump) {
		return nil, errNotThisFormat
	}
	if err != nil {
		return nil, err
	}
	l := &Layout{Format: "minidump", Warnings: f.Warnings, Detail: f.Summary()}
	for _, g := range f.Regions {
		l.Regions = append(l.Regions, Region{Off: g.Off, Size: g.Size, Addr: g.Addr, HasAddr: true,
			Kind: g.Kind, Module: g.Module, Thread: g.Thread, Protect: g.Protect})
	}
	// Memory ranges and streams the directory places past the end of the file:
	// the dump is truncated (or forged), and the scan incomplete.
	l.Missing = satAdd(f.MissingBytes(), f.MissingStreamBytes)
	l.Seams = seams(l.Regions)
	l.PartAt = func(off int64) (string, bool) {
		if s, ok := f.StreamAt(off); ok {
			return "stream:" + s.Name, true
		}
		return "", false
	}
	return l, nil
}

func elfcoreLayout(r io.ReaderAt, size int64) (*Layout, error) {
	f, err := elfcore.NewFile(r, size)
	if errors.Is(err, elfcore.ErrNotCore) {
		return nil, errNotThisFormat
	}
	if err != nil {
		return nil, err
	}
	l := &Layout{Format: "elf-core", Warnings: f.Warnings, Detail: f.Summary(), PartAt: f.PartAt}
	for _, g := range f.Regions {
		l.Regions = append(l.Regions, Region{Off: g.Off, Size: g.Size, Addr: g.Addr, HasAddr: true,
			Kind: g.Kind, Module: g.Module, Thread: g.Thread, Protect: g.Protect})
	}
	for _, g := range f.Missing {
		if g.Why != "not dumped" { // a filtered mapping is not a truncated core
			l.Missing = satAdd(l.Missing, g.Size)
		}
	}
	l.Seams = seams(l.Regions)
	return l, nil
}

// seams pairs regions that follow each other in the process but not in the
// file.
func seams(rs []Region) [][2]Region {
	byAddr := append([]Region(nil), rs...)
	sort.Slice(byAddr, func(i, j int) bool { return byAddr[i].Addr < byAddr[j].Addr })
	var out [][2]Region
	for i := 1; i < len(byAddr); i++ {
		a, b := byAddr[i-1], byAddr[i]
		if a.Addr+uint64(a.Size) == b.Addr && a.Off+a.Size != b.Off {
			out = append(out, [2]Region{a, b})
		}
	}
	return out
}

// satAdd adds two non-negative sizes, saturating instead of overflowing.
func satAdd(a, b int64) int64 {
	if b < 0 || a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
