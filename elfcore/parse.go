package elfcore

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"dumpguard/internal/dumpio"
)

const (
	etCore      = 4
	ptLoad      = 1
	ptNote      = 4
	pnXnum      = 0xffff
	maxPhnum    = 1 << 22  // PN_XNUM cores seen in the wild have ~131070
	maxNotes    = 1 << 18  // ~5 notes per thread
	maxNoteDesc = 32 << 20 // the kernel caps NT_FILE at 16 MiB
	maxFiles    = 1 << 19
	maxAuxv     = 1 << 12
	maxNameSz   = 256 // longest plausible note owner ("NetBSD-CORE@<lwpid>" is ~20)
)

func align4(n uint64) uint64 { return n + (-n & 3) }

// hdr holds the decoded ELF header fields needed here.
type hdr struct {
	machine            uint16
	phoff, shoff       uint64
	ehsize             uint16
	phentsize, phnum   uint16
	shentsize, shnum   uint16
	phnumOff, phentOff int64 // field offsets, for errors
	shoffOff           int64
}

// parse reads the ELF header and the program headers with our own bounds-checked
// code rather than debug/elf, which is not hardened against hostile input and
// does not handle PN_XNUM, notes or truncation.
func (f *File) parse() error {
	var id [64]byte
	n := int64(len(id))
	if f.size < n {
		n = f.size
	}
	if err := f.readFull(id[:n], 0); err != nil {
		return err
	}
	if n < 4 || !bytes.Equal(id[:4], []byte("\x7fELF")) {
		return ErrNotCore
	}
	if n < 18 {
		return &FormatError{0, "file of " + strconv.FormatInt(f.size, 10) + " bytes is too short for an ELF header"}
	}
	switch id[4] {
	case 1:
		f.Class = 32
	case 2:
		f.Class = 64
	default:
		return &FormatError{4, "bad ELF class " + strconv.Itoa(int(id[4]))}
	}
	switch id[5] {
	case 1:
		f.ByteOrder = binary.LittleEndian
	case 2:
		f.ByteOrder = binary.BigEndian
	default:
		return &FormatError{5, "bad ELF data encoding " + strconv.Itoa(int(id[5]))}
	}
	bo := f.ByteOrder
	if bo.Uint16(id[16:]) != etCore {
		return ErrNotCore
	}
	want := int64(52)
	if f.Class == 64 {
		want = 64
	}
	if n < want {
		return &FormatError{0, "file of " + strconv.FormatInt(f.size, 10) + " bytes is too short for the ELF header"}
	}
	var h hdr
	h.machine = bo.Uint16(id[18:])
	if f.Class == 64 {
		h.phoff, h.shoff = bo.Uint64(id[32:]), bo.Uint64(id[40:])
		h.ehsize, h.phentsize, h.phnum = bo.Uint16(id[52:]), bo.Uint16(id[54:]), bo.Uint16(id[56:])
		h.shentsize, h.shnum = bo.Uint16(id[58:]), bo.Uint16(id[60:])
		h.phentOff, h.phnumOff, h.shoffOff = 54, 56, 40
	} else {
		h.phoff, h.shoff = uint64(bo.Uint32(id[28:])), uint64(bo.Uint32(id[32:]))
		h.ehsize, h.phentsize, h.phnum = bo.Uint16(id[40:]), bo.Uint16(id[42:]), bo.Uint16(id[44:])
		h.shentsize, h.shnum = bo.Uint16(id[46:]), bo.Uint16(id[48:])
		h.phentOff, h.phnumOff, h.shoffOff = 42, 44, 32
	}
	f.Machine = machineName(h.machine, f.Class)
	f.ehsize = want
	if e := int64(h.ehsize); e > want && e <= f.size {
		f.ehsize = e
	}
	if err := f.parsePhdrs(&h); err != nil {
		return err
	}
	f.attribute()
	f.partList = f.parts()
	f.Warnings = f.warns.List()
	return nil
}

