package hunt

import (
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"dumpguard/detectors"
)

// coreLike returns n bytes that look like a core dump's memory: 64 KiB blocks
// of random bytes, zero pages and text, a third each, in a fixed random order.
func coreLike(n int) []byte {
	const block = 64 << 10
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"the ", "key ", "GET /index.html HTTP/1.1\r\n", "error: ", "0x7ffc1234 ", "libssl.so.3 ", "user=alice ", "\n", "{\"id\": 42, ", "Content-Length: 512\r\n"}
	b := junk(7, n)
	for off := 0; off < n; off += block {
		blk := b[off:min(n, off+block)]
		switch r.IntN(3) {
		case 0: // random: keep
		case 1:
			clear(blk)
		case 2:
			for i := 0; i < len(blk); {
				i += copy(blk[i:], words[r.IntN(len(words))])
			}
		}
	}
	return b
}

// benchKeys returns 10 RSA-2048 moduli (random odd numbers: the hunt never
// checks that n is a product of primes, and no key is there to find) and the
// five EC and Ed25519 test keys.
func benchKeys(b *testing.B) []detectors.PublicKey {
	var tks []detectors.PublicKey
	for i := range 10 {
		nb := junk(uint64(100+i), 256)
		nb[0] |= 0x80
		nb[255] |= 1
		k, ok := detectors.RSAPublicKey(new(big.Int).SetBytes(nb), big.NewInt(65537))
		if !ok {
			b.Fatal("bad modulus")
		}
		tks = append(tks, k)
	}
	for _, s := range testSecrets(b) {
		if s.pub.Type != "rsa" {
			tks = append(tks, s.pub)
		}
	}
	return tks
}

// BenchmarkHunt compares the hunt with the PEM detector on 64 MiB of
// core-like bytes. Deep mode runs on the first 4 MiB only: on random bytes it
// is a few MB/s, which is the point of it being an option.
func BenchmarkHunt(b *testing.B) {
	all := coreLike(64 << 20)
	keys := benchKeys(b)
	b.Run("pem", func(b *testing.B) { // the reference: the cheapest detector
		b.SetBytes(int64(len(all)))
		var hits []detectors.Hit
		for b.Loop() {
			hits = detectors.PEM{}.Detect(hits[:0], all)
		}
	})
	for _, m := range []struct {
		name string
		d    *Hunter
		n    int
	}{
		{"default", New(keys, Options{}), len(all)},
		{"all8", New(keys, Options{all8: true}), 16 << 20},
		{"deep-4MiB", New(keys, Options{Deep: true}), 4 << 20},
	} {
		buf := all[:m.n]
		b.Run(m.name, func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			var hits []Find
			for b.Loop() {
				for off := 0; off < len(buf); off += 4 << 20 {
					hits = m.d.Hunt(hits[:0], buf[off:min(len(buf), off+4<<20+m.d.Reach())])
				}
			}
			if len(hits) != 0 {
				b.Fatalf("%d hits in data without keys", len(hits))
			}
		})
	}
}

func BenchmarkHarvest(b *testing.B) {
	buf := coreLike(64 << 20)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	var keys []detectors.PublicKey
	for b.Loop() {
		keys = Harvest(keys[:0], buf)
	}
}

// BenchmarkSkipRandom is the number scan's pass over high-entropy memory,
// which it skips four words at a time (2 MiB of random bytes: L2-resident).
func BenchmarkSkipRandom(b *testing.B) {
	buf := junk(1, 2<<20)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		for i := 8; i+8 <= len(buf); i += 8 {
			i = skipRandom(buf, i, &WordMap{})
		}
	}
}

// BenchmarkMapWords maps a window of random bytes in pieces of 64 KiB, as
// the scanner does, from the cache.
func BenchmarkMapWords(b *testing.B) {
	win := junk(1, 64<<10)
	bits := make([]uint64, MapWordsLen(len(win)))
	b.SetBytes(int64(len(win)))
	for b.Loop() {
		MapWords(bits, win)
	}
}

// BenchmarkWordLoops runs the harvest's and the hunt's passes over the
// writable memory of real cores (Java's heap, a Python interpreter's), each
// window as the scanner hands it: the word loops most of a real core's hunt
// costs go to.
func BenchmarkWordLoops(b *testing.B) {
	for _, name := range []string{"java-keys", "pyca-keys"} {
		core := decompress(b, filepath.Join(realDumps(b), name+".core.zst"))
		regions := writableRegions(b, core)
		var n int64
		for _, r := range regions {
			n += int64(len(r))
		}
		keys := Harvest(nil, core)
		for _, r := range regions {
			keys, _ = HarvestMemory(keys, r, nil)
		}
		h := New(keys, Options{HeadersDerived: true})
		b.Run(name+"/harvest", func(b *testing.B) {
			b.SetBytes(n)
			for b.Loop() {
				for _, r := range regions {
					HarvestMemory(nil, r, NewBudget(0, false))
				}
			}
		})
		b.Run(name+"/hunt", func(b *testing.B) {
			b.SetBytes(n)
			var hits []Find
			for b.Loop() {
				for _, r := range regions {
					hits = h.Hunt(hits[:0], r)
				}
			}
		})
	}
}
