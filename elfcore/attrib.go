package elfcore

import (
	"bytes"
	"cmp"
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
	// The first thread (in note order) whose SP lies in a segment owns it.
	stackTid := map[int]uint32{}
	for _, t := range f.Threads {
		if t.SP == 0 {
			continue
		}
		for _, i := range f.segmentsAt(t.SP) {
			if _, ok := stackTid[i]; !ok {
				stackTid[i] = t.ID
			}
		}
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
