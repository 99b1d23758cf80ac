package scanner

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"dumpguard/internal/dumpio"
)

// sharedRangeDump writes a minidump whose MemoryList has n descriptors at
// consecutive 64 KiB addresses that all point at the same 64 KiB of the file:
// every address seam once joined the range to itself, and 3.3 MB took 50 s
// to scan (issue 14 item 9).
func sharedRangeDump(n int) []byte {
	le := binary.LittleEndian
	const dataSize = 64 << 10
	listOff := 32 + 12
	dataOff := listOff + 4 + 16*n
	b := le.AppendUint32(nil, 0x504d444d) // "MDMP"
	b = le.AppendUint32(b, 0xa793)
	b = le.AppendUint32(b, 1)  // streams
	b = le.AppendUint32(b, 32) // directory
	b = append(b, make([]byte, 16)...)
	b = le.AppendUint32(b, 5) // MemoryListStream
	b = le.AppendUint32(b, uint32(4+16*n))
	b = le.AppendUint32(b, uint32(listOff))
	b = le.AppendUint32(b, uint32(n))
	for i := range n {
		b = le.AppendUint64(b, 0x10000000+uint64(i)*dataSize)
		b = le.AppendUint32(b, dataSize)
		b = le.AppendUint32(b, uint32(dataOff))
	}
	return append(b, make([]byte, dataSize)...)
}

func TestSeamsSharedRange(t *testing.T) {
	for _, n := range []int{2, 1000, 200000} {
		raw := sharedRangeDump(n)
		start := time.Now()
		l := LayoutOf(bytes.NewReader(raw), int64(len(raw)))
		if l.Format != "minidump" || l.ParseError != nil {
			t.Fatalf("LayoutOf(%d descriptors) = %s, %v", n, l.Format, l.ParseError)
		}
		if len(l.Seams) != 0 {
			t.Errorf("%d descriptors sharing one range: %d seams, want 0", n, len(l.Seams))
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("LayoutOf(%d descriptors) took %v", n, d)
		}
	}
}

func TestSeams(t *testing.T) {
	r := func(addr uint64, off, size int64) Region {
		return Region{Addr: addr, HasAddr: true, Off: off, Size: size, Kind: dumpio.Heap}
	}
	// Regions in reverse file order: every neighbour in VA is a seam, and
	// each region's bytes are counted once, so all of them fit the file.
	var rev []Region
	for i := range 100 {
		rev = append(rev, r(0x1000+uint64(i)*16, int64(99-i)*16, 16))
	}
	for _, tt := range []struct {
		name string
		rs   []Region
		size int64
		want int
	}{
		{"adjacent in both", []Region{r(0x1000, 0, 16), r(0x1010, 16, 16)}, 32, 0},
		{"adjacent in VA only", []Region{r(0x1000, 16, 16), r(0x1010, 0, 16)}, 32, 1},
		{"same bytes twice", []Region{r(0x1000, 0, 16), r(0x1010, 0, 16)}, 16, 0},
		{"overlapping bytes", []Region{r(0x1000, 0, 16), r(0x1010, 8, 16)}, 24, 0},
		{"no address", []Region{{Off: 16, Size: 16}, {Off: 0, Size: 16}}, 32, 0},
		{"reverse order", rev, 1600, 99},
		{"budget", rev, 800, 49}, // a file claimed smaller than its regions: seams stop at its size
	} {
		if got := seams(tt.rs, tt.size); len(got) != tt.want {
			t.Errorf("seams(%s) = %d seams, want %d", tt.name, len(got), tt.want)
		}
	}
}
