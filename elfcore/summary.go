package elfcore

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strconv"

	"dumpguard/internal/dumpio"
)

// Hex is a number that JSON shows as a "0x..." string.
type Hex uint64

// MarshalJSON writes h as a quoted hex string.
func (h Hex) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, "0x"+strconv.FormatUint(uint64(h), 16)), nil
}

// Summary is what `dumpguard inspect --format json` prints for an ELF core.
type Summary struct {
	Format     string           `json:"format"` // "elf-core"
	Class      int              `json:"class"`
	ByteOrder  string           `json:"byte_order"` // "little" or "big"
	Machine    string           `json:"machine"`
	OS         string           `json:"os"`
	Process    string           `json:"process"`
	Args       string           `json:"args"`
	PID        uint32           `json:"pid"`
	Signal     int              `json:"signal"`
	Executable string           `json:"executable"`
	Threads    []SummaryThread  `json:"threads"`
	Files      []SummaryFile    `json:"files"`
	Segments   []SummarySegment `json:"segments"`
	Missing    []SummaryGap     `json:"missing"`
	Warnings   []string         `json:"warnings"`
	Coverage   map[string]int64 `json:"coverage"` // file bytes per region kind or non-memory part
}

// SummaryThread is one thread in a Summary.
type SummaryThread struct {
	ID uint32 `json:"id"`
	SP Hex    `json:"sp"`
}

// SummaryFile is one NT_FILE entry in a Summary.
type SummaryFile struct {
	Start   Hex    `json:"start"`
	End     Hex    `json:"end"`
	FileOff Hex    `json:"file_offset"`
	Path    string `json:"path"`
}

// SummarySegment is one PT_LOAD in a Summary.
type SummarySegment struct {
	Addr     Hex         `json:"addr"`
	MemSize  Hex         `json:"memsz"`
	Off      Hex         `json:"offset"`
	FileSize Hex         `json:"filesz"`
	Avail    Hex         `json:"avail"`
	Flags    dumpio.Prot `json:"flags"`
	Kind     dumpio.Kind `json:"kind"`
	Module   string      `json:"module,omitempty"`
	Thread   uint32      `json:"thread,omitempty"`
}

// SummaryGap is one Missing range in a Summary.
type SummaryGap struct {
	Addr Hex        `json:"addr"`
	Size Hex        `json:"size"`
	Why  dumpio.Why `json:"why"`
}

// Summary describes f for humans and golden tests. Slices are never nil.
func (f *File) Summary() Summary {
	s := Summary{
		Format: "elf-core", Class: f.Class, ByteOrder: "little", Machine: f.Machine, OS: f.OS,
		Process: f.Process, Args: f.Args, PID: f.PID, Signal: f.Signal, Executable: f.Executable,
		Threads:  make([]SummaryThread, 0, len(f.Threads)),
		Files:    make([]SummaryFile, 0, len(f.Files)),
		Segments: make([]SummarySegment, 0, len(f.Segments)),
		Missing:  make([]SummaryGap, 0, len(f.Missing)),
		Warnings: append([]string{}, f.Warnings...),
		Coverage: f.Coverage(),
	}
	if f.ByteOrder == binary.BigEndian {
		s.ByteOrder = "big"
	}
	for _, t := range f.Threads {
		s.Threads = append(s.Threads, SummaryThread{t.ID, Hex(t.SP)})
	}
	for _, m := range f.Files {
		s.Files = append(s.Files, SummaryFile{Hex(m.Start), Hex(m.End), Hex(m.FileOff), m.Path})
	}
	for _, g := range f.Segments {
		s.Segments = append(s.Segments, SummarySegment{Hex(g.Addr), Hex(g.MemSize), Hex(g.Off), Hex(g.FileSize), Hex(g.Avail), g.Flags, g.Kind, g.Module, g.Thread})
	}
	for _, g := range f.Missing {
		s.Missing = append(s.Missing, SummaryGap{Hex(g.Addr), Hex(g.Size), g.Why})
	}
	return s
}

