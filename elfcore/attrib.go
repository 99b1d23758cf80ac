package elfcore

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"path"
	"slices"
	"strings"

	"dumpguard/internal/dumpio"
)

const (
	vsyscallAddr = 0xffffffffff600000 // x86_64 legacy vsyscall page
	brkReach32   = 1 << 25            // brk randomisation range of 32-bit tasks (32 MiB)
	brkReach64   = 1 << 30            // 64-bit tasks on arm64 and recent x86_64: 1 GiB
)

// attribute labels every segment (FORMATS.md 2.7), then builds the merged,
// sorted Regions.
func (f *File) attribute() {
	files := slices.Clone(f.Files)
	slices.SortStableFunc(files, func(a, b Mapping) int { return cmp.Compare(a.Start, b.Start) })
	fileAt := func(va uint64) *Mapping {
		i, found := slices.BinarySearchFunc(files, va, func(m Mapping, va uint64) int { return cmp.Compare(m.Start, va) })
		if !found {
			i--
		}
		if i >= 0 && i < len(files) && va >= files[i].Start && va < files[i].End {
			return &files[i]
		}
		return nil
	}
	order := f.order
	inSeg := func(s *Segment, va uint64) bool { return va >= s.Addr && va-s.Addr < s.MemSize }

	f.Executable = f.findExecutable(fileAt)
	images := map[string]bool{}
	if f.Executable != "" {
		images[f.Executable] = true
	}
	var exeEnd uint64
	for _, m := range files {
		if images[m.Path] || isSharedObject(m.Path) {
			images[m.Path] = true
		}
		if m.Path == f.Executable {
			exeEnd = max(exeEnd, m.End)
		}
	}
	for i := range f.Segments {
		s := &f.Segments[i]
		m := fileAt(s.Addr)
		if m == nil || images[m.Path] {
			continue
		}
		if s.Flags&dumpio.Exec != 0 || m.FileOff == 0 && f.startsWithELF(s) {
			images[m.Path] = true
		}
	}
	// The first thread (in note order) whose SP lies in a segment owns it,
	// when the segment is a thread's stack (see threadStack). In a Go program
	// an SP elsewhere is on a g0 stack that the runtime carved out of its
	// heap: that segment's arena is heap (goArenas).
	goProg := f.isGoProgram(fileAt)
	stackTid := map[int]uint32{}
	var arenas []uint64
	for _, t := range f.Threads {
		if t.SP == 0 {
			continue
		}
		for _, i := range f.segmentsAt(t.SP) {
			if goProg && !f.threadStack(i) {
				arenas = append(arenas, f.Segments[i].Addr&^(f.goArenaBytes()-1))
				continue
			}
			if _, ok := stackTid[i]; !ok {
				stackTid[i] = t.ID
			}
		}
	}
	slices.Sort(arenas)
	arenas = slices.Compact(arenas)
	inArena := func(s *Segment) bool {
		_, found := slices.BinarySearch(arenas, s.Addr&^(f.goArenaBytes()-1))
		return found
	}
	vdso, hasVdso := f.AuxValue(atSysinfoEH)
	haveFiles := f.haveFileNote()
	for _, i := range order {
		s := &f.Segments[i]
		tid, isStack := stackTid[i]
		switch m := fileAt(s.Addr); {
		case hasVdso && vdso != 0 && inSeg(s, vdso):
			s.Kind = dumpio.Vdso
		case f.Machine == "x86_64" && f.Class == 64 && s.Addr == vsyscallAddr:
			s.Kind = dumpio.Vdso
		case isStack:
			s.Kind, s.Thread = dumpio.Stack, tid
		case m == nil && f.holdsAuxString(s):
			s.Kind = dumpio.Stack
		case m != nil:
			s.Module = m.Path
			s.Kind = dumpio.Mapped
			if images[m.Path] {
				s.Kind = dumpio.Image
			}
		case inArena(s) && s.Flags&dumpio.Write != 0:
			s.Kind = dumpio.Heap
		case !haveFiles:
			s.Kind = dumpio.Unknown
		default:
			s.Kind = dumpio.Anon
		}
	}
	if f.Executable != "" {
		reach := uint64(brkReach32)
		if f.Class == 64 {
			reach = brkReach64
		}
		for _, i := range order {
			s := &f.Segments[i]
			if s.Addr < exeEnd {
				continue
			}
			if s.Addr-exeEnd > reach || s.Module != "" && s.Module != f.Executable {
				break // the brk heap lies between the program and the next module
			}
			if s.Kind == dumpio.Anon && s.Flags&(dumpio.Read|dumpio.Write) == dumpio.Read|dumpio.Write {
				s.Kind = dumpio.Heap
				break
			}
		}
	}
	f.buildRegions(order)
}

