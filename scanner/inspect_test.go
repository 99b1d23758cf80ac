package scanner

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dumpguard/container"
	"dumpguard/internal/dumpio"
	"dumpguard/internal/testpath"
)

func TestRuns(t *testing.T) {
	img := func(addr uint64, off, size int64) Region {
		return Region{Off: off, Size: size, Addr: addr, HasAddr: true, Kind: KindImage, Module: "a.dll", Protect: dumpio.Known | dumpio.Read}
	}
	with := func(g Region, f func(*Region)) Region { f(&g); return g }
	tests := []struct {
		name string
		rs   []Region
		want []Run // nil: every region a run of its own
	}{
		{"touching", []Region{img(0x1000, 0, 0x10), img(0x1010, 0x100, 0x20)},
			[]Run{{First: img(0x1000, 0, 0x10), Span: 0x30, Bytes: 0x30, Count: 2}}},
		{"gap under a page", []Region{img(0x1000, 0, 0x10), img(0x1012, 0x10, 6), img(0x2011, 0x16, 1)},
			[]Run{{First: img(0x1000, 0, 0x10), Span: 0x1012, Bytes: 0x17, Count: 3}}},
		{"a page between", []Region{img(0x1000, 0, 0x10), img(0x2010, 0x10, 0x10)}, nil},
		{"other kind", []Region{img(0x1000, 0, 0x10), with(img(0x1010, 0x10, 0x10), func(g *Region) { g.Kind = KindMapped })}, nil},
		{"other module", []Region{img(0x1000, 0, 0x10), with(img(0x1010, 0x10, 0x10), func(g *Region) { g.Module = "b.dll" })}, nil},
		{"other protection", []Region{img(0x1000, 0, 0x10), with(img(0x1010, 0x10, 0x10), func(g *Region) { g.Protect |= dumpio.Write })}, nil},
		{"other thread", []Region{with(img(0x1000, 0, 0x10), func(g *Region) { g.Thread = 1 }), with(img(0x1010, 0x10, 0x10), func(g *Region) { g.Thread = 2 })}, nil},
		{"backwards", []Region{img(0x1010, 0, 0x10), img(0x1000, 0x10, 0x10)}, nil},
		{"overlapping", []Region{img(0x1000, 0, 0x10), img(0x1008, 0x10, 0x10)}, nil},
		{"no address", []Region{{Off: 0, Size: 0x10, Kind: KindRaw}, {Off: 0x10, Size: 0x10, Kind: KindRaw}}, nil},
		{"top of the address space", []Region{img(1<<64-0x20, 0, 0x10), img(1<<64-0x10, 0x10, 0x10), img(0, 0x20, 0x10)},
			[]Run{{First: img(1<<64-0x20, 0, 0x10), Span: 0x20, Bytes: 0x20, Count: 2}, {First: img(0, 0x20, 0x10), Span: 0x10, Bytes: 0x10, Count: 1}}},
	}
	for _, tt := range tests {
		want := tt.want
		if want == nil {
			for _, g := range tt.rs {
				want = append(want, Run{First: g, Span: uint64(g.Size), Bytes: g.Size, Count: 1})
			}
		}
		if got := Runs(tt.rs); !slices.Equal(got, want) {
			t.Errorf("Runs(%s) = %+v, want %+v", tt.name, got, want)
		}
	}
}

