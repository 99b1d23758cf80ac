package minidump

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dumpguard/internal/dumpio"
)

func fill(n int, c byte) []byte { return bytes.Repeat([]byte{c}, n) }

func mustParse(t *testing.T, raw []byte) *File {
	t.Helper()
	f, err := NewFile(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("NewFile: %v", err)
	}
	checkInvariants(t, f, int64(len(raw)))
	return f
}

// checkInvariants checks what must hold for any parsed file.
func checkInvariants(t *testing.T, f *File, size int64) {
	t.Helper()
	for i, g := range f.Regions {
		if g.Off < 0 || g.Size <= 0 || g.Off+g.Size > size {
			t.Fatalf("region %+v outside the %d-byte input", g, size)
		}
		if i > 0 && f.Regions[i-1].Addr > g.Addr {
			t.Fatalf("regions not sorted at %d", i)
		}
	}
	for _, s := range f.Streams {
		if s.Off < 0 || s.Size <= 0 || s.Off+s.Size > size {
			t.Fatalf("stream %+v outside the %d-byte input", s, size)
		}
	}
	var sum int64
	for _, n := range f.Coverage() {
		sum += n
	}
	if sum != size {
		t.Fatalf("coverage adds up to %d, want %d", sum, size)
	}
	if len(f.Warnings) > dumpio.MaxWarnings+1 {
		t.Fatalf("%d warnings", len(f.Warnings))
	}
}

