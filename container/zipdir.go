package container

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
)

// maxZipEntries caps the records read from a zip's central directory: the
// most a zip without zip64 can count. Each costs a fixed 56 bytes here
// (names are read again when their entry is walked), so 3.5 MiB at most.
const maxZipEntries = 1 << 16

const (
	sigLocator64 = 0x07064b50

	centralLen = 46
	localLen   = 30
	endLen     = 22
	locatorLen = 20
	end64Len   = 56
)

// errEntries is the error of a central directory over maxZipEntries.
var errEntries = errors.New("too many entries")

// A zipRecord is what the walk keeps of one central directory record and of
// the local header it points at: 56 bytes, whatever the name's length.
type zipRecord struct {
	hdr, data     int64  // local header, and its data after the header's name and extra field
	csize, usize  uint64 // from the central directory, zip64 applied
	nameOff       int64  // of the name, in the central directory
	crc           uint32 //
	nameLen       uint16 //
	flags, method uint16 //
	special       bool   // a directory, link or device: no content of its own
	fault         zipFault
}

// A zipFault is why an entry of a zip file cannot be read.
type zipFault uint8

const (
	faultNone zipFault = iota
	faultHeaderEnd
	faultNoHeader
	faultHeaderFields
	faultCentralSize
	faultLocalSize
	faultOverlap
)

// error returns the fault of z as an error about path, or nil.
func (z *zipRecord) error(path string) error {
	var msg string
	switch z.fault {
	case faultNone:
		return nil
	case faultOverlap:
		return &Error{Path: path, Err: ErrBomb, Msg: fmt.Sprintf("zip: the local header at %#x or its data overlaps another entry's", z.hdr)}
	case faultHeaderEnd:
		msg = "local header at %#x beyond the end"
	case faultNoHeader:
		msg = "no local header at %#x"
	case faultHeaderFields:
		msg = "name or extra field of the local header at %#x beyond the end"
	case faultCentralSize:
		msg = "compressed size in the central directory reaches beyond the end (local header at %#x)"
	case faultLocalSize:
		msg = "compressed size in the local header at %#x reaches beyond the end"
	}
	return &Error{Path: path, Err: ErrCorrupt, Msg: "zip: " + fmt.Sprintf(msg, z.hdr)}
}

// span returns off+n, and whether it is within size, with arithmetic that
// cannot overflow.
func span(off, n uint64, size int64) (int64, bool) {
	e, carry := bits.Add64(off, n, 0)
	return int64(e), carry == 0 && e <= uint64(size)
}