// WriteText writes s for `dumpguard inspect`: machine, process, threads, file
// mappings and missing memory, one line each. Strings from the core pass
// through [dumpio.Escape].
func (s Summary) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "machine:  %s (ELF%d, %s-endian)\nos:       %s\nprocess:  %s [%s] pid %d, signal %d\nexecutable: %s\n",
		dumpio.Escape(s.Machine), s.Class, s.ByteOrder, dumpio.Escape(s.OS), dumpio.Escape(s.Process), dumpio.Escape(s.Args), s.PID, s.Signal,
		dumpio.Escape(s.Executable))
	fmt.Fprintf(w, "threads:  %d\n", len(s.Threads))
	for _, t := range s.Threads {
		fmt.Fprintf(w, "  %d\tsp %#x\n", t.ID, uint64(t.SP))
	}
	fmt.Fprintf(w, "files:    %d\n", len(s.Files))
	for _, m := range s.Files {
		fmt.Fprintf(w, "  %#x-%#x\t%s\n", uint64(m.Start), uint64(m.End), dumpio.Escape(m.Path))
	}
	_, err := fmt.Fprintf(w, "segments: %d\n", len(s.Segments))
	for _, g := range s.Missing {
		if _, err := fmt.Fprintf(w, "missing:  %#x +%#x (%s)\n", uint64(g.Addr), uint64(g.Size), g.Why); err != nil {
			return err
		}
	}
	return err
}

// FileCoverage returns s.Coverage: see [File.Coverage].
func (s Summary) FileCoverage() map[string]int64 { return s.Coverage }

// A part is a labelled byte range of the file.
type part struct {
	off, end int64
	name     string
}

// parts lists the labelled ranges of the file, sorted by offset; where they
// overlap, the earlier-listed range keeps the bytes.
func (f *File) parts() []part {
	ps := []part{{0, min(f.ehsize, f.size), "elf-header"}}
	if f.phsize > 0 {
		ps = append(ps, part{f.phoff, f.phoff + f.phsize, "program-headers"})
	}
	if f.shsize > 0 {
		ps = append(ps, part{f.shoff, f.shoff + f.shsize, "section-headers"})
	}
	ps = append(ps, f.noteRanges...)
	for _, g := range f.Regions {
		ps = append(ps, part{g.Off, g.Off + g.Size, g.Kind.String()})
	}
	slices.SortStableFunc(ps, func(a, b part) int { return cmp.Compare(a.off, b.off) })
	return normalize(ps)
}

// normalize clips the sorted parts so none overlaps (earlier starts keep
// their bytes) and drops empty ones.
func normalize(ps []part) []part {
	out := ps[:0]
	var cursor int64
	for _, p := range ps {
		lo := max(p.off, cursor)
		if p.end > lo {
			out = append(out, part{lo, p.end, p.name})
			cursor = p.end
		}
	}
	return out
}

// Coverage returns how many bytes of the file belong to each region kind and
// to each non-memory part: "elf-header", "program-headers", "section-headers",
// "notes" and "unattributed" (padding, trailing bytes, anything else).
func (f *File) Coverage() map[string]int64 {
	c := map[string]int64{}
	var sum int64
	for _, p := range f.partList {
		c[p.name] += p.end - p.off
		sum += p.end - p.off
	}
	c["unattributed"] = f.size - sum
	return c
}

// PartAt names the non-memory part of the file holding the byte at off:
// "elf-header", "program-headers", "section-headers", "notes" or
// "unattributed". It returns false when off is captured memory (inside a
// Region) or outside the file.
func (f *File) PartAt(off int64) (string, bool) {
	if off < 0 || off >= f.size {
		return "", false
	}
	i, found := slices.BinarySearchFunc(f.partList, off, func(p part, off int64) int { return cmp.Compare(p.off, off) })
	if !found {
		i--
	}
	if i < 0 || off >= f.partList[i].end {
		return "unattributed", true
	}
	switch n := f.partList[i].name; n {
	case "elf-header", "program-headers", "section-headers", "notes":
		return n, true
	}
	return "", false
}
