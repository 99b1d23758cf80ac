// Benchgen writes the large synthetic inputs `make bench` measures dumpguard on:
// mostly incompressible bytes, zero pages and text, like the memory of a
// process, with throwaway PEM keys planted at known offsets. Fixed seed, so two
// runs write the same file.
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
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
	random := flag.Bool("random", false, "random bytes only, no zero pages or text: the prefilter's worst case")
	hunt := flag.String("hunt", "", "also plant the raw numbers of 10 new RSA-2048 and 5 new EC keys, and write their public keys to this directory")
	flag.Parse()
	var raw []rawKey
	if *hunt != "" {
		var err error
		if raw, err = huntKeys(*hunt); err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(1)
		}
	}
	if err := write(*out, *size<<20, *keys, *plant, raw, *random); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

var words = []string{"the", "request", "failed", "with", "status", "connection", "reset", "by", "peer",
	"user", "session", "token", "expired", "at", "handler", "returned", "error", "while", "reading",
	"config", "value", "for", "key", "database", "query", "took", "ms", "retrying", "in", "seconds",
	"GET", "/api/v1/items", "HTTP/1.1", "200", "404", "500", "INFO", "WARN", "DEBUG", "2026-11-22T07:30:00Z"}

func write(name string, size int64, keyDir string, plant int, raw []rawKey, random bool) error {
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
	rawEvery := size / int64(len(raw)+1)
	rawNext, rawPlanted := rawEvery, 0
	for off := int64(0); off < size; off += block {
		n := min(block, size-off)
		b := buf[:n]
		switch r := rng.IntN(10); {
		case r < 6 || random: // heap-like random bytes: what encrypted, compressed or hashed data looks like
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
			at := max(min(int(next-off), len(b)-len(k)), 0)
			if at+len(k) <= len(b) {
				copy(b[at:], k)
				planted++
				next += every
			}
		}
		if off+n > rawNext && rawPlanted < len(raw) {
			// Like a malloc'd limb array: 8-aligned, behind a glibc chunk header.
			k := raw[rawPlanted]
			at := min(max(int(rawNext-off), 16), len(b)-len(k.bytes)) &^ 15
			if at >= 16 {
				binary.LittleEndian.PutUint64(b[at-8:], uint64((len(k.bytes)+8+15)&^15|1))
				copy(b[at:], k.bytes)
				rawPlanted++
				rawNext += rawEvery
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchgen: wrote %s: %d MiB, %d keys planted, %d raw key numbers planted\n", name, size>>20, planted, rawPlanted)
	return f.Close()
}

// A rawKey is the number a process keeps of a private key: an RSA prime
// factor or an EC scalar, as little-endian limbs.
type rawKey struct{ bytes []byte }

// huntKeys makes 10 RSA-2048 and 5 EC keys, writes their public halves to dir
// for --pubkeys, and returns the numbers to plant.
func huntKeys(dir string) ([]rawKey, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []rawKey
	writePub := func(i int, pub any) error {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, fmt.Sprintf("key%02d.pub.pem", i)), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	}
	le := func(be []byte) []byte {
		r := make([]byte, len(be))
		for i, c := range be {
			r[len(be)-1-i] = c
		}
		return r
	}
	for i := range 10 {
		k, err := rsa.GenerateKey(crand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		if err := writePub(i, &k.PublicKey); err != nil {
			return nil, err
		}
		out = append(out, rawKey{le(k.Primes[0].FillBytes(make([]byte, 128)))})
	}
	curves := []elliptic.Curve{elliptic.P256(), elliptic.P256(), elliptic.P256(), elliptic.P384(), elliptic.P521()}
	for i, c := range curves {
		k, err := ecdsa.GenerateKey(c, crand.Reader)
		if err != nil {
			return nil, err
		}
		if err := writePub(10+i, &k.PublicKey); err != nil {
			return nil, err
		}
		d, err := k.Bytes()
		if err != nil {
			return nil, err
		}
		out = append(out, rawKey{le(d)})
	}
	return out, nil
}
