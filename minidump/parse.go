package minidump

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"dumpguard/internal/dumpio"
)

const (
	signature        = 0x504d444d // "MDMP"
	swappedSignature = 0x4d444d50
	version          = 0xa793
	headerSize       = 32
	dirEntrySize     = 12

	maxStreams      = 1 << 12
	maxThreads      = 1 << 16
	maxModules      = 1 << 14
	maxMemoryRanges = 1 << 20
	maxMemoryInfo   = 1 << 20
	maxThreadNames  = 1 << 16
)

// Stream types used here; names for the rest are in streamNames.
const (
	streamThreadList     = 3
	streamModuleList     = 4
	streamMemoryList     = 5
	streamSystemInfo     = 7
	streamThreadExList   = 8
	streamMemory64List   = 9
	streamMemoryInfoList = 16
	streamThreadNames    = 24
	streamThreadInfoList = 17
	streamLinuxMaps      = 0x47670009
)

var streamNames = map[uint32]string{
	0: "Unused", 1: "Reserved0", 2: "Reserved1", 3: "ThreadList", 4: "ModuleList",
	5: "MemoryList", 6: "Exception", 7: "SystemInfo", 8: "ThreadExList", 9: "Memory64List",
	10: "CommentA", 11: "CommentW", 12: "HandleData", 13: "FunctionTable",
	14: "UnloadedModuleList", 15: "MiscInfo", 16: "MemoryInfoList", 17: "ThreadInfoList",
	18: "HandleOperationList", 19: "Token", 20: "JavaScriptData", 21: "SystemMemoryInfo",
	22: "ProcessVmCounters", 23: "IptTrace", 24: "ThreadNames",
	0x47670001: "BreakpadInfo", 0x47670002: "AssertionInfo", 0x47670003: "LinuxCpuInfo",
	0x47670004: "LinuxProcStatus", 0x47670005: "LinuxLsbRelease", 0x47670006: "LinuxCmdLine",
	0x47670007: "LinuxEnviron", 0x47670008: "LinuxAuxv", 0x47670009: "LinuxMaps",
	0x4767000a: "LinuxDsoDebug", 0x4767000b: "LinuxProcStat", 0x4767000c: "LinuxProcUptime",
	0x4767000d: "LinuxProcFD", 0x43500001: "CrashpadInfo", 0x4b6b0002: "ChromiumStabilityReport",
	0x4d7a0001: "MozMacosCrashInfo", 0x4d7a0002: "MozMacosBootargs", 0x4d7a0003: "MozLinuxLimits",
	0x4d7a0004: "MozSoftErrors", 0x4c4c4442: "LLDBGenerated",
}

func streamName(t uint32) string {
	if n, ok := streamNames[t]; ok {
		return n
	}
	return fmt.Sprintf("%#08x", t)
}

// singleton streams: only the first of each is used.
var singleton = map[uint32]bool{
	streamThreadList: true, streamModuleList: true, streamSystemInfo: true,
	streamThreadExList: true, streamMemoryInfoList: true, streamThreadNames: true,
	streamLinuxMaps: true,
}

// A rawRange is one captured memory descriptor, clipped to the file.
type rawRange struct {
	addr      uint64
	off, size int64
}

// parser holds state shared by the stream parsers.
type parser struct {
	*File
	first   map[uint32]Stream
	ranges  []rawRange
	stacks  []stackDesc
	descVAs []uint64 // start address of every memory descriptor
	mask    uint64
}

// A stackDesc is a thread's stack memory descriptor.
type stackDesc struct {
	thread          uint32
	addr, off, size uint64
}

