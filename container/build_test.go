package container

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"hash/crc32"
	"os"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// Builders of containers in memory. They panic on error: their input is fixed.

// Writers are reused (tests that build do not run in parallel): making one
// costs far more than compressing a small member.
var (
	gzw     = gzip.NewWriter(nil)
	lz4w    = lz4.NewWriter(nil)
	zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzw
	w.Reset(&buf)
	w.Write(b)
	must(w.Close())
	return buf.Bytes()
}

func zst(b []byte) []byte { return zenc.EncodeAll(b, nil) }

func xzc(b []byte) []byte {
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	must(err)
	w.Write(b)
	must(w.Close())
	return buf.Bytes()
}

func lz4c(b []byte) []byte {
	var buf bytes.Buffer
	w := lz4w
	w.Reset(&buf)
	w.Write(b)
	must(w.Close())
	return buf.Bytes()
}

// skippable returns a zstd/lz4 skippable frame holding b.
func skippable(b []byte) []byte {
	h := []byte{0x5a, 0x2a, 0x4d, 0x18, 0, 0, 0, 0}
	h[4] = byte(len(b))
	h[5] = byte(len(b) >> 8)
	return append(h, b...)
}

type entry struct {
	name string
	body []byte
	typ  byte // tar typeflag; 0 is a regular file
}

func tarc(es ...entry) []byte {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.typ != 0 {
			h.Typeflag, h.Size, h.Linkname = e.typ, 0, "target"
		}
		must(w.WriteHeader(h))
		if e.typ == 0 {
			w.Write(e.body)
		}
	}
	must(w.Close())
	return buf.Bytes()
}

// zipc builds a zip the way Go's writer does: deflate entries with data
// descriptors after their data.
func zipc(es ...entry) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range es {
		f, err := w.Create(e.name)
		must(err)
		f.Write(e.body)
	}
	must(w.Close())
	return buf.Bytes()
}

// zipRaw builds a zip whose local headers carry the sizes and CRC: stored
// entries written raw, with the given flags.
func zipRaw(flags uint16, es ...entry) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range es {
		h := &zip.FileHeader{
			Name:               e.name,
			Method:             zip.Store,
			Flags:              flags,
			CRC32:              crc32.ChecksumIEEE(e.body),
			CompressedSize64:   uint64(len(e.body)),
			UncompressedSize64: uint64(len(e.body)),
		}
		f, err := w.CreateRaw(h)
		must(err)
		f.Write(e.body)
	}
	must(w.Close())
	return buf.Bytes()
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
