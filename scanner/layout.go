// Package scanner runs detectors over dumps: it cuts a file or stream into
// overlapping windows, feeds them to a bounded pool of workers, and turns the
// detectors' hits into findings placed in the crashed process: virtual address,
// region kind, module and thread.
//
// The scanner joins the format readers (minidump, elfcore) and the detectors;
// each of those knows nothing of the other. Only formats.go names the
// readers: each is one adapter there, which turns its file into a [Layout]
// whose Detail is the reader's [Description] for inspect. The scanner imports
// the readers, detectors, container and internal/dumpio; it knows no
// command, flag or terminal. Every byte of a file is scanned,
// whatever its format says: memory regions, metadata streams, headers and bytes
// that belong to nothing. The format only decides how a finding is described,
// and which regions the costly raw-number hunt visits.
package scanner

import (
	"sort"

	"dumpguard/internal/dumpio"
)

// Region kinds: the readers' [dumpio.Kind], named here for the scanner's
// users. Parsers say Private (minidumps) or Anon (ELF cores) for memory that
// no file backs; both are writable process memory as far as the hunt is
// concerned.
const (
	KindRaw      = dumpio.Raw      // a file of no known format
	KindMetadata = dumpio.Metadata // dump structure: headers, streams, notes
	KindStack    = dumpio.Stack
	KindHeap     = dumpio.Heap
	KindPrivate  = dumpio.Private
	KindAnon     = dumpio.Anon
	KindImage    = dumpio.Image
	KindMapped   = dumpio.Mapped
	KindUnknown  = dumpio.Unknown
)

// A Region is a range of the file and what it held in the process.
type Region struct {
	Off, Size int64
	Addr      uint64 // valid when HasAddr
	HasAddr   bool
	Kind      dumpio.Kind
	Module    string      // module, mapped file, or metadata part ("stream:LinuxEnviron")
	Thread    uint32      // thread whose stack this is, 0 for none
	Protect   dumpio.Prot // zero when unknown
}

// Huntable reports whether the raw-number hunt visits r by default: memory a
// program writes at run time. Code (also a JIT's read-write-execute code
// cache, whose machine code looks like numbers to the harvest), read-only
// mappings and dump metadata are left to --deep.
func (r Region) Huntable() bool {
	return r.Kind.Writable() && r.Protect.MaybeWritable() && (r.Protect&dumpio.Known == 0 || r.Protect&dumpio.Exec == 0)
}

// A Layout maps every byte of a file to a region. Regions are sorted by Off and
// do not overlap; bytes in no region are metadata of the format.
type Layout struct {
	Format   string   // "raw", "minidump", "elf-core"
	Regions  []Region // sorted by Off, non-overlapping
	Warnings []string // what the parser could not make sense of; the bytes were scanned anyway
	// Missing is the number of bytes of memory the dump's own headers promise
	// but the file does not hold (a truncated dump).
	Missing int64
	// Seams are pairs of regions adjacent in the process but not in the file,
	// so that a key straddling them is found too.
	Seams [][2]Region
	// ParseError is why a file that claims a format could not be parsed; it
	// was then scanned as raw bytes.
	ParseError error
	// PartAt names the metadata part a byte outside every region belongs to
	// ("stream:LinuxEnviron", "notes"); nil for formats without parts.
	PartAt func(off int64) (string, bool)
	// Detail is the reader's own description for `inspect`; nil for raw files.
	Detail Description
}

// RawLayout describes a file of no known format: one region, no addresses.
func RawLayout(size int64) *Layout {
	return &Layout{Format: "raw", Regions: []Region{{Off: 0, Size: size, Kind: KindRaw}}}
}

// normalize sorts regions, clips overlaps (the first region of a byte wins) and
// drops empty ones.
func (l *Layout) normalize() {
	sort.SliceStable(l.Regions, func(i, j int) bool { return l.Regions[i].Off < l.Regions[j].Off })
	out := l.Regions[:0]
	var end int64
	for _, r := range l.Regions {
		if r.Off < end {
			cut := end - r.Off
			if cut >= r.Size {
				continue
			}
			r.Off += cut
			r.Size -= cut
			r.Addr += uint64(cut)
		}
		if r.Size <= 0 {
			continue
		}
		out = append(out, r)
		end = r.Off + r.Size
	}
	l.Regions = out
}

// Locate returns the region holding file offset off; a byte outside every
// region is described as metadata of the format.
func (l *Layout) Locate(off int64) Region {
	i := sort.Search(len(l.Regions), func(i int) bool { return l.Regions[i].Off+l.Regions[i].Size > off })
	if i < len(l.Regions) && l.Regions[i].Off <= off {
		return l.Regions[i]
	}
	if l.Format == "raw" {
		return Region{Off: off, Size: 1, Kind: KindRaw}
	}
	r := Region{Off: off, Size: 1, Kind: KindMetadata}
	if l.PartAt != nil {
		r.Module, _ = l.PartAt(off)
	}
	return r
}

// huntSpans returns the parts of [off, off+n) that the hunt visits.
func (l *Layout) huntSpans(dst [][2]int64, off, n int64, deep bool) [][2]int64 {
	if deep {
		return append(dst, [2]int64{off, off + n})
	}
	end := off + n
	i := sort.Search(len(l.Regions), func(i int) bool { return l.Regions[i].Off+l.Regions[i].Size > off })
	for ; i < len(l.Regions) && l.Regions[i].Off < end; i++ {
		r := l.Regions[i]
		if !r.Huntable() {
			continue
		}
		a, b := max(off, r.Off), min(end, r.Off+r.Size)
		if k := len(dst); k > 0 && dst[k-1][1] == a {
			dst[k-1][1] = b // adjacent huntable regions form one span
			continue
		}
		dst = append(dst, [2]int64{a, b})
	}
	return dst
}

// huntAlign is the alignment, in the process's address space, at which the hunt
// is handed memory: it tries numbers at offsets aligned within its buffer, so
// the buffer must start where the process's own alignment does.
const huntAlign = 64

// alignStart returns where, in a buffer holding the file from offset base, the
// hunt should start for a span beginning at file offset off: off moved back to
// the nearest address that is a multiple of huntAlign, or forward when the
// buffer does not reach back so far (those bytes belong to the window before,
// whose look-ahead covers them).
func (l *Layout) alignStart(off, base int64) int {
	pos := uint64(off) // raw files: file offsets stand for addresses
	if r := l.Locate(off); r.HasAddr {
		pos = r.Addr + uint64(off-r.Off)
	}
	d := int64(pos % huntAlign)
	if off-d >= base {
		return int(off - d - base)
	}
	return int(off + (huntAlign-d)%huntAlign - base)
}