// parsePhdrs reads the program header table (resolving PN_XNUM), then the
// notes of every PT_NOTE segment.
func (f *File) parsePhdrs(h *hdr) error {
	bo := f.ByteOrder
	shdrSize := uint64(40)
	if f.Class == 64 {
		shdrSize = 64
	}
	if h.shoff != 0 {
		cnt := uint64(h.shnum)
		if cnt == 0 {
			cnt = 1 // PN_XNUM or SHN_XINDEX: sh[0] holds the real counts
		}
		ent := uint64(h.shentsize)
		if ent < shdrSize {
			ent = shdrSize
		}
		if h.shoff < uint64(f.size) {
			end, ok := dumpio.Span(h.shoff, cnt*ent, f.size)
			if !ok {
				end = f.size
			}
			f.shoff, f.shsize = int64(h.shoff), end-int64(h.shoff)
		}
	}
	phnum := uint64(h.phnum)
	if phnum == pnXnum {
		// The real count is sh_info of section header 0 (kernel fill_extnum_info).
		if h.shoff == 0 {
			return &FormatError{h.phnumOff, "e_phnum is PN_XNUM but there is no section header 0"}
		}
		if _, ok := dumpio.Span(h.shoff, shdrSize, f.size); !ok {
			return &FormatError{h.shoffOff, "section header 0 at " + hex(h.shoff) + " is past EOF"}
		}
		sh := make([]byte, shdrSize)
		if err := f.readFull(sh, int64(h.shoff)); err != nil {
			return err
		}
		if f.Class == 64 {
			phnum = uint64(bo.Uint32(sh[44:]))
		} else {
			phnum = uint64(bo.Uint32(sh[28:]))
		}
	}
	if phnum == 0 {
		f.warnf("elfcore: no program headers")
		f.sortSegments()
		return nil
	}
	if phnum > maxPhnum {
		return &FormatError{h.phnumOff, "program header count " + strconv.FormatUint(phnum, 10) + " exceeds limit " + strconv.Itoa(maxPhnum)}
	}
	minEnt := uint16(32)
	if f.Class == 64 {
		minEnt = 56
	}
	if h.phentsize < minEnt {
		return &FormatError{h.phentOff, "program header size " + strconv.Itoa(int(h.phentsize)) + " is smaller than " + strconv.Itoa(int(minEnt))}
	}
	ent := uint64(h.phentsize)
	if _, ok := dumpio.Span(h.phoff, phnum*ent, f.size); !ok { // phnum*ent < 2^22*2^16: no overflow
		return &FormatError{int64(min(h.phoff, math.MaxInt64)), "program header table of " + strconv.FormatUint(phnum, 10) + " entries runs past EOF (" + strconv.FormatInt(f.size, 10) + " bytes)"}
	}
	f.phoff, f.phsize = int64(h.phoff), int64(phnum*ent)

	type noteSeg struct{ off, size int64 }
	var notes []noteSeg
	f.Segments = make([]Segment, 0, min(phnum, 4096))
	per := max(1, 64<<10/ent)
	buf := make([]byte, 0, min(per, phnum)*ent)
	var clipped, clippedBytes int64
	for i := uint64(0); i < phnum; i += per {
		k := min(per, phnum-i)
		buf = buf[:k*ent]
		if err := f.readFull(buf, f.phoff+int64(i*ent)); err != nil {
			return err
		}
		for j := uint64(0); j < k; j++ {
			p := buf[j*ent:]
			at := f.phoff + int64((i+j)*ent)
			var typ, flags uint32
			var off, va, filesz, memsz uint64
			if f.Class == 64 {
				typ, flags = bo.Uint32(p), bo.Uint32(p[4:])
				off, va, filesz, memsz = bo.Uint64(p[8:]), bo.Uint64(p[16:]), bo.Uint64(p[32:]), bo.Uint64(p[40:])
			} else {
				typ, flags = bo.Uint32(p), bo.Uint32(p[24:])
				off, va, filesz, memsz = uint64(bo.Uint32(p[4:])), uint64(bo.Uint32(p[8:])), uint64(bo.Uint32(p[16:])), uint64(bo.Uint32(p[20:]))
			}
			if typ != ptLoad && typ != ptNote {
				continue
			}
			if off > math.MaxInt64 || filesz > math.MaxInt64 {
				return &FormatError{at, "program header " + strconv.FormatUint(i+j, 10) + " has offset " + hex(off) + " and size " + hex(filesz) + " beyond any file"}
			}
			avail := int64(0)
			if int64(off) < f.size {
				avail = min(int64(filesz), f.size-int64(off))
			}
			if typ == ptNote {
				if avail < int64(filesz) {
					f.warnf("elfcore: note segment at %#x clipped at EOF: %d of %d bytes", off, avail, filesz)
				}
				notes = append(notes, noteSeg{int64(off), avail})
				continue
			}
			s := Segment{Addr: va, MemSize: memsz, Off: int64(off), FileSize: int64(filesz), Flags: flagProt(flags)}
			room := memsz
			if _, carry := bits.Add64(va, memsz, 0); carry != 0 {
				room = -va // bytes up to the top of the address space
				f.warnf("elfcore: segment %d at %#x: size %#x wraps the address space", len(f.Segments), va, memsz)
			}
			if filesz > room {
				f.warnf("elfcore: segment %d at %#x: file size %#x exceeds memory size %#x", len(f.Segments), va, filesz, room)
			}
			s.Avail = min(avail, int64(min(filesz, room)))
			held := int64(min(filesz, room))
			if s.Avail < held {
				clipped++
				clippedBytes += held - s.Avail
				if clipped <= 4 {
					f.warnf("elfcore: segment %d at %#x clipped at EOF: %d of %d bytes", len(f.Segments), va, s.Avail, held)
				}
				f.Missing = append(f.Missing, Gap{Addr: va + uint64(s.Avail), Size: held - s.Avail, Why: dumpio.Truncated})
			}
			if filesz < room {
				f.Missing = append(f.Missing, Gap{Addr: va + filesz, Size: int64(min(room-filesz, math.MaxInt64)), Why: dumpio.NotDumped})
			}
			f.Segments = append(f.Segments, s)
		}
	}
	if clipped > 4 {
		f.warnf("elfcore: %d segments clipped at EOF in all, %d bytes missing", clipped, clippedBytes)
	}
	f.sortSegments()
	// Walk the note segments in file order, each byte once: PT_NOTE headers
	// that overlap an earlier one (100 headers naming one 13 MB NT_FILE note)
	// would parse the same notes again.
	slices.SortStableFunc(notes, func(a, b noteSeg) int { return cmp.Compare(a.off, b.off) })
	var walked int64 // end of the notes walked so far
	overlapping := 0
	for _, ns := range notes {
		if ns.size <= 0 {
			continue
		}
		if ns.off < walked {
			overlapping++
			continue
		}
		f.walkNotes(ns.off, ns.size)
		walked = ns.off + ns.size
	}
	if overlapping > 0 {
		f.warnf("elfcore: %d note segments overlap earlier ones; skipped", overlapping)
	}
	f.finishNotes()
	return nil
}

