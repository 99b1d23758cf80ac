package minidump

import (
	"dumpguard/internal/dumpio"
	"dumpguard/internal/testpath"

	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json")

var realDumps = testpath.Path("realdumps")

func realDumpNames(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(realDumps, "*.dmp"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no real dumps in %s: %v", realDumps, err)
	}
	return names
}

func parseFile(t *testing.T, name string) *File {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, raw)
}

// goldenView is what a golden file pins: the Summary, with the region list
// replaced by totals when it is long.
type goldenView struct {
	Summary
	RegionCount int                 `json:"region_count"`
	RegionBytes int64               `json:"region_bytes"`
	Kinds       map[string]kindStat `json:"kinds"`
}

type kindStat struct {
	Regions int   `json:"regions"`
	Bytes   int64 `json:"bytes"`
}

func golden(t *testing.T, f *File, name string) {
	t.Helper()
	v := goldenView{Summary: f.Summary(), RegionCount: len(f.Regions), Kinds: map[string]kindStat{}}
	for _, g := range f.Regions {
		v.RegionBytes += g.Size
		k := v.Kinds[g.Kind.String()]
		k.Regions++
		k.Bytes += g.Size
		v.Kinds[g.Kind.String()] = k
	}
	if len(v.Regions) > 200 {
		v.Regions = nil
	}
	got, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./minidump -update)", err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(path+".got", got, 0o644)
		t.Errorf("Summary of %s differs from %s; see %s.got", name, path, path)
	}
}

func TestRealDumps(t *testing.T) {
	for _, name := range realDumpNames(t) {
		base := strings.TrimSuffix(filepath.Base(name), ".dmp")
		t.Run(base, func(t *testing.T) {
			f := parseFile(t, name)
			golden(t, f, base)
		})
	}
}

// TestRealDumpFacts checks what SOURCES.md states about the samples.
func TestRealDumpFacts(t *testing.T) {
	type facts struct {
		arch, os         string
		threads, modules int
		ranges           int   // memory descriptors, before merging
		rangeBytes       int64 // -1: not checked
		threadNames      int
		malformed        bool // warnings expected
	}
	tests := map[string]facts{
		"breakpad__minidump2":                        {"x86", "windows 5.1.2600", 2, 13, 3, 5884, 0, false},
		"breakpad__minidump_32bit_crash_addr":        {"x86", "windows 5.1.2600", 2, 13, 3, 5884, 0, false},
		"breakpad__tiny-exe-with-cet-xsave":          {"amd64", "windows 10.0.22000", 1, 25, 65, 50800, 0, false},
		"breakpad__tiny-exe-with-cet-xsave-x86":      {"x86", "windows 10.0.22631", 3, 19, 6, -1, 0, false},
		"breakpad__thread_name_list":                 {"x86", "windows 10.0.17763", 6, 17, 10, -1, 3, false},
		"breakpad__stack_exhaustion":                 {"x86", "windows 6.1.7600", 2, 26, 5, 1041172, 0, false},
		"breakpad__write_av_non_canonical":           {"amd64", "windows 10.0.19042", 2, 15, 5, -1, 0, false},
		"breakpad__minidump_crashpad_annotation":     {"amd64", "ios", 7, 354, 11, 101260, 1, false},
		"rust-minidump__simple-crashpad":             {"amd64", "macos", 1, 40, 1, -1, 0, false},
		"rust-minidump__pipeline-inlines-macos-segv": {"amd64", "macos", 11, 47, 12, -1, 1, false},
		"rust-minidump__invalid-parameter":           {"amd64", "windows 10.0.17134", 6, 31, 10, -1, 0, false},
		"lldb__sigsegv":                              {"amd64", "windows 10.0.16299", 1, 4, 15, 96342, 0, false},
		"lldb__fizzbuzz_no_heap":                     {"x86", "windows 6.1.7601", 1, 6, 2, -1, 0, false},
		"lldb__linux-x86_64":                         {"amd64", "linux", 1, 10, -1, -1, 0, false},
		"lldb__regions-memlist64":                    {"arm64", "macos", 0, 0, 2, 0x30, 0, false},
		"rust-minidump__invalid-range":               {"unknown", "unknown", 0, 0, 0, 0, 0, true},
		"rust-minidump__invalid-record-count":        {"unknown", "unknown", 0, 0, 0, 0, 0, true},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			f := parseFile(t, filepath.Join(realDumps, name+".dmp"))
			named := 0
			for _, th := range f.Threads {
				if th.Name != "" {
					named++
				}
			}
			var bytes int64
			for _, g := range f.Regions {
				bytes += g.Size
			}
			got := facts{f.Arch, f.OS, len(f.Threads), len(f.Modules), f.nranges, bytes, named, len(f.Warnings) > 0}
			if want.ranges < 0 {
				got.ranges = -1
			}
			if want.rangeBytes < 0 {
				got.rangeBytes = -1
			}
			if got != want {
				t.Errorf("facts = %+v, want %+v", got, want)
			}
		})
	}
}

