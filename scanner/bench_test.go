package scanner

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"dumpguard/detectors"
	"dumpguard/internal/testpath"
)

// mixed returns n bytes like process memory with no key: random bytes, zero
// pages and text, in 64 KiB blocks, from a fixed seed.
func mixed(n int) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(1, 2))
	cc := rand.NewChaCha8([32]byte{'m'})
	words := []string{"error", "request", "token", "GET", "/api/v1", "200", "user", "session", "config"}
	for off := 0; off < n; off += 64 << 10 {
		blk := b[off:min(n, off+64<<10)]
		switch rng.IntN(10) {
		case 0, 1, 2, 3, 4, 5:
			cc.Read(blk)
		case 6, 7:
		default:
			for i := 0; i < len(blk); {
				i += copy(blk[i:], words[rng.IntN(len(words))])
				if i < len(blk) {
					blk[i] = ' '
					i++
				}
			}
		}
	}
	return b
}

// BenchmarkScan is the engine with every detector over 64 MiB without keys,
// at several window sizes.
func BenchmarkScan(b *testing.B) {
	data := mixed(64 << 20)
	p := NewPool(0)
	defer p.Close()
	for _, w := range []int{256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20} {
		b.Run(fmt.Sprintf("window=%dK", w>>10), func(b *testing.B) {
			opt := &Options{Detectors: detectors.All(), Window: w}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Scan(context.Background(), bytes.NewReader(data), int64(len(data)), RawLayout(int64(len(data))), opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHuntCost is the whole pipeline, as `dumpguard scan` runs it, over
// 256 MiB of random bytes (a raw file: all of it is hunted) and over the real
// cores, with the default hunt and with none (--no-hunt).
func BenchmarkHuntCost(b *testing.B) {
	random := make([]byte, 256<<20)
	rand.NewChaCha8([32]byte{'r'}).Read(random)
	inputs := []struct {
		name string
		data []byte
	}{{"random-256MiB", random}}
	for _, name := range []string{"openssl-s-server-rsa.core.zst", "libssl-wiped-nocert.core.zst", "go-keys.core.zst", "node-keys.core.zst", "pyca-keys.core.zst"} {
		inputs = append(inputs, struct {
			name string
			data []byte
		}{name, decompressed(b, name)})
	}
	p := NewPool(0)
	defer p.Close()
	for _, in := range inputs {
		for _, mode := range []string{"default", "no-hunt"} {
			b.Run(in.name+"/"+mode, func(b *testing.B) {
				opt := &FileOptions{Options: Options{Detectors: detectors.All()}}
				if mode == "default" {
					opt.Hunt = &HuntConfig{Harvest: true}
				}
				b.SetBytes(int64(len(in.data)))
				for b.Loop() {
					fr := p.ScanAt(context.Background(), in.name, bytes.NewReader(in.data), int64(len(in.data)), opt)
					if len(fr[0].Errors) > 0 {
						b.Fatal(fr[0].Errors)
					}
				}
			})
		}
	}
}

// decompressed returns the uncompressed bytes of a core in testdata/dumps/linux.
func decompressed(tb testing.TB, name string) []byte {
	return testpath.ReadDump(tb, testpath.Join(tb, "dumps", "linux", name))
}
