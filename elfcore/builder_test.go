package elfcore

import (
	"encoding/binary"
)

// order is a byte order that can also append.
type order interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// A builder writes small synthetic ELF cores for table tests.
type builder struct {
	class   int // 32 or 64
	bo      order
	machine uint16
	etype   uint16
	notes   []synNote
	loads   []synLoad
	raw     []byte // if set, used instead of notes as the PT_NOTE contents
	xnum    bool   // write e_phnum PN_XNUM with the count in sh[0].sh_info
	extra   []byte // bytes appended after the last segment
	noteHdr int    // PT_NOTE headers, all pointing at the same notes (0 means 1)
}

type synNote struct {
	owner string
	typ   uint32
	desc  []byte
}

type synLoad struct {
	va, memsz uint64
	data      []byte // captured bytes (p_filesz = len(data))
	flags     uint32 // PF_X 1, PF_W 2, PF_R 4
}

func newCore(class int, bo order) *builder {
	m := uint16(62)
	if class == 32 {
		m = 3
	}
	return &builder{class: class, bo: bo, machine: m, etype: etCore}
}

func (b *builder) note(owner string, typ uint32, desc []byte) *builder {
	b.notes = append(b.notes, synNote{owner, typ, desc})
	return b
}

func (b *builder) load(va, memsz uint64, data []byte, flags uint32) *builder {
	b.loads = append(b.loads, synLoad{va, memsz, data, flags})
	return b
}

func (b *builder) word(v uint64) []byte {
	if b.class == 64 {
		return b.bo.AppendUint64(nil, v)
	}
	return b.bo.AppendUint32(nil, uint32(v))
}

// notesBlob encodes the notes, each part padded to 4 bytes.
func (b *builder) notesBlob() []byte {
	if b.raw != nil {
		return b.raw
	}
	var out []byte
	for _, n := range b.notes {
		name := append([]byte(n.owner), 0)
		out = b.bo.AppendUint32(out, uint32(len(name)))
		out = b.bo.AppendUint32(out, uint32(len(n.desc)))
		out = b.bo.AppendUint32(out, n.typ)
		out = append(out, name...)
		out = append(out, make([]byte, -len(name)&3)...)
		out = append(out, n.desc...)
		out = append(out, make([]byte, -len(n.desc)&3)...)
	}
	return out
}

// bytes lays out: ELF header, program headers (PT_NOTE first), notes,
// segment data in order, extra, and for xnum one section header.
func (b *builder) bytes() []byte {
	ehsize, phentsize, shentsize := 64, 56, 64
	if b.class == 32 {
		ehsize, phentsize, shentsize = 52, 32, 40
	}
	notes := b.notesBlob()
	nph := max(1, b.noteHdr) + len(b.loads)
	off := ehsize + nph*phentsize
	noteOff := off
	off += len(notes)
	dataOff := make([]int, len(b.loads))
	for i, l := range b.loads {
		dataOff[i] = off
		off += len(l.data)
	}
	off += len(b.extra)
	shoff := 0
	if b.xnum {
		shoff = off
	}

	out := make([]byte, 0, off+shentsize)
	// ELF header
	id := []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if b.class == 32 {
		id[4] = 1
	}
	if b.bo == binary.BigEndian {
		id[5] = 2
	}
	out = append(out, id...)
	out = b.bo.AppendUint16(out, b.etype)
	out = b.bo.AppendUint16(out, b.machine)
	out = b.bo.AppendUint32(out, 1)
	out = append(out, b.word(0)...)              // entry
	out = append(out, b.word(uint64(ehsize))...) // phoff
	out = append(out, b.word(uint64(shoff))...)  // shoff
	out = b.bo.AppendUint32(out, 0)              // flags
	out = b.bo.AppendUint16(out, uint16(ehsize))
	out = b.bo.AppendUint16(out, uint16(phentsize))
	phnum, shnum := uint16(nph), uint16(0)
	if b.xnum {
		phnum, shnum = pnXnum, 1
	}
	out = b.bo.AppendUint16(out, phnum)
	out = b.bo.AppendUint16(out, uint16(shentsize))
	out = b.bo.AppendUint16(out, shnum)
	out = b.bo.AppendUint16(out, 0)
	// program headers
	for range max(1, b.noteHdr) {
		out = b.phdr(out, ptNote, 0, uint64(noteOff), 0, uint64(len(notes)), 0)
	}
	for i, l := range b.loads {
		out = b.phdr(out, ptLoad, l.flags, uint64(dataOff[i]), l.va, uint64(len(l.data)), l.memsz)
	}
	out = append(out, notes...)
	for _, l := range b.loads {
		out = append(out, l.data...)
	}
	out = append(out, b.extra...)
	if b.xnum {
		sh := make([]byte, shentsize)
		if b.class == 64 {
			b.bo.PutUint32(sh[44:], uint32(nph))
		} else {
			b.bo.PutUint32(sh[28:], uint32(nph))
		}
		out = append(out, sh...)
	}
	return out
}