// TestInspectRealDumps lays out every public dump in testdata/realdumps as
// inspect does: each parses in its format, with its regions inside the file,
// and in a few of them a known address lies in the region it should.
//
// How each fact was established, without dumpguard:
//   - breakpad__linux_raise_sigabrt.dmp (a minidump with LinuxMaps): its
//     MemoryList, ThreadList and LinuxMaps streams read with a few lines of
//     Python over the directory (struct.unpack_from). The memory descriptor
//     at 0x7f5aa172a2cb lies in the LinuxMaps line "7f5aa171c000-7f5aa1735000
//     r-xp ... /lib/x86_64-linux-gnu/libpthread-2.19.so"; thread 23526's stack
//     descriptor is 0x7ffcdb5e5000 +0x2000, inside "7ffcdb5c5000-7ffcdb5e7000 rw-p".
//   - breakpad__tiny-exe-with-cet-xsave.dmp (Windows, MemoryInfoList), read
//     the same way: 0x7ff9111d3203 is in the MEMORY_INFO 0x7ff911141000
//     +0x12a000, Type MEM_IMAGE (0x1000000), Protect PAGE_EXECUTE_READ (0x20),
//     inside ntdll.dll's ModuleList entry 0x7ff911140000 +0x207000;
//     0x7ff9112b3360 is in 0x7ff9112b3000 +0x1000, MEM_IMAGE, PAGE_READWRITE
//     (0x4); 0xcbc82f8000 is the stack descriptor of thread 1468 (ThreadList).
//   - lldb__gcore_linux-x86_64.core (gcore, x86-64): eu-readelf -n gives
//     AUXV SYSINFO_EHDR 0x7fff0fb34000 (the vDSO), readelf -l a PT_LOAD R E
//     there of 0x2000 bytes; thread 5669's rsp 0x7fff0faae5b0 (PRSTATUS) is in
//     no PT_LOAD: gcore ran with coredump_filter 0 (SOURCES.md).
//   - lldb__linux-x86_64.core (written by the kernel): eu-readelf -n gives rip
//     0x40011c and rsp 0x7ffe0c027cf8 (PRSTATUS, pid 32259) and the FILE note
//     "00400000-00401000 /home/labath/test/a.out"; readelf -l gives PT_LOADs
//     0x400000 R E and 0x7ffe0c026000 +0x3000 RW.
//   - pyelftools__core_linux32.elf (i386, kernel): eu-readelf -n gives eip
//     0xf7f38079, esp 0xffdad160 (pid 11038), SYSINFO_EHDR 0xf7f37000, and the
//     FILE note "f7eeb000-f7eec000 ... /lib/i386-linux-gnu/libc-2.27.so";
//     readelf -l gives PT_LOADs 0xf7f37000 R E, 0xffd8e000 +0x21000 RW,
//     0xf7eeb000 RW, and 0xf7d13000 R E with FileSiz 0x1000 of MemSiz 0x1d5000
//     (the rest of libc's code not dumped).
func TestInspectRealDumps(t *testing.T) {
	type fact struct {
		va      uint64
		kind    dumpio.Kind // Unknown with module "-": in no region
		module  string
		thread  uint32
		protect string
	}
	facts := map[string][]fact{
		"breakpad__linux_raise_sigabrt.dmp": {
			{0x7f5aa172a2cb, KindImage, "/lib/x86_64-linux-gnu/libpthread-2.19.so", 0, "r-x"},
			{0x7ffcdb5e6fff, KindStack, "", 23526, "rw-"},
		},
		"breakpad__tiny-exe-with-cet-xsave.dmp": {
			{0x7ff9111d3203, KindImage, `C:\WINDOWS\SYSTEM32\ntdll.dll`, 0, "r-x"},
			{0x7ff9112b3360, KindImage, `C:\WINDOWS\SYSTEM32\ntdll.dll`, 0, "rw-"},
			{0xcbc82f8000, KindStack, "", 1468, "rw-"},
		},
		"lldb__gcore_linux-x86_64.core": {
			{0x7fff0fb34000, dumpio.Vdso, "", 0, "r-x"},
			{0x7fff0faae5b0, KindUnknown, "-", 0, ""},
		},
		"lldb__linux-x86_64.core": {
			{0x40011c, KindImage, "/home/labath/test/a.out", 0, "r-x"},
			{0x7ffe0c027cf8, KindStack, "", 32259, "rw-"},
		},
		"pyelftools__core_linux32.elf": {
			{0xf7f38079, dumpio.Vdso, "", 0, "r-x"},
			{0xffdad160, KindStack, "", 11038, "rw-"},
			{0xf7eeb123, KindImage, "/lib/i386-linux-gnu/libc-2.27.so", 0, "rw-"},
			{0xf7d14000, KindUnknown, "-", 0, ""},
		},
	}
	files, _ := filepath.Glob(testpath.Path("realdumps", "*"))
	checked := 0
	for _, name := range files {
		base := filepath.Base(name)
		if strings.HasSuffix(base, ".md") {
			continue
		}
		t.Run(base, func(t *testing.T) {
			ins, err := Inspect(context.Background(), name, nil, container.Limits{})
			if err != nil || len(ins) != 1 {
				t.Fatalf("Inspect = %d inspections, %v; want 1, nil", len(ins), err)
			}
			l := ins[0].Layout
			want := "elf-core"
			if strings.HasSuffix(base, ".dmp") {
				want = "minidump"
			}
			if l.ParseError != nil || l.Format != want {
				t.Fatalf("format %s, parse error %v; want %s, none", l.Format, l.ParseError, want)
			}
			for _, g := range l.Regions {
				if g.Off < 0 || g.Size <= 0 || g.Off+g.Size > ins[0].Size || !g.HasAddr {
					t.Errorf("region %+v outside the %d-byte dump or without an address", g, ins[0].Size)
				}
			}
			for _, f := range facts[base] {
				checked++
				g, ok := regionAt(l, f.va)
				if !ok {
					if f.module != "-" {
						t.Errorf("%#x is in no region, want %s %s", f.va, f.kind, f.module)
					}
					continue
				}
				if f.module == "-" || g.Kind != f.kind || g.Module != f.module || g.Thread != f.thread || g.Protect.String() != f.protect {
					t.Errorf("%#x is in %+v, want %s %q thread %d %s", f.va, g, f.kind, f.module, f.thread, f.protect)
				}
			}
		})
	}
	if checked != 13 {
		t.Errorf("checked %d facts, want 13: a dump named in the table is missing", checked)
	}
}

// regionAt returns the region of l holding address va.
func regionAt(l *Layout, va uint64) (Region, bool) {
	for _, g := range l.Regions {
		if g.HasAddr && va >= g.Addr && va-g.Addr < uint64(g.Size) {
			return g, true
		}
	}
	return Region{}, false
}
