package minidump

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"dumpguard/internal/dumpio"
)

// attr is what a Region says about its bytes besides where they are.
type attr struct {
	kind    dumpio.Kind
	module  string
	thread  uint32
	protect dumpio.Prot
}

// An ival attributes the addresses [lo, hi).
type ival struct {
	lo, hi uint64
	a      attr
}

// ivals is sorted by lo. Entries may overlap; find looks back a little.
type ivals []ival

func (v ivals) find(va uint64) (attr, bool) {
	i, _ := slices.BinarySearchFunc(v, va, func(x ival, va uint64) int {
		if x.lo > va {
			return 1
		}
		return -1
	})
	for j := i - 1; j >= 0 && i-j <= 64; j-- {
		if va < v[j].hi {
			return v[j].a, true
		}
	}
	return attr{}, false
}

// An attributor gives the attributes of an address from lists in priority
// order; addresses that no list covers are "unknown".
type attributor struct {
	lists  []ivals
	bounds []uint64 // every lo and hi, sorted and unique: where attributes may change
}

func newAttributor(lists ...ivals) *attributor {
	a := &attributor{lists: lists}
	for _, l := range lists {
		slices.SortFunc(l, func(x, y ival) int { return cmp.Compare(x.lo, y.lo) })
		for _, x := range l {
			a.bounds = append(a.bounds, x.lo, x.hi)
		}
	}
	slices.Sort(a.bounds)
	a.bounds = slices.Compact(a.bounds)
	return a
}

func (a *attributor) at(va uint64) attr {
	for _, l := range a.lists {
		if x, ok := l.find(va); ok {
			return x
		}
	}
	return attr{kind: dumpio.Unknown}
}

// maxSplits bounds the regions that splitting adds to the one per captured
// range: a LinuxMaps stream of 1<<16 one-byte mappings under thousands of
// descriptors that each cover them all would otherwise make a region per
// mapping per descriptor. Past it, the rest of each range is one region,
// attributed by its first byte.
const maxSplits = 1 << 16

// regions splits each captured range where its attributes change, merging
// as it goes the pieces of a range that are attributed alike, then merges
// neighbours that are contiguous in both address and file offset and have
// equal attributes. Identical descriptors (a memory list given twice) are
// split once, and splitting stops after maxSplits pieces, so the regions
// number at most the descriptors plus maxSplits+1.
func (p *parser) regions(a *attributor) []Region {
	ranges := slices.Clone(p.ranges)
	slices.SortFunc(ranges, func(x, y rawRange) int {
		return cmp.Or(cmp.Compare(x.addr, y.addr), cmp.Compare(x.off, y.off), cmp.Compare(x.size, y.size))
	})
	ranges = slices.Compact(ranges)
	out := make([]Region, 0, min(len(ranges), 4096))
	splits := 0
	for _, r := range ranges {
		lo, hi := r.addr, r.addr+uint64(r.size)
		i, _ := slices.BinarySearch(a.bounds, lo+1)
		for at := lo; at < hi; {
			next := hi
			if splits < maxSplits && i < len(a.bounds) && a.bounds[i] < hi {
				next = a.bounds[i]
				i++
			}
			x := a.at(at)
			g := Region{Addr: at, Off: r.off + int64(at-lo), Size: int64(next - at),
				Kind: x.kind, Module: x.module, Thread: x.thread, Protect: x.protect}
			if n := len(out); at != lo && sameAttr(&out[n-1], &g) {
				out[n-1].Size += g.Size // the range's previous piece
			} else {
				if at != lo {
					if splits++; splits == maxSplits {
						p.warnf("memory ranges split into more than %d regions: later ranges are attributed by their first byte", maxSplits)
					}
				}
				out = append(out, g)
			}
			at = next
		}
	}
	slices.SortFunc(out, func(x, y Region) int {
		return cmp.Or(cmp.Compare(x.Addr, y.Addr), cmp.Compare(x.Off, y.Off), cmp.Compare(x.Size, y.Size))
	})
	out = slices.Compact(out) // ranges that overlap
	merged := out[:0]
	for _, g := range out {
		if n := len(merged); n > 0 {
			m := &merged[n-1]
			if m.Addr+uint64(m.Size) == g.Addr && m.Off+m.Size == g.Off && sameAttr(m, &g) {
				m.Size += g.Size
				continue
			}
		}
		merged = append(merged, g)
	}
	return slices.Clip(merged)
}

