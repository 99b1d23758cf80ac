package elfcore

import (
	"bytes"
	"encoding/binary"
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

func manyMappings(n int) []synMap {
	ms := make([]synMap, n)
	for i := range ms {
		ms[i] = synMap{uint64(i) << 12, uint64(i+1) << 12, 0, "/x"}
	}
	return ms
}

// TestNotesBounded: 100 PT_NOTE headers naming one NT_FILE note of 524,288
// mappings (13 MB) parsed it 100 times and ran out of memory; notes must be
// parsed once, and file mappings are capped across all notes.
func TestNotesBounded(t *testing.T) {
	for _, tt := range []struct {
		name      string
		headers   int
		notes     [][]synMap
		wantFiles int
		wantWarn  string
	}{
		{"100 headers, one note", 100, [][]synMap{manyMappings(maxFiles)}, maxFiles, "note segments overlap"},
		{"two notes over the cap", 1, [][]synMap{manyMappings(maxFiles - 10), manyMappings(1000)}, maxFiles, "more than 524288 file mappings"},
		{"third note past the cap", 1, [][]synMap{manyMappings(maxFiles), manyMappings(5), manyMappings(5)}, maxFiles, "already 524288 file mappings"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newCore(64, binary.LittleEndian)
			b.noteHdr = tt.headers
			for _, ms := range tt.notes {
				b.note("CORE", ntFile, b.fileNote(8, 0x1000, ms...))
			}
			b.load(0x1000, 0x1000, page("x", 0x1000), 6)
			raw := b.bytes()
			var f *File
			var err error
			n, d := allocated(func() { f, err = NewFile(bytes.NewReader(raw), int64(len(raw))) })
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d-byte core: %d files, %d MiB allocated, %v", len(raw), len(f.Files), n>>20, d)
			if len(f.Files) != tt.wantFiles {
				t.Errorf("%d file mappings, want %d", len(f.Files), tt.wantFiles)
			}
			// Parsing the note once allocates about 5× the file (descriptor,
			// mappings, paths, a sorted copy); once per header was 100 times that.
			if limit := 8 * uint64(len(raw)); n > limit {
				t.Errorf("NewFile allocated %d MiB, want < %d (8× the file)", n>>20, limit>>20)
			}
			if d > 20*time.Second {
				t.Errorf("NewFile took %v", d)
			}
			if !strings.Contains(strings.Join(f.Warnings, "\n"), tt.wantWarn) {
				t.Errorf("Warnings = %q, want one saying %q", f.Warnings, tt.wantWarn)
			}
		})
	}
}
