package container

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// coreLike returns n bytes that compress about as a core does: pages of
// noise, of repeated text and of zeros.
func coreLike(n int) []byte {
	rng := rand.NewChaCha8([32]byte{1})
	text := bytes.Repeat([]byte("libc.so.6\x00/usr/lib/x86_64-linux-gnu\x00PATH=/usr/bin\x00"), 100)
	b := make([]byte, 0, n)
	page := make([]byte, 4096)
	for i := 0; len(b) < n; i++ {
		switch i % 4 {
		case 0:
			rng.Read(page)
			b = append(b, page...)
		case 1, 2:
			b = append(b, text[:4096]...)
		case 3:
			b = append(b, make([]byte, 4096)...)
		}
	}
	return b[:n]
}

// drain reads r the way the scanner does, in chunks into one buffer.
func drain(b *testing.B, r io.Reader, buf []byte) int64 {
	var n int64
	for {
		k, err := r.Read(buf)
		n += int64(k)
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZstdWalk decompresses 64 MiB through Walk and through the zstd
// decoder alone (synchronous, as Walk uses it, and with its default
// concurrency), reading in 1 MiB chunks. MB/s are of decompressed bytes.
func BenchmarkZstdWalk(b *testing.B) {
	const size = 64 << 20
	data := zst(coreLike(size))
	buf := make([]byte, 1<<20)
	b.Run("walk", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			err := Walk(context.Background(), "core.zst", bytes.NewReader(data), Limits{}, func(m Member) error {
				if n := drain(b, m.R, buf); n != size {
					b.Fatalf("read %d bytes, want %d", n, size)
				}
				return nil
			}, func(path string, err error) { b.Fatal(path, err) })
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, c := range []struct {
		name string
		n    int
	}{{"raw-sync", 1}, {"raw-default", 0}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				var opts []zstd.DOption
				if c.n > 0 {
					opts = append(opts, zstd.WithDecoderConcurrency(c.n))
				}
				d, err := zstd.NewReader(bytes.NewReader(data), opts...)
				if err != nil {
					b.Fatal(err)
				}
				if n := drain(b, d, buf); n != size {
					b.Fatalf("read %d bytes, want %d", n, size)
				}
				d.Close()
			}
		})
	}
}

// BenchmarkSmallMembers walks a tar.gz of 1000 small zstd members.
func BenchmarkSmallMembers(b *testing.B) {
	var es []entry
	for range 1000 {
		es = append(es, entry{name: "core.zst", body: zst(coreLike(2000))})
	}
	data := gz(tarc(es...))
	buf := make([]byte, 64<<10)
	b.ReportAllocs()
	for b.Loop() {
		err := Walk(context.Background(), "in", bytes.NewReader(data), Limits{}, func(m Member) error {
			drain(b, m.R, buf)
			return nil
		}, func(path string, err error) { b.Fatal(path, err) })
		if err != nil {
			b.Fatal(err)
		}
	}
}