// readZipDir reads the central directory of the zip ra, of the given size,
// and the local header each record points at. It reads records up to the
// first that lacks the signature, as archive/zip does (writers that do not
// use zip64 let the 16-bit count wrap), and fails past maxZipEntries.
//
// A record is marked with a fault, and the others are still returned, when its local
// header is not a local header, when its compressed size (local or central,
// zip64 or not) reaches beyond the file, or when its bytes, from its local
// header to the end of its data, overlap those of an entry at a lower offset
// (or of an earlier record at the same one): many records over one stream
// are the "non-recursive" zip bomb, which no ratio check sees.
func readZipDir(ra io.ReaderAt, size int64) ([]zipRecord, error) {
	count, cdOff, err := readZipEnd(ra, size)
	if err != nil {
		return nil, err
	}
	if count > maxZipEntries {
		return nil, fmt.Errorf("%w: %d records, limit %d", errEntries, count, maxZipEntries)
	}
	br := bufio.NewReaderSize(io.NewSectionReader(ra, cdOff, size-cdOff), 1<<16)
	le := binary.LittleEndian
	off := cdOff
	local := make([]byte, localLen) // one, not one per record read into through an interface
	// One allocation: a record is at least centralLen bytes long.
	recs := make([]zipRecord, 0, min(maxZipEntries, (size-cdOff)/centralLen))
	for {
		h, err := br.Peek(centralLen)
		if len(h) < 4 || le.Uint32(h) != sigCentral {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("record at %#x: %w", off, noEOF(err))
		}
		if len(recs) == maxZipEntries {
			return nil, fmt.Errorf("%w: more than %d records", errEntries, maxZipEntries)
		}
		creator, flags, method := le.Uint16(h[4:]), le.Uint16(h[8:]), le.Uint16(h[10:])
		z := zipRecord{
			crc:     le.Uint32(h[16:]),
			csize:   uint64(le.Uint32(h[20:])),
			usize:   uint64(le.Uint32(h[24:])),
			nameLen: le.Uint16(h[28:]),
			flags:   flags,
			method:  method,
			nameOff: off + centralLen,
		}
		extraLen, commentLen := int(le.Uint16(h[30:])), int(le.Uint16(h[32:]))
		ext := le.Uint32(h[38:])
		hdr := uint64(le.Uint32(h[42:]))
		br.Discard(centralLen)
		name, err := br.Peek(int(z.nameLen)) // the buffer holds the longest
		if err != nil {
			return nil, fmt.Errorf("name at %#x: %w", z.nameOff, noEOF(err))
		}
		z.special = specialMode(creator, ext) || len(name) > 0 && name[len(name)-1] == '/'
		br.Discard(len(name))
		extra, err := br.Peek(extraLen)
		if err != nil {
			return nil, fmt.Errorf("extra field at %#x: %w", z.nameOff+int64(z.nameLen), noEOF(err))
		}
		if _, ok := zip64Extra(extra, &z.usize, &z.csize, &hdr); !ok && (z.csize == math.MaxUint32 || hdr == math.MaxUint32) {
			return nil, fmt.Errorf("record at %#x: zip64 extra field lacks the compressed size or the local header offset", off)
		}
		br.Discard(len(extra))
		if _, err := br.Discard(commentLen); err != nil {
			return nil, fmt.Errorf("comment of record at %#x: %w", off, noEOF(err))
		}
		off += int64(centralLen + int(z.nameLen) + extraLen + commentLen)
		z.hdr = int64(min(hdr, math.MaxInt64))
		if err := readLocal(ra, size, &z, local); err != nil {
			return nil, err
		}
		recs = append(recs, z)
	}
	if uint16(len(recs)) != uint16(count) {
		return nil, fmt.Errorf("%d records at %#x, the end record counts %d", len(recs), cdOff, count)
	}
	markOverlaps(recs)
	return recs, nil
}

// readZipEnd finds the end of central directory record (and the zip64 one
// it points at, if any) and returns the record count and the directory's
// offset.
func readZipEnd(ra io.ReaderAt, size int64) (count uint64, cdOff int64, err error) {
	tail := make([]byte, min(size, endLen+math.MaxUint16))
	base := size - int64(len(tail))
	if _, err := ra.ReadAt(tail, base); err != nil && err != io.EOF {
		return 0, 0, err
	}
	le := binary.LittleEndian
	at := -1
	for i := len(tail) - endLen; i >= 0; i-- {
		if le.Uint32(tail[i:]) == sigEnd && i+endLen+int(le.Uint16(tail[i+20:])) <= len(tail) {
			at = i
			break
		}
	}
	if at < 0 {
		return 0, 0, errors.New("no end of central directory record")
	}
	e := tail[at:]
	count, off := uint64(le.Uint16(e[10:])), uint64(le.Uint32(e[16:]))
	endOff := base + int64(at)
	if (count == math.MaxUint16 || le.Uint32(e[12:]) == math.MaxUint32 || off == math.MaxUint32) && endOff >= locatorLen {
		var loc [locatorLen]byte
		if _, err := ra.ReadAt(loc[:], endOff-locatorLen); err != nil && err != io.EOF {
			return 0, 0, err
		}
		if le.Uint32(loc[:]) == sigLocator64 {
			p := le.Uint64(loc[8:])
			if _, ok := span(p, end64Len, size); !ok {
				return 0, 0, fmt.Errorf("zip64 end record at %#x beyond the end", p)
			}
			var e64 [end64Len]byte
			if _, err := ra.ReadAt(e64[:], int64(p)); err != nil && err != io.EOF {
				return 0, 0, err
			}
			if le.Uint32(e64[:]) != sigEnd64 {
				return 0, 0, fmt.Errorf("no zip64 end record at %#x", p)
			}
			count, off = le.Uint64(e64[32:]), le.Uint64(e64[48:])
		}
	}
	if off >= uint64(size) {
		return 0, 0, fmt.Errorf("central directory at %#x beyond the end", off)
	}
	return count, int64(off), nil
}

