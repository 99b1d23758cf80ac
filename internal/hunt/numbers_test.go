package hunt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"
	"slices"
	"testing"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
)

// heap lays out glibc-like chunks in random bytes: put writes a chunk header
// fitting len(data) and the data after it, at a 16-aligned data offset.
type heap struct {
	b   []byte
	off int
}

func newHeap(seed uint64, n int) *heap { return &heap{b: junk(seed, n), off: 64} }

func (h *heap) put(data []byte) int {
	at := (h.off + 15) &^ 15
	if at%16 != 0 {
		panic("unaligned")
	}
	binary.LittleEndian.PutUint64(h.b[at-8:], uint64(chunkSize(len(data))|1))
	copy(h.b[at:], data)
	h.off = at + chunkSize(len(data)) + 8
	return at
}

// gap leaves n bytes of random memory.
func (h *heap) gap(n int) { h.off += n }

// putLen writes data after a 64-bit length word (a .NET byte[]).
func (h *heap) putLen(data []byte) int {
	at := (h.off + 15) &^ 15
	binary.LittleEndian.PutUint64(h.b[at-8:], uint64(len(data)))
	copy(h.b[at:], data)
	h.off = at + len(data) + 8
	return at
}

func le(x *big.Int, n int) []byte {
	b := x.FillBytes(make([]byte, n))
	slices.Reverse(b)
	return b
}

// harvested lists the public keys harvested, less the derived ones
// (candidate seeds' public keys, which prove nothing yet).
func harvested(pubs []detectors.PublicKey) []string {
	var out []string
	for _, k := range pubs {
		if !k.Derived {
			out = append(out, k.SPKI.String())
		}
	}
	return out
}

func secret(t *testing.T, file string) testSecret {
	for _, s := range testSecrets(t) {
		if s.file == file {
			return s
		}
	}
	t.Fatalf("no test secret %s", file)
	return testSecret{}
}

// goNat writes the limbs v at buf[at:] as Go keeps a big.Int's words:
// followed by four zero words of spare capacity.
func goNat(buf []byte, at int, v []byte) {
	copy(buf[at:], v)
	clear(buf[at+len(v) : at+len(v)+32])
}

// TestHarvestNumbersRSA finds an RSA public key from its modulus, a factor
// and d, each in its own malloc chunk as OpenSSL keeps them, or each ending
// where zeros begin as Go keeps them, with no public key encoding anywhere.
func TestHarvestNumbersRSA(t *testing.T) {
	s := secret(t, "rsa2048.pkcs8.pem")
	n := s.pub.N
	tests := []struct {
		name string
		make func(h *heap)
		want bool
	}{
		{"le limbs", func(h *heap) {
			h.put(le(s.p, 128))
			h.gap(3000)
			h.put(le(n, 256))
			h.gap(500)
			h.put(le(s.d, 256))
		}, true},
		{"be, .NET byte[]", func(h *heap) {
			h.putLen(n.FillBytes(make([]byte, 256)))
			h.putLen(s.q.FillBytes(make([]byte, 128)))
			h.putLen(s.d.FillBytes(make([]byte, 256)))
		}, true},
		{"no d: e unproven", func(h *heap) {
			h.put(le(s.p, 128))
			h.put(le(n, 256))
		}, false},
		{"flipped bit in p", func(h *heap) {
			p := le(s.p, 128)
			p[40] ^= 4
			h.put(p)
			h.put(le(n, 256))
			h.put(le(s.d, 256))
		}, false},
		{"no chunk headers", func(h *heap) {
			copy(h.b[1000:], le(s.p, 128))
			copy(h.b[2000:], le(n, 256))
			copy(h.b[3000:], le(s.d, 256))
		}, false},
		// Go's big.Int words: no header, random bytes before (the slot
		// before), four zero words of spare capacity after.
		{"Go: zeros after each", func(h *heap) {
			goNat(h.b, 1024, le(s.p, 128))
			goNat(h.b, 4096, le(n, 256))
			goNat(h.b, 8192, le(s.d, 256))
		}, true},
		{"Go: no d", func(h *heap) {
			goNat(h.b, 1024, le(s.p, 128))
			goNat(h.b, 4096, le(n, 256))
			copy(h.b[8192:], le(s.d, 256)) // d not a candidate: its bytes are not searched for
		}, false},
		{"Go: n not 16-aligned", func(h *heap) {
			goNat(h.b, 1024, le(s.p, 128))
			goNat(h.b, 4104, le(n, 256))
			goNat(h.b, 8192, le(s.d, 256))
		}, false},
		{"Go: random bytes after n", func(h *heap) {
			goNat(h.b, 1024, le(s.p, 128))
			copy(h.b[4096:], le(n, 256))
			goNat(h.b, 8192, le(s.d, 256))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHeap(7, 64<<10)
			tt.make(h)
			got := HarvestNumbers(nil, h.b, NewBudget(int64(len(h.b)), false))
			if found := slices.Contains(harvested(got), s.spki); found != tt.want {
				t.Errorf("harvested %v; want %s: %v", harvested(got), s.spki[:12], tt.want)
			}
			if !tt.want && len(harvested(got)) != 0 {
				t.Errorf("harvested %d keys from numbers that prove none", len(got))
			}
		})
	}
}