func (f *File) parse() error {
	if err := f.parseHeader(); err != nil {
		return err
	}
	p := &parser{File: f, first: map[uint32]Stream{}, mask: math.MaxUint64}
	if err := p.parseDirectory(); err != nil {
		return err
	}
	threadEx := streamThreadExList // used only when there is no ThreadList
	if _, ok := p.first[streamThreadList]; ok {
		threadEx = 0
	}
	steps := []struct {
		typ uint32
		fn  func(Stream) error
	}{
		{streamSystemInfo, p.systemInfo},
		{streamModuleList, p.moduleList},
		{streamThreadList, func(s Stream) error { return p.threadList(s, 48) }},
		{uint32(threadEx), func(s Stream) error { return p.threadList(s, 64) }},
		{streamThreadNames, p.threadNames},
		{streamThreadInfoList, p.threadInfoList},
	}
	for _, st := range steps {
		if s, ok := p.first[st.typ]; ok && st.typ != 0 {
			if err := p.try(s, st.fn(s)); err != nil {
				return err
			}
		}
	}
	for _, s := range f.Streams {
		var err error
		switch s.Type {
		case streamMemoryList:
			err = p.memoryList(s)
		case streamMemory64List:
			err = p.memory64List(s)
		default:
			continue
		}
		if err := p.try(s, err); err != nil {
			return err
		}
	}
	f.nranges = len(p.ranges)
	p.uncoveredStacks()
	a, err := p.attributor()
	if err != nil {
		return err
	}
	f.Regions = p.regions(a)
	f.Warnings = f.warns.List()
	return nil
}

// try turns a FormatError from a stream parser into a warning; other errors
// (the caller's reader failing) are fatal.
func (p *parser) try(s Stream, err error) error {
	if fe := (*FormatError)(nil); errors.As(err, &fe) {
		p.warnf("%s stream at %#x: %s (at offset %#x)", s.Name, s.Off, fe.Msg, fe.Off)
		return nil
	}
	return err
}

func (f *File) parseHeader() error {
	var b [headerSize]byte
	n := int(min(f.size, headerSize))
	if m, err := dumpio.ReadAt(f.r, b[:n], 0); m < n {
		if err == nil || errors.Is(err, io.EOF) {
			return &FormatError{Off: int64(m), Msg: "file shorter than its size"}
		}
		return fmt.Errorf("minidump: reading header: %w", err)
	}
	if n < 4 {
		return ErrNotMinidump
	}
	switch binary.LittleEndian.Uint32(b[:]) {
	case signature:
	case swappedSignature:
		return &FormatError{Off: 0, Msg: "byte-swapped minidump unsupported"}
	default:
		return ErrNotMinidump
	}
	if n < headerSize {
		return &FormatError{Off: 0, Msg: fmt.Sprintf("header needs %d bytes, file has %d", headerSize, n)}
	}
	if v := binary.LittleEndian.Uint32(b[4:]); v&0xffff != version {
		return &FormatError{Off: 4, Msg: fmt.Sprintf("version %#x is not %#x", v&0xffff, version)}
	}
	f.Flags = binary.LittleEndian.Uint64(b[24:])
	return nil
}

func (p *parser) parseDirectory() error {
	b, err := p.read(8, 8)
	if err != nil {
		return err
	}
	count := uint64(binary.LittleEndian.Uint32(b))
	rva := uint64(binary.LittleEndian.Uint32(b[4:]))
	if count > maxStreams {
		return &FormatError{Off: 8, Msg: fmt.Sprintf("stream count %d exceeds limit %d", count, maxStreams)}
	}
	end, ok := dumpio.Span(rva, count*dirEntrySize, p.size)
	if !ok {
		return &FormatError{Off: 12, Msg: fmt.Sprintf("stream directory at %#x with %d entries past eof", rva, count)}
	}
	p.dirOff, p.dirSize = int64(rva), end-int64(rva)
	if count == 0 {
		return nil
	}
	dir, err := p.read(int64(rva), int(count*dirEntrySize))
	if err != nil {
		return err
	}
	for i := range int(count) {
		e := dir[i*dirEntrySize:]
		typ := binary.LittleEndian.Uint32(e)
		size := uint64(binary.LittleEndian.Uint32(e[4:]))
		off := uint64(binary.LittleEndian.Uint32(e[8:]))
		if size == 0 {
			continue // Unused entries: dbghelp writes a few {0, 0, 0}
		}
		s := Stream{Type: typ, Name: streamName(typ), Off: int64(off)}
		have := dumpio.Clip(off, size, p.size)
		if have < size {
			p.MissingStreamBytes = dumpio.SatAdd(p.MissingStreamBytes, int64(size-have))
		}
		if have == 0 {
			p.warnf("stream %d (%s) at %#x past eof", i, s.Name, off)
			continue
		}
		if have < size {
			p.warnf("stream %d (%s) at %#x clipped at eof: %#x bytes missing", i, s.Name, off, size-have)
		}
		s.Size = int64(have)
		p.Streams = append(p.Streams, s)
		if _, dup := p.first[typ]; dup && singleton[typ] {
			p.warnf("duplicate %s stream at %#x ignored", s.Name, off)
			continue
		}
		if _, dup := p.first[typ]; !dup {
			p.first[typ] = s
		}
	}
	return nil
}

