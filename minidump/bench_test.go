package minidump

import (
	"bytes"
	"testing"
)

// BenchmarkNewFileLarge parses a full-memory dump with 100k ranges, each in
// its own MemoryInfo entry, and 1000 threads and modules.
func BenchmarkNewFileLarge(b *testing.B) {
	d := newDump().sysinfo(9, 2)
	for i := range uint64(1000) {
		d.module("C:\\m.dll", 0x7ff000000000+i<<20, 0x10000)
		d.threadOnly(uint32(i), 0, 0x10000000+i<<20, 0x100, 0)
	}
	for i := range uint64(100_000) {
		va := 0x10000000 + i<<12
		d.memory64(va, make([]byte, 16))
		d.memInfo(va, va&^0xfffff, 0x1000, memCommit, 4, memPrivate)
	}
	raw := d.bytes()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := NewFile(bytes.NewReader(raw), int64(len(raw)))
		if err != nil || len(f.Regions) == 0 {
			b.Fatal(err)
		}
		f.Coverage()
	}
}