// readLocal reads the local header of z, sets z.data, and sets z.fault if
// the header is not one or if a compressed size reaches beyond the file. It
// fails only if ra does.
func readLocal(ra io.ReaderAt, size int64, z *zipRecord, h []byte) error {
	if _, ok := span(uint64(z.hdr), localLen, size); !ok {
		z.fault = faultHeaderEnd
		return nil
	}
	if _, err := ra.ReadAt(h, z.hdr); err != nil && err != io.EOF {
		return err
	}
	le := binary.LittleEndian
	if le.Uint32(h) != sigLocal {
		z.fault = faultNoHeader
		return nil
	}
	csize, usize := uint64(le.Uint32(h[18:])), uint64(le.Uint32(h[22:]))
	extraLen := uint64(le.Uint16(h[28:]))
	data, ok := span(uint64(z.hdr)+localLen, uint64(le.Uint16(h[26:]))+extraLen, size)
	if !ok {
		z.fault = faultHeaderFields
		return nil
	}
	z.data = data
	if csize == math.MaxUint32 || usize == math.MaxUint32 {
		extra := make([]byte, extraLen)
		if _, err := ra.ReadAt(extra, data-int64(extraLen)); err != nil && err != io.EOF {
			return err
		}
		zip64Extra(extra, &usize, &csize)
	}
	if _, ok := span(uint64(data), z.csize, size); !ok {
		z.fault = faultCentralSize
	} else if _, ok := span(uint64(data), csize, size); !ok {
		z.fault = faultLocalSize
	}
	return nil
}

// markOverlaps marks the records whose bytes, from local header to the
// end of data, start inside those of a record at a lower offset, or of an
// earlier record at the same offset. It sorts, so it takes O(n log n).
func markOverlaps(recs []zipRecord) {
	order := make([]int, 0, len(recs))
	for i, z := range recs {
		if z.fault == faultNone {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(recs[a].hdr, recs[b].hdr) })
	var end int64 // of the bytes of the entries before
	for _, i := range order {
		z := &recs[i]
		if z.hdr < end {
			z.fault = faultOverlap
			continue
		}
		end = z.data + int64(z.csize) // readLocal checked it is in the file
	}
}

// specialMode reports whether a central directory record's external
// attributes, as its creator system writes them, describe a directory, a
// link or a device rather than a regular file.
func specialMode(creator uint16, ext uint32) bool {
	switch creator >> 8 {
	case 3, 19: // Unix, OS X: st_mode in the high half
		t := ext >> 16 & 0xf000
		return t != 0 && t != 0x8000
	case 0, 11, 14: // FAT, NTFS, VFAT: attribute bits
		return ext&0x10 != 0
	}
	return false
}

// zip64Extra reads the zip64 extended information extra field (ID 1) of
// extra: each of fields whose 32-bit value was all ones (0xffffffff) takes
// the next 8 bytes, in order. It reports whether the field is there, and
// whether it held every value needed.
func zip64Extra(extra []byte, fields ...*uint64) (found, ok bool) {
	le := binary.LittleEndian
	for len(extra) >= 4 {
		id, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
		extra = extra[4:]
		if n > len(extra) {
			return false, false
		}
		if id == 1 {
			f := extra[:n]
			for _, p := range fields {
				if *p != math.MaxUint32 {
					continue
				}
				if len(f) < 8 {
					return true, false
				}
				*p = le.Uint64(f)
				f = f[8:]
			}
			return true, true
		}
		extra = extra[n:]
	}
	return false, false
}
