// Benchgen writes the large synthetic inputs `make bench` measures dumpguard on:
// mostly incompressible bytes, zero pages and text, like the memory of a
// process, with throwaway PEM keys planted at known offsets. Fixed seed, so two
// runs write the same file.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	size := flag.Int64("size", 1024, "size of the output in MiB")
	out := flag.String("out", "bench/data.bin", "output file")
	keys := flag.String("keys", "detectors/testdata/keys", "directory of PEM keys to plant")
	plant := flag.Int("plant", 16, "number of keys to plant")
	flag.Parse()
	if err := write(*out, *size<<20, *keys, *plant); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

var words = []string{"the", "request", "failed", "with", "status", "connection", "reset", "by", "peer",
	"user", "session", "token", "expired", "at", "handler", "returned", "error", "while", "reading",
	"config", "value", "for", "key", "database", "query", "took", "ms", "retrying", "in", "seconds",
	"GET", "/api/v1/items", "HTTP/1.1", "200", "404", "500", "INFO", "WARN", "DEBUG", "2026-11-22T07:30:00Z"}

func write(name string, size int64, keyDir string, plant int) error {
	pems, err := filepath.Glob(filepath.Join(keyDir, "*.pem"))
	if err != nil || len(pems) == 0 {
		return fmt.Errorf("no keys in %s", keyDir)
	}
	var keys [][]byte
	for _, p := range pems {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		keys = append(keys, b)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	chacha := rand.NewChaCha8([32]byte{'b', 'e', 'n', 'c', 'h'})
	const block = 64 << 10
	buf := make([]byte, block)
	every := size / int64(plant+1)
	next, planted := every, 0
	for off := int64(0); off < size; off += block {
		n := min(block, size-off)
		b := buf[:n]
		switch r := rng.IntN(10); {
		case r < 6: // heap-like random bytes: what encrypted, compressed or hashed data looks like
			chacha.Read(b)
		case r < 8: // untouched pages
			clear(b)
		default: // text: logs and strings
			i := 0
			for i < len(b) {
				i += copy(b[i:], words[rng.IntN(len(words))])
				if i < len(b) {
					b[i] = " \n"[rng.IntN(2)]
					i++
				}
			}
		}
		if off+n > next && planted < plant {
			k := keys[planted%len(keys)]
			at := int(next - off)
			if at+len(k) <= len(b) {
				copy(b[at:], k)
				planted++
				next += every
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchgen: wrote %s: %d MiB, %d keys planted\n", name, size>>20, planted)
	return f.Close()
}
