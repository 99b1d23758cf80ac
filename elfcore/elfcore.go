// Package elfcore reads Linux (and NetBSD) ELF core files: the memory they
// captured, where each byte sits in the crashed process, and what kind of
// memory it was (stack, heap, module image, mapped file, anonymous).
//
// [Open] maps a file and [NewFile] reads any [io.ReaderAt]. Both parse the ELF
// header, the program headers and the notes eagerly, and never read memory:
// [File.Memory] returns a lazy reader over one [Region].
//
// It is a reader and nothing else: it knows no detector, scanner or command,
// and of this module it imports only internal/dumpio, for the fault-guarded
// read, span arithmetic, the warning cap and the typed region kinds,
// protections and reasons for missing memory that every reader shares. The
// scanner adapts a [File] in scanner/formats.go; [Summary] describes it for
// inspect.
//
// # Security
//
// A core file is hostile input. The package parses the ELF header, program
// headers and notes itself rather than with debug/elf, which documents that it
// is not hardened against adversarial files (and lacks PN_XNUM, notes and
// truncation handling anyway). Every offset, size and count read from the file
// is checked against the file size with overflow-safe arithmetic before use,
// no allocation is sized by the file beyond fixed caps (maxPhnum, maxNotes,
// maxNoteDesc, and maxFiles file mappings across all notes), note segments
// that overlap are walked once, and a note walk that loses sync stops and
// keeps what it parsed.
//
// A bad ELF header or program header table is a [*FormatError]. Everything
// after that degrades: segments past EOF are clipped and listed in
// [File.Missing], and broken notes leave a message in [File.Warnings]. The
// memory list never depends on the notes, so a core with garbage notes is still
// scanned in full; only attribution (Kind, Module, Thread) gets worse.
//
// A mapped file can shrink while it is read. All reads go through
// [dumpio.ReadAt], which turns the resulting fault into an error instead of a
// crash.
//
// Limits: notes are only decoded for the "CORE", "LINUX" and "NetBSD-CORE"
// owners; the thread stack pointer is known for x86_64, x32, i386, aarch64,
// arm, riscv64, ppc, ppc64, s390, s390x, mips and m68k, and is 0 elsewhere.
// The brk heap is found by a heuristic (the first anonymous rw region after
// the executable's last mapping). A segment holding a thread's stack pointer
// is that thread's stack, except in a Go program (one whose executable holds
// Go's build ID note), where only the main stack and guarded pthread stacks
// are: the other threads run on stacks in the Go heap, and their arenas are
// labelled heap.
package elfcore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"golang.org/x/exp/mmap"

	"dumpguard/internal/dumpio"
)

// ErrNotCore means the input is not an ELF file, or is an ELF file whose
// e_type is not ET_CORE.
var ErrNotCore = errors.New("elfcore: not an ELF core file")

// A FormatError reports a structural problem at a file offset.
type FormatError struct {
	Off int64  // offset of the offending field
	Msg string // "program header count 70000 exceeds limit"
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("elfcore: %s (at offset %#x)", e.Msg, e.Off)
}

// A File is a parsed ELF core.
type File struct {
	Class     int              // 32 or 64 (ELF class: the word size of headers and notes)
	ByteOrder binary.ByteOrder // from EI_DATA
	Machine   string           // "x86_64", "i386", "aarch64", ... or "em-<n>"
	OS        string           // "linux", "netbsd", "freebsd", "openbsd", or "" (from note owners)

	Process string // pr_fname (at most 15 bytes, kernel-truncated)
	Args    string // pr_psargs (at most 79 bytes)
	PID     uint32 // process id (NT_PRPSINFO; else the first thread's id)
	Signal  int    // signal that caused the dump (NT_SIGINFO, else pr_cursig), 0 if unknown

	Threads  []Thread  // in note order: the first is the signalled thread
	Files    []Mapping // NT_FILE entries, in note order
	Segments []Segment // every PT_LOAD, in program header order
	Regions  []Region  // captured bytes only, sorted by Addr
	Missing  []Gap     // memory the core describes but does not hold
	Notes    []Note    // every note parsed, in file order
	Auxv     []AuxEntry
	Warnings []string // non-fatal problems, in the order met: at most dumpio.MaxWarnings (+1 saying how many more)

	Executable string // path of the main program from NT_FILE, "" if unknown

	r          io.ReaderAt
	size       int64
	closer     io.Closer
	ehsize     int64
	phoff      int64 // program header table
	phsize     int64
	shoff      int64 // section header table (gdb cores, PN_XNUM)
	shsize     int64
	warns      dumpio.Warnings
	noteRanges []part // file ranges the note walk covered
	order      []int  // segment indices sorted by Addr
	overlap    bool   // some regions overlap in VA
	partList   []part // labelled file ranges, for Coverage and PartAt
}