func sameAttr(x, y *Region) bool {
	return x.Kind == y.Kind && x.Module == y.Module && x.Thread == y.Thread && x.Protect == y.Protect
}

// uncoveredStacks adds thread stacks whose bytes no memory list covers and
// whose address no memory list names.
func (p *parser) uncoveredStacks() {
	type iv struct{ lo, hi int64 }
	u := make([]iv, 0, len(p.ranges))
	for _, r := range p.ranges {
		u = append(u, iv{r.off, r.off + r.size})
	}
	slices.SortFunc(u, func(x, y iv) int { return cmp.Compare(x.lo, y.lo) })
	m := u[:0]
	for _, x := range u {
		if n := len(m); n > 0 && x.lo <= m[n-1].hi {
			m[n-1].hi = max(m[n-1].hi, x.hi)
			continue
		}
		m = append(m, x)
	}
	vas := slices.Clone(p.descVAs)
	slices.Sort(vas)
	for i, s := range p.stacks {
		if _, listed := slices.BinarySearch(vas, s.addr); s.size == 0 || s.off == 0 || listed {
			continue // a memory list has it, or said it is missing
		}
		end := int64(s.off + dumpio.Clip(s.off, s.size, p.size))
		j, _ := slices.BinarySearchFunc(m, int64(s.off), func(x iv, off int64) int {
			if x.lo > off {
				return 1
			}
			return -1
		})
		if j > 0 && m[j-1].lo <= int64(s.off) && end <= m[j-1].hi && end > int64(s.off) {
			continue
		}
		p.addRange(s.addr, s.off, s.size, "thread stack", i)
	}
}

// attributor picks the best attribution source the dump has.
func (p *parser) attributor() (*attributor, error) {
	if s, ok := p.first[streamLinuxMaps]; ok {
		l, err := p.linuxMaps(s)
		if err := p.try(s, err); err != nil {
			return nil, err
		}
		if err == nil {
			return newAttributor(l), nil
		}
	}
	if s, ok := p.first[streamMemoryInfoList]; ok {
		l, err := p.memoryInfo(s)
		if err := p.try(s, err); err != nil {
			return nil, err
		}
		if err == nil {
			return newAttributor(l), nil
		}
	}
	var stacks, mods ivals
	for _, t := range p.Threads {
		if end, carry := addWrap(t.StackAddr, t.StackSize); t.StackSize > 0 && !carry {
			stacks = append(stacks, ival{t.StackAddr, end, attr{kind: dumpio.Stack, thread: t.ID}})
		}
	}
	for _, m := range p.Modules {
		if end, carry := addWrap(m.Base, m.Size); m.Size > 0 && !carry {
			mods = append(mods, ival{m.Base, end, attr{kind: dumpio.Image, module: m.Name}})
		}
	}
	return newAttributor(stacks, mods), nil
}

// Windows memory constants (MINIDUMP_MEMORY_INFO).
const (
	memCommit  = 0x1000
	memPrivate = 0x20000
	memMapped  = 0x40000
	memImage   = 0x1000000
)

type memInfo struct {
	base, allocBase, size uint64
	state, protect, typ   uint32
}