// list finds the records of a list stream that starts with a u32 count,
// optionally followed by 4 bytes of padding. It returns where the records
// start and how many of them lie inside the stream (capped at limit).
func (p *parser) list(s Stream, count uint64, entry, limit int) (int64, int) {
	hdr := int64(4)
	if uint64(s.Size) == 8+count*uint64(entry) { // count <= 1<<32, no overflow
		hdr = 8
	}
	avail := uint64(max(0, s.Size-hdr)) / uint64(entry)
	n := min(count, avail)
	if n < count {
		p.warnf("%s stream at %#x: %d entries do not fit in %d bytes, using %d", s.Name, s.Off, count, s.Size, n)
	}
	if n > uint64(limit) {
		p.warnf("%s stream at %#x: %d entries exceed limit %d", s.Name, s.Off, n, limit)
		n = uint64(limit)
	}
	return s.Off + hdr, int(n)
}

func (p *parser) count32(s Stream) (uint64, error) {
	if s.Size < 4 {
		return 0, &FormatError{Off: s.Off, Msg: "stream too short for its count"}
	}
	b, err := p.read(s.Off, 4)
	if err != nil {
		return 0, err
	}
	return uint64(binary.LittleEndian.Uint32(b)), nil
}

var archNames = map[uint16]string{
	0: "x86", 1: "mips", 2: "alpha", 3: "ppc", 4: "shx", 5: "arm", 6: "ia64", 7: "alpha64",
	8: "msil", 9: "amd64", 10: "x86-on-win64", 12: "arm64", 0x8001: "sparc", 0x8002: "ppc64",
	0x8003: "arm64", 0x8004: "mips64", 0x8005: "riscv", 0x8006: "riscv64",
}

// bits32 lists the architectures whose addresses are 32 bits wide.
var bits32 = map[uint16]bool{0: true, 1: true, 3: true, 4: true, 5: true, 10: true, 0x8005: true}

var platformNames = map[uint32]string{
	0: "win32s", 1: "windows 9x", 2: "windows", 3: "windows ce", 0x8000: "unix",
	0x8101: "macos", 0x8102: "ios", 0x8201: "linux", 0x8202: "solaris", 0x8203: "android",
	0x8204: "ps3", 0x8205: "nacl", 0x8206: "fuchsia/openharmony",
}

func (p *parser) systemInfo(s Stream) error {
	if s.Size < 24 {
		return &FormatError{Off: s.Off, Msg: fmt.Sprintf("%d bytes, want at least 24", s.Size)}
	}
	b, err := p.read(s.Off, 24)
	if err != nil {
		return err
	}
	d := &decoder{b: b, base: s.Off, what: "system info"}
	arch := d.u16()
	d.skip(6)
	major, minor, build, platform := d.u32(), d.u32(), d.u32(), d.u32()
	if n, ok := archNames[arch]; ok {
		p.Arch = n
	}
	if bits32[arch] {
		p.PointerSize, p.mask = 4, math.MaxUint32
	}
	switch n, ok := platformNames[platform]; {
	case platform == 2:
		p.OS = fmt.Sprintf("windows %d.%d.%d", major, minor, build)
	case ok:
		p.OS = n
	default:
		p.OS = fmt.Sprintf("unknown %#x", platform)
	}
	return nil
}