// flagProt turns p_flags (PF_R 4, PF_W 2, PF_X 1) into a known protection.
func flagProt(fl uint32) dumpio.Prot {
	p := dumpio.Known
	if fl&4 != 0 {
		p |= dumpio.Read
	}
	if fl&2 != 0 {
		p |= dumpio.Write
	}
	if fl&1 != 0 {
		p |= dumpio.Exec
	}
	return p
}

func hex(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

func machineName(m uint16, class int) string {
	switch m {
	case 2:
		return "sparc"
	case 3:
		return "i386"
	case 4:
		return "m68k"
	case 8:
		if class == 64 {
			return "mips64"
		}
		return "mips"
	case 20:
		return "ppc"
	case 21:
		return "ppc64"
	case 22:
		if class == 64 {
			return "s390x"
		}
		return "s390"
	case 40:
		return "arm"
	case 43:
		return "sparc64"
	case 62:
		return "x86_64"
	case 183:
		return "aarch64"
	case 243:
		if class == 32 {
			return "riscv32"
		}
		return "riscv64"
	case 258:
		return "loongarch64"
	}
	return "em-" + strconv.Itoa(int(m))
}

// walkNotes reads the notes in [off, off+size). A note that does not fit, or
// a header that is implausible, ends the walk with a warning: once the walk
// loses sync nothing after it can be trusted.
func (f *File) walkNotes(off, size int64) {
	end := off + size // both already within the file
	var h [12]byte
	bo := f.ByteOrder
	for p := off; p < end; {
		if end-p < 12 {
			f.warnf("elfcore: %d stray bytes at the end of the notes at %#x", end-p, p)
			return
		}
		if err := f.readFull(h[:], p); err != nil {
			f.warnf("%v", err)
			return
		}
		namesz, descsz, typ := uint64(bo.Uint32(h[:])), uint64(bo.Uint32(h[4:])), bo.Uint32(h[8:])
		if namesz == 0 && descsz == 0 && typ == 0 {
			return // zero padding
		}
		if namesz > maxNameSz || namesz == 0 && typ == 0 {
			f.warnf("elfcore: note walk lost sync at %#x (name size %d, type %#x); later notes ignored", p, namesz, typ)
			return
		}
		descOff := uint64(p) + 12 + align4(namesz)
		next, ok := dumpio.Span(descOff, align4(descsz), end)
		if !ok || descOff+descsz > uint64(end) {
			// Accept an unpadded last note (desc ends exactly at the segment end).
			if e, ok2 := dumpio.Span(descOff, descsz, end); !ok2 || e != end {
				f.warnf("elfcore: note at %#x (type %#x, desc size %d) runs past the note segment end %#x; later notes ignored", p, typ, descsz, end)
				return
			}
			next = end
		}
		if len(f.Notes) >= maxNotes {
			f.warnf("elfcore: more than %d notes; later notes ignored", maxNotes)
			return
		}
		name := make([]byte, namesz)
		if err := f.readFull(name, p+12); err != nil {
			f.warnf("%v", err)
			return
		}
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		n := Note{Owner: string(name), Type: typ, Off: int64(descOff), Size: int64(descsz)}
		f.Notes = append(f.Notes, n)
		f.decodeNote(n)
		if k := len(f.noteRanges); k > 0 && f.noteRanges[k-1].end == p {
			f.noteRanges[k-1].end = next
		} else {
			f.noteRanges = append(f.noteRanges, part{p, next, "notes"})
		}
		p = next
	}
}

// Note types (owner "CORE" unless said).
const (
	ntPrstatus  = 1
	ntPrpsinfo  = 3
	ntAuxv      = 6
	ntSiginfo   = 0x53494749
	ntFile      = 0x46494c45
	netbsdProc  = 1 // owner "NetBSD-CORE"
	netbsdAuxv  = 2
	atNull      = 0
	atPhdr      = 3
	atEntry     = 9
	atRandom    = 25
	atExecfn    = 31
	atSysinfoEH = 33
)

// desc reads a note descriptor of at most limit bytes.
func (f *File) desc(n Note, limit int64) ([]byte, bool) {
	if n.Size > limit {
		f.warnf("elfcore: note %s/%#x at %#x: descriptor of %d bytes exceeds limit %d; skipped", n.Owner, n.Type, n.Off, n.Size, limit)
		return nil, false
	}
	b := make([]byte, n.Size)
	if err := f.readFull(b, n.Off); err != nil {
		f.warnf("%v", err)
		return nil, false
	}
	return b, true
}

func (f *File) setOS(os string) {
	if f.OS == "" {
		f.OS = os
	}
}

func (f *File) word(b []byte, w int) uint64 {
	if w == 8 {
		return f.ByteOrder.Uint64(b)
	}
	return uint64(f.ByteOrder.Uint32(b))
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func (f *File) decodeNote(n Note) {
	switch {
	case n.Owner == "CORE" || n.Owner == "LINUX":
		f.setOS("linux")
	case n.Owner == "NetBSD-CORE" || strings.HasPrefix(n.Owner, "NetBSD-CORE@"):
		f.setOS("netbsd")
		f.decodeNetBSD(n)
		return
	case n.Owner == "FreeBSD":
		f.setOS("freebsd")
		return
	case strings.HasPrefix(n.Owner, "OpenBSD"):
		f.setOS("openbsd")
		return
	}
	if n.Owner != "CORE" {
		return
	}
	w := f.Class / 8
	switch n.Type {
	case ntPrstatus:
		d, ok := f.desc(n, 1<<16)
		if !ok {
			return
		}
		pidOff := 16 + 2*w // after pr_info (12), pr_cursig (2+2), pr_sigpend, pr_sighold
		if f.Machine == "m68k" {
			pidOff = 22 // m68k aligns longs to 2 bytes
		}
		if len(d) < pidOff+4 {
			f.warnf("elfcore: NT_PRSTATUS at %#x: %d bytes is too short", n.Off, len(d))
			return
		}
		t := Thread{ID: f.ByteOrder.Uint32(d[pidOff:])}
		if so, sw := spOffset(f.Machine, f.Class); so > 0 && len(d) >= so+sw {
			t.SP = f.word(d[so:], sw)
			if f.Machine == "sparc64" {
				t.SP += 2047 // SPARC V9 stack bias
			}
		}
		if f.Signal == 0 && len(f.Threads) == 0 {
			f.Signal = int(f.ByteOrder.Uint16(d[12:]))
		}
		f.Threads = append(f.Threads, t)
	case ntPrpsinfo:
		d, ok := f.desc(n, 1<<12)
		if !ok {
			return
		}
		if len(d) < 112 {
			f.warnf("elfcore: NT_PRPSINFO at %#x: %d bytes is too short", n.Off, len(d))
			return
		}
		// Every layout ends in pr_pid..pr_sid (4 x 4 bytes), pr_fname[16], pr_psargs[80].
		l := len(d)
		f.PID = f.ByteOrder.Uint32(d[l-112:])
		f.Process = cstring(d[l-96 : l-80])
		f.Args = strings.TrimRight(cstring(d[l-80:]), " ")
	case ntSiginfo:
		d, ok := f.desc(n, 1<<12)
		if ok && len(d) >= 4 {
			if s := int(int32(f.ByteOrder.Uint32(d))); s > 0 && s < 256 {
				f.Signal = s
			}
		}
	case ntAuxv:
		d, ok := f.desc(n, 1<<20)
		if ok {
			f.decodeAuxv(d, w)
		}
	case ntFile:
		if len(f.Files) >= maxFiles {
			f.warnf("elfcore: NT_FILE at %#x: already %d file mappings; skipped", n.Off, maxFiles)
			return
		}
		d, ok := f.desc(n, maxNoteDesc)
		if ok {
			f.decodeFiles(n, d, w)
		}
	}
}

// spOffset gives the offset and width of the stack pointer in NT_PRSTATUS:
// pr_reg starts at 72 (32-bit) or 112 (64-bit) and the SP index is per arch.
func spOffset(machine string, class int) (off, width int) {
	switch machine {
	case "x86_64":
		if class == 32 {
			return 72 + 19*8, 8 // x32 keeps 64-bit registers
		}
		return 112 + 19*8, 8 // rsp
	case "i386":
		return 72 + 15*4, 4 // esp
	case "aarch64":
		return 112 + 31*8, 8
	case "arm":
		return 72 + 13*4, 4
	case "riscv64":
		return 112 + 2*8, 8 // x2
	case "ppc64":
		return 112 + 1*8, 8 // r1
	case "ppc":
		return 72 + 1*4, 4
	case "s390x":
		return 112 + 16 + 15*8, 8 // psw, then r15
	case "s390":
		return 72 + 8 + 15*4, 4
	case "mips":
		return 72 + 35*4, 4 // 6 padding words, then r0..r31: r29
	case "mips64":
		return 112 + 35*8, 8
	case "m68k":
		return 70 + 15*4, 4 // usp
	case "sparc64":
		return 112 + 14*8, 8 // o6
	}
	return 0, 0
}

func (f *File) decodeAuxv(d []byte, w int) {
	for i := 0; i+2*w <= len(d) && len(f.Auxv) < maxAuxv; i += 2 * w {
		e := AuxEntry{f.word(d[i:], w), f.word(d[i+w:], w)}
		if e.Type == atNull {
			break
		}
		f.Auxv = append(f.Auxv, e)
	}
}

// AuxValue returns the value of the first auxv entry of type typ.
func (f *File) AuxValue(typ uint64) (uint64, bool) {
	for _, e := range f.Auxv {
		if e.Type == typ {
			return e.Val, true
		}
	}
	return 0, false
}

func (f *File) decodeFiles(n Note, d []byte, w int) {
	ms, err := f.parseFileNote(d, w)
	alt := 12 - w // 4 <-> 8
	if err != nil {
		// MIPS o32 cores write NT_FILE with 64-bit words in an ELF32 file.
		ms2, err2 := f.parseFileNote(d, alt)
		if err2 != nil {
			f.warnf("elfcore: NT_FILE at %#x: %v", n.Off, err)
			return
		}
		ms = ms2
	} else if ms2, err2 := f.parseFileNote(d, alt); err2 == nil && f.inSegments(ms2) > f.inSegments(ms) {
		ms = ms2
	}
	if room := maxFiles - len(f.Files); len(ms) > room {
		f.warnf("elfcore: NT_FILE at %#x: more than %d file mappings in all; %d ignored", n.Off, maxFiles, len(ms)-room)
		ms = ms[:room]
	}
	f.Files = append(f.Files, ms...)
}

// inSegments counts mappings whose start lies inside some PT_LOAD.
func (f *File) inSegments(ms []Mapping) int {
	c := 0
	for _, m := range ms {
		if len(f.segmentsAt(m.Start)) > 0 {
			c++
		}
	}
	return c
}

type fileNoteError string

func (e fileNoteError) Error() string { return string(e) }

func (f *File) parseFileNote(d []byte, w int) ([]Mapping, error) {
	if len(d) < 2*w {
		return nil, fileNoteError("too short")
	}
	count, page := f.word(d, w), f.word(d[w:], w)
	if page != 1 && (page < 1<<10 || page > 1<<20 || page&(page-1) != 0) {
		return nil, fileNoteError("implausible page size " + strconv.FormatUint(page, 10))
	}
	rest := uint64(len(d) - 2*w)
	if count > rest/uint64(3*w) || count > maxFiles {
		return nil, fileNoteError("count " + strconv.FormatUint(count, 10) + " does not fit")
	}
	tab := d[2*w:]
	names := tab[count*uint64(3*w):]
	ms := make([]Mapping, 0, count) // count*3*w <= len(d): bounded by bytes already read
	for i := uint64(0); i < count; i++ {
		e := tab[i*uint64(3*w):]
		m := Mapping{Start: f.word(e, w), End: f.word(e[w:], w)}
		ofs := f.word(e[2*w:], w)
		hi, lo := bits.Mul64(ofs, page)
		if m.End < m.Start || hi != 0 {
			return nil, fileNoteError("bad entry " + strconv.FormatUint(i, 10))
		}
		m.FileOff = lo
		j := bytes.IndexByte(names, 0)
		if j < 0 {
			return nil, fileNoteError("names end after " + strconv.FormatUint(i, 10) + " of " + strconv.FormatUint(count, 10))
		}
		m.Path = strings.ToValidUTF8(string(names[:j]), "\uFFFD")
		names = names[j+1:]
		ms = append(ms, m)
	}
	return ms, nil
}

func (f *File) decodeNetBSD(n Note) {
	if n.Owner == "NetBSD-CORE" {
		switch n.Type {
		case netbsdProc:
			d, ok := f.desc(n, 1<<12)
			if !ok || len(d) < 156 {
				return
			}
			f.Signal = int(f.ByteOrder.Uint32(d[8:]))
			f.PID = f.ByteOrder.Uint32(d[80:])
			f.Process = cstring(d[124:156])
		case netbsdAuxv:
			if d, ok := f.desc(n, 1<<20); ok {
				f.decodeAuxv(d, f.Class/8)
			}
		}
		return
	}
	lwp, err := strconv.ParseUint(strings.TrimPrefix(n.Owner, "NetBSD-CORE@"), 10, 32)
	if err != nil {
		return
	}
	// PT_GETREGS is PT_FIRSTMACH+1 (33) on amd64 and +0 (32) on aarch64.
	var spOff int
	switch {
	case f.Machine == "x86_64" && n.Type == 33:
		spOff = 24 * 8 // struct reg: rsp is entry 24
	case f.Machine == "aarch64" && n.Type == 32:
		spOff = 31 * 8
	default:
		return
	}
	t := Thread{ID: uint32(lwp)}
	if d, ok := f.desc(n, 1<<12); ok && len(d) >= spOff+8 {
		t.SP = f.ByteOrder.Uint64(d[spOff:])
	}
	f.Threads = append(f.Threads, t)
}

func (f *File) finishNotes() {
	if f.PID == 0 && len(f.Threads) > 0 {
		f.PID = f.Threads[0].ID
	}
}
