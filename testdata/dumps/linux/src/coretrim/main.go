// Command coretrim rewrites an ELF core without the pages of its PT_LOAD
// segments that are all zeros: V8 and CPython reserve and map far more
// memory than they touch, and gcore writes every untouched page out as
// zeros. Each PT_LOAD becomes one PT_LOAD per run of pages holding a nonzero
// byte, at the same addresses, with the same flags; PT_NOTE and the other
// program headers are kept as they are; section headers are dropped, as a
// kernel-written core has none.
//
//	coretrim IN OUT
package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
)

const page = 4096

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: coretrim IN OUT")
		os.Exit(2)
	}
	if err := trim(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "coretrim:", err)
		os.Exit(1)
	}
}

func trim(in, out string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if f.Class != elf.ELFCLASS64 || f.Type != elf.ET_CORE {
		return fmt.Errorf("%s: not a 64-bit ELF core", in)
	}
	type seg struct {
		h    elf.ProgHeader
		data []byte
	}
	var segs []seg
	for _, p := range f.Progs {
		h := p.ProgHeader
		if h.Off+h.Filesz > uint64(len(b)) {
			return fmt.Errorf("%s: segment past the end of the file", in)
		}
		data := b[h.Off : h.Off+h.Filesz]
		if h.Type != elf.PT_LOAD || h.Filesz == 0 {
			segs = append(segs, seg{h, data})
			continue
		}
		zero := make([]byte, page)
		start := -1
		flush := func(end int) {
			if start >= 0 {
				r := h
				r.Vaddr, r.Paddr = h.Vaddr+uint64(start), 0
				r.Filesz, r.Memsz = uint64(end-start), uint64(end-start)
				segs = append(segs, seg{r, data[start:end]})
				start = -1
			}
		}
		for o := 0; o < len(data); o += page {
			pg := data[o:min(len(data), o+page)]
			if bytes.Equal(pg, zero[:len(pg)]) {
				flush(o)
			} else if start < 0 {
				start = o
			}
		}
		flush(len(data))
	}
	const ehsize, phentsize = 64, 56
	le := binary.LittleEndian
	hdr := make([]byte, ehsize)
	copy(hdr, b[:16])
	le.PutUint16(hdr[16:], uint16(elf.ET_CORE))
	le.PutUint16(hdr[18:], uint16(f.Machine))
	le.PutUint32(hdr[20:], 1)
	le.PutUint64(hdr[32:], ehsize) // e_phoff
	le.PutUint16(hdr[52:], ehsize)
	le.PutUint16(hdr[54:], phentsize)
	if len(segs) >= 0xffff {
		return fmt.Errorf("%d segments: too many", len(segs))
	}
	le.PutUint16(hdr[56:], uint16(len(segs)))
	off := uint64(ehsize + phentsize*len(segs))
	var phdrs, body bytes.Buffer
	for _, s := range segs {
		h := s.h
		align := uint64(1)
		if h.Type == elf.PT_LOAD {
			align = page
		} else if h.Align > 1 {
			align = h.Align
		}
		pad := (align - off%align) % align
		body.Write(make([]byte, pad))
		off += pad
		ph := make([]byte, phentsize)
		le.PutUint32(ph[0:], uint32(h.Type))
		le.PutUint32(ph[4:], uint32(h.Flags))
		le.PutUint64(ph[8:], off)
		le.PutUint64(ph[16:], h.Vaddr)
		le.PutUint64(ph[24:], h.Paddr)
		le.PutUint64(ph[32:], uint64(len(s.data)))
		le.PutUint64(ph[40:], h.Memsz)
		le.PutUint64(ph[48:], align)
		phdrs.Write(ph)
		body.Write(s.data)
		off += uint64(len(s.data))
	}
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	for _, p := range [][]byte{hdr, phdrs.Bytes(), body.Bytes()} {
		if _, err := o.Write(p); err != nil {
			o.Close()
			return err
		}
	}
	return o.Close()
}
