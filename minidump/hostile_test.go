package minidump

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// allocated returns the bytes fn allocates, and how long it takes.
func allocated(fn func()) (uint64, time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, d
}

// TestSplitBounded: a LinuxMaps stream of 1<<16 one-byte mappings, alternately
// rw- and r--, under n memory descriptors that each cover all of them, once
// made n×65536 regions (n=200 peaked at 3.9 GB; n=2000 ran out of memory).
// Parsing must stay within 64 MiB and a few seconds, whatever n.
func TestSplitBounded(t *testing.T) {
	const lines = 1 << 16
	var maps strings.Builder
	for i := range lines {
		perm := "rw-p"
		if i%2 == 1 {
			perm = "r--p"
		}
		fmt.Fprintf(&maps, "%x-%x %s 0 0:0 0\n", 0x100000+i, 0x100000+i+1, perm)
	}
	for _, tt := range []struct {
		name    string
		n       int
		shifted bool // each descriptor at the next file offset, so none are duplicates
	}{
		{"200 identical", 200, false},
		{"2000 identical", 2000, false},
		{"2000 shifted", 2000, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newDump().maps(maps.String())
			rva := b.data(make([]byte, lines+tt.n))
			for i := range tt.n {
				off := rva
				if tt.shifted {
					off += uint32(i)
				}
				b.memoryAt(0x100000, off, lines)
			}
			raw := b.bytes()
			var f *File
			var err error
			n, d := allocated(func() { f, err = NewFile(bytes.NewReader(raw), int64(len(raw))) })
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d-byte dump: %d regions, %d MiB allocated, %v", len(raw), len(f.Regions), n>>20, d)
			if n > 64<<20 {
				t.Errorf("NewFile allocated %d MiB, want < 64", n>>20)
			}
			if max := tt.n + maxSplits + 1; len(f.Regions) > max { // +1: the rest of the range that reaches the cap
				t.Errorf("%d regions, want at most %d", len(f.Regions), max)
			}
			if d > 20*time.Second {
				t.Errorf("NewFile took %v", d)
			}
			if g, ok := f.RegionAt(0x100001); !ok || g.Protect.String() != "r--" {
				t.Errorf("RegionAt(0x100001) = %+v, %v; want the r-- mapping", g, ok)
			}
		})
	}
}
