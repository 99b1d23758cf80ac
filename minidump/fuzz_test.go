package minidump

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func FuzzNewFile(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join(realDumps, "*.dmp"))
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, filepath.Join(winDumps, "keyholder-normal.dmp"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 128<<10 { // minimizing larger inputs stalls the fuzzer
			b = b[:64<<10] // a truncated dump is a fine seed too
		}
		f.Add(b)
	}
	stack := fill(0x40, 's')
	f.Add(newDump().sysinfo(9, 2).module(`C:\a.exe`, 0x400000, 0x1000).thread(1, 0x6000, 0x7000, stack).
		memory(0x400000, fill(0x20, 'i')).memInfo(0x7000, 0x7000, 0x1000, memCommit, 4, memPrivate).
		memInfo(0x400000, 0x400000, 0x1000, memCommit, 2, memImage).bytes())
	f.Add(newDump().sysinfo(0, 0x8201).thread(1, 0, 0x7000, stack).memory64(0x1000, fill(0x20, 'a')).
		memory64(0x2000, fill(0x20, 'b')).maps("1000-3000 rw-p 0 0:0 0 [heap]\n7000-8000 rw-p 0 0:0 0\n").bytes())
	// Small forms of TestSplitBounded: maps lines under repeated descriptors.
	split := newDump().maps("1000-1001 rw-p 0 0:0 0\n1001-1002 r--p 0 0:0 0\n1002-1003 rw-p 0 0:0 0\n")
	rva := split.data(fill(8, 'm'))
	for i := range 4 {
		split.memoryAt(0x1000, rva+uint32(i%2), 3)
	}
	f.Add(split.bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		mf, err := NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return // rejecting is fine; panicking or over-allocating is not
		}
		checkInvariants(t, mf, int64(len(b)))
		for _, g := range mf.Regions {
			if n, err := io.Copy(io.Discard, mf.Memory(g)); err != nil || n != g.Size {
				t.Fatalf("Memory(%+v) = %d, %v", g, n, err)
			}
		}
		_ = mf.Summary()
	})
}
