package elfcore

import (
	"encoding/binary"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"dumpguard/internal/dumpio"
)

// exeImage returns the first page of an ELF64 executable with one PT_NOTE
// holding a note of the given owner and type 4 (Go's build ID note when the
// owner is "Go").
func exeImage(owner string) []byte {
	le := binary.LittleEndian
	b := make([]byte, 0x1000)
	copy(b, "\x7fELF\x02\x01\x01")
	le.PutUint16(b[16:], 2) // ET_EXEC
	le.PutUint64(b[32:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], 1)
	note := le.AppendUint32(nil, 4)
	note = le.AppendUint32(note, 8)
	note = le.AppendUint32(note, 4)
	note = append(note, owner+"\x00\x00\x00\x00"[:4-len(owner)]...)
	note = append(note, "build-id"...)
	ph := b[64:]
	le.PutUint32(ph, ptNote)
	le.PutUint64(ph[8:], 0x100)
	le.PutUint64(ph[32:], uint64(len(note)))
	copy(b[0x100:], note)
	return b
}

// TestGoArenaIsHeap checks that in a Go program the segment holding a
// thread's SP, and the rest of its 64 MiB heap arena, is heap, while the main
// stack and a pthread stack (a guard page below) stay stacks; in a C program
// every SP's segment is its thread's stack, as before.
func TestGoArenaIsHeap(t *testing.T) {
	const (
		arenaSP   = 0x7a0baa30000 // a g0 stack inside the Go heap arena 0x7a0b8000000
		arenaMore = 0x7a0bab00000 // heap objects in the same arena
		outside   = 0x7a0bc100000 // the next arena: no SP there
		pthread   = 0x7f0000001000
		mainStack = 0x7ffe00000000
	)
	for _, tt := range []struct {
		owner                         string
		sp, more, other, pth, mainStk dumpio.Kind
		spThread                      uint32
	}{
		{"Go", dumpio.Heap, dumpio.Heap, dumpio.Anon, dumpio.Stack, dumpio.Stack, 0},
		{"XY", dumpio.Stack, dumpio.Anon, dumpio.Anon, dumpio.Stack, dumpio.Stack, 2},
	} {
		t.Run(tt.owner, func(t *testing.T) {
			b := newCore(64, binary.LittleEndian)
			b.note("CORE", ntPrstatus, b.prstatus(1, mainStack+0x800))
			b.note("CORE", ntPrstatus, b.prstatus(2, arenaSP+0x800))
			b.note("CORE", ntPrstatus, b.prstatus(3, pthread+0x800))
			b.note("CORE", ntAuxv, b.auxv(atRandom, mainStack+0xf00, atEntry, 0x400100))
			b.note("CORE", ntFile, b.fileNote(8, 0x1000, synMap{0x400000, 0x401000, 0, "/bin/prog"}))
			b.load(0x400000, 0x1000, exeImage(tt.owner), 5)
			b.load(arenaSP, 0x1000, page("g0", 0x1000), 6)
			b.load(arenaMore, 0x1000, page("obj", 0x1000), 6)
			b.load(outside, 0x1000, page("anon", 0x1000), 6)
			b.load(pthread-0x1000, 0x1000, nil, 0) // the guard
			b.load(pthread, 0x1000, page("pthread", 0x1000), 6)
			b.load(mainStack, 0x1000, page("main", 0x1000), 6)
			f := mustParse(t, b.bytes())
			for _, c := range []struct {
				va     uint64
				kind   dumpio.Kind
				thread uint32
			}{
				{arenaSP, tt.sp, tt.spThread},
				{arenaMore, tt.more, 0},
				{outside, tt.other, 0},
				{pthread, tt.pth, 3},
				{mainStack, tt.mainStk, 1},
			} {
				if g, ok := f.RegionAt(c.va); !ok || g.Kind != c.kind || g.Thread != c.thread {
					t.Errorf("RegionAt(%#x) = %+v, %v; want %v thread %d", c.va, g, ok, c.kind, c.thread)
				}
			}
		})
	}
}

func TestHasGoNoteHostile(t *testing.T) {
	good := exeImage("Go")
	for _, tt := range []struct {
		name  string
		patch func(b []byte)
		want  bool
	}{
		{"good", func([]byte) {}, true},
		{"phoff past the page", func(b []byte) { binary.LittleEndian.PutUint64(b[32:], 1<<40) }, false},
		{"phoff wraps", func(b []byte) { binary.LittleEndian.PutUint64(b[32:], ^uint64(0)-8) }, false},
		{"note past the page", func(b []byte) { binary.LittleEndian.PutUint64(b[64+8:], 0xfff) }, false},
		{"huge descsz", func(b []byte) { binary.LittleEndian.PutUint32(b[0x104:], 0xffffffff) }, false},
		{"short phentsize", func(b []byte) { binary.LittleEndian.PutUint16(b[54:], 8) }, false},
		{"not ELF", func(b []byte) { b[0] = 0 }, false},
	} {
		b := append([]byte(nil), good...)
		tt.patch(b)
		if got := hasGoNote(b); got != tt.want {
			t.Errorf("hasGoNote(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if hasGoNote(good[:40]) {
		t.Error("hasGoNote(40 bytes) = true")
	}
}

// TestGoKeysAreHeap checks the real Go core: the keys the program held,
// including the P-256 scalar the hunt finds in the arena segment that a
// thread's SP points into, are in heap regions, and only the main thread has
// a stack.
func TestGoKeysAreHeap(t *testing.T) {
	f, _ := parseReal(t, filepath.Join(linuxDir, "go-keys.core.zst"))
	vas := []uint64{0x7a0baa34400} // the hunted P-256 scalar (scan --pubkeys go-p256.pub.pem)
	for _, hexva := range manifest(t)["go-keys.core.zst"].Buffers {
		va, err := strconv.ParseUint(strings.TrimPrefix(hexva, "0x"), 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		vas = append(vas, va)
	}
	for _, va := range vas {
		if g, ok := f.RegionAt(va); !ok || g.Kind != dumpio.Heap || g.Thread != 0 {
			t.Errorf("key at %#x: region %+v, %v; want heap", va, g, ok)
		}
	}
	var stacks []uint32
	for _, g := range f.Regions {
		if g.Kind == dumpio.Stack {
			stacks = append(stacks, g.Thread)
		}
	}
	if len(stacks) != 1 || stacks[0] != f.Threads[0].ID {
		t.Errorf("stack regions of threads %v, want only the main thread %d", stacks, f.Threads[0].ID)
	}
}
