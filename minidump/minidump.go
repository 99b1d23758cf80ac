// Package minidump reads Windows minidump (MDMP) files, as written by
// dbghelp's MiniDumpWriteDump, Breakpad and Crashpad: the captured memory
// ranges with their virtual addresses, and what each range is (stack, heap,
// module image, mapped file or other private memory).
//
// [NewFile] parses the header, the stream directory and the metadata streams
// eagerly; memory bytes are never read until [File.Memory] is used. Memory
// comes from MemoryListStream and Memory64ListStream (both are loaded and
// merged), plus thread stacks that no memory list covers. Each range is
// attributed from LinuxMapsStream if present, else MemoryInfoListStream, else
// from the thread and module lists alone; see [Region].
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
// The input is treated as hostile. Every count, size and offset read from the
// file is checked against the file size with overflow-safe arithmetic before
// use, nothing is allocated from a count read from the file, and counts are
// capped (4096 streams, 1<<16 threads and thread names, 1<<14 modules, 1<<20
// memory ranges and memory info entries, 16 MiB and 1<<16 lines of LinuxMaps
// text, 1<<12 heaps, 1024-character strings, 64 warnings; splitting ranges by
// their attribution adds at most 1<<16 regions). A bad header or directory is
// a [*FormatError]; any other damage (truncation, ranges or streams past the end of the file, bad
// counts, duplicate streams) is clipped or skipped and reported in
// [File.Warnings] and [File.Missing], so that what is present can still be
// scanned. Metadata parsing allocates at most a small multiple of the file
// size and runs in time linear in it (times a log factor).
//
// A file opened with [Open] is memory-mapped. If it shrinks while mapped,
// reads fault; every read, including those through [File.Memory], goes
// through [dumpio.ReadAt], which recovers from the fault and returns an
// error instead of crashing. The package does
// not guard against a file that changes (rather than shrinks) while mapped:
// the regions reflect the file as it was parsed.
package minidump

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"golang.org/x/exp/mmap"

	"dumpguard/internal/dumpio"
)

// ErrNotMinidump is returned when the input does not start with the minidump
// signature "MDMP".
var ErrNotMinidump = errors.New("minidump: not a minidump file")

// A FormatError reports a structural problem at a file offset.
type FormatError struct {
	Off int64  // offset of the offending field
	Msg string // "stream count 70000 exceeds limit 4096"
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("minidump: %s (at offset %#x)", e.Msg, e.Off)
}

// A File is a parsed minidump. Its fields are filled by [NewFile] and not
// changed afterwards, so a File may be read, and [File.Memory] called, from
// several goroutines at once; Close must wait until they are done.
type File struct {
	Arch        string   // "x86", "amd64", "arm", "arm64", ..., "unknown" (from SystemInfo)
	OS          string   // "windows 10.0.19042", "linux", "macos", ..., "unknown"
	PointerSize int      // 4 or 8; 8 when SystemInfo is missing
	Flags       uint64   // header Flags: the MINIDUMP_TYPE the writer was asked for
	Streams     []Stream // directory entries with data in the file, in directory order
	Threads     []Thread
	Modules     []Module
	Regions     []Region // captured memory, sorted by Addr then Off
	Missing     []Gap    // memory the dump describes but the file does not hold
	Warnings    []string // non-fatal problems, at most dumpio.MaxWarnings (+1 saying how many more)
	// MissingStreamBytes counts the bytes of streams that the directory places
	// past the end of the file: a truncated or forged dump (saturating).
	MissingStreamBytes int64

	r      io.ReaderAt
	size   int64
	closer io.Closer

	dirOff, dirSize int64
	warns           dumpio.Warnings
	nranges         int // memory descriptors read from the memory lists
}

// A Stream is a directory entry. Off and Size are clipped to the file.
type Stream struct {
	Type uint32 `json:"type"`
	Name string `json:"name"` // "ThreadList", "LinuxEnviron", or "0x4d7a0004" when unknown
	Off  int64  `json:"offset"`
	Size int64  `json:"size"`
}

// A Thread is an entry of ThreadListStream (or ThreadExListStream).
type Thread struct {
	ID        uint32 `json:"id"`
	StackAddr uint64 `json:"stack_addr"` // captured stack start (masked for 32-bit targets)
	StackSize uint64 `json:"stack_size"`
	Name      string `json:"name,omitempty"`       // from ThreadNamesStream
	TEB       uint64 `json:"teb,omitempty"`        // Windows TEB address; 0 on Linux
	StartAddr uint64 `json:"start_addr,omitempty"` // thread start address, from ThreadInfoListStream
	DumpFlags uint32 `json:"dump_flags,omitempty"` // MINIDUMP_THREAD_INFO DumpFlags (e.g. 0x1 exited, 0x4 context unavailable)
}

