package scanner

import (
	"slices"
	"testing"

	"dumpguard/internal/dumpio"
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