func (p *parser) moduleList(s Stream) error {
	count, err := p.count32(s)
	if err != nil {
		return err
	}
	off, n := p.list(s, count, 108, maxModules)
	p.Modules = make([]Module, 0, min(n, 4096))
	return p.records(off, n, 108, 108, func(i int, d *decoder) error {
		m := Module{Base: d.u64() & p.mask, Size: uint64(d.u32())}
		d.skip(8)
		nameRVA := uint64(d.u32())
		name, err := p.str(nameRVA)
		if fe := (*FormatError)(nil); errors.As(err, &fe) {
			p.warnf("module %d name: %s", i, fe.Msg)
		} else if err != nil {
			return err
		}
		m.Name = name
		p.Modules = append(p.Modules, m)
		return nil
	})
}

func (p *parser) threadList(s Stream, entry int) error {
	count, err := p.count32(s)
	if err != nil {
		return err
	}
	off, n := p.list(s, count, entry, maxThreads)
	p.Threads = make([]Thread, 0, min(n, 4096))
	return p.records(off, n, entry, 48, func(i int, d *decoder) error {
		t := Thread{ID: d.u32()}
		d.skip(12)
		t.TEB = d.u64() & p.mask
		t.StackAddr = d.u64() & p.mask
		t.StackSize = uint64(d.u32())
		stackRVA := uint64(d.u32())
		p.Threads = append(p.Threads, t)
		p.stacks = append(p.stacks, stackDesc{thread: t.ID, addr: t.StackAddr, off: stackRVA, size: t.StackSize})
		return nil
	})
}

func (p *parser) threadNames(s Stream) error {
	count, err := p.count32(s)
	if err != nil {
		return err
	}
	n := min(count, uint64(s.Size-4)/12)
	if n < count {
		p.warnf("ThreadNames stream at %#x: %d entries do not fit, using %d", s.Off, count, n)
	}
	n = min(n, maxThreadNames)
	byID := make(map[uint32]int, len(p.Threads))
	for i, t := range p.Threads {
		if _, dup := byID[t.ID]; !dup {
			byID[t.ID] = i
		}
	}
	return p.records(s.Off+4, int(n), 12, 12, func(i int, d *decoder) error {
		id, rva := d.u32(), d.u64()
		j, ok := byID[id]
		if !ok {
			return nil
		}
		name, err := p.str(rva)
		if fe := (*FormatError)(nil); errors.As(err, &fe) {
			p.warnf("thread %d name: %s", id, fe.Msg)
			return nil
		}
		p.Threads[j].Name = name
		return err
	})
}

// threadInfoList reads ThreadInfoListStream (MINIDUMP_THREAD_INFO_LIST): a
// header of SizeOfHeader, SizeOfEntry and NumberOfEntries (u32 each), then
// entries of at least 64 bytes. It adds each thread's start address and dump
// flags to the thread of the same id.
func (p *parser) threadInfoList(s Stream) error {
	if s.Size < 12 {
		return &FormatError{Off: s.Off, Msg: "ThreadInfoList stream too short for its header"}
	}
	hdr, err := p.read(s.Off, 12)
	if err != nil {
		return err
	}
	hsize := uint64(binary.LittleEndian.Uint32(hdr))
	esize := uint64(binary.LittleEndian.Uint32(hdr[4:]))
	count := uint64(binary.LittleEndian.Uint32(hdr[8:]))
	if hsize < 12 || esize < 64 || hsize > uint64(s.Size) {
		return &FormatError{Off: s.Off, Msg: fmt.Sprintf("ThreadInfoList header size %d, entry size %d", hsize, esize)}
	}
	n := min(count, (uint64(s.Size)-hsize)/esize, maxThreads)
	if n < count {
		p.warnf("ThreadInfoList stream at %#x: %d entries do not fit, using %d", s.Off, count, n)
	}
	byID := make(map[uint32]int, len(p.Threads))
	for i, t := range p.Threads {
		if _, dup := byID[t.ID]; !dup {
			byID[t.ID] = i
		}
	}
	return p.records(s.Off+int64(hsize), int(n), int(esize), 64, func(_ int, d *decoder) error {
		id, flags := d.u32(), d.u32()
		d.skip(40) // DumpError, ExitStatus, CreateTime, ExitTime, KernelTime, UserTime
		start := d.u64() & p.mask
		if j, ok := byID[id]; ok {
			p.Threads[j].StartAddr, p.Threads[j].DumpFlags = start, flags
		}
		return nil
	})
}