func TestRealDumpDetails(t *testing.T) {
	t.Run("memlist64 offsets", func(t *testing.T) {
		f := parseFile(t, filepath.Join(realDumps, "lldb__regions-memlist64.dmp"))
		want := []Region{
			{Addr: 0x1000, Off: 0xd4, Size: 0x10, Kind: dumpio.Unknown},
			{Addr: 0x2000, Off: 0xe4, Size: 0x20, Kind: dumpio.Unknown},
		}
		if !slices.Equal(f.Regions, want) {
			t.Errorf("Regions = %+v, want %+v", f.Regions, want)
		}
	})
	t.Run("cet-xsave memory info", func(t *testing.T) {
		f := parseFile(t, filepath.Join(realDumps, "breakpad__tiny-exe-with-cet-xsave.dmp"))
		p := &parser{File: f, mask: ^uint64(0)}
		s, ok := p.StreamAt(0)
		for _, st := range f.Streams {
			if st.Type == streamMemoryInfoList {
				s, ok = st, true
			}
		}
		if !ok {
			t.Fatal("no MemoryInfoList stream")
		}
		l, err := p.memoryInfo(s)
		if err != nil || len(l) != 557 {
			t.Fatalf("memoryInfo = %d entries, %v, want 557", len(l), err)
		}
		kinds := map[string]int{}
		for _, x := range l {
			kinds[x.a.kind.String()]++
		}
		// 151+10 image... per SOURCES.md: IMAGE 151, MAPPED 52+10, PRIVATE 160+57, FREE 127.
		if kinds["image"] != 151 || kinds["mapped"] != 62 || kinds["private"]+kinds["stack"]+kinds["heap"] != 217 || kinds["unknown"] != 127 {
			t.Errorf("memory info kinds = %v", kinds)
		}
	})
	t.Run("32-bit crash address", func(t *testing.T) {
		f := parseFile(t, filepath.Join(realDumps, "breakpad__minidump_32bit_crash_addr.dmp"))
		if f.PointerSize != 4 {
			t.Errorf("PointerSize = %d, want 4", f.PointerSize)
		}
		for _, g := range f.Regions {
			if g.Addr>>32 != 0 {
				t.Errorf("region %+v above 4 GiB in a 32-bit dump", g)
			}
		}
	})
	t.Run("module listed twice", func(t *testing.T) {
		f := parseFile(t, filepath.Join(realDumps, "lldb__linux-x86_64.dmp"))
		var bases []uint64
		for _, m := range f.Modules {
			if strings.HasSuffix(m.Name, "/linux-x86_64") {
				bases = append(bases, m.Base)
			}
		}
		if !slices.Equal(bases, []uint64{0x400000, 0x600000}) {
			t.Errorf("linux-x86_64 bases = %#x, want [0x400000 0x600000]", bases)
		}
	})
	t.Run("linux maps attribution", func(t *testing.T) {
		f := parseFile(t, filepath.Join(realDumps, "breakpad__linux_raise_sigabrt.dmp"))
		kinds := map[string]bool{}
		for _, g := range f.Regions {
			kinds[g.Kind.String()] = true
			if g.Kind == dumpio.Stack && g.Thread == 0 {
				t.Errorf("stack region %+v has no thread", g)
			}
		}
		if !kinds["stack"] {
			t.Errorf("no stack region: %+v", f.Regions)
		}
	})
	t.Run("malformed dumps are not format errors", func(t *testing.T) {
		// FORMATS.md 1.9: bounds-check each entry, do not reject the file.
		for _, n := range []string{"rust-minidump__invalid-range", "rust-minidump__invalid-record-count"} {
			raw, err := os.ReadFile(filepath.Join(realDumps, n+".dmp"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = NewFile(bytes.NewReader(raw), int64(len(raw)))
			if fe := (*FormatError)(nil); errors.As(err, &fe) || err != nil {
				t.Errorf("NewFile(%s) = %v, want warnings only", n, err)
			}
		}
	})
}

// TestTruncatedRealDumps cuts real dumps at many offsets: parsing must
// never fail past the directory, and every region must lie in the file.
func TestTruncatedRealDumps(t *testing.T) {
	for _, name := range realDumpNames(t) {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		step := max(1, len(raw)/97)
		for n := 0; n < len(raw); n += step {
			f, err := NewFile(bytes.NewReader(raw[:n]), int64(n))
			if err != nil {
				continue
			}
			checkInvariants(t, f, int64(n))
		}
	}
}
