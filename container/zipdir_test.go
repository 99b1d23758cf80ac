package container

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// zipLocal returns a local header and its data. csize and usize of ^0
// (0xffffffff) are given in a zip64 extra field as csize64 and usize64.
func zipLocal(name string, method uint16, body, data []byte, csize, usize uint32, csize64 uint64) []byte {
	var extra []byte
	if csize == math.MaxUint32 {
		extra = binary.LittleEndian.AppendUint16(extra, 1)
		extra = binary.LittleEndian.AppendUint16(extra, 16)
		extra = binary.LittleEndian.AppendUint64(extra, uint64(len(body)))
		extra = binary.LittleEndian.AppendUint64(extra, csize64)
		usize = math.MaxUint32
	}
	b := binary.LittleEndian.AppendUint32(nil, sigLocal)
	b = binary.LittleEndian.AppendUint16(b, 45)
	b = binary.LittleEndian.AppendUint16(b, 0) // flags
	b = binary.LittleEndian.AppendUint16(b, method)
	b = binary.LittleEndian.AppendUint32(b, 0) // time, date
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(body))
	b = binary.LittleEndian.AppendUint32(b, csize)
	b = binary.LittleEndian.AppendUint32(b, usize)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(extra)))
	return cat(b, []byte(name), extra, data)
}

// A zrec is a central directory record of a hand-made zip.
type zrec struct {
	name         string
	method       uint16
	crc          uint32
	csize, usize uint32
	csize64      uint64 // in a zip64 extra field, if csize is ^0
	hdr          uint32 // offset of the local header
}

// zipCentral returns body (the local headers and data), a central
// directory of recs, and an end record whose 16-bit count wraps, as writers
// without zip64 let it.
func zipCentral(body []byte, recs ...zrec) []byte {
	le := binary.LittleEndian
	b := bytes.Clone(body)
	for _, r := range recs {
		var extra []byte
		if r.csize == math.MaxUint32 {
			extra = le.AppendUint16(le.AppendUint16(nil, 1), 8)
			extra = le.AppendUint64(extra, r.csize64)
		}
		b = le.AppendUint32(b, sigCentral)
		b = le.AppendUint16(b, 3<<8|45) // made by Unix
		b = le.AppendUint16(b, 45)
		b = le.AppendUint16(b, 0) // flags
		b = le.AppendUint16(b, r.method)
		b = le.AppendUint32(b, 0) // time, date
		b = le.AppendUint32(b, r.crc)
		b = le.AppendUint32(b, r.csize)
		b = le.AppendUint32(b, r.usize)
		b = le.AppendUint16(b, uint16(len(r.name)))
		b = le.AppendUint16(b, uint16(len(extra)))
		b = le.AppendUint32(b, 0)            // comment length, disk
		b = le.AppendUint16(b, 0)            // internal attributes
		b = le.AppendUint32(b, 0o100644<<16) // a regular file
		b = le.AppendUint32(b, r.hdr)
		b = append(b, r.name...)
		b = append(b, extra...)
	}
	b = le.AppendUint32(b, sigEnd)
	b = le.AppendUint32(b, 0) // disks
	b = le.AppendUint16(b, uint16(len(recs)))
	b = le.AppendUint16(b, uint16(len(recs)))
	b = le.AppendUint32(b, uint32(len(b)-len(body)-12))
	b = le.AppendUint32(b, uint32(len(body)))
	return le.AppendUint16(b, 0)
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(b)
	must(fw.Close())
	return buf.Bytes()
}