// A Thread is one NT_PRSTATUS (or NetBSD LWP register) note.
type Thread struct {
	ID uint32 // pr_pid: the kernel writes the thread id here
	SP uint64 // stack pointer, 0 when unknown for this machine
}

// A Mapping is one NT_FILE entry: a file-backed VMA.
type Mapping struct {
	Start, End uint64 // VA range
	FileOff    uint64 // byte offset in the file
	Path       string // may end in " (deleted)"
}

// A Segment is one PT_LOAD program header, as in the file, plus its attribution.
type Segment struct {
	Addr     uint64      // p_vaddr
	MemSize  uint64      // p_memsz
	Off      int64       // p_offset
	FileSize int64       // p_filesz
	Avail    int64       // bytes of p_filesz that the file holds (clipped at EOF and to p_memsz)
	Flags    dumpio.Prot // from p_flags ("r-x")
	Kind     dumpio.Kind // as Region.Kind
	Module   string      // as Region.Module
	Thread   uint32      // as Region.Thread
}

// A Region is a run of captured memory: one PT_LOAD, or several that are
// contiguous in both VA and file offset and attributed alike. It is plain
// data, comparable with ==.
type Region struct {
	Addr    uint64      // virtual address in the crashed process
	Off     int64       // where its bytes are in the file
	Size    int64       // bytes captured
	Kind    dumpio.Kind // Stack, Heap, Anon, Image, Mapped, Vdso or Unknown
	Module  string      // backing file path from NT_FILE ("" if none)
	Thread  uint32      // tid of the thread whose stack this is
	Protect dumpio.Prot // from p_flags ("r-x")
}

// A Gap is memory a segment describes but the file does not hold.
type Gap struct {
	Addr uint64
	Size int64
	Why  dumpio.Why // NotDumped (p_filesz < p_memsz) or Truncated (file ends early)
}

// A Note is one ELF note; Off and Size locate its descriptor in the file.
type Note struct {
	Owner     string
	Type      uint32
	Off, Size int64
}

// An AuxEntry is one NT_AUXV pair.
type AuxEntry struct {
	Type, Val uint64
}

// Open maps the named file and parses it. Close unmaps it.
func Open(name string) (*File, error) {
	m, err := mmap.Open(name)
	if err != nil {
		return nil, fmt.Errorf("elfcore: %w", err) // the caller's file: its error is API
	}
	f, err := NewFile(m, int64(m.Len()))
	if err != nil {
		m.Close()
		return nil, err
	}
	f.closer = m
	return f, nil
}

// NewFile parses the core in r, which holds size bytes. The caller owns r;
// Close is then a no-op.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, fmt.Errorf("elfcore: negative size %d", size)
	}
	f := &File{r: r, size: size}
	if err := f.parse(); err != nil {
		return nil, err
	}
	return f, nil
}

// Close releases the mapping made by Open. It is a no-op for NewFile.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	c := f.closer
	f.closer = nil
	return c.Close()
}

// Size returns the size of the core file in bytes.
func (f *File) Size() int64 { return f.size }

// Memory returns a reader over the captured bytes of g. Reads that fault on a
// shrinking mapped file return an error.
func (f *File) Memory(g Region) *io.SectionReader {
	return io.NewSectionReader(dumpio.Guard(f.r), g.Off, g.Size)
}

// ReaderAt returns the whole file as a fault-guarded reader.
func (f *File) ReaderAt() io.ReaderAt { return dumpio.Guard(f.r) }

// RegionAt returns the region holding the byte at va.
func (f *File) RegionAt(va uint64) (Region, bool) {
	i, _ := slices.BinarySearchFunc(f.Regions, va, func(g Region, va uint64) int {
		switch {
		case g.Addr+uint64(g.Size) <= va:
			return -1
		case g.Addr > va:
			return 1
		}
		return 0
	})
	if i < len(f.Regions) && f.Regions[i].Addr <= va && va-f.Regions[i].Addr < uint64(f.Regions[i].Size) {
		return f.Regions[i], true
	}
	if !f.overlap {
		return Region{}, false
	}
	// Overlapping regions break the binary search order; fall back to a scan.
	for _, g := range f.Regions {
		if g.Addr <= va && va-g.Addr < uint64(g.Size) {
			return g, true
		}
	}
	return Region{}, false
}

// readFull reads exactly len(p) bytes at off, through the fault-guarded
// [dumpio.ReadFull], or fails.
func (f *File) readFull(p []byte, off int64) error {
	if err := dumpio.ReadFull(f.r, p, off); err != nil {
		return fmt.Errorf("elfcore: reading %d bytes at %#x: %w", len(p), off, err)
	}
	return nil
}

func (f *File) warnf(format string, args ...any) { f.warns.Addf(format, args...) }