func (b *builder) phdr(out []byte, typ, flags uint32, off, va, filesz, memsz uint64) []byte {
	if b.class == 64 {
		out = b.bo.AppendUint32(out, typ)
		out = b.bo.AppendUint32(out, flags)
		out = b.bo.AppendUint64(out, off)
		out = b.bo.AppendUint64(out, va)
		out = b.bo.AppendUint64(out, 0)
		out = b.bo.AppendUint64(out, filesz)
		out = b.bo.AppendUint64(out, memsz)
		return b.bo.AppendUint64(out, 0x1000)
	}
	out = b.bo.AppendUint32(out, typ)
	out = b.bo.AppendUint32(out, uint32(off))
	out = b.bo.AppendUint32(out, uint32(va))
	out = b.bo.AppendUint32(out, 0)
	out = b.bo.AppendUint32(out, uint32(filesz))
	out = b.bo.AppendUint32(out, uint32(memsz))
	out = b.bo.AppendUint32(out, flags)
	return b.bo.AppendUint32(out, 0x1000)
}

// prstatus returns an NT_PRSTATUS descriptor for x86_64 (336 bytes) or
// i386 (144 bytes) with the given tid and stack pointer.
func (b *builder) prstatus(tid uint32, sp uint64) []byte {
	if b.class == 64 {
		d := make([]byte, 336)
		b.bo.PutUint32(d[32:], tid)
		b.bo.PutUint64(d[264:], sp)
		return d
	}
	d := make([]byte, 144)
	b.bo.PutUint32(d[24:], tid)
	b.bo.PutUint32(d[132:], uint32(sp))
	return d
}

// prpsinfo returns an NT_PRPSINFO descriptor (136 or 124 bytes).
func (b *builder) prpsinfo(pid uint32, fname, args string) []byte {
	n := 136
	if b.class == 32 {
		n = 124
	}
	d := make([]byte, n)
	b.bo.PutUint32(d[n-112:], pid)
	copy(d[n-96:n-80], fname)
	copy(d[n-80:], args)
	return d
}

type synMap struct {
	start, end, pgoff uint64
	path              string
}

// fileNote returns an NT_FILE descriptor using words of w bytes.
func (b *builder) fileNote(w int, page uint64, ms ...synMap) []byte {
	put := func(out []byte, v uint64) []byte {
		if w == 8 {
			return b.bo.AppendUint64(out, v)
		}
		return b.bo.AppendUint32(out, uint32(v))
	}
	out := put(nil, uint64(len(ms)))
	out = put(out, page)
	for _, m := range ms {
		out = put(put(put(out, m.start), m.end), m.pgoff)
	}
	for _, m := range ms {
		out = append(append(out, m.path...), 0)
	}
	return out
}

// auxv returns an NT_AUXV descriptor ending in AT_NULL.
func (b *builder) auxv(pairs ...uint64) []byte {
	var out []byte
	for _, v := range append(pairs, 0, 0) {
		out = append(out, b.word(v)...)
	}
	return out
}