func TestNewFileErrors(t *testing.T) {
	good := newDump().memory(0x1000, fill(16, 1)).bytes()
	patch := func(off int, v uint32) []byte {
		b := slices.Clone(good)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	tests := []struct {
		name    string
		raw     []byte
		notMD   bool // want ErrNotMinidump, else a *FormatError
		wantOff int64
	}{
		{"empty", nil, true, 0},
		{"three bytes", []byte("MDM"), true, 0},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00"), true, 0},
		{"byte-swapped", patch(0, swappedSignature), false, 0},
		{"short header", good[:20], false, 0},
		{"bad version", patch(4, 0xa794), false, 4},
		{"huge stream count", patch(8, maxStreams+1), false, 8},
		{"directory past eof", patch(12, uint32(len(good)-4)), false, 12},
		{"directory overflows", patch(8, maxStreams), false, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := NewFile(bytes.NewReader(tt.raw), int64(len(tt.raw)))
			if tt.notMD {
				if !errors.Is(err, ErrNotMinidump) {
					t.Errorf("NewFile(%s) = %v, %v, want ErrNotMinidump", tt.name, f, err)
				}
				return
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("NewFile(%s) = %v, %v, want a *FormatError", tt.name, f, err)
			}
			if fe.Off != tt.wantOff {
				t.Errorf("NewFile(%s) error at %#x, want %#x", tt.name, fe.Off, tt.wantOff)
			}
			if !strings.HasPrefix(err.Error(), "minidump: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// readerFunc lets a test fail or panic on reads.
type readerFunc func(p []byte, off int64) (int, error)

func (r readerFunc) ReadAt(p []byte, off int64) (int, error) { return r(p, off) }

func TestNewFileReaderFails(t *testing.T) {
	raw := newDump().memory(0x1000, fill(16, 1)).bytes()
	boom := errors.New("boom")
	tests := []struct {
		name string
		r    io.ReaderAt
		is   error
	}{
		{"error", readerFunc(func(p []byte, off int64) (int, error) {
			if off > 0 {
				return 0, boom
			}
			return copy(p, raw[off:]), nil
		}), boom},
		{"panic", readerFunc(func(p []byte, off int64) (int, error) { panic("fault") }), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFile(tt.r, int64(len(raw)))
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("NewFile(%s) error = %v, want %v", tt.name, err, tt.is)
			}
		})
	}
}

func TestMemoryLists(t *testing.T) {
	a, b := fill(0x10, 0xaa), fill(0x20, 0xbb)
	tests := []struct {
		name        string
		build       func() []byte
		cut         int // truncate the file by this many bytes
		want        []Region
		wantMissing []Gap
		wantWarn    int
	}{
		{
			name:  "contiguous ranges merge",
			build: func() []byte { return newDump().memory(0x1000, a).memory(0x1010, b).bytes() },
			want:  []Region{{Addr: 0x1000, Off: 0xe0, Size: 0x30, Kind: dumpio.Unknown}},
		},
		{
			name:  "gap in va does not merge",
			build: func() []byte { return newDump().memory(0x1000, a).memory(0x1020, b).bytes() },
			want: []Region{
				{Addr: 0x1000, Off: 0xe0, Size: 0x10, Kind: dumpio.Unknown},
				{Addr: 0x1020, Off: 0xf0, Size: 0x20, Kind: dumpio.Unknown},
			},
		},
		{
			name:  "sorted by address",
			build: func() []byte { return newDump().memory(0x9000, a).memory(0x1000, b).bytes() },
			want: []Region{
				{Addr: 0x1000, Off: 0xf0, Size: 0x20, Kind: dumpio.Unknown},
				{Addr: 0x9000, Off: 0xe0, Size: 0x10, Kind: dumpio.Unknown},
			},
		},
		{
			name:  "overlapping ranges both kept",
			build: func() []byte { return newDump().memory(0x1000, a).memory(0x1000, b).bytes() },
			want: []Region{
				{Addr: 0x1000, Off: 0xe0, Size: 0x10, Kind: dumpio.Unknown},
				{Addr: 0x1000, Off: 0xf0, Size: 0x20, Kind: dumpio.Unknown},
			},
		},
		{
			name: "memory64 cumulative offsets",
			build: func() []byte {
				return newDump().memory64(0x1000, a).memory64(0x2000, b).bytes()
			},
			want: []Region{
				{Addr: 0x1000, Off: 0xe0 + 16 + 32, Size: 0x10, Kind: dumpio.Unknown},
				{Addr: 0x2000, Off: 0xe0 + 16 + 32 + 0x10, Size: 0x20, Kind: dumpio.Unknown},
			},
		},
		{
			name: "memory64 truncated",
			build: func() []byte {
				return newDump().memory64(0x1000, a).memory64(0x2000, b).memory64(0x3000, a).bytes()
			},
			cut:         0x10 + 0x18,
			want:        []Region{{Addr: 0x1000, Off: 0xe0 + 16 + 48, Size: 0x10, Kind: dumpio.Unknown}, {Addr: 0x2000, Off: 0xe0 + 16 + 48 + 0x10, Size: 0x8, Kind: dumpio.Unknown}},
			wantMissing: []Gap{{Addr: 0x2008, Size: 0x18, Why: dumpio.Truncated}, {Addr: 0x3000, Size: 0x10, Why: dumpio.PastEOF}},
			wantWarn:    2,
		},
		{
			name:  "memory list and memory64 merged",
			build: func() []byte { return newDump().memory(0x1000, a).memory64(0x5000, b).bytes() },
			want: []Region{
				{Addr: 0x1000, Off: 0xe0, Size: 0x10, Kind: dumpio.Unknown},
				{Addr: 0x5000, Off: 0xe0 + 0x10 + 20 + 32, Size: 0x20, Kind: dumpio.Unknown},
			},
		},
		{
			name: "rva past eof and clipped",
			build: func() []byte {
				return newDump().memory(0x1000, a).memoryAt(0x2000, 0xe0, 0x1000).memoryAt(0x3000, 0xfffffff0, 0x20).bytes()
			},
			want: []Region{
				{Addr: 0x1000, Off: 0xe0, Size: 0x10, Kind: dumpio.Unknown},
				{Addr: 0x2000, Off: 0xe0, Size: 0x10 + 4 + 3*16, Kind: dumpio.Unknown},
			},
			wantMissing: []Gap{{Addr: 0x2000 + 0x10 + 4 + 3*16, Size: 0x1000 - (0x10 + 4 + 3*16), Why: dumpio.Truncated}, {Addr: 0x3000, Size: 0x20, Why: dumpio.PastEOF}},
			wantWarn:    2,
		},
		{
			name: "address overflow",
			build: func() []byte {
				return newDump().memory(0xfffffffffffffff8, a).bytes()
			},
			wantMissing: []Gap{{Addr: 0xfffffffffffffff8, Size: 0x10, Why: dumpio.AddrOverflow}},
			wantWarn:    1,
		},
		{
			name: "zero-size range skipped",
			build: func() []byte {
				return newDump().memoryAt(0x1000, 0xe0, 0).bytes()
			},
		},
		{
			name: "32-bit addresses masked",
			build: func() []byte {
				return newDump().sysinfo(0, 2).memory(0xffffffff00001000, a).bytes()
			},
			want: []Region{{Addr: 0x1000, Off: 0xe0 + 56, Size: 0x10, Kind: dumpio.Unknown}},
		},
		{
			name: "duplicate memory lists deduplicated",
			build: func() []byte {
				raw := newDump().memory(0x1000, a).bytes()
				// Point the directory's second (unused) slot at the same MemoryList.
				copy(raw[headerSize+dirEntrySize:], raw[headerSize:headerSize+dirEntrySize])
				binary.LittleEndian.PutUint32(raw[8:], 2)
				return raw
			},
			want: []Region{{Addr: 0x1000, Off: 0xe0, Size: 0x10, Kind: dumpio.Unknown}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.build()
			raw = raw[:len(raw)-tt.cut]
			f := mustParse(t, raw)
			if !slices.Equal(f.Regions, tt.want) {
				t.Errorf("Regions = %+v, want %+v", f.Regions, tt.want)
			}
			if !slices.Equal(f.Missing, tt.wantMissing) {
				t.Errorf("Missing = %+v, want %+v", f.Missing, tt.wantMissing)
			}
			if len(f.Warnings) != tt.wantWarn {
				t.Errorf("Warnings = %q, want %d", f.Warnings, tt.wantWarn)
			}
		})
	}
}

func TestMissingBytesSaturates(t *testing.T) {
	b := newDump()
	p := le(uint64(3), uint64(0xfffffff0))
	for i := range 3 {
		p = le(p, uint64(i)<<20, uint64(1)<<62)
	}
	f := mustParse(t, b.stream(streamMemory64List, p).bytes())
	if len(f.Missing) != 3 || f.MissingBytes() != math.MaxInt64 {
		t.Errorf("Missing = %+v, MissingBytes = %d, want 3 gaps and MaxInt64", f.Missing, f.MissingBytes())
	}
}

func TestHostileCounts(t *testing.T) {
	tests := []struct {
		name     string
		typ      uint32
		data     []byte
		wantWarn string
	}{
		{"memory list count", streamMemoryList, le(uint32(0xffffffff), uint64(0x1000), 0x10, 0x20), "do not fit"},
		{"memory64 count", streamMemory64List, le(uint64(1<<62), uint64(0), uint64(0x1000), uint64(0x10)), "does not match"},
		{"module count", streamModuleList, le(uint32(0xffffffff)), "do not fit"},
		{"thread count", streamThreadList, le(uint32(0xffffffff), make([]byte, 48)), "do not fit"},
		{"thread names count", streamThreadNames, le(uint32(0xffffffff)), "do not fit"},
		{"memory info count", streamMemoryInfoList, le(16, 48, uint64(1<<60)), "do not fit"},
		{"memory info entry size", streamMemoryInfoList, le(16, 40, uint64(1), make([]byte, 40)), "entry size 40"},
		{"memory info header past stream", streamMemoryInfoList, le(1<<20, 48, uint64(1)), "header size"},
		{"system info short", streamSystemInfo, le(uint16(9)), "want at least 24"},
		{"memory64 short", streamMemory64List, le(uint64(1)), "want at least 16"},
		{"maps garbage", streamLinuxMaps, []byte("zz-yy r-xp\n2000-1000 rw-p 0 0:0 0\n"), "backwards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, newDump().stream(tt.typ, tt.data).bytes())
			if !slices.ContainsFunc(f.Warnings, func(w string) bool { return strings.Contains(w, tt.wantWarn) }) {
				t.Errorf("Warnings = %q, want one containing %q", f.Warnings, tt.wantWarn)
			}
		})
	}
}

func TestStreams(t *testing.T) {
	raw := newDump().stream(0x47670007, []byte("KEY=value\x00")).stream(11, []byte("c\x00")).bytes()
	// Add a stream past eof, one clipped at eof and an Unused {0,0,0} entry.
	binary.LittleEndian.PutUint32(raw[8:], 5)
	copy(raw[headerSize+2*dirEntrySize:], le(uint32(6), 168, uint32(len(raw)+10)))
	copy(raw[headerSize+3*dirEntrySize:], le(uint32(15), 100, uint32(len(raw)-4)))
	f := mustParse(t, raw)
	want := []Stream{
		{Type: 0x47670007, Name: "LinuxEnviron", Off: 0xe0, Size: 10},
		{Type: 11, Name: "CommentW", Off: 0xea, Size: 2},
		{Type: 15, Name: "MiscInfo", Off: int64(len(raw) - 4), Size: 4},
	}
	if !slices.Equal(f.Streams, want) {
		t.Errorf("Streams = %+v, want %+v", f.Streams, want)
	}
	if len(f.Warnings) != 2 {
		t.Errorf("Warnings = %q, want 2 (past eof, clipped)", f.Warnings)
	}
	for _, tt := range []struct {
		off  int64
		want string
		ok   bool
	}{{0xe0, "LinuxEnviron", true}, {0xe7, "LinuxEnviron", true}, {0xeb, "CommentW", true}, {0x10, "", false}} {
		s, ok := f.StreamAt(tt.off)
		if s.Name != tt.want || ok != tt.ok {
			t.Errorf("StreamAt(%#x) = %q, %v, want %q, %v", tt.off, s.Name, ok, tt.want, tt.ok)
		}
	}
	cov := f.Coverage()
	if cov["stream:LinuxEnviron"] != 10 || cov["header"] != 32 || cov["directory"] != 5*12 {
		t.Errorf("Coverage = %v", cov)
	}
}

func TestAttribution(t *testing.T) {
	stack := fill(0x100, 's')
	const (
		commit = memCommit
		rw     = 0x04
		rx     = 0x20
	)
	// The PEB at 0x8000 names 0x20000 as the default process heap.
	teb := le(make([]byte, 0x60), uint64(0x8000))
	peb := le(make([]byte, 0x30), uint64(0x20000))
	tests := []struct {
		name  string
		build func() []byte
		want  []Region
	}{
		{
			name: "threads and modules only",
			build: func() []byte {
				return newDump().module(`C:\app.exe`, 0x400000, 0x1000).
					thread(7, 0, 0x7000, stack).
					memory(0x400800, fill(0x1000, 'i')). // straddles the module end
					bytes()
			},
			want: []Region{
				{Addr: 0x7000, Off: 0xe0 + 26, Size: 0x100, Kind: dumpio.Stack, Thread: 7}, // after the name
				{Addr: 0x400800, Off: 0xe0 + 26 + 0x100, Size: 0x800, Kind: dumpio.Image, Module: `C:\app.exe`},
				{Addr: 0x401000, Off: 0xe0 + 26 + 0x100 + 0x800, Size: 0x800, Kind: dumpio.Unknown},
			},
		},
		{
			name: "memory info",
			build: func() []byte {
				return newDump().sysinfo(9, 2).module(`C:\app.exe`, 0x400000, 0x2000).
					thread(7, 0x6000, 0x7000, stack).
					memory(0x6000, teb).
					memory(0x8000, peb).
					memory(0x400000, fill(0x2000, 'i')).
					memory(0x20000, fill(0x2000, 'h')). // heap, straddles into private
					memory(0x30000, fill(0x10, 'm')).
					memInfo(0x6000, 0x6000, 0x1000, commit, rw, memPrivate).
					memInfo(0x7000, 0x7000, 0x1000, commit, rw, memPrivate).
					memInfo(0x8000, 0x8000, 0x1000, commit, 0x02, memPrivate).
					memInfo(0x20000, 0x20000, 0x1000, commit, rw, memPrivate).
					memInfo(0x21000, 0x21000, 0x1000, commit, rw, memPrivate).
					memInfo(0x30000, 0x30000, 0x1000, commit, 0x02, memMapped).
					memInfo(0x400000, 0x400000, 0x1000, commit, 0x02, memImage).
					memInfo(0x401000, 0x400000, 0x1000, commit, rx, memImage).
					bytes()
			},
			want: []Region{
				{Addr: 0x6000, Kind: dumpio.Private, Protect: dumpio.ParseProt("rw-"), Size: 0x68},
				{Addr: 0x7000, Kind: dumpio.Stack, Thread: 7, Protect: dumpio.ParseProt("rw-"), Size: 0x100},
				{Addr: 0x8000, Kind: dumpio.Private, Protect: dumpio.ParseProt("r--"), Size: 0x38},
				{Addr: 0x20000, Kind: dumpio.Heap, Protect: dumpio.ParseProt("rw-"), Size: 0x1000},
				{Addr: 0x21000, Kind: dumpio.Private, Protect: dumpio.ParseProt("rw-"), Size: 0x1000},
				{Addr: 0x30000, Kind: dumpio.Mapped, Protect: dumpio.ParseProt("r--"), Size: 0x10},
				{Addr: 0x400000, Kind: dumpio.Image, Module: `C:\app.exe`, Protect: dumpio.ParseProt("r--"), Size: 0x1000},
				{Addr: 0x401000, Kind: dumpio.Image, Module: `C:\app.exe`, Protect: dumpio.ParseProt("r-x"), Size: 0x1000},
			},
		},
		{
			name: "linux maps",
			build: func() []byte {
				return newDump().sysinfo(9, 0x8201).module("/usr/lib/libc.so.6", 0x7f0000, 0x2000).
					thread(9, 0, 0x7ff000, stack).
					memory(0x1000, fill(0x10, 'h')).
					memory(0x7f0000, fill(0x10, 'l')).
					memory(0x900000, fill(0x10, 'f')).
					memory(0xa00000, fill(0x10, 'a')).
					memory(0xb00000, fill(0x10, 'u')).
					maps("1000-2000 rw-p 00000000 00:00 0 [heap]\n" +
						"7f0000-7f2000 r-xp 00000000 08:01 12 /usr/lib/libc.so.6\n" +
						"7fe000-800000 rw-p 00000000 00:00 0 \n" +
						"900000-901000 r--s 00000000 08:01 13 /tmp/my file (deleted)\n" +
						"a00000-a01000 rw-p 00000000 00:00 0 [anon:scudo]\n" +
						"c00000-b00000 rw-p 00000000 00:00 0\n").
					bytes()
			},
			want: []Region{
				{Addr: 0x1000, Kind: dumpio.Heap, Protect: dumpio.ParseProt("rw-"), Size: 0x10},
				{Addr: 0x7f0000, Kind: dumpio.Image, Module: "/usr/lib/libc.so.6", Protect: dumpio.ParseProt("r-x"), Size: 0x10},
				{Addr: 0x7ff000, Kind: dumpio.Stack, Thread: 9, Protect: dumpio.ParseProt("rw-"), Size: 0x100},
				{Addr: 0x900000, Kind: dumpio.Mapped, Module: "/tmp/my file (deleted)", Protect: dumpio.ParseProt("r--"), Size: 0x10},
				{Addr: 0xa00000, Kind: dumpio.Private, Protect: dumpio.ParseProt("rw-"), Size: 0x10},
				{Addr: 0xb00000, Kind: dumpio.Unknown, Size: 0x10},
			},
		},
		{
			name: "stack not in any memory list",
			build: func() []byte {
				b := newDump()
				rva := b.data(stack)
				return b.threadOnly(3, 0, 0x7000, 0x100, rva).bytes()
			},
			want: []Region{{Addr: 0x7000, Off: 0xe0, Size: 0x100, Kind: dumpio.Stack, Thread: 3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, tt.build())
			got := slices.Clone(f.Regions)
			for i := range got {
				if tt.want[0].Off == 0 {
					got[i].Off = 0 // offsets are checked by TestMemoryLists
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Regions =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestSystemInfo(t *testing.T) {
	tests := []struct {
		arch     uint16
		platform uint32
		wantArch string
		wantOS   string
		wantPtr  int
	}{
		{0, 2, "x86", "windows 10.0.19042", 4},
		{9, 2, "amd64", "windows 10.0.19042", 8},
		{12, 0x8201, "arm64", "linux", 8},
		{5, 0x8203, "arm", "android", 4},
		{0x8003, 0x8101, "arm64", "macos", 8},
		{0x7777, 0x9999, "unknown", "unknown 0x9999", 8},
	}
	for _, tt := range tests {
		f := mustParse(t, newDump().sysinfo(tt.arch, tt.platform).bytes())
		if f.Arch != tt.wantArch || f.OS != tt.wantOS || f.PointerSize != tt.wantPtr {
			t.Errorf("sysinfo(%#x, %#x) = %q %q %d, want %q %q %d", tt.arch, tt.platform,
				f.Arch, f.OS, f.PointerSize, tt.wantArch, tt.wantOS, tt.wantPtr)
		}
	}
}

func TestStrings(t *testing.T) {
	b := newDump()
	odd := b.data(le(5, []byte("a\x00b\x00c\x00")))
	long := b.data(le(1<<30, bytes.Repeat([]byte("x\x00"), 1500)))
	past := uint32(1 << 31)
	for _, rva := range []uint32{odd, long, past} {
		rec := le(uint64(0x1000), 0x10, 0, 0, rva)
		b.mods = append(b.mods, append(rec, make([]byte, 108-len(rec))...)...)
		b.nmod++
	}
	f := mustParse(t, b.bytes())
	var got []string
	for _, m := range f.Modules {
		got = append(got, m.Name)
	}
	want := []string{"ab", strings.Repeat("x", maxStringBytes/2), ""}
	if !slices.Equal(got, want) {
		t.Errorf("module names = %q, want %q", got, want)
	}
	if len(f.Warnings) != 1 {
		t.Errorf("Warnings = %q, want 1 (string past eof)", f.Warnings)
	}
}

func TestThreadNames(t *testing.T) {
	b := newDump().thread(5, 0, 0x1000, fill(8, 0))
	name := b.mdstring("worker")
	f := mustParse(t, b.stream(streamThreadNames, le(2, uint32(5), uint64(name), uint32(99), uint64(name))).bytes())
	if len(f.Threads) != 1 || f.Threads[0].Name != "worker" {
		t.Errorf("Threads = %+v, want one named worker", f.Threads)
	}
}

func TestThreadExList(t *testing.T) {
	b := newDump()
	stack := b.data(fill(0x20, 's'))
	name := b.mdstring("ex")
	rec := le(uint32(8), 0, 0, 0, uint64(0), uint64(0x9000), 0x20, stack, 0, 0, make([]byte, 16))
	f := mustParse(t, b.stream(streamThreadExList, le(1, rec)).
		stream(streamThreadNames, le(1, uint32(8), uint64(name))).bytes())
	wantThreads := []Thread{{ID: 8, StackAddr: 0x9000, StackSize: 0x20, Name: "ex"}}
	wantRegions := []Region{{Addr: 0x9000, Off: int64(stack), Size: 0x20, Kind: dumpio.Stack, Thread: 8}}
	if !slices.Equal(f.Threads, wantThreads) || !slices.Equal(f.Regions, wantRegions) {
		t.Errorf("Threads, Regions = %+v, %+v, want %+v, %+v", f.Threads, f.Regions, wantThreads, wantRegions)
	}
}

func TestListPadding(t *testing.T) {
	// MemoryList with 4 bytes of padding after the count.
	b := newDump()
	rva := b.data(fill(0x10, 1))
	f := mustParse(t, b.stream(streamMemoryList, le(1, 0, uint64(0x5000), 0x10, rva)).bytes())
	want := []Region{{Addr: 0x5000, Off: int64(rva), Size: 0x10, Kind: dumpio.Unknown}}
	if !slices.Equal(f.Regions, want) || len(f.Warnings) != 0 {
		t.Errorf("Regions = %+v, Warnings = %q, want %+v and none", f.Regions, f.Warnings, want)
	}
}

func TestMemory(t *testing.T) {
	raw := newDump().memory(0x1000, []byte("0123456789")).bytes()
	f := mustParse(t, raw)
	got, err := io.ReadAll(f.Memory(f.Regions[0]))
	if err != nil || string(got) != "0123456789" {
		t.Errorf("Memory = %q, %v, want 0123456789", got, err)
	}
	if g, ok := f.RegionAt(0x1009); !ok || g != f.Regions[0] {
		t.Errorf("RegionAt(0x1009) = %+v, %v", g, ok)
	}
	if _, ok := f.RegionAt(0x100a); ok {
		t.Errorf("RegionAt(0x100a) found a region")
	}
}

func TestOpenShrunk(t *testing.T) {
	name := filepath.Join(t.TempDir(), "x.dmp")
	raw := newDump().memory(0x1000, fill(1<<16, 7)).bytes()
	if err := os.WriteFile(name, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Truncate(name, 0); err != nil {
		t.Fatal(err)
	}
	// Reading the mapping past the new end faults; that must be an error.
	_, err = io.ReadAll(f.Memory(f.Regions[0]))
	if err == nil {
		t.Errorf("reading a region of a truncated mapped file succeeded")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "absent.dmp")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(absent) = %v, want ErrNotExist", err)
	}
}
