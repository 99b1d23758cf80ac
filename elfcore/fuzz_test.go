package elfcore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func FuzzNewFile(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join(realDir, "*.core"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		if st, err := os.Stat(s); err == nil && st.Size() <= 32<<10 {
			f.Add(load(f, s))
		}
	}
	for _, class := range []int{32, 64} {
		for _, bo := range []order{binary.LittleEndian, binary.BigEndian} {
			f.Add(typical(class, bo).bytes())
		}
	}
	x := newCore(64, binary.LittleEndian)
	x.xnum = true
	x.load(0x1000, 0x1000, []byte("abc"), 6)
	f.Add(x.bytes())
	// Small forms of the hostile cases of TestNotesBounded and TestGoArenaIsHeap:
	// PT_NOTE headers sharing one NT_FILE note, and a Go executable whose
	// thread SP lies outside any guarded stack.
	shared := newCore(64, binary.LittleEndian)
	shared.noteHdr = 4
	shared.note("CORE", ntFile, shared.fileNote(8, 0x1000, manyMappings(8)...))
	shared.load(0x1000, 0x1000, page("x", 0x100), 6)
	f.Add(shared.bytes())
	g := newCore(64, binary.LittleEndian)
	g.note("CORE", ntPrstatus, g.prstatus(2, 0x7a0baa30800))
	g.note("CORE", ntFile, g.fileNote(8, 0x1000, synMap{0x400000, 0x401000, 0, "/bin/prog"}))
	g.load(0x400000, 0x1000, exeImage("Go"), 5)
	g.load(0x7a0baa30000, 0x1000, page("g0", 0x100), 6)
	f.Add(g.bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		mf, err := NewFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			var fe *FormatError
			if !errors.Is(err, ErrNotCore) && !errors.As(err, &fe) {
				t.Fatalf("untyped error %v", err)
			}
			return // rejecting is fine; panicking or over-allocating is not
		}
		size := int64(len(b))
		for i, g := range mf.Regions {
			if g.Off < 0 || g.Size <= 0 || g.Off+g.Size > size {
				t.Fatalf("region %+v outside the %d-byte input", g, size)
			}
			if i > 0 && mf.Regions[i-1].Addr > g.Addr {
				t.Fatalf("regions out of order at %d", i)
			}
			if n, err := io.Copy(io.Discard, mf.Memory(g)); n != g.Size || err != nil {
				t.Fatalf("Memory(%+v) read %d bytes, %v", g, n, err)
			}
		}
		for _, s := range mf.Segments {
			if s.Avail < 0 || s.Avail > s.FileSize || s.Avail > 0 && s.Off+s.Avail > size {
				t.Fatalf("segment %+v: avail outside the input", s)
			}
		}
		var sum int64
		for _, v := range mf.Coverage() {
			sum += v
		}
		if sum != size {
			t.Fatalf("coverage sums to %d, want %d", sum, size)
		}
		for _, off := range []int64{0, size / 2, size - 1} {
			mf.PartAt(off)
		}
		if _, err := json.Marshal(mf.Summary()); err != nil {
			t.Fatal(err)
		}
	})
}