// addRange records a memory descriptor: addr, size bytes at file offset off.
// It returns how many bytes were missing from the file (0 when all present).
func (p *parser) addRange(addr, off, size uint64, what string, i int) {
	if size == 0 {
		return
	}
	addr &= p.mask
	p.descVAs = append(p.descVAs, addr)
	if _, carry := addWrap(addr, size); carry {
		p.warnf("%s %d at %#x: size %#x overflows the address space", what, i, addr, size)
		p.gap(addr, size, dumpio.AddrOverflow)
		return
	}
	have := dumpio.Clip(off, size, p.size)
	switch {
	case have == 0:
		p.warnf("%s %d (%#x bytes at %#x) is past eof at file offset %#x", what, i, size, addr, off)
		p.gap(addr, size, dumpio.PastEOF)
		return
	case have < size:
		p.warnf("%s %d clipped at eof: %#x bytes missing", what, i, size-have)
		p.gap(addr+have, size-have, dumpio.Truncated)
	}
	p.ranges = append(p.ranges, rawRange{addr: addr, off: int64(off), size: int64(have)})
}

func addWrap(a, b uint64) (uint64, bool) {
	s := a + b
	return s, s < a
}

func (p *parser) gap(addr, size uint64, why dumpio.Why) {
	if len(p.Missing) < maxMemoryRanges {
		p.Missing = append(p.Missing, Gap{Addr: addr, Size: int64(min(size, math.MaxInt64)), Why: why})
	}
}

func (p *parser) memoryList(s Stream) error {
	count, err := p.count32(s)
	if err != nil {
		return err
	}
	off, n := p.list(s, count, 16, maxMemoryRanges)
	return p.records(off, n, 16, 16, func(i int, d *decoder) error {
		addr, size, rva := d.u64(), uint64(d.u32()), uint64(d.u32())
		p.addRange(addr, rva, size, "memory range", i)
		return nil
	})
}

func (p *parser) memory64List(s Stream) error {
	if s.Size < 16 {
		return &FormatError{Off: s.Off, Msg: fmt.Sprintf("%d bytes, want at least 16", s.Size)}
	}
	b, err := p.read(s.Off, 16)
	if err != nil {
		return err
	}
	count, base := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
	avail := uint64(s.Size-16) / 16
	n := min(count, avail)
	if count > avail || uint64(s.Size) != 16+16*n {
		p.warnf("Memory64List stream at %#x: size %d does not match %d ranges, using %d", s.Off, s.Size, count, n)
	}
	if n > maxMemoryRanges {
		p.warnf("Memory64List stream at %#x: %d ranges exceed limit %d", s.Off, n, maxMemoryRanges)
		n = maxMemoryRanges
	}
	rva, overflow := base, false
	return p.records(s.Off+16, int(n), 16, 16, func(i int, d *decoder) error {
		addr, size := d.u64(), d.u64()
		if overflow {
			p.gap(addr&p.mask, size, dumpio.PastEOF)
			return nil
		}
		p.addRange(addr, rva, size, "memory64 range", i)
		next, carry := addWrap(rva, size)
		if carry || next > uint64(p.size) {
			overflow = true // every later range lies past eof too
			if i+1 < int(n) {
				p.warnf("memory64 ranges %d to %d lie past eof", i+1, n-1)
			}
		}
		rva = next
		return nil
	})
}