// threadStack reports whether segment i, which holds a thread's stack
// pointer, is a stack the kernel or the C library made for a thread, rather
// than memory a language runtime runs its threads on. Two shapes are certain:
// the main thread's stack, which holds the AT_RANDOM and AT_EXECFN strings
// the kernel put there at exec; and a pthread stack, which glibc, musl and
// bionic map with a PROT_NONE guard directly below it (kernel cores list the
// guard as a segment with no permissions; gcore leaves it out, so a gcore'd
// pthread stack of a Go program with cgo is not recognised).
//
// It is asked only of Go programs (see isGoProgram): a Go thread without cgo
// runs on a g0 stack that the runtime allocated from its heap, so the segment
// its SP lies in is a piece of a heap arena, holding goroutine stacks and
// heap objects alike, and calling it the thread's stack would misplace every
// key in it. Heap arenas are not recognised by address (0xc000000000 on
// amd64 until Go 1.25; Go 1.26 randomises the heap's base) but by their
// alignment: see goArenaBytes.
func (f *File) threadStack(i int) bool {
	s := &f.Segments[i]
	if f.holdsAuxString(s) {
		return true
	}
	for _, j := range f.segmentsAt(s.Addr - 1) {
		if g := &f.Segments[j]; s.Addr > 0 && g.Addr+g.MemSize == s.Addr && g.Flags&(dumpio.Read|dumpio.Write|dumpio.Exec) == 0 {
			return true // a guard page directly below
		}
	}
	return false
}

// goArenaBytes is the size and alignment of a Go heap arena (the runtime's
// heapArenaBytes): 64 MiB on 64-bit Linux, 4 MiB on 32-bit targets. The
// runtime reserves whole aligned arenas, so every mapping inside the arena of
// a g0 stack belongs to the Go heap.
func (f *File) goArenaBytes() uint64 {
	if f.Class == 64 {
		return 64 << 20
	}
	return 4 << 20
}

// isGoProgram reports whether the executable carries the build ID note the Go
// linker writes into every ELF program it links, static or with cgo (owner
// "Go", type 4, in a PT_NOTE of the text segment). It reads the executable's
// ELF header and program headers from the first page of its image in the
// core, which both the kernel and gcore dump; a core without them is taken
// for a C program.
func (f *File) isGoProgram(fileAt func(uint64) *Mapping) bool {
	if f.Executable == "" {
		return false
	}
	for i := range f.Segments {
		s := &f.Segments[i]
		if m := fileAt(s.Addr); m == nil || m.Path != f.Executable || m.FileOff != 0 || m.Start != s.Addr || s.Avail < 64 {
			continue
		}
		b := make([]byte, min(s.Avail, goNoteReach))
		if f.readFull(b, s.Off) != nil {
			return false
		}
		return hasGoNote(b)
	}
	return false
}

// goNoteReach is how much of the executable's image isGoProgram reads: the Go
// linker puts its notes right after the program headers.
const goNoteReach = 8 << 10