// TestWalkFileZipLies walks zips whose central directory lies about the
// compressed sizes or points several entries at the same bytes (issue 14,
// item 6): 40 records over one deflate stream, each declaring a compressed
// size of 0xfffffff0, had every record decompress the whole stream.
func TestWalkFileZipLies(t *testing.T) {
	zeros := make([]byte, 1<<20)
	def := deflate(zeros)
	crc, n := crc32.ChecksumIEEE(zeros), uint32(len(def))
	local := zipLocal("k", methodDeflate, zeros, def, n, 1<<20, 0)
	k := zrec{name: "k", method: methodDeflate, crc: crc, csize: n, usize: 1 << 20}
	many := func(csize uint32, csize64 uint64) []zrec {
		var rs []zrec
		for i := range 40 {
			r := k
			r.name, r.csize, r.csize64 = fmt.Sprintf("e%02d", i), csize, csize64
			rs = append(rs, r)
		}
		return rs
	}
	names := func(kind string, from, to int) []string {
		var s []string
		for i := from; i < to; i++ {
			s = append(s, fmt.Sprintf("in!/e%02d: %s", i, kind))
		}
		return s
	}
	// b's local header starts in a's data and ends past it: a's data
	// offsets alone do not overlap b's.
	b := zipLocal("b", methodStore, core, core, uint32(len(core)), uint32(len(core)), 0)
	aData := cat([]byte("pad"), b[:10])
	a := zipLocal("a", methodStore, aData, aData, uint32(len(aData)), uint32(len(aData)), 0)
	straddle := zipCentral(cat(a, b[10:]),
		zrec{name: "a", crc: crc32.ChecksumIEEE(aData), csize: uint32(len(aData)), usize: uint32(len(aData))},
		zrec{name: "b", crc: crc32.ChecksumIEEE(core), csize: uint32(len(core)), usize: uint32(len(core)), hdr: uint32(len(a) - 10)})

	tests := []struct {
		name    string
		data    []byte
		members []string
		errs    []string
	}{
		{"honest", zipCentral(local, k), []string{`in!/k [zip] <1 MiB>`}, nil},
		{"40 records over one stream, lying sizes", zipCentral(local, many(0xfffffff0, 0)...), nil, names("corrupt", 0, 40)},
		{"40 records over one stream", zipCentral(local, many(n, 0)...),
			[]string{`in!/e00 [zip] <1 MiB>`}, names("bomb", 1, 40)},
		{"zip64 central size beyond the file", zipCentral(local, many(math.MaxUint32, 1<<40)...), nil, names("corrupt", 0, 40)},
		{"local size beyond the file", zipCentral(zipLocal("k", methodDeflate, zeros, def, 0xfffffff0, 1<<20, 0), k), nil, []string{"in!/k: corrupt"}},
		{"local zip64 size beyond the file", zipCentral(zipLocal("k", methodDeflate, zeros, def, math.MaxUint32, 0, 1<<40), k), nil, []string{"in!/k: corrupt"}},
		{"local header straddles the end of another entry's data", straddle,
			[]string{`in!/a [zip] "padPK\x03\x04-\x00\x00\x00\x00\x00"`}, []string{"in!/b: bomb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got := run(t, file, "in", tt.data, Limits{})
			runtime.ReadMemStats(&after)
			if !slices.Equal(got.members, tt.members) || !slices.Equal(got.errs, tt.errs) || got.err != "" {
				t.Errorf("WalkFile = %q, %q, %q; want %q, %q", got.members, got.errs, got.err, tt.members, tt.errs)
			}
			if a := after.TotalAlloc - before.TotalAlloc; a > 16<<20 {
				t.Errorf("WalkFile allocated %d MiB", a>>20)
			}
		})
	}
}

// TestWalkFileZipEntryLimit checks that the central directory read is
// capped at maxZipEntries records, whatever the end record counts.
func TestWalkFileZipEntryLimit(t *testing.T) {
	stored := func(n int) []byte { // n stored entries, by Go's writer: zip64 past 65535
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		for i := range n {
			f, err := w.CreateRaw(&zip.FileHeader{Name: strconv.Itoa(i), Method: zip.Store, CRC32: crc32.ChecksumIEEE(core),
				CompressedSize64: uint64(len(core)), UncompressedSize64: uint64(len(core))})
			must(err)
			f.Write(core)
		}
		must(w.Close())
		return buf.Bytes()
	}
	local := zipLocal("a", methodStore, core, core, uint32(len(core)), uint32(len(core)), 0)
	a := zrec{name: "a", crc: crc32.ChecksumIEEE(core), csize: uint32(len(core)), usize: uint32(len(core))}
	tests := []struct {
		name    string
		data    []byte
		members int
		errs    []string
		alloc   uint64 // most bytes the walk may allocate; 0: not checked
	}{
		{"at the limit, zip64", stored(maxZipEntries), maxZipEntries, nil, 0},
		// Past it the directory is refused and the local headers walked.
		{"over the limit, zip64", stored(maxZipEntries + 1), maxZipEntries + 1, []string{"in: bomb"}, 0},
		{"4 times the limit, 16-bit count wrapped", zipCentral(local, slices.Repeat([]zrec{a}, 4*maxZipEntries)...), 1, []string{"in: bomb"}, 16 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got := run(t, file, "in", tt.data, Limits{})
			runtime.ReadMemStats(&after)
			if len(got.members) != tt.members || !slices.Equal(got.errs, tt.errs) || got.err != "" {
				t.Errorf("WalkFile = %d members, %d errors %q..., %q; want %d, %q",
					len(got.members), len(got.errs), got.errs[:min(len(got.errs), 3)], got.err, tt.members, tt.errs)
			}
			if a := after.TotalAlloc - before.TotalAlloc; tt.alloc > 0 && a > tt.alloc {
				t.Errorf("WalkFile allocated %d MiB", a>>20)
			}
		})
	}
}

// zipLie returns a small zip whose central directory has three records over
// one local header: honest, lying about the compressed size, and zip64.
func zipLie() []byte {
	n := uint32(len(core))
	r := zrec{name: "a", crc: crc32.ChecksumIEEE(core), csize: n, usize: n}
	lie, z64 := r, r
	lie.name, lie.csize = "b", 0xfffffff0
	z64.name, z64.csize, z64.csize64 = "c", math.MaxUint32, uint64(n)
	return zipCentral(zipLocal("a", methodStore, core, core, n, n, 0), r, lie, z64)
}