// TestProvenE: a pair's e is proved by d, d mod p−1 or d mod q−1 among the
// candidates near it, in any byte order, matched by value; with search set,
// by those bytes anywhere near it.
func TestProvenE(t *testing.T) {
	s := secret(t, "rsa2048.pkcs8.pem")
	one := big.NewInt(1)
	p1, q1 := new(big.Int).Sub(s.p, one), new(big.Int).Sub(s.q, one)
	dp, dq := new(big.Int).Mod(s.d, p1), new(big.Int).Mod(s.d, q1)
	odd := new(big.Int).Add(s.d, big.NewInt(2)) // its low bits differ
	high := new(big.Int).Xor(s.d, new(big.Int).Lsh(one, 1500))
	const at = 4096
	for _, tt := range []struct {
		name   string
		x      *big.Int
		size   int
		order  int
		cand   bool // taken as a candidate; else bytes only
		search bool
		want   int64
	}{
		{"d, little-endian", s.d, 256, orderLE, true, false, 65537},
		{"d, big-endian", s.d, 256, orderBE, true, false, 65537},
		{"d, Java's words", s.d, 256, orderJava, true, false, 65537},
		{"d mod p−1, little-endian", dp, 128, orderLE, true, false, 65537},
		{"d mod q−1, Java's words", dq, 128, orderJava, true, false, 65537},
		{"d+2", odd, 256, orderLE, true, false, 0},
		{"d with a high bit flipped (the same low 64 bits)", high, 256, orderBE, true, false, 0},
		{"d's bytes, no search", s.d, 256, orderLE, false, false, 0},
		{"d's bytes, searched", s.d, 256, orderLE, false, true, 65537},
		{"d mod q−1's Java words, searched", dq, 128, orderJava, false, true, 65537},
	} {
		buf := junk(1, 16<<10)
		b := tt.x.FillBytes(make([]byte, tt.size))
		switch tt.order {
		case orderLE:
			slices.Reverse(b)
		case orderJava:
			b = javaWords(b)
		}
		copy(buf[at:], b)
		var cands []number
		if tt.cand {
			cands = append(cands, number{off: at, size: tt.size, order: tt.order})
		}
		cands = append(cands, number{off: 2048, size: 256, order: orderLE}) // random bytes
		if got := provenE(buf, at, s.p, s.q, cands, tt.search); got != tt.want {
			t.Errorf("%s: provenE = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestHarvestNumbersEC finds EC public points from their coordinates: as
// little-endian limbs in Montgomery form in separate chunks (OpenSSL), plain
// big-endian behind length words, and as a bare 04‖X‖Y allocation.
func TestHarvestNumbersEC(t *testing.T) {
	for _, file := range []string{"p256.sec1.pem", "p384.sec1.pem", "p521.sec1.pem", "k256.sec1.pem"} {
		s := secret(t, file)
		c := s.pub.Curve
		size := c.Size()
		x := new(big.Int).SetBytes(s.pub.Point[1 : 1+size])
		y := new(big.Int).SetBytes(s.pub.Point[1+size:])
		var f *ecField
		for i := range ecFields {
			if ecFields[i].c == c {
				f = &ecFields[i]
			}
		}
		limbs := (f.p.BitLen() + 63) / 64
		mont := func(v *big.Int) *big.Int {
			m := new(big.Int).Lsh(v, uint(64*limbs))
			return m.Mod(m, f.p)
		}
		tests := []struct {
			name string
			make func(h *heap)
		}{
			{"montgomery le limbs", func(h *heap) {
				h.put(le(mont(x), 8*limbs))
				h.gap(2000)
				h.put(le(mont(y), 8*limbs))
			}},
			{"plain le limbs", func(h *heap) {
				h.put(le(x, 8*limbs))
				h.put(le(y, 8*limbs))
			}},
			{"le limbs grown by two zero limbs (mbedTLS)", func(h *heap) {
				h.put(le(x, 8*limbs+16))
				h.put(le(y, 8*limbs))
			}},
			{"be behind length words", func(h *heap) {
				h.putLen(x.FillBytes(make([]byte, size)))
				h.putLen(y.FillBytes(make([]byte, size)))
			}},
			{"04XY chunk", func(h *heap) { h.put(s.pub.Point) }},
		}
		for _, tt := range tests {
			t.Run(file+"/"+tt.name, func(t *testing.T) {
				h := newHeap(9, 32<<10)
				tt.make(h)
				got := HarvestNumbers(nil, h.b, nil)
				if !slices.Contains(harvested(got), s.spki) {
					t.Errorf("harvested %v, want %s", harvested(got), s.spki[:12])
				}
				for _, k := range got {
					if k.Type == "ec" && !k.Curve.OnCurve(k.Point) {
						t.Errorf("harvested a point off its curve")
					}
				}
			})
		}
		t.Run(file+"/y flipped", func(t *testing.T) {
			h := newHeap(9, 32<<10)
			h.put(le(mont(x), 8*limbs))
			yb := le(mont(y), 8*limbs)
			yb[3] ^= 1
			h.put(yb)
			if got := harvested(HarvestNumbers(nil, h.b, nil)); len(got) != 0 {
				t.Errorf("harvested %v from a point off the curve", got)
			}
		})
	}
}

// TestHarvestNumbersRandom: random memory full of chunk headers and length
// words yields no key (an on-curve match or a factor by chance would be news).
func TestHarvestNumbersRandom(t *testing.T) {
	for seed := range uint64(4) {
		h := newHeap(100+seed, 1<<20)
		for h.off < len(h.b)-1024 {
			r := junk(uint64(h.off)+seed, 600)
			switch n := []int{32, 48, 66, 72, 128, 256}[h.off%6]; h.off % 2 {
			case 0:
				h.put(r[:n])
			default:
				h.putLen(r[:n])
			}
		}
		if got := harvested(HarvestNumbers(nil, h.b, nil)); len(got) != 0 {
			t.Errorf("seed %d: harvested %v from random numbers", seed, got)
		}
	}
}

func TestHarvestNumbersMissAllocs(t *testing.T) {
	buf := coreLike(1 << 20)
	// A random block right after a zeroed one starts a random run, a
	// candidate scalar; here every block starts with text instead.
	for off := 0; off < len(buf); off += 64 << 10 {
		copy(buf[off:], "Content-Length: 512\r\n")
	}
	var dst []detectors.PublicKey
	if n := testing.AllocsPerRun(3, func() { dst = HarvestNumbers(dst[:0], buf, nil) }); n != 0 || len(dst) != 0 {
		t.Errorf("HarvestNumbers on keyless data: %v allocs, %d keys; want 0, 0", n, len(dst))
	}
}

// TestBudgetCuts: a spent budget stops the work and says so.
func TestBudgetCuts(t *testing.T) {
	b := NewBudget(0, false)
	if b.Cut() {
		t.Fatal("a new budget is cut")
	}
	for b.spend(1 << 16) {
	}
	if !b.Cut() {
		t.Fatal("a spent budget is not cut")
	}
	b = NewBudget(1<<40, false)
	if b.left.Load() != BudgetPerFile {
		t.Errorf("budget of 1 TiB = %d, want the per-file cap %d", b.left.Load(), BudgetPerFile)
	}
	var nb *Budget
	if !nb.spend(1<<40) || nb.Cut() {
		t.Error("a nil budget is not unlimited")
	}
}

// TestDerivedSeed: a 32-byte seed in a malloc chunk yields a derived public
// key, and the hunt proves it only where that public key is in memory too.
func TestDerivedSeed(t *testing.T) {
	s := secret(t, "ed25519.pkcs8.pem")
	for _, withPub := range []bool{true, false} {
		h := newHeap(11, 64<<10)
		h.gap(1000)
		at := h.put(s.scalar)
		if withPub {
			copy(h.b[40001:], s.pub.Point) // anywhere, unaligned: inside a struct
		}
		var derived []detectors.PublicKey
		for _, k := range HarvestNumbers(nil, h.b, nil) {
			if k.Derived {
				derived = append(derived, k)
			}
		}
		i := slices.IndexFunc(derived, func(k detectors.PublicKey) bool { return k.SPKI.String() == s.spki })
		if i < 0 || derived[i].SeedAt != int64(at) {
			t.Fatalf("derived %d keys; want %s with its seed at %#x", len(derived), s.spki[:12], at)
		}
		finds := New(derived, Options{}).Hunt(nil, h.b)
		switch {
		case withPub && (len(finds) != 1 || finds[0].Key.SPKI.String() != s.spki || finds[0].Parts[0] != (Part{Off: 40001, Len: 32, What: "public"})):
			t.Errorf("with its public key: finds %+v", finds)
		case !withPub && len(finds) != 0:
			t.Errorf("with no public key in memory: finds %+v, want none", finds)
		}
	}
}

// TestHarvestBlobs reads Windows public key blobs where a heap puts them, at
// 8-aligned offsets, and invents no key from one cut short.
func TestHarvestBlobs(t *testing.T) {
	rsaKey, p256, p384 := secret(t, "rsa2048.pkcs8.pem"), secret(t, "p256.sec1.pem"), secret(t, "p384.sec1.pem")
	tests := []struct {
		name string
		blob []byte
		want string
	}{
		{"cng-rsa1", cngRSABlob(rsaKey.pub), rsaKey.spki},
		{"cng-ecs1", cngECBlob(p256.pub, "ECS1"), p256.spki},
		{"cng-eck3", cngECBlob(p384.pub, "ECK3"), p384.spki},
		{"capi-publickeyblob", capiRSABlob(rsaKey.pub), rsaKey.spki},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, off := range []int{0, 1000, 4096 + 8} {
				buf := plant(tt.blob, off, off+len(tt.blob)+300)
				if got := harvested(HarvestNumbers(nil, buf, nil)); !slices.Contains(got, tt.want) {
					t.Errorf("at %d: harvested %v, want %s", off, got, tt.want[:12])
				}
				if got := harvested(HarvestNumbers(nil, buf[:off+len(tt.blob)/2], nil)); len(got) != 0 {
					t.Errorf("cut short: harvested %v", got)
				}
			}
		})
	}
}

// TestHarvestPrivate takes the public half of a validated key's encoding.
func TestHarvestPrivate(t *testing.T) {
	tks := loadKeys(t)
	for _, name := range []string{"rsa2048.pkcs8.pem", "p256.sec1.pem", "p384.sec1.pem", "ed25519.pkcs8.pem"} {
		k := tks[name]
		got := HarvestPrivate(nil, append([]byte("junk before "), k.pem...))
		if name == "p384.sec1.pem" { // left out: too costly to hunt
			if len(got) != 0 {
				t.Errorf("%s: harvested %v, want none", name, harvested(got))
			}
			continue
		}
		if len(got) != 1 || got[0].SPKI.String() != k.spki {
			t.Errorf("%s: harvested %v, want %s", name, harvested(got), k.spki[:12])
		}
	}
	if got := HarvestPrivate(nil, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")); len(got) != 0 {
		t.Errorf("harvested %v from a broken key", harvested(got))
	}
}

// TestDerivedScalar: an EC scalar where a runtime puts one (after a glibc
// chunk header, or at the start of a random run behind a zero word, as Go's
// big.Int words sit) yields a derived public point; the hunt proves it
// wherever that point's X coordinate lies, in any form a library keeps it,
// and never when it is absent.
func TestDerivedScalar(t *testing.T) {
	for _, file := range []string{"p256.sec1.pem", "k256.sec1.pem", "p384.sec1.pem"} {
		s := secret(t, file)
		c := s.pub.Curve
		x := s.pub.Point[1 : 1+c.Size()]
		forms := xForms(c, x)
		for _, place := range []string{"chunk", "run"} {
			if place == "run" && c != keys.P256 {
				continue // P-384 and secp256k1 scalars only where a header announces them
			}
			for _, order := range []string{"raw-be", "raw-le"} {
				if c == keys.Secp256k1 && order == "raw-be" {
					continue // secp256k1: BIGNUM limbs only
				}
				for fi, form := range append(forms, nil) {
					name := fmt.Sprintf("%s/%s/%s/form%d", file, place, order, fi)
					h := newHeap(12, 64<<10)
					h.gap(1000)
					d := bytes.Clone(s.scalar)
					if order == "raw-le" {
						slices.Reverse(d)
					}
					var at int
					if place == "chunk" {
						at = h.put(d)
					} else {
						at = 4096
						clear(h.b[at-24 : at])
						copy(h.b[at:], d)
						clear(h.b[at+len(d) : at+len(d)+16])
					}
					want := 40000 // limbs: 8-aligned
					if fi == 0 {
						want = 40001 // big-endian bytes: anywhere, unaligned
					}
					if form != nil {
						copy(h.b[want:], form)
					}
					var derived []detectors.PublicKey
					for _, k := range HarvestNumbers(nil, h.b, nil) {
						if k.Derived {
							derived = append(derived, k)
						}
					}
					i := slices.IndexFunc(derived, func(k detectors.PublicKey) bool { return k.SPKI.String() == s.spki })
					if i < 0 || derived[i].SeedAt != int64(at) || derived[i].SeedEncoding != order {
						t.Errorf("%s: derived %d keys; want %s from %s at %#x", name, len(derived), s.spki[:12], order, at)
						continue
					}
					finds := New(derived, Options{}).Hunt(nil, h.b)
					switch {
					case form != nil && (len(finds) != 1 || finds[0].Key.SPKI.String() != s.spki || finds[0].Parts[0].Off != want || finds[0].Encoding != order):
						t.Errorf("%s: finds %+v", name, finds)
					case form == nil && len(finds) != 0:
						t.Errorf("%s: with no public point in memory: finds %+v, want none", name, finds)
					}
				}
			}
		}
	}
}

// TestRunStartsInRandom: random bytes are not a list of run starts, so the
// harvest derives nothing from them (before runs had to end within maxRun
// bytes, 32 MiB of random bytes yielded about 30 candidate scalars, and a
// few derived keys made the hunt read all of memory a second time).
func TestRunStartsInRandom(t *testing.T) {
	buf := junk(5, 32<<20)
	b := NewBudget(int64(len(buf)), false)
	if got := HarvestNumbers(nil, buf, b); len(got) != 0 {
		t.Errorf("32 MiB of random bytes: %d derived keys, want none", len(got))
	}
	t.Logf("spent %d units", b.Spent())
}

// TestRunStart: which runs of random-looking words start a candidate number.
func TestRunStart(t *testing.T) {
	const at = 256
	num := junk(3, 32) // 32 distinct-enough random bytes (checked below)
	tests := []struct {
		name string
		make func(b []byte)
		want bool
	}{
		{"zero, 32 bytes, zero", func(b []byte) {}, true},
		{"all ones before", func(b []byte) { fill(b[at-8:at], 0xff) }, true},
		{"pointer before", func(b []byte) { binary.LittleEndian.PutUint64(b[at-8:], 0x7f12_3456_7890) }, true},
		{"small integer before (a chunk header's job)", func(b []byte) { binary.LittleEndian.PutUint64(b[at-8:], 0x31) }, false},
		{"random word before", func(b []byte) { copy(b[at-8:], junk(9, 8)) }, false},
		{"run of maxRun bytes", func(b []byte) { copy(b[at+32:], junk(4, maxRun-32)) }, false},
		{"run of 48 bytes", func(b []byte) { copy(b[at+32:], junk(4, 16)) }, true},
		{"run ends at a pointer", func(b []byte) {
			copy(b[at+32:], junk(4, maxRun))
			binary.LittleEndian.PutUint64(b[at+64:], 0x5555_0000_1230)
		}, true},
		{"Python bytes of 254 bytes (ob_size, hash -1)", func(b []byte) {
			fill(b[at-8:at], 0xff)
			binary.LittleEndian.PutUint64(b[at-16:], 254)
		}, false},
		{"text in the number", func(b []byte) { copy(b[at+8:], "user=bob") }, false},
		{"pointer in the number", func(b []byte) { binary.LittleEndian.PutUint64(b[at+16:], 0x7f00_1234_5678) }, false},
		{"few distinct bytes (code, bytecode)", func(b []byte) {
			copy(b[at:], "\x48\x8b\x45\xf8\x48\x89\xc7\xe8\x48\x8b\x45\xf0\x48\x89\xc6\xe9\x48\x8b\x55\xf8\x48\x89\xd7\xe8\x48\x8b\x4d\xf0\x48\x89\xce\xe9")
		}, false},
	}
	if keys.Distinct(num) < 26 {
		t.Fatalf("test number has %d distinct bytes", keys.Distinct(num))
	}
	for _, tt := range tests {
		b := make([]byte, 1024)
		copy(b[at:], num)
		tt.make(b)
		if got := runStart(b, at); got != tt.want {
			t.Errorf("%s: runStart = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestInLongRun: near an anchor a window is not tried when it lies 16 bytes
// or more inside both ends of a random run longer than maxRun.
func TestInLongRun(t *testing.T) {
	const at = 512
	tests := []struct {
		name   string
		lo, hi int // the random run, in a buffer of zeros
		want   bool
	}{
		{"alone", at, at + 32, false},
		{"in RSA-2048 limbs", at - 112, at + 144, true},
		{"first of the limbs", at, at + 256, false},
		{"8 bytes in", at - 8, at + 248, false},
		{"16 bytes in", at - 16, at + 240, true},
		{"last of the limbs", at - 224, at + 32, false},
		{"8 bytes before the end", at - 216, at + 40, false},
		{"in a run of maxRun bytes", at - 64, at - 64 + maxRun, false},
		{"in a run of maxRun+8 bytes", at - 64, at - 56 + maxRun, true},
		{"random to the buffer's start", 0, at + 64, true},
		{"random to the buffer's end", at - 256, 1024, true},
	}
	for _, tt := range tests {
		b := make([]byte, 1024)
		copy(b[tt.lo:tt.hi], junk(5, tt.hi-tt.lo))
		for k := tt.lo; k < tt.hi; k += 8 {
			if !randomWord(b[k:]) {
				t.Fatalf("%s: the run has a word that is not random at %d", tt.name, k)
			}
		}
		if got := inLongRun(b, at, 32); got != tt.want {
			t.Errorf("%s: inLongRun = %v, want %v", tt.name, got, tt.want)
		}
	}
	// A word of text ends a run as a zero word does.
	b := junk(5, 1024)
	copy(b[at+40:], "-- end.\n")
	if inLongRun(b, at, 32) {
		t.Errorf("text 8 bytes after the window: inLongRun = true, want false")
	}
}

func fill(b []byte, c byte) {
	for i := range b {
		b[i] = c
	}
}

// TestSkipRandom: skipRandom stops at the first word the number scan has a
// test for, wherever in a 4-word group and in the vector kernel's 128-byte
// steps it lies, as a word-by-word loop does.
func TestSkipRandom(t *testing.T) {
	words := []uint64{0, 0x7f12_3456_7890, ^uint64(0), 0xffff_8000_0000_0000, 0x1234_5678_9abc_4345, 0x1234_5678_9abc_5352, 0x31, 0x0000_ffff_ffff_ffff, 0xffff_0000_0000_0001}
	for n := 8; n <= 480; n += 8 {
		for plantAt := 0; plantAt <= n; plantAt += 8 {
			for _, w := range words {
				buf := junk(uint64(n), n)
				if plantAt < n {
					binary.LittleEndian.PutUint64(buf[plantAt:], w)
				}
				maps := mapsOf(buf, 0, 8, 120, 128, 8192-64)
				for from := 8; from <= n; from += 8 {
					want := from
					for ; want+8 <= n+8 && want-8 < n; want += 8 {
						if maybeNumberWord(binary.LittleEndian.Uint64(buf[want-8:])) {
							break
						}
					}
					if got := skipRandom(buf, from, &WordMap{}); got != want {
						t.Fatalf("len %d, word %#x at %d, from %d: skipRandom = %d, want %d", n, w, plantAt, from, got, want)
					}
					for _, m := range maps {
						if got := skipRandom(buf, from, &m); got != want {
							t.Fatalf("len %d, word %#x at %d, from %d, map at %d: skipRandom = %d, want %d", n, w, plantAt, from, m.Off, got, want)
						}
					}
				}
			}
		}
	}
}

// mapsOf returns, for each offset, the map of a window holding buf at that
// offset after random bytes, made in pieces of 8 KiB.
func mapsOf(buf []byte, offs ...int) []WordMap {
	var maps []WordMap
	for _, off := range offs {
		win := append(junk(uint64(off), off), buf...)
		bits := make([]uint64, MapWordsLen(len(win)))
		for at := 0; at < len(win); at += mapGroup {
			MapWords(bits[at/mapGroup:], win[at:min(len(win), at+mapGroup)])
		}
		maps = append(maps, WordMap{Bits: bits, Off: off})
	}
	return maps
}

// TestMapWords: a block is marked when one of its words passes
// maybeNumberWord, or when it is the window's short last block; the vector
// kernel, the word loop and a map made in pieces agree; and nextWord finds
// the words a loop over every word does, from every offset, wherever the
// buffer starts in the window.
func TestMapWords(t *testing.T) {
	win := junk(42, 3*mapGroup+328)
	for _, at := range []int{0, 120, 128, 4096, 8184, 8192, 8200, 16376, 3*mapGroup + 64, 3*mapGroup + 320} {
		binary.LittleEndian.PutUint64(win[at:], 0x7f00_1234_5678)
	}
	binary.LittleEndian.PutUint64(win[640:], 0xffff_8000_0000_0001) // top 16 bits all one
	// Top 16 bits that are not: at the edges of the vector test's sign trick.
	for k, w := range []uint64{0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff, 0x0001_0000_0000_0000, 0xfffe_ffff_ffff_ffff} {
		binary.LittleEndian.PutUint64(win[1024+8*k:], w)
	}
	want := make([]uint64, MapWordsLen(len(win)))
	for k := 0; k*mapBlock < len(win); k++ {
		blk := win[k*mapBlock : min(len(win), (k+1)*mapBlock)]
		if len(blk) < mapBlock || anyMaybeNumber(blk) {
			want[k/64] |= 1 << (k % 64)
		}
	}
	defer func(v bool) { haveAVX2 = v }(haveAVX2)
	for _, vector := range []bool{false, haveAVX2} {
		haveAVX2 = vector
		whole := make([]uint64, len(want))
		MapWords(whole, win)
		pieces := make([]uint64, len(want))
		for at := 0; at < len(win); at += 2 * mapGroup {
			MapWords(pieces[at/mapGroup:], win[at:min(len(win), at+2*mapGroup)])
		}
		if !slices.Equal(whole, want) || !slices.Equal(pieces, want) {
			t.Fatalf("AVX2 %v: MapWords = %x, in pieces %x; want %x", vector, whole, pieces, want)
		}
	}
	m := WordMap{Bits: want}
	for _, off := range []int{0, 8, 128, 8000} {
		m.Off = off
		buf := win[off : len(win)-off/2]
		for k := 0; k <= len(buf); k += 8 {
			o := k
			for ; o+8 <= len(buf) && !maybeNumberWord(binary.LittleEndian.Uint64(buf[o:])); o += 8 {
			}
			if got := m.nextWord(buf, k); got != o {
				t.Fatalf("buffer at %d: nextWord(%d) = %d, want %d", off, k, got, o)
			}
		}
	}
}

// TestHeadersDerived: with Options.HeadersDerived the hunt leaves a scalar
// after a chunk header to the harvest, which derives its public key (and the
// caller proves it with hunt.Proved), for every curve the harvest derives;
// P-521's it still tries itself.
func TestHeadersDerived(t *testing.T) {
	for _, file := range []string{"p256.sec1.pem", "p384.sec1.pem", "k256.sec1.pem", "p521.sec1.pem", "ed25519.pkcs8.pem"} {
		s := secret(t, file)
		d := bytes.Clone(s.scalar)
		if s.pub.Type == "ec" {
			slices.Reverse(d) // limbs
		}
		h := newHeap(3, 64<<10)
		h.gap(2000)
		at := h.put(d)
		for _, derived := range []bool{false, true} {
			finds := New([]detectors.PublicKey{s.pub}, Options{HeadersDerived: derived}).Hunt(nil, h.b)
			want := !derived || s.pub.Curve == keys.P521
			if got := len(finds) == 1 && finds[0].Parts[0].Off == at; got != want {
				t.Errorf("%s, HeadersDerived %v: found %v (%+v), want %v", file, derived, got, finds, want)
			}
		}
		if s.pub.Curve == keys.P521 {
			continue
		}
		var proved []Find
		for _, k := range HarvestNumbers(nil, h.b, nil) {
			if k.Derived && k.SPKI == s.pub.SPKI && k.SeedAt == int64(at) {
				proved = append(proved, Proved(k))
			}
		}
		if len(proved) != 1 || proved[0].Key.SPKI != s.pub.SPKI || proved[0].Parts[0].Len != s.size {
			t.Errorf("%s: the harvest derived %+v at %#x, want the key", file, proved, at)
		}
	}
}

// TestDerivedCopies: two copies of one candidate scalar in a buffer both
// yield the derived key, each with its own place, for the cost of one
// derivation.
// TestStructWords: a candidate after a chunk header is a number only when
// none of its words is a pointer or has its top 24 bits all one: those are
// a struct's fields (GnuTLS's and Python's heaps held such "P-384 scalars").
func TestStructWords(t *testing.T) {
	num := junk(8, 32)
	for _, tt := range []struct {
		name string
		word uint64 // put at byte 8 of the number; 0: none
		want bool
	}{
		{"random", 0, true},
		{"heap pointer", 0x0000_55c1_ae71_7f64, false},
		{"heap pointer, 0x56", 0x0000_5612_3456_7890, false},
		{"stack pointer", 0x0000_7ffd_5d32_a380, false},
		{"−1", ^uint64(0), false},
		{"a small negative number", 0xffff_ff12_3456_7890, false},
		{"top 16 bits zero, not a pointer's", 0x0000_4312_3456_7890, true},
		{"top 24 bits all one but one", 0xffff_fe12_3456_7890, true},
	} {
		b := bytes.Clone(num)
		if tt.word != 0 {
			binary.LittleEndian.PutUint64(b[8:], tt.word)
		}
		if got := !structWords(b); got != tt.want {
			t.Errorf("%s: a number = %v, want %v", tt.name, got, tt.want)
		}
		h := newHeap(9, 16<<10)
		h.gap(1000)
		h.put(b)
		derived := 0
		for _, k := range HarvestNumbers(nil, h.b, nil) {
			if k.Derived {
				derived++
			}
		}
		if (derived > 0) != tt.want {
			t.Errorf("%s: %d keys derived, want some: %v", tt.name, derived, tt.want)
		}
	}
}

// TestDerivedAcrossBuffers: a value whose keys one buffer derived is not
// derived again in another buffer harvested with the same budget (another
// window of the same dump): its keys are the first's, placed at its own
// offset, and cost nothing.
func TestDerivedAcrossBuffers(t *testing.T) {
	s := secret(t, "p256.sec1.pem")
	d := bytes.Clone(s.scalar)
	slices.Reverse(d)
	b := NewBudget(1<<20, false)
	var spent []int64
	for _, gap := range []int{1000, 3000} {
		h := newHeap(4, 64<<10)
		h.gap(gap)
		at := h.put(d)
		var got []int64
		for _, k := range HarvestNumbers(nil, h.b, b) {
			if k.Derived && k.SPKI == s.pub.SPKI {
				got = append(got, k.SeedAt)
			}
		}
		if !slices.Equal(got, []int64{int64(at)}) {
			t.Errorf("gap %d: derived at %v, want [%d]", gap, got, at)
		}
		spent = append(spent, b.Spent())
	}
	if first, second := spent[0], spent[1]-spent[0]; second >= ecCost || first < ecCost {
		t.Errorf("the first buffer spent %d units, the second %d: the copy was derived again", first, second)
	}
}

func TestDerivedCopies(t *testing.T) {
	s := secret(t, "p256.sec1.pem")
	d := bytes.Clone(s.scalar)
	slices.Reverse(d)
	spent := func(copies int) (int64, []int64) {
		h := newHeap(4, 64<<10)
		for range copies {
			h.gap(1000)
			h.put(d)
		}
		b := NewBudget(int64(len(h.b)), false)
		var at []int64
		for _, k := range HarvestNumbers(nil, h.b, b) {
			if k.Derived && k.SPKI == s.pub.SPKI {
				at = append(at, k.SeedAt)
			}
		}
		return b.Spent(), at
	}
	one, at1 := spent(1)
	two, at2 := spent(2)
	if len(at1) != 1 || len(at2) != 2 || at2[0] == at2[1] {
		t.Errorf("derived at %v with one copy and %v with two, want 1 and 2 places", at1, at2)
	}
	if two-one >= ecCost { // the second layout's random bytes may cost a few units more
		t.Errorf("two copies spent %d units, one copy %d: the copy was derived again", two, one)
	}
}

// TestDerivedCompressedPoint: a scalar's public key kept compressed
// (02/03‖X, as secp256k1 software keeps it) is found by the reverse hunt:
// its X, big-endian, is a derived key's anchor at any offset.
func TestDerivedCompressedPoint(t *testing.T) {
	for _, file := range []string{"p256.sec1.pem", "k256.sec1.pem"} {
		s := secret(t, file)
		c := s.pub.Curve
		x, y := s.pub.Point[1:1+c.Size()], s.pub.Point[1+c.Size():]
		d := bytes.Clone(s.scalar)
		slices.Reverse(d)
		h := newHeap(21, 64<<10)
		h.gap(500)
		h.put(d)
		comp := append([]byte{2 | y[len(y)-1]&1}, x...)
		copy(h.b[30001:], comp)
		var derived []detectors.PublicKey
		for _, k := range HarvestNumbers(nil, h.b, nil) {
			if k.Derived {
				derived = append(derived, k)
			}
		}
		finds := New(derived, Options{}).Hunt(nil, h.b)
		if len(finds) != 1 || finds[0].Key.SPKI != s.pub.SPKI || finds[0].Parts[0].Off != 30002 {
			t.Errorf("%s: finds %+v, want the key by X at 30002", file, finds)
		}
	}
}

// craftedPairs is 2 MiB of what costs the RSA pairing most: random runs of
// 256 bytes, each ending at zero words, whose top and bottom halves pass the
// cheap filters of a modulus and a factor, so that every run end is a
// candidate of both sizes for every other within reach.
func craftedPairs() []byte {
	const size = 2 << 20
	buf := junk(9, size)
	for at := 0; at+272 <= size; at += 272 {
		r := buf[at : at+256]
		r[0], r[127], r[128], r[255] = r[0]|1, r[127]|0x80, r[128]|1, r[255]|0x80
		clear(buf[at+256 : at+272])
	}
	return buf
}

// TestCraftedPairs: the crafted heap's pairing stops at its budget, says so,
// and proves no key.
func TestCraftedPairs(t *testing.T) {
	buf := craftedPairs()
	b := NewBudget(int64(len(buf)), false)
	if keys := harvested(HarvestNumbers(nil, buf, b)); len(keys) != 0 || !b.Cut() {
		t.Errorf("harvested %v, budget cut %v; want none, and the cut", keys, b.Cut())
	}
}

// BenchmarkCraftedPairs measures the crafted heap's harvest within its budget.
func BenchmarkCraftedPairs(b *testing.B) {
	buf := craftedPairs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		HarvestNumbers(nil, buf, NewBudget(int64(len(buf)), false))
	}
}