// A Module is an entry of ModuleListStream.
type Module struct {
	Name string `json:"name"` // path as the writer recorded it
	Base uint64 `json:"base"`
	Size uint64 `json:"size"`
}

// A Region is a captured range of memory: Size bytes at file offset Off that
// were at virtual address Addr. It is plain data that tests compare with ==.
//
// Kind is [dumpio.Stack] (a thread's stack; Thread is its id), [dumpio.Heap]
// (a process heap listed in the PEB, or Linux's [heap]), [dumpio.Image] (a
// loaded module; Module is its path), [dumpio.Mapped] (a mapped file or
// section; Module is the path when the dump names it), [dumpio.Private] (other
// private or anonymous memory) or [dumpio.Unknown] (the dump says nothing
// about it).
type Region struct {
	Addr    uint64      `json:"addr"`
	Off     int64       `json:"offset"`
	Size    int64       `json:"size"`
	Kind    dumpio.Kind `json:"kind"`
	Module  string      `json:"module,omitempty"`
	Thread  uint32      `json:"thread,omitempty"`
	Protect dumpio.Prot `json:"protect,omitempty"` // "r--", "rw-", "r-x", "rwx", "---"; zero (omitted) when unknown
}

// A Gap is memory that the dump lists but whose bytes are not in the file.
type Gap struct {
	Addr uint64     `json:"addr"`
	Size int64      `json:"size"`
	Why  dumpio.Why `json:"why"` // Truncated, PastEOF or AddrOverflow
}

// Open memory-maps the named file and parses it. Close unmaps it.
func Open(name string) (*File, error) {
	m, err := mmap.Open(name)
	if err != nil {
		return nil, fmt.Errorf("minidump: %w", err) // the caller's file: its error is API
	}
	f, err := NewFile(m, int64(m.Len()))
	if err != nil {
		m.Close()
		return nil, err
	}
	f.closer = m
	return f, nil
}

// NewFile parses the minidump of the given size read through r. The caller
// owns r and must keep it open while the File is used; Close does nothing.
func NewFile(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, fmt.Errorf("minidump: negative size %d", size)
	}
	f := &File{r: r, size: size, PointerSize: 8, Arch: "unknown", OS: "unknown"}
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

// MissingBytes returns the total size of [File.Missing], saturating at
// math.MaxInt64: hostile descriptors can claim sizes whose sum overflows.
func (f *File) MissingBytes() int64 {
	var n int64
	for _, g := range f.Missing {
		if g.Size > math.MaxInt64-n {
			return math.MaxInt64
		}
		n += g.Size
	}
	return n
}

// Size returns the size of the file in bytes.
func (f *File) Size() int64 { return f.size }

// Memory returns a reader for the bytes of g, read lazily from the file. A
// fault from a file that shrank under its mapping is returned as an error.
func (f *File) Memory(g Region) *io.SectionReader {
	return io.NewSectionReader(dumpio.Guard(f.r), g.Off, g.Size)
}

// ReaderAt returns the whole file as a fault-guarded reader.
func (f *File) ReaderAt() io.ReaderAt { return dumpio.Guard(f.r) }

// StreamAt returns the smallest stream whose bytes contain file offset off.
func (f *File) StreamAt(off int64) (Stream, bool) {
	var best Stream
	ok := false
	for _, s := range f.Streams {
		if off >= s.Off && off-s.Off < s.Size && (!ok || s.Size < best.Size) {
			best, ok = s, true
		}
	}
	return best, ok
}

// RegionAt returns the region holding virtual address va, if any. When
// regions overlap, the one starting closest below va wins.
func (f *File) RegionAt(va uint64) (Region, bool) {
	i, _ := slices.BinarySearchFunc(f.Regions, va, func(g Region, va uint64) int {
		if g.Addr > va {
			return 1
		}
		return -1
	})
	for j := i - 1; j >= 0 && i-j <= 64; j-- { // overlaps are rare; look back a little
		if g := f.Regions[j]; va-g.Addr < uint64(g.Size) {
			return g, true
		}
	}
	return Region{}, false
}

func (f *File) warnf(format string, args ...any) { f.warns.Addf(format, args...) }
