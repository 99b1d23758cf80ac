package scanner

import (
	"errors"
	"io"
	"sort"

	"dumpguard/elfcore"
	"dumpguard/internal/dumpio"
	"dumpguard/minidump"
)

// This file joins the format readers to the engine, and is the only file of
// the scanner that names them: each adapter turns a parsed dump into a Layout
// whose Detail describes the dump for `inspect`. The readers know nothing of
// detectors, and the engine and the commands know nothing of formats beyond
// this file. A new format is one reader package, one adapter here and one
// entry in formats.

// formats are the dump formats LayoutOf tries, in order. An adapter returns
// errNotThisFormat for a file of another format.
var formats = []func(io.ReaderAt, int64) (*Layout, error){minidumpLayout, elfcoreLayout}

// A Description is a format's own account of a dump, for `inspect`: it
// marshals to the JSON "detail" of `inspect --format json`, and writes the
// lines that the text form prints between the format and the regions.
// minidump.Summary and elfcore.Summary are Descriptions.
type Description interface {
	WriteText(w io.Writer) error
	// FileCoverage counts the file's bytes by what they hold; the counts add
	// up to the file size.
	FileCoverage() map[string]int64
}

func minidumpLayout(r io.ReaderAt, size int64) (*Layout, error) {
	f, err := minidump.NewFile(r, size)
	if errors.Is(err, minidump.ErrNotMinidump) {
		return nil, errNotThisFormat
	}
	if err != nil {
		return nil, err
	}
	s := f.Summary()
	s.Regions = nil // inspect lists the Layout's regions, as it does an ELF core's
	l := &Layout{Format: "minidump", Warnings: f.Warnings, Detail: s}
	for _, g := range f.Regions {
		l.Regions = append(l.Regions, Region{Off: g.Off, Size: g.Size, Addr: g.Addr, HasAddr: true,
			Kind: g.Kind, Module: g.Module, Thread: g.Thread, Protect: g.Protect})
	}
	// Memory ranges and streams the directory places past the end of the file:
	// the dump is truncated (or forged), and the scan incomplete.
	l.Missing = dumpio.SatAdd(f.MissingBytes(), f.MissingStreamBytes)
	l.Seams = seams(l.Regions, size)
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
		if g.Why != dumpio.NotDumped { // a filtered mapping is not a truncated core
			l.Missing = dumpio.SatAdd(l.Missing, g.Size)
		}
	}
	l.Seams = seams(l.Regions, size)
	return l, nil
}

// seamReach is the most bytes of each side of a seam that count towards the
// seams' budget; the engine reads no more than a detector's overlap from each
// side, which is smaller.
const seamReach = 64 << 10

// seams pairs regions that follow each other in the process but not in the
// file, so that a key straddling them is found. They are worked out on the
// regions as the engine scans them (normalized: a byte of the file in one
// region only), so that descriptors repeating the same bytes at consecutive
// addresses make no seams, and a seam never joins a range to itself. The
// bytes the seams join, each region counted once, stay within the file's
// size: a hostile dump cannot make the seams cost more than the file.
func seams(rs []Region, size int64) [][2]Region {
	n := &Layout{Regions: append([]Region(nil), rs...)}
	n.normalize()
	byAddr := n.Regions
	sort.SliceStable(byAddr, func(i, j int) bool { return byAddr[i].Addr < byAddr[j].Addr })
	var out [][2]Region
	var budget int64
	counted := -1 // index in byAddr of the last region whose bytes were counted
	for i := 1; i < len(byAddr); i++ {
		a, b := byAddr[i-1], byAddr[i]
		if !a.HasAddr || !b.HasAddr || a.Addr+uint64(a.Size) != b.Addr || a.Off+a.Size == b.Off {
			continue
		}
		if a.Off < b.Off+b.Size && b.Off < a.Off+a.Size {
			continue // the same bytes of the file on both sides
		}
		cost := min(b.Size, seamReach)
		if counted != i-1 {
			cost += min(a.Size, seamReach)
		}
		if budget += cost; budget > size {
			break
		}
		counted = i
		out = append(out, [2]Region{a, b})
	}
	return out
}

// The readers' summaries are Descriptions.
var (
	_ Description = minidump.Summary{}
	_ Description = elfcore.Summary{}
)
