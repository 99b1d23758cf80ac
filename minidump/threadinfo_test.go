package minidump

import (
	"bytes"
	"errors"
	"testing"
)

// threadInfo is one MINIDUMP_THREAD_INFO of entry bytes.
func threadInfo(id, flags uint32, start uint64, entry int) []byte {
	b := le(id, flags, uint32(0), uint32(0), uint64(1), uint64(2), uint64(3), uint64(4), start, uint64(0xff))
	return append(b, make([]byte, entry-len(b))...)
}

func TestThreadInfoList(t *testing.T) {
	tests := []struct {
		name    string
		stream  []byte
		start   uint64
		flags   uint32
		warning bool
	}{
		{"one entry", append(le(uint32(12), uint32(64), uint32(1)), threadInfo(7, 4, 0x401000, 64)...), 0x401000, 4, false},
		{"larger entries and header", append(append(le(uint32(16), uint32(72), uint32(1)), 0, 0, 0, 0), threadInfo(7, 0, 0x402000, 72)...), 0x402000, 0, false},
		{"count larger than the stream", append(le(uint32(12), uint32(64), uint32(1000)), threadInfo(7, 0, 0x403000, 64)...), 0x403000, 0, true},
		{"entry too small", append(le(uint32(12), uint32(8), uint32(1)), threadInfo(7, 0, 0x404000, 64)...), 0, 0, true},
		{"short header", le(uint32(12)), 0, 0, true},
		{"other thread", append(le(uint32(12), uint32(64), uint32(1)), threadInfo(8, 0, 0x405000, 64)...), 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newDump().thread(7, 0, 0x10000, make([]byte, 64)).stream(streamThreadInfoList, tt.stream).bytes()
			f, err := NewFile(bytes.NewReader(b), int64(len(b)))
			if fe := (*FormatError)(nil); errors.As(err, &fe) || err != nil {
				t.Fatalf("NewFile: %v", err)
			}
			if len(f.Threads) != 1 {
				t.Fatalf("threads = %d, want 1", len(f.Threads))
			}
			if got := f.Threads[0]; got.StartAddr != tt.start || got.DumpFlags != tt.flags {
				t.Errorf("thread = start %#x flags %#x, want %#x %#x", got.StartAddr, got.DumpFlags, tt.start, tt.flags)
			}
			if (len(f.Warnings) > 0) != tt.warning {
				t.Errorf("warnings = %q, want some: %v", f.Warnings, tt.warning)
			}
		})
	}
}
