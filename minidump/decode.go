package minidump

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"

	"dumpguard/internal/dumpio"
)

// read reads n bytes at off, which the caller has checked lie in the file.
func (f *File) read(off int64, n int) ([]byte, error) {
	b := make([]byte, n)
	m, err := dumpio.ReadAt(f.r, b, off)
	if m == n {
		return b, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return nil, &FormatError{Off: off + int64(m), Msg: fmt.Sprintf("file ends %#x bytes early", n-m)}
	}
	return nil, fmt.Errorf("minidump: reading %#x: %w", off, err)
}

// A decoder reads little-endian fields from b, a copy of the file at offset
// base. After the first short read it records a FormatError and returns
// zeros, so a record is checked once, at its end.
type decoder struct {
	b    []byte
	base int64
	at   int
	what string
	err  *FormatError
}

func (d *decoder) next(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b)-d.at {
		d.err = &FormatError{Off: d.base + int64(d.at), Msg: "short " + d.what}
		return nil
	}
	b := d.b[d.at : d.at+n]
	d.at += n
	return b
}

func (d *decoder) skip(n int) { d.next(n) }

func (d *decoder) u16() uint16 {
	if b := d.next(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.next(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.next(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// maxRecordChunk bounds a single read of a record list.
const maxRecordChunk = 1 << 20

// records calls fn for n records of recLen bytes, stride bytes apart,
// starting at file offset off. The caller has checked that they lie inside
// the file. Records are read in chunks of about maxRecordChunk bytes.
func (f *File) records(off int64, n, stride, recLen int, fn func(i int, d *decoder) error) error {
	per := max(1, maxRecordChunk/stride)
	for i := 0; i < n; {
		k := min(per, n-i)
		start := off + int64(i)*int64(stride)
		b, err := f.read(start, (k-1)*stride+recLen)
		if err != nil {
			return err
		}
		for j := range k {
			d := &decoder{b: b[j*stride : j*stride+recLen], base: start + int64(j)*int64(stride), what: "record"}
			if err := fn(i+j, d); err != nil {
				return err
			}
		}
		i += k
	}
	return nil
}

// maxStringBytes caps MINIDUMP_STRING reads (Breakpad caps at 1024 characters).
const maxStringBytes = 2048

// str reads the MINIDUMP_STRING at rva: a u32 byte length and UTF-16LE code
// units. Odd lengths lose their last byte, long strings are cut, and strings
// running past the end of the file are cut at it.
func (f *File) str(rva uint64) (string, error) {
	if _, ok := dumpio.Span(rva, 4, f.size); !ok {
		return "", &FormatError{Off: int64(min(rva, uint64(f.size))), Msg: fmt.Sprintf("string at %#x past eof", rva)}
	}
	b, err := f.read(int64(rva), 4)
	if err != nil {
		return "", err
	}
	n := uint64(binary.LittleEndian.Uint32(b))
	n = min(n, maxStringBytes, dumpio.Clip(rva+4, n, f.size)) &^ 1
	b, err = f.read(int64(rva)+4, int(n))
	if err != nil {
		return "", err
	}
	u := make([]uint16, 0, n/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, binary.LittleEndian.Uint16(b[i:]))
	}
	return string(utf16.Decode(u)), nil
}
