package minidump

import (
	"encoding/binary"
	"unicode/utf16"
)

// A builder makes synthetic minidumps for tests:
//
//	b := newDump().sysinfo(9, 2).memory(0x7ff000, key).thread(1, 0x1000, stack)
//	raw := b.bytes()
//
// Stream data is appended as it is added; the directory has room for
// maxDir entries right after the header. Memory64 data goes last.
type builder struct {
	flags   uint64
	dir     [][3]uint32 // type, size, rva
	buf     []byte      // the whole file; buf[:dataStart] is header and directory
	mems    [][2]uint64 // MemoryList: addr, and rva<<32|size
	mem64   []mem64
	threads []byte // ThreadList records
	nthread int
	mods    []byte
	nmod    int
	infos   []byte
	ninfo   int
}

type mem64 struct {
	addr uint64
	data []byte
}

const maxDir = 16

func newDump() *builder {
	return &builder{buf: make([]byte, headerSize+maxDir*dirEntrySize)}
}

// data appends b to the file and returns its rva.
func (b *builder) data(p []byte) uint32 {
	rva := uint32(len(b.buf))
	b.buf = append(b.buf, p...)
	return rva
}

func (b *builder) stream(typ uint32, p []byte) *builder {
	b.dir = append(b.dir, [3]uint32{typ, uint32(len(p)), b.data(p)})
	return b
}

func le(vs ...any) []byte {
	var p []byte
	for _, v := range vs {
		switch v := v.(type) {
		case uint16:
			p = binary.LittleEndian.AppendUint16(p, v)
		case uint32:
			p = binary.LittleEndian.AppendUint32(p, v)
		case uint64:
			p = binary.LittleEndian.AppendUint64(p, v)
		case int:
			p = binary.LittleEndian.AppendUint32(p, uint32(v))
		case []byte:
			p = append(p, v...)
		default:
			panic("le: bad type")
		}
	}
	return p
}

func (b *builder) sysinfo(arch uint16, platform uint32) *builder {
	p := le(arch, uint16(6), uint16(0), uint16(0x0104), uint32(10), uint32(0), uint32(19042), platform)
	return b.stream(streamSystemInfo, append(p, make([]byte, 32)...))
}

func (b *builder) memory(addr uint64, p []byte) *builder {
	rva := b.data(p)
	b.mems = append(b.mems, [2]uint64{addr, uint64(rva)<<32 | uint64(len(p))})
	return b
}

// memoryAt adds a MemoryList descriptor with any rva and size.
func (b *builder) memoryAt(addr uint64, rva, size uint32) *builder {
	b.mems = append(b.mems, [2]uint64{addr, uint64(rva)<<32 | uint64(size)})
	return b
}

func (b *builder) memory64(addr uint64, p []byte) *builder {
	b.mem64 = append(b.mem64, mem64{addr, p})
	return b
}

// thread adds a thread whose stack bytes are also in the MemoryList.
func (b *builder) thread(id uint32, teb, stackAddr uint64, stack []byte) *builder {
	rva := b.data(stack)
	b.mems = append(b.mems, [2]uint64{stackAddr, uint64(rva)<<32 | uint64(len(stack))})
	return b.threadOnly(id, teb, stackAddr, uint32(len(stack)), rva)
}

// threadOnly adds a thread record with any stack descriptor.
func (b *builder) threadOnly(id uint32, teb, stackAddr uint64, size, rva uint32) *builder {
	b.threads = append(b.threads, le(id, 0, 0, 0, teb, stackAddr, size, rva, 0, 0)...)
	b.nthread++
	return b
}

func (b *builder) mdstring(s string) uint32 {
	u := utf16.Encode([]rune(s))
	p := le(len(u) * 2)
	for _, c := range u {
		p = le(p, c)
	}
	return b.data(append(p, 0, 0))
}

func (b *builder) module(name string, base uint64, size uint32) *builder {
	rva := b.mdstring(name)
	rec := le(base, size, 0, 0, rva)
	b.mods = append(b.mods, append(rec, make([]byte, 108-len(rec))...)...)
	b.nmod++
	return b
}

func (b *builder) memInfo(base, allocBase, size uint64, state, protect, typ uint32) *builder {
	b.infos = append(b.infos, le(base, allocBase, uint32(protect), 0, size, state, protect, typ, 0)...)
	b.ninfo++
	return b
}

func (b *builder) maps(text string) *builder { return b.stream(streamLinuxMaps, []byte(text)) }

// bytes lays out the list streams, the Memory64 data and the header.
func (b *builder) bytes() []byte {
	if b.nthread > 0 {
		b.stream(streamThreadList, le(b.nthread, b.threads))
	}
	if b.nmod > 0 {
		b.stream(streamModuleList, le(b.nmod, b.mods))
	}
	if b.ninfo > 0 {
		b.stream(streamMemoryInfoList, le(16, 48, uint64(b.ninfo), b.infos))
	}
	if len(b.mems) > 0 {
		p := le(len(b.mems))
		for _, m := range b.mems {
			p = append(p, le(m[0], uint32(m[1]), uint32(m[1]>>32))...)
		}
		b.stream(streamMemoryList, p)
	}
	if len(b.mem64) > 0 {
		p := le(uint64(len(b.mem64)), uint64(0))
		for _, m := range b.mem64 {
			p = append(p, le(m.addr, uint64(len(m.data)))...)
		}
		s := b.data(p)
		b.dir = append(b.dir, [3]uint32{streamMemory64List, uint32(len(p)), s})
		binary.LittleEndian.PutUint64(b.buf[s+8:], uint64(len(b.buf)))
		for _, m := range b.mem64 {
			b.data(m.data)
		}
	}
	if len(b.dir) > maxDir {
		panic("builder: too many streams")
	}
	copy(b.buf, le(uint32(signature), uint32(version), len(b.dir), uint32(headerSize), 0, 0, b.flags))
	for i, d := range b.dir {
		copy(b.buf[headerSize+i*dirEntrySize:], le(d[0], d[1], d[2]))
	}
	return b.buf
}