// hasGoNote looks for the Go build ID note in b, the start of an ELF image,
// through its program headers. Every offset is checked against len(b).
func hasGoNote(b []byte) bool {
	if len(b) < 64 || string(b[:4]) != "\x7fELF" {
		return false
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if b[5] == 2 {
		bo = binary.BigEndian
	}
	var phoff, phent, phnum uint64
	wide := b[4] == 2
	if wide {
		phoff, phent, phnum = bo.Uint64(b[32:]), uint64(bo.Uint16(b[54:])), uint64(bo.Uint16(b[56:]))
	} else {
		phoff, phent, phnum = uint64(bo.Uint32(b[28:])), uint64(bo.Uint16(b[42:])), uint64(bo.Uint16(b[44:]))
	}
	size := int64(len(b))
	if phent < 32 || wide && phent < 56 {
		return false
	}
	for k := uint64(0); k < phnum; k++ {
		at := phoff + k*phent // k*phent < 2^32; at < phoff if adding it wrapped
		end, ok := dumpio.Span(at, phent, size)
		if !ok || at < phoff {
			return false
		}
		p := b[at:end]
		var off, n uint64
		if wide {
			off, n = bo.Uint64(p[8:]), bo.Uint64(p[32:])
		} else {
			off, n = uint64(bo.Uint32(p[4:])), uint64(bo.Uint32(p[16:]))
		}
		if bo.Uint32(p) != ptNote {
			continue
		}
		if e, ok := dumpio.Span(off, n, size); ok && goNoteIn(b[off:e], bo) {
			return true
		}
	}
	return false
}

// goNoteIn walks the notes of one PT_NOTE for owner "Go", type 4.
func goNoteIn(b []byte, bo binary.ByteOrder) bool {
	for len(b) >= 12 {
		namesz, descsz, typ := uint64(bo.Uint32(b)), uint64(bo.Uint32(b[4:])), bo.Uint32(b[8:])
		name := align4(namesz)
		next, ok := dumpio.Span(12+name, align4(descsz), int64(len(b)))
		if !ok {
			return false
		}
		if typ == 4 && namesz == 4 && string(b[12:16]) == "Go\x00\x00" {
			return true
		}
		b = b[next:]
	}
	return false
}

// holdsAuxString reports whether s holds the AT_RANDOM or AT_EXECFN bytes,
// which the kernel puts on the main stack: the main stack of a machine whose
// SP offset is unknown, or of a core whose thread notes are lost.
func (f *File) holdsAuxString(s *Segment) bool {
	for _, typ := range []uint64{atRandom, atExecfn} {
		if v, ok := f.AuxValue(typ); ok && v != 0 && v >= s.Addr && v-s.Addr < s.MemSize {
			return true
		}
	}
	return false
}

// maxOverlap bounds the backward walk in segmentsAt: real cores have no
// overlapping segments, and hostile ones must not make attribution quadratic.
const maxOverlap = 16

// segmentsAt returns the indices of (at most maxOverlap) segments holding va.
func (f *File) segmentsAt(va uint64) []int {
	j, _ := slices.BinarySearchFunc(f.order, va, func(i int, va uint64) int {
		if f.Segments[i].Addr <= va {
			return -1
		}
		return 1
	})
	var out []int
	for k := j - 1; k >= 0 && k >= j-maxOverlap; k-- {
		s := &f.Segments[f.order[k]]
		if va-s.Addr < s.MemSize {
			out = append(out, f.order[k])
		}
	}
	return out
}

func (f *File) haveFileNote() bool {
	for _, n := range f.Notes {
		if n.Owner == "CORE" && n.Type == ntFile {
			return true
		}
	}
	return false
}

// findExecutable picks the NT_FILE path of the main program: the mapping
// holding AT_ENTRY or AT_PHDR, else one named like pr_fname, else the first.
// sortSegments sets f.order: segment indices sorted by Addr, then Off.
func (f *File) sortSegments() {
	f.order = make([]int, len(f.Segments))
	for i := range f.order {
		f.order[i] = i
	}
	slices.SortStableFunc(f.order, func(a, b int) int {
		return cmp.Or(cmp.Compare(f.Segments[a].Addr, f.Segments[b].Addr), cmp.Compare(f.Segments[a].Off, f.Segments[b].Off))
	})
}

func (f *File) findExecutable(fileAt func(uint64) *Mapping) string {
	if len(f.Files) == 0 {
		return ""
	}
	for _, typ := range []uint64{atEntry, atPhdr} {
		if v, ok := f.AuxValue(typ); ok && v != 0 {
			if m := fileAt(v); m != nil {
				return m.Path
			}
		}
	}
	if f.Process != "" {
		for _, m := range f.Files {
			if strings.HasPrefix(path.Base(m.Path), f.Process) {
				return m.Path
			}
		}
	}
	return f.Files[0].Path
}

// isSharedObject reports a file name like libc.so.6 or libfoo-1.2.so.
func isSharedObject(p string) bool {
	b := path.Base(strings.TrimSuffix(p, " (deleted)"))
	for i := 0; ; {
		j := strings.Index(b[i:], ".so")
		if j < 0 {
			return false
		}
		i += j + 3
		if i == len(b) || b[i] == '.' {
			return true
		}
	}
}

func (f *File) startsWithELF(s *Segment) bool {
	if s.Avail < 4 {
		return false
	}
	var b [4]byte
	return f.readFull(b[:], s.Off) == nil && bytes.Equal(b[:], []byte("\x7fELF"))
}

func (f *File) buildRegions(order []int) {
	f.Regions = make([]Region, 0, min(len(order), 4096))
	var overlaps int
	for _, i := range order {
		s := &f.Segments[i]
		if s.Avail <= 0 {
			continue
		}
		g := Region{Addr: s.Addr, Off: s.Off, Size: s.Avail, Kind: s.Kind, Module: s.Module, Thread: s.Thread, Protect: s.Flags}
		if n := len(f.Regions); n > 0 {
			p := &f.Regions[n-1]
			pend := p.Addr + uint64(p.Size)
			if g.Addr < pend {
				f.overlap = true
				overlaps++
				if overlaps <= 4 {
					f.warnf("elfcore: segment at %#x overlaps the one at %#x", g.Addr, p.Addr)
				}
			}
			if pend == g.Addr && p.Off+p.Size == g.Off &&
				p.Kind == g.Kind && p.Module == g.Module && p.Thread == g.Thread && p.Protect == g.Protect {
				p.Size += g.Size
				continue
			}
		}
		f.Regions = append(f.Regions, g)
	}
	if overlaps > 4 {
		f.warnf("elfcore: %d overlapping segments in all", overlaps)
	}
	slices.SortStableFunc(f.Missing, func(a, b Gap) int { return cmp.Compare(a.Addr, b.Addr) })
}
