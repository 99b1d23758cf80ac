package detectors

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// benchMixed is 64 MiB of fixed-seed memory without keys, in 4 KiB pages:
// a third ChaCha8 random bytes, a third zero pages, a third English-ish text.
var benchMixed = sync.OnceValue(func() []byte {
	const size, page = 64 << 20, 4096
	words := []string{"the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "with", "was",
		"on", "be", "at", "by", "this", "had", "not", "are", "but", "from", "or", "have", "an", "they",
		"which", "one", "you", "were", "her", "all", "she", "there", "would", "their", "we", "him",
		"been", "has", "when", "who", "will", "more", "no", "if", "out", "so", "said", "what", "up",
		"key", "error", "request", "0x7ffd", "2026-11-22T07:22:30Z", "200", "user_id=42", "{\"id\":",
		"GET", "/api/v1/items", "HTTP/1.1", "\n", "-", "=", "10.0.0.1", "Content-Length:"}
	r := rand.New(rand.NewChaCha8([32]byte{'d', 'g'}))
	src := rand.NewChaCha8([32]byte{'b', 'e', 'n', 'c', 'h'})
	buf := make([]byte, 0, size)
	for len(buf) < size {
		switch r.IntN(3) {
		case 0:
			p := make([]byte, page)
			src.Read(p)
			buf = append(buf, p...)
		case 1:
			buf = append(buf, make([]byte, page)...)
		case 2:
			end := len(buf) + page
			for len(buf) < end {
				buf = append(buf, words[r.IntN(len(words))]...)
				buf = append(buf, ' ')
			}
			buf = buf[:end]
		}
	}
	return buf[:size]
})

// BenchmarkDetectors runs every detector over two 64 MiB key-free data sets:
// "mixed" (random, zero pages, text) and "near" (random, small integers, and
// text full of near misses for the blob, JWK and SSH anchors).
func BenchmarkDetectors(b *testing.B) {
	for _, data := range []struct {
		name string
		buf  func() []byte
	}{{"mixed", benchMixed}, {"near", mixedData}} {
		buf := data.buf()
		for _, d := range All() {
			b.Run(data.name+"/"+d.Name(), func(b *testing.B) {
				b.SetBytes(int64(len(buf)))
				b.ReportAllocs()
				var hits []Hit
				for b.Loop() {
					hits = d.Detect(hits[:0], buf)
				}
				if len(hits) != 0 {
					b.Fatalf("%d hits in key-free data", len(hits))
				}
			})
		}
	}
}

// BenchmarkDERData splits the miss path by kind of memory, 16 MiB each.
func BenchmarkDERData(b *testing.B) {
	const size = 16 << 20
	text := make([]byte, 0, size)
	for len(text) < size {
		text = append(text, "GET /api/v1/items?id=20261122 HTTP/1.1\r\nContent-Length: 200\r\nthe quick brown fox 0x7ffd\n"...)
	}
	for _, data := range []struct {
		name string
		buf  []byte
	}{
		{"random", junk(11, size)},
		{"zeros", make([]byte, size)},
		{"text", text[:size]},
	} {
		for _, d := range []Detector{DER{}, PKCS12{}} {
			b.Run(d.Name()+"/"+data.name, func(b *testing.B) {
				b.SetBytes(size)
				b.ReportAllocs()
				var hits []Hit
				for b.Loop() {
					hits = d.Detect(hits[:0], data.buf)
				}
			})
		}
	}
}
