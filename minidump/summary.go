package minidump

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"dumpguard/internal/dumpio"
)

// A Summary describes a File for `dumpguard inspect --format json`.
type Summary struct {
	Format      string           `json:"format"` // "minidump"
	Arch        string           `json:"arch"`
	OS          string           `json:"os"`
	PointerSize int              `json:"pointer_size"`
	Flags       uint64           `json:"flags"`
	Streams     []Stream         `json:"streams"`
	Threads     []Thread         `json:"threads"`
	Modules     []Module         `json:"modules"`
	Regions     []Region         `json:"regions,omitempty"` // inspect lists its own, merged or not
	Missing     []Gap            `json:"missing"`
	Warnings    []string         `json:"warnings"`
	Coverage    map[string]int64 `json:"coverage"` // file bytes by what they hold; see [File.Coverage]
}

// Summary returns a description of f. Its slices are copies.
func (f *File) Summary() Summary {
	nonNil := func(s []string) []string { return append([]string{}, s...) }
	return Summary{
		Format:      "minidump",
		Arch:        f.Arch,
		OS:          f.OS,
		PointerSize: f.PointerSize,
		Flags:       f.Flags,
		Streams:     append([]Stream{}, f.Streams...),
		Threads:     append([]Thread{}, f.Threads...),
		Modules:     append([]Module{}, f.Modules...),
		Regions:     append([]Region{}, f.Regions...),
		Missing:     append([]Gap{}, f.Missing...),
		Warnings:    nonNil(f.Warnings),
		Coverage:    f.Coverage(),
	}
}

// WriteText writes s for `dumpguard inspect`: architecture, streams, threads,
// modules and missing memory, one line each. Strings from the dump pass
// through [dumpio.Escape].
func (s Summary) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "arch:     %s (%d-bit pointers)\nos:       %s\nflags:    %#x\n", dumpio.Escape(s.Arch), 8*s.PointerSize, dumpio.Escape(s.OS), s.Flags)
	fmt.Fprintf(w, "streams:  %d\n", len(s.Streams))
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, st := range s.Streams {
		fmt.Fprintf(tw, "  %#x\t%s\toffset %#x\t%d bytes\n", st.Type, dumpio.Escape(st.Name), st.Off, st.Size)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "threads:  %d\n", len(s.Threads))
	for _, t := range s.Threads {
		fmt.Fprintf(w, "  %d\tstack %#x +%#x %s\n", t.ID, t.StackAddr, t.StackSize, dumpio.Escape(t.Name))
	}
	fmt.Fprintf(w, "modules:  %d\n", len(s.Modules))
	for _, m := range s.Modules {
		fmt.Fprintf(w, "  %#x +%#x\t%s\n", m.Base, m.Size, dumpio.Escape(m.Name))
	}
	for _, g := range s.Missing {
		if _, err := fmt.Fprintf(w, "missing:  %#x +%#x (%s)\n", g.Addr, g.Size, g.Why); err != nil {
			return err
		}
	}
	return nil
}

// FileCoverage returns s.Coverage: see [File.Coverage].
func (s Summary) FileCoverage() map[string]int64 { return s.Coverage }

// Coverage counts the bytes of the file by what they hold. A byte in a
// memory region counts for the region's kind ("heap", "stack", ...); any
// other byte counts for "header", "directory", the stream holding it
// ("stream:LinuxEnviron"), or else "unattributed". The counts add up to the
// file size.
func (f *File) Coverage() map[string]int64 {
	type item struct {
		off, end int64
		label    string
	}
	var layers [][]item
	var regs []item
	for _, g := range f.Regions {
		regs = append(regs, item{g.Off, g.Off + g.Size, g.Kind.String()})
	}
	layers = append(layers, regs,
		[]item{{0, min(headerSize, f.size), "header"}},
		[]item{{f.dirOff, f.dirOff + f.dirSize, "directory"}})
	var streams []item
	for _, s := range f.Streams {
		streams = append(streams, item{s.Off, s.Off + s.Size, "stream:" + s.Name})
	}
	layers = append(layers, streams)

	cov := map[string]int64{}
	type iv struct{ lo, hi int64 }
	var covered []iv // sorted, disjoint: bytes counted by earlier layers
	total := int64(0)
	for _, l := range layers {
		slices.SortFunc(l, func(x, y item) int { return cmp.Compare(x.off, y.off) })
		var mine []iv
		reach := int64(0)
		for _, it := range l {
			lo, hi := max(it.off, reach, 0), min(it.end, f.size)
			if lo >= hi {
				continue
			}
			reach = hi
			// Subtract what earlier layers counted.
			n := hi - lo
			j, _ := slices.BinarySearchFunc(covered, lo, func(c iv, lo int64) int { return cmp.Compare(c.hi, lo+1) })
			for ; j < len(covered) && covered[j].lo < hi; j++ {
				n -= min(hi, covered[j].hi) - max(lo, covered[j].lo)
			}
			if n > 0 {
				cov[it.label] += n
				total += n
			}
			mine = append(mine, iv{lo, hi})
		}
		// Merge mine into covered.
		all := append(covered, mine...)
		slices.SortFunc(all, func(x, y iv) int { return cmp.Compare(x.lo, y.lo) })
		covered = nil
		for _, x := range all {
			if k := len(covered); k > 0 && x.lo <= covered[k-1].hi {
				covered[k-1].hi = max(covered[k-1].hi, x.hi)
				continue
			}
			covered = append(covered, x)
		}
	}
	if rest := f.size - total; rest > 0 {
		cov["unattributed"] = rest
	}
	return cov
}