func (p *parser) memoryInfo(s Stream) (ivals, error) {
	if s.Size < 16 {
		return nil, &FormatError{Off: s.Off, Msg: fmt.Sprintf("%d bytes, want at least 16", s.Size)}
	}
	b, err := p.read(s.Off, 16)
	if err != nil {
		return nil, err
	}
	hdr, entry := uint64(binary.LittleEndian.Uint32(b)), uint64(binary.LittleEndian.Uint32(b[4:]))
	count := binary.LittleEndian.Uint64(b[8:])
	if hdr < 16 || entry < 48 || hdr > uint64(s.Size) {
		return nil, &FormatError{Off: s.Off, Msg: fmt.Sprintf("header size %d, entry size %d", hdr, entry)}
	}
	n := min(count, (uint64(s.Size)-hdr)/entry)
	if n < count {
		p.warnf("MemoryInfoList stream at %#x: %d entries do not fit, using %d", s.Off, count, n)
	}
	if n > maxMemoryInfo {
		p.warnf("MemoryInfoList stream at %#x: %d entries exceed limit %d", s.Off, n, maxMemoryInfo)
		n = maxMemoryInfo
	}
	infos := make([]memInfo, 0, min(n, 4096))
	err = p.records(s.Off+int64(hdr), int(n), int(entry), 48, func(i int, d *decoder) error {
		m := memInfo{base: d.u64() & p.mask, allocBase: d.u64() & p.mask}
		d.skip(8)
		m.size = d.u64()
		m.state, m.protect, m.typ = d.u32(), d.u32(), d.u32()
		if _, carry := addWrap(m.base, m.size); m.size > 0 && !carry {
			infos = append(infos, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(infos, func(x, y memInfo) int { return cmp.Compare(x.base, y.base) })

	// Stacks: private memory sharing an allocation with a thread's stack.
	find := func(va uint64) int {
		i, _ := slices.BinarySearchFunc(infos, va, func(m memInfo, va uint64) int {
			if m.base > va {
				return 1
			}
			return -1
		})
		if i > 0 && va-infos[i-1].base < infos[i-1].size {
			return i - 1
		}
		return -1
	}
	stackAlloc := map[uint64]uint32{}
	stackInfo := map[int]uint32{}
	for _, t := range p.Threads {
		if i := find(t.StackAddr); i >= 0 && infos[i].typ == memPrivate {
			if ab := infos[i].allocBase; ab != 0 {
				stackAlloc[ab] = t.ID
			} else {
				stackInfo[i] = t.ID
			}
		}
	}
	heaps := p.heapBases()
	mods := p.moduleIvals()

	l := make(ivals, 0, len(infos))
	for i, m := range infos {
		a := attr{kind: dumpio.Unknown}
		if m.state == memCommit {
			a.protect = dumpio.ParseProt(winProtect(m.protect))
		}
		switch m.typ {
		case memImage:
			a.kind = dumpio.Image
			if x, ok := mods.find(m.base); ok {
				a.module = x.module
			} else if x, ok := mods.find(m.allocBase); ok {
				a.module = x.module
			}
		case memMapped:
			a.kind = dumpio.Mapped
		case memPrivate:
			tid, stack := stackAlloc[m.allocBase]
			if !stack || m.allocBase == 0 {
				tid, stack = stackInfo[i]
			}
			switch {
			case stack:
				a.kind, a.thread = dumpio.Stack, tid
			case heaps[m.allocBase] && m.allocBase != 0:
				a.kind = dumpio.Heap
			default:
				a.kind = dumpio.Private
			}
		}
		l = append(l, ival{m.base, m.base + m.size, a})
	}
	return l, nil
}

func (p *parser) moduleIvals() ivals {
	var l ivals
	for _, m := range p.Modules {
		if end, carry := addWrap(m.Base, m.Size); m.Size > 0 && !carry {
			l = append(l, ival{m.Base, end, attr{kind: dumpio.Image, module: m.Name}})
		}
	}
	slices.SortFunc(l, func(x, y ival) int { return cmp.Compare(x.lo, y.lo) })
	return l
}

// winProtect renders a PAGE_* protection as "rwx" flags.
func winProtect(v uint32) string {
	switch v & 0xff {
	case 0x01:
		return "---"
	case 0x02:
		return "r--"
	case 0x04, 0x08:
		return "rw-"
	case 0x10:
		return "--x"
	case 0x20:
		return "r-x"
	case 0x40, 0x80:
		return "rwx"
	}
	return ""
}

const maxHeaps = 1 << 12

// heapBases reads the process heaps from the PEB, when the dump holds it
// (x86 and amd64 Windows dumps with the TEB and PEB captured): the default
// heap (PEB.ProcessHeap) and the ProcessHeaps array. Wine fills only the
// former.
func (p *parser) heapBases() map[uint64]bool {
	var pebOff, defOff, numOff, listOff uint64
	switch p.Arch {
	case "amd64":
		pebOff, defOff, numOff, listOff = 0x60, 0x30, 0xe8, 0xf0
	case "x86":
		pebOff, defOff, numOff, listOff = 0x30, 0x18, 0x88, 0x90
	default:
		return nil
	}
	if !strings.HasPrefix(p.OS, "windows") {
		return nil
	}
	sorted := slices.Clone(p.ranges)
	slices.SortFunc(sorted, func(x, y rawRange) int { return cmp.Compare(x.addr, y.addr) })
	ptr := uint64(p.PointerSize)
	for _, t := range p.Threads {
		if t.TEB == 0 {
			continue
		}
		peb, ok := p.readPtr(sorted, t.TEB+pebOff)
		if !ok || peb == 0 {
			continue
		}
		heaps := map[uint64]bool{}
		if h, ok := p.readPtr(sorted, peb+defOff); ok && h != 0 {
			heaps[h] = true
		}
		b, ok := p.readVA(sorted, peb+numOff, 4)
		list, ok2 := p.readPtr(sorted, peb+listOff)
		if ok && ok2 {
			n := min(uint64(binary.LittleEndian.Uint32(b)), maxHeaps)
			if arr, ok := p.readVA(sorted, list, n*ptr); ok {
				for i := range n {
					heaps[p.ptr(arr[i*ptr:])&p.mask] = true
				}
			}
		}
		return heaps
	}
	return nil
}

func (p *parser) ptr(b []byte) uint64 {
	if p.PointerSize == 4 {
		return uint64(binary.LittleEndian.Uint32(b))
	}
	return binary.LittleEndian.Uint64(b)
}

func (p *parser) readPtr(sorted []rawRange, va uint64) (uint64, bool) {
	b, ok := p.readVA(sorted, va&p.mask, uint64(p.PointerSize))
	if !ok {
		return 0, false
	}
	return p.ptr(b) & p.mask, true
}

// readVA reads n bytes at virtual address va from one captured range.
func (p *parser) readVA(sorted []rawRange, va, n uint64) ([]byte, bool) {
	i, _ := slices.BinarySearchFunc(sorted, va, func(r rawRange, va uint64) int {
		if r.addr > va {
			return 1
		}
		return -1
	})
	for j := i - 1; j >= 0 && i-j <= 64; j-- {
		r := sorted[j]
		if va-r.addr <= uint64(r.size) && n <= uint64(r.size)-(va-r.addr) {
			b, err := p.read(r.off+int64(va-r.addr), int(n))
			return b, err == nil
		}
	}
	return nil, false
}

const (
	maxMapsBytes = 16 << 20
	maxMapsLines = 1 << 16
)

// linuxMaps attributes memory from a Breakpad LinuxMaps stream, the text of
// /proc/PID/maps.
func (p *parser) linuxMaps(s Stream) (ivals, error) {
	n := s.Size
	if n > maxMapsBytes {
		p.warnf("LinuxMaps stream at %#x: %d bytes, reading the first %d", s.Off, n, maxMapsBytes)
		n = maxMapsBytes
	}
	text, err := p.read(s.Off, int(n))
	if err != nil {
		return nil, err
	}
	threads := slices.Clone(p.Threads)
	slices.SortFunc(threads, func(x, y Thread) int { return cmp.Compare(x.StackAddr, y.StackAddr) })
	stackIn := func(lo, hi uint64) (uint32, bool) {
		i, _ := slices.BinarySearchFunc(threads, lo, func(t Thread, lo uint64) int { return cmp.Compare(t.StackAddr, lo) })
		if i < len(threads) && threads[i].StackAddr < hi {
			return threads[i].ID, true
		}
		return 0, false
	}
	mods := p.moduleIvals()
	names := map[string]bool{}
	for _, m := range p.Modules {
		names[m.Name] = true
	}
	var l ivals
	bad, backwards := 0, 0
	for line := range bytes.Lines(text) {
		if len(l) >= maxMapsLines {
			p.warnf("LinuxMaps stream at %#x: more than %d lines, ignoring the rest", s.Off, maxMapsLines)
			break
		}
		line = bytes.TrimRight(line, "\r\n\x00")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		lo, hi, perms, path, ok := parseMapsLine(string(line))
		if !ok {
			bad++
			continue
		}
		if lo >= hi {
			backwards++
			continue
		}
		lo, hi = lo&p.mask, hi&p.mask
		a := attr{kind: dumpio.Private, protect: dumpio.ParseProt(perms)}
		switch {
		case path == "[heap]":
			a.kind = dumpio.Heap
		case path == "[stack]" || strings.HasPrefix(path, "[stack:"):
			a.kind = dumpio.Stack
			if tid, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(path, "[stack:"), "]"), 10, 32); err == nil {
				a.thread = uint32(tid)
			} else {
				a.thread, _ = stackIn(lo, hi)
			}
		case path == "" || strings.HasPrefix(path, "[anon:"):
			// An anonymous mapping holding a thread's captured stack is its
			// stack. (Unlike elfcore, no Go heap check: Breakpad and Crashpad
			// run in C and C++ processes, and Go programs that link them use
			// cgo, whose threads have pthread stacks.)
			if tid, ok := stackIn(lo, hi); ok {
				a.kind, a.thread = dumpio.Stack, tid
			}
		default:
			name := strings.TrimSuffix(path, " (deleted)")
			if m, ok := mods.find(lo); ok {
				a.kind, a.module = dumpio.Image, m.module
			} else if names[name] {
				a.kind, a.module = dumpio.Image, name
			} else {
				a.kind, a.module = dumpio.Mapped, path
			}
		}
		l = append(l, ival{lo, hi, a})
	}
	if bad > 0 {
		p.warnf("LinuxMaps stream at %#x: %d unparsable lines skipped", s.Off, bad)
	}
	if backwards > 0 {
		p.warnf("LinuxMaps stream at %#x: %d backwards ranges skipped", s.Off, backwards)
	}
	if len(l) == 0 {
		return nil, &FormatError{Off: s.Off, Msg: "no usable lines"}
	}
	return l, nil
}

// parseMapsLine parses "start-end perms offset dev inode [pathname]".
func parseMapsLine(line string) (lo, hi uint64, perms, path string, ok bool) {
	var f [5]string
	rest := line
	for k := range f {
		rest = strings.TrimLeft(rest, " \t")
		j := strings.IndexAny(rest, " \t")
		if j < 0 {
			j = len(rest)
		}
		f[k], rest = rest[:j], rest[j:]
	}
	a, b, found := strings.Cut(f[0], "-")
	if f[4] == "" || !found || len(f[1]) < 3 {
		return 0, 0, "", "", false
	}
	lo, err1 := strconv.ParseUint(a, 16, 64)
	hi, err2 := strconv.ParseUint(b, 16, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, "", "", false
	}
	return lo, hi, f[1][:3], strings.TrimLeft(rest, " \t"), true
}
