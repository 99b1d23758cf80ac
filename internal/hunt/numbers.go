package hunt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/binary"
	"math/big"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
)

// This file harvests public keys from bare numbers, for a process that holds
// its key only as numbers and no certificate or public key encoding: the
// case of a token-signing service that loaded its key once, wiped the file
// and publishes its public key elsewhere (a JWKS).
//
//   - RSA: a modulus-sized number that a nearby prime-sized number divides is
//     a modulus. Found (n, p) pairs are kept only when the private exponent
//     for a common e (65537, 3, 5, 17, 257), or one of its CRT values, sits
//     near them too, which proves e; the hunt pass then reports the key.
//   - EC: two coordinate-sized numbers X and Y near each other with
//     Y² = X³ + aX + b on P-256, P-384, P-521 or secp256k1 are a public point,
//     as big-endian bytes or little-endian limbs, plain or in Montgomery form
//     (OpenSSL keeps X·2^256 mod p for P-256). Matching is by value: every
//     candidate's X³+aX+b and Y² go in a map, so the cost is linear in the
//     candidates and a match is an exact on-curve check.
//   - a bare 04‖X‖Y point in an allocation of its size.
//   - Ed25519: every 32-byte random-looking candidate may be a seed; its
//     public key is derived and kept as Derived, to be looked for in the whole
//     dump by the hunt pass, which proves the seed when it finds it.
//
// The same scan reads Windows CNG and CAPI public key blobs (RSA1,
// ECS1/3/5, ECK1/3/5, PUBLICKEYBLOB), at 8-aligned offsets.
//
// Candidates are numbers where runtimes put them: just after a glibc chunk
// header whose size fits the number (C libraries: OpenSSL, mbedTLS, GnuTLS),
// or after a length word equal to the number's size (a .NET byte[] behind
// its 64-bit length, a Java byte[] or int[] behind its 32-bit length, a
// Python bytes object 16 bytes after its ob_size), and whose words look like
// a number's ([notRepetitive], [structWords]: no pointer, no small integer).

// A Budget bounds the trial work of a harvest and a hunt over one dump: a
// crafted dump full of candidates must not make a scan take hours. It is safe
// for concurrent use. When it runs out the work stops and Cut reports it; the
// caller must then treat the scan as incomplete.
//
// It also keeps the work done: the public keys derived from each candidate
// value, so that a value met again in another window costs no second
// derivation (a Java heap's candidates are 44 % copies of others').
type Budget struct {
	left   atomic.Int64
	earned atomic.Int64
	cut    atomic.Bool
	scale  int64

	mu      sync.Mutex
	derived map[string][]detectors.PublicKey // by derivePublic's key; SeedAt is the first copy's
}

// maxDerived bounds the values whose derived keys a Budget keeps (each is a
// few hundred bytes).
const maxDerived = 1 << 14

// derivedFor returns the keys derived from the value key, if kept.
func (b *Budget) derivedFor(key string) ([]detectors.PublicKey, bool) {
	if b == nil {
		return nil, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ks, ok := b.derived[key]
	return ks, ok
}

// keepDerived keeps the keys derived from the value key.
func (b *Budget) keepDerived(key string, ks []detectors.PublicKey) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.derived == nil {
		b.derived = map[string][]detectors.PublicKey{}
	}
	if len(b.derived) < maxDerived {
		b.derived[key] = slices.Clone(ks)
	}
}

// Budget sizes: units are roughly a microsecond of trial arithmetic (an RSA
// trial division is one; an EC scalar multiplication ecCost). Real cores use
// far less: OpenSSL s_server's 3.5 MiB core spends about 45 000 units in the
// hunt and 4 500 in the harvest, a tenth of its budget.
const (
	BudgetPerMiB  = 1 << 16 // ~65 ms of trials per MiB of dump
	BudgetPerFile = 1 << 26 // ~1 min, whatever the size
	budgetBase    = 1 << 18 // a small dump with a few keys still gets ~0.25 s
	ecCost        = 32
)

// NewBudget returns the budget for a dump of size bytes; a budget for a
// stream of unknown size starts at size 0 and earns as it reads ([Budget.Earn]).
// A deep budget is 16 times larger.
func NewBudget(size int64, deep bool) *Budget {
	b := &Budget{scale: 1}
	if deep {
		b.scale = 16
	}
	b.left.Store(budgetBase * b.scale)
	b.Earn(size)
	return b
}

// Earn adds the budget of n more bytes of dump, up to the per-file cap.
func (b *Budget) Earn(n int64) {
	if b == nil {
		return
	}
	add := n * BudgetPerMiB >> 20 * b.scale
	for {
		old := b.earned.Load()
		e := min(old+add, (BudgetPerFile-budgetBase)*b.scale)
		if b.earned.CompareAndSwap(old, e) {
			b.left.Add(e - old)
			return
		}
	}
}

// spend takes n units, and reports false (and records the cut) when the
// budget is gone. A nil budget is unlimited.
func (b *Budget) spend(n int64) bool {
	if b == nil {
		return true
	}
	if b.left.Add(-n) >= 0 {
		return true
	}
	b.cut.Store(true)
	return false
}

// Cut reports whether the budget ran out: some candidates were not tried.
func (b *Budget) Cut() bool { return b != nil && b.cut.Load() }

// Byte orders of a candidate number.
const (
	orderLE   = iota // little-endian limbs (BIGNUM, mbedTLS, GMP)
	orderBE          // big-endian bytes (.NET, Java byte[], Python bytes)
	orderJava        // Java int[]: 32-bit words most significant first, each little-endian
)

// encodings name the orders in a Find's Encoding.
var encodings = [...]string{orderLE: "raw-le", orderBE: "raw-be", orderJava: "raw-java"}

// javaToBE appends to dst the Java int[] magnitude b (32-bit words, most
// significant first, each little-endian) as big-endian bytes; len(b) is a
// multiple of 4.
func javaToBE(dst, b []byte) []byte {
	for i := 0; i+4 <= len(b); i += 4 {
		dst = binary.BigEndian.AppendUint32(dst, binary.LittleEndian.Uint32(b[i:]))
	}
	return dst
}

// javaWords returns the big-endian number be as Java keeps it in a
// BigInteger's int[] magnitude: padded to whole 32-bit words, most
// significant word first, each word little-endian.
func javaWords(be []byte) []byte {
	pad := -len(be) & 3
	out := make([]byte, pad+len(be))
	copy(out[pad:], be)
	for i := 0; i < len(out); i += 4 {
		binary.LittleEndian.PutUint32(out[i:], binary.BigEndian.Uint32(out[i:]))
	}
	return out
}

type number struct {
	off, size, order int
	// noK1: no secp256k1 derivation, which the harvest makes for OpenSSL's
	// BIGNUM limbs after a chunk header only (it costs the most of the
	// 32-byte curves): set for run starts and Java arrays.
	noK1 bool
	// seed: an Ed25519 seed only, not an EC scalar (a Java byte[] big-endian:
	// HotSpot keeps EC scalars little-endian or as a BigInteger).
	seed bool
	// end: taken where a random run ends ([appendRunEnd]), where a pair's d
	// must be a candidate too: its bytes are not searched for.
	end bool
}

// value returns the number's value.
func (n number) value(buf []byte) *big.Int {
	b := buf[n.off : n.off+n.size]
	switch n.order {
	case orderLE:
		return new(big.Int).SetBytes(reversed(b))
	case orderJava:
		return new(big.Int).SetBytes(javaToBE(nil, b))
	}
	return new(big.Int).SetBytes(b)
}

// ends returns the number's most and least significant bytes.
func (n number) ends(buf []byte) (top, bot byte) {
	b := buf[n.off : n.off+n.size]
	switch n.order {
	case orderLE:
		return b[len(b)-1], b[0]
	case orderJava:
		return b[3], b[len(b)-4]
	}
	return b[0], b[len(b)-1]
}

// low64 returns n's least significant 64 bits (n is 8 bytes or more).
func (n number) low64(buf []byte) uint64 {
	b := buf[n.off : n.off+n.size]
	switch n.order {
	case orderLE:
		return binary.LittleEndian.Uint64(b)
	case orderJava:
		return uint64(binary.LittleEndian.Uint32(b[len(b)-8:]))<<32 | uint64(binary.LittleEndian.Uint32(b[len(b)-4:]))
	}
	return binary.BigEndian.Uint64(b[len(b)-8:])
}

// low64 returns x's least significant 64 bits.
func low64(x *big.Int) uint64 {
	var v uint64
	for i, w := range x.Bits() {
		if i*bits.UintSize >= 64 {
			break
		}
		v |= uint64(w) << (i * bits.UintSize)
	}
	return v
}

// Sizes of the numbers the harvest looks at, in bytes.
var (
	modulusSizes = []int{128, 256, 384, 512}
	coordSizes   = []int{32, 48, 66, 72} // 72: P-521 as nine 64-bit limbs
	pointSizes   = []int{65, 97, 133}    // 04‖X‖Y
)

// numberReach is how far apart the numbers of one key may lie.
const numberReach = 256 << 10

// HarvestNumbers appends to dst the public keys that bare numbers in buf
// reveal (see the top of this file), spending budget on its trials. buf is
// memory whose first byte is at an address aligned to [Align]. It allocates
// nothing when buf holds no candidate.
func HarvestNumbers(dst []detectors.PublicKey, buf []byte, budget *Budget) []detectors.PublicKey {
	dst, _ = HarvestMemory(dst, buf, budget)
	return dst
}

// HarvestMemory is [HarvestNumbers], and it also reports whether buf is data
// ([IsData]), which it learns on the way.
func HarvestMemory(dst []detectors.PublicKey, buf []byte, budget *Budget) (_ []detectors.PublicKey, data bool) {
	return HarvestMapped(dst, buf, WordMap{}, budget)
}

// HarvestMapped is [HarvestMemory] with the map of buf's window: it reads
// only the blocks the map marks, and finds the same.
func HarvestMapped(dst []detectors.PublicKey, buf []byte, m WordMap, budget *Budget) (_ []detectors.PublicKey, data bool) {
	var mods, primes, coords, scalars []number
	// sawSmall: a word whose top 24 bits are all zero or all one (structured);
	// nextTest meets every such word but the last.
	sawSmall := len(buf) >= 8 && smallWord(binary.LittleEndian.Uint64(buf[len(buf)&^7-8:]))
	for i := 8; ; i += 8 {
		var small bool
		i, small = nextTest(buf, i, &m)
		sawSmall = sawSmall || small
		if i+8 > len(buf) {
			break
		}
		if i&15 == 0 && i+32 <= len(buf) && runStart(buf, i) {
			n0 := len(scalars)
			scalars = appendNumber(scalars, buf, i, 32, orderBE, orderLE)
			for k := n0; k < len(scalars); k++ {
				scalars[k].noK1 = true
			}
		}
		w := binary.LittleEndian.Uint64(buf[i-8:])
		if m := uint32(w); m == magicRSA1 || m&0xffff == magicEC {
			dst = appendBlob(dst, buf, i-8)
		}
		var w16 uint64 = 1 << 63
		if i >= 16 {
			w16 = binary.LittleEndian.Uint64(buf[i-16:])
		}
		if w == 0 && i >= 16 && !maybeNumberWord(w16) {
			mods, primes = appendRunEnd(mods, primes, buf, i-8, runBefore(buf, i-8))
		}
		if !interesting(w, w16) {
			continue
		}
		// A glibc chunk header, with flag bits in the low three.
		if c := int(w &^ 7); w>>32 == 0 && c >= 32 && c <= 0x210 {
			for _, n := range modulusSizes {
				if chunkSize(n) == c {
					mods = appendNumber(mods, buf, i, n, orderLE, orderBE)
				}
				if chunkSize(n/2) == c {
					primes = appendNumber(primes, buf, i, n/2, orderLE, orderBE)
				}
			}
			for _, n := range coordSizes {
				switch {
				case chunkSize(n) == c:
					coords = appendNumber(coords, buf, i, n, orderLE, orderBE)
				case chunkSize(n) < c && c <= 0x90 && zeroTail(buf, i+n, i+c-23):
					// Limbs in a larger array, the top ones zero: mbedTLS
					// grows a coordinate to six limbs. c-23 is the shortest
					// request a chunk of size c holds: those bytes must be
					// zero; the rest may be the next chunk's prev_size.
					coords = appendNumber(coords, buf, i, n, orderLE, -1)
				}
			}
			for _, n := range scalarSizes {
				if c == chunkSize(n) {
					scalars = appendNumber(scalars, buf, i, n, orderBE, orderLE)
				}
				// After its DER length: GnuTLS's libtasn1 tree (20 d).
				if c == chunkSize(n+1) && i+1+n <= len(buf) && buf[i] == byte(n) {
					scalars = appendNumber(scalars, buf, i+1, n, orderBE, -1)
				}
			}
			for _, n := range pointSizes {
				if chunkSize(n) == c && i+n <= len(buf) && buf[i] == 4 {
					dst = appendPoint(dst, buf[i:i+n])
				}
			}
		}
		// Length words: .NET byte[] (64-bit length just before), Java byte[]
		// and int[] (32-bit length just before), Python bytes (ob_size 16
		// bytes before).
		j32 := w >> 32
		lenBefore := func(n int) bool { return w == uint64(n) || j32 == uint64(n) || w16 == uint64(n) }
		for _, n := range modulusSizes {
			if lenBefore(n) {
				mods = appendNumber(mods, buf, i, n, orderBE, -1)
			}
			if lenBefore(n / 2) {
				primes = appendNumber(primes, buf, i, n/2, orderBE, -1)
			}
			if j32 == uint64(n/4) {
				mods = appendNumber(mods, buf, i, n, orderJava, -1)
			}
			if j32 == uint64(n/8) {
				primes = appendNumber(primes, buf, i, n/2, orderJava, -1)
			}
		}
		for _, n := range coordSizes[:3] {
			if lenBefore(n) {
				coords = appendNumber(coords, buf, i, n, orderBE, -1)
			}
		}
		jn, java := javaArray(buf, i)
		for _, n := range scalarSizes {
			n0 := len(scalars)
			switch {
			case java && jn == n:
				// A byte[], if it ends there (not an int[] of n elements,
				// whose random bytes go on): an Ed25519 seed (EdDSA's h),
				// or HotSpot's ECPrivateKeyImpl.arrayS, which is
				// little-endian.
				if !arrayEnds(buf, i+n) {
					break
				}
				if n == ed25519.SeedSize {
					scalars = appendNumber(scalars, buf, i, n, orderBE, -1)
					if k := len(scalars) - 1; k >= n0 {
						scalars[k].seed = true
					}
				}
				scalars = appendNumber(scalars, buf, i, n, orderLE, -1)
			case java && jn == n/4:
				// An int[]: a BigInteger's magnitude.
				scalars = appendNumber(scalars, buf, i, n, orderJava, -1)
			case !java && lenBefore(n):
				scalars = appendNumber(scalars, buf, i, n, orderBE, -1)
			}
			for k := n0; java && k < len(scalars); k++ {
				scalars[k].noK1 = true
			}
		}
		for _, n := range pointSizes {
			if lenBefore(n) && i+n <= len(buf) && buf[i] == 4 {
				dst = appendPoint(dst, buf[i:i+n])
			}
		}
	}
	if len(mods) > 0 && len(primes) > 0 {
		dst = rsaPairs(dst, buf, mods, primes, budget)
	}
	if len(coords) > 1 {
		dst = ecPairs(dst, buf, coords, budget)
	}
	if len(scalars) > 0 {
		dst = derivePublic(dst, buf, scalars, budget)
	}
	return dst, len(buf) >= minData && !sawSmall
}

// nextTest returns the first 8-aligned offset j ≥ i (i ≥ 8) in buf at which
// [HarvestMemory] has a test to make, or one past the last whole word, and
// whether a word it passed on the way, or the word before j, is a
// [smallWord]. Every test needs the word before j to have its top 16 bits all
// zero or all one ([maybeNumberWord]), a blob's magic among them; a
// random run may start there ([runStart]'s first test), or the word (or the
// one before it) is a header or a length word: in [16, 0x210], or its high
// 32 bits in [4, 512] (Java), or the word 16 bytes back (Python's ob_size).
// Random bytes, zeros and the pointers that fill a heap fail every test, so
// this loop, apart from its caller to keep its registers, passes over most of
// memory.
//
//go:noinline
func nextTest(buf []byte, i int, m *WordMap) (int, bool) {
	saw := false
	w16 := uint64(1) << 63 // the word 16 bytes before i: none at i = 8
	if i >= 16 && i <= len(buf) {
		w16 = binary.LittleEndian.Uint64(buf[i-16:])
	}
	for i+8 <= len(buf) {
		b := buf[i-8 : i+8]
		w, next := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
		if !maybeNumberWord(w) {
			if i = skipRandom(buf, i+8, m); i+8 > len(buf) {
				break
			}
			w16 = binary.LittleEndian.Uint64(buf[i-16:])
			continue
		}
		if w == 0 && !maybeNumberWord(w16) && runBefore(buf, i-8) >= minRunEnd {
			return i, saw // a random run ends at a zero word: Go's spare capacity
		}
		if w == 0 && next == 0 {
			// A run of zeros: the first test is where it ends (a number may
			// start after a zero word).
			i, w16 = skipZeros(buf, i), 0
			continue
		}
		saw = saw || smallWord(w)
		if m := uint32(w); m == magicRSA1 || m&0xffff == magicEC {
			return i, saw
		}
		if i&15 == 0 && (w == 0 || w == ^uint64(0) || w>>48 == 0 && w>>32 != 0) &&
			next>>48 != 0 && i+32 <= len(buf) {
			return i, saw
		}
		if (w-16 <= 0x210-16 || w16-16 <= 0x210-16 || (w>>32)-4 <= 512-4) && interesting(w, w16) {
			return i, saw
		}
		w16 = w
		i += 8
	}
	return i, saw
}

// scalarSizes are the lengths of the candidate secrets whose public halves
// the harvest derives: P-256, secp256k1 and Ed25519 (32 bytes), P-384 (48).
// P-521 is left out: its multiplication costs ten P-256 ones.
var scalarSizes = []int{32, 48}

// runStart reports whether buf[i:] may start a number no allocator header
// announces (Go's allocator, jemalloc, tcmalloc, Windows heaps): the word
// before it is no part of a random run (zero, a user-space pointer, all
// ones); not a small integer, which a glibc chunk header is, whose numbers
// the header's size already picks (a random start of a larger chunk is no
// scalar). In random bytes that word passes once in 2¹⁶. The run must end
// within maxRun bytes, at a word whose top 16 bits are all zero or all one (a
// pointer, a small integer, zero), which random bytes hold once in 2¹⁵: a
// region entirely of high entropy (random, compressed or encrypted data)
// yields about one candidate per GiB. No 8 bytes of the 32 at i may be a
// pointer (V8's and Go's heaps are full of 48-bit pointers) or text (a random
// word is all printable once in 2000), and 26 of the 32 bytes must be
// distinct: random numbers fail that once in a thousand, machine code,
// bytecode and unwind tables far more often. A run after all ones with a small
// integer before that is a Python bytes object (its ob_size, then its unset
// hash) of another size than 32, which the length word test reads; a run
// behind a HotSpot array header ([javaArray]) is left to that test too, which
// knows from the array's length whether it holds a number of its size.
func runStart(buf []byte, i int) bool {
	w := binary.LittleEndian.Uint64(buf[i-8:])
	if w != 0 && w != ^uint64(0) && (w>>48 != 0 || w>>32 == 0) {
		return false
	}
	if w == ^uint64(0) && i >= 16 {
		if n := binary.LittleEndian.Uint64(buf[i-16:]); n != 0 && n < 1<<24 {
			return false
		}
	}
	if _, ok := javaArray(buf, i); ok {
		return false // the array's length says what it holds
	}
	for k := i; k < i+32; k += 8 {
		if !randomWord(buf[k:]) {
			return false
		}
	}
	if keys.Distinct(buf[i:i+32]) < 26 {
		return false
	}
	for k := i + 32; k < i+maxRun; k += 8 {
		if k+8 > len(buf) {
			return true
		}
		if t := binary.LittleEndian.Uint64(buf[k:]) >> 48; t == 0 || t == 0xffff {
			return true
		}
	}
	return false
}

// skipRandom returns the first 8-aligned offset j ≥ i in buf (i ≥ 8) whose
// word before passes [maybeNumberWord], or one past the end when there is
// none; it reads only the blocks m marks, when m is a map. It is apart from
// its caller so that its loop keeps its registers.
//
//go:noinline
func skipRandom(buf []byte, i int, m *WordMap) int {
	if m.Bits != nil {
		return m.nextWord(buf, i-8) + 8
	}
	b := buf[i-8:]
	// In live memory the next such word is a few words on: look at eight
	// before calling the vector kernel, whose setup would cost more.
	for range 8 {
		if len(b) < 8 || maybeNumberWord(binary.LittleEndian.Uint64(b)) {
			return i
		}
		b, i = b[8:], i+8
	}
	k := skipWords(b) &^ 7
	b, i = b[k:], i+k
	for ; len(b) >= 32; b, i = b[32:], i+32 {
		w0, w1 := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
		w2, w3 := binary.LittleEndian.Uint64(b[16:]), binary.LittleEndian.Uint64(b[24:])
		if maybeNumberWord(w0) || maybeNumberWord(w1) || maybeNumberWord(w2) || maybeNumberWord(w3) {
			break
		}
	}
	for ; len(b) >= 8; b, i = b[8:], i+8 {
		if maybeNumberWord(binary.LittleEndian.Uint64(b)) {
			return i
		}
	}
	return i
}

// appendRunEnd adds the RSA-sized numbers that end where a random run ends at
// buf[e:], a zero word: Go keeps a big.Int's words in an allocation with
// spare capacity (math/big's nat.make adds four words), and a bigmod.Nat's in
// one of 64 words, both zero past the number, so the number's first word is
// where its size says, 16-aligned, whatever lies before it.
func appendRunEnd(mods, primes []number, buf []byte, e, run int) ([]number, []number) {
	if run < minRunEnd {
		return mods, primes
	}
	m0, p0 := len(mods), len(primes)
	for _, n := range modulusSizes {
		if s := e - n; n <= run && s&15 == 0 {
			mods = appendNumber(mods, buf, s, n, orderLE, -1)
		}
		if s := e - n/2; n/2 <= run && s&15 == 0 {
			primes = appendNumber(primes, buf, s, n/2, orderLE, -1)
		}
	}
	for k := m0; k < len(mods); k++ {
		mods[k].end = true
	}
	for k := p0; k < len(primes); k++ {
		primes[k].end = true
	}
	return mods, primes
}

// minRunEnd is the shortest random run whose end [appendRunEnd] reads: the
// smallest factor it looks for.
const minRunEnd = 64

// runBefore returns the length of the run of random words ([randomWord]) that
// ends at buf[e:], up to the 512 bytes of the largest modulus.
func runBefore(buf []byte, e int) int {
	k := e
	for k >= 8 && e-k < 512 && randomWord(buf[k-8:]) {
		k -= 8
	}
	return e - k
}

// javaArray reports whether the two words before buf[i:] are the header of a
// HotSpot array with compressed class pointers, and returns its length in
// elements: a mark word (its low bit set: unlocked, or marked by the
// collector, and no more than 48 bits), then the narrow klass (not zero) in
// the low half of the next word and the length (below 2¹⁶) in its high half.
func javaArray(buf []byte, i int) (n int, ok bool) {
	if i < 16 {
		return 0, false
	}
	w, m := binary.LittleEndian.Uint64(buf[i-8:]), binary.LittleEndian.Uint64(buf[i-16:])
	if uint32(w) == 0 || w>>32 == 0 || w>>32 >= 1<<16 || m&1 == 0 || m>>48 != 0 {
		return 0, false
	}
	return int(w >> 32), true
}

// arrayEnds reports whether an array of random bytes may end at buf[i:]:
// the next object's header, or zeros, or the end of buf follow, not more
// random bytes.
func arrayEnds(buf []byte, i int) bool {
	return i+8 > len(buf) || !randomWord(buf[i:])
}

// structWords reports whether a word of b has its top 24 bits all one (a
// small negative number, −1) or is a Linux user-space pointer (its top 16
// bits zero, the next 8 those of a heap, 0x55 or 0x56, or of a mapping or
// the stack, 0x7f): a struct's fields, not a number's limbs, of which a word
// is one of those once in four million. [notRepetitive] has rejected the
// words whose top 24 bits are all zero.
func structWords(b []byte) bool {
	for ; len(b) >= 8; b = b[8:] {
		w := binary.LittleEndian.Uint64(b)
		if t := w >> 40; t == 0xffffff || t == 0x55 || t == 0x56 || t == 0x7f {
			return true
		}
	}
	return false
}

// maybeNumberWord reports whether the number scan has a test for the word w
// before an offset: its top 16 bits are all zero or all one (zero, a
// pointer, a small integer, a length). A Windows blob's magic is such a word
// too: the blob's bit length or key size, below 2¹⁶, is its high half.
// Random bytes pass once in 2¹⁵.
func maybeNumberWord(w uint64) bool { return uint16(w>>48+1) <= 1 }

// maxRun is the longest high-entropy run whose start is a candidate number:
// a few numbers side by side (a key's X, Y and d) and no more. Random bytes,
// compressed or encrypted data fill whole pages.
const maxRun = 160

// inLongRun reports whether the n bytes at buf[i:] lie inside a run of
// [randomWord]s longer than maxRun, 16 bytes or more from both of its ends.
// A process keeps an EC scalar in an allocation of its own or beside its
// point's coordinates, so near a public point the windows inside the limbs of
// an RSA number beside it (256 bytes for RSA-2048) or inside data are not
// tried: 33 of mbedTLS's 34 tries were. A run's ends are tried: a scalar
// before or after other numbers. It reads at most 512 bytes back
// ([runBefore]) and maxRun on.
func inLongRun(buf []byte, i, n int) bool {
	lo, hi := i-runBefore(buf, i), i+n
	if i-lo < 16 {
		return false
	}
	for hi+8 <= len(buf) && (hi-lo <= maxRun || hi-i-n < 16) && randomWord(buf[hi:]) {
		hi += 8
	}
	return hi-i-n >= 16 && hi-lo > maxRun
}

// randomWord reports whether the 8 bytes at b may be part of a random number:
// no pointer or small integer (the top 16 bits are not zero) and no text.
func randomWord(b []byte) bool {
	return binary.LittleEndian.Uint64(b)>>48 != 0 && !printable(b[:8])
}

// printable reports whether b is all printable ASCII, tabs and line ends.
func printable(b []byte) bool {
	for _, c := range b {
		if c < '\t' || c > '~' || c > '\r' && c < ' ' {
			return false
		}
	}
	return true
}

// derivePublic appends the public half of every candidate scalar in scalars,
// as a Derived key: an EC point d·G for each curve of the scalar's size, in
// each byte order the candidate was taken in, and an Ed25519 public key for a
// 32-byte big-endian candidate. Each proves nothing until the hunt finds it in
// the dump (its X coordinate as big-endian bytes, little-endian limbs or in
// Montgomery form; the Ed25519 key as bytes).
func derivePublic(dst []detectors.PublicKey, buf []byte, scalars []number, budget *Budget) []detectors.PublicKey {
	var be [48]byte
	// A value met again (heaps hold many copies of one number: half of a
	// Node.js core's candidates) reuses the keys derived from its first copy.
	derived := map[string][]detectors.PublicKey{}
	// A buffer with many P-384 candidates earns P-384's table (see
	// keys.WarmP384), built beside its other derivations.
	if n48 := count(scalars, func(sc number) bool { return sc.size == 48 }); n48 >= manyP384 {
		keys.WarmP384()
	}
	for k, sc := range scalars {
		if dupNumber(scalars[:k], sc) {
			continue
		}
		b := buf[sc.off : sc.off+sc.size]
		key := string(b) + string(rune('0'+sc.order))
		if sc.noK1 {
			key += "r" // the same bytes derive fewer keys
		}
		if sc.seed {
			key += "s"
		}
		ks, ok := derived[key]
		if !ok {
			ks, ok = budget.derivedFor(key) // derived in another window
		}
		if ok {
			from := len(dst)
			for _, pk := range ks {
				pk.SeedAt = int64(sc.off)
				dst = append(dst, pk)
			}
			derived[key] = dst[from:len(dst):len(dst)]
			continue
		}
		from := len(dst)
		d, enc := b, encodings[sc.order]
		switch sc.order {
		case orderLE:
			d = be[:sc.size]
			for j, c := range b {
				d[sc.size-1-j] = c
			}
		case orderJava:
			d = javaToBE(be[:0], b)
		}
		if sc.size == 32 && sc.order == orderBE {
			if !budget.spend(ecCost) {
				return dst
			}
			pub, _ := keys.Ed25519PublicFromSeed(b)
			if k, ok := detectors.Ed25519PublicKey(pub); ok {
				k.Derived, k.SeedAt, k.SeedEncoding = true, int64(sc.off), enc
				dst = append(dst, k)
			}
		}
		for _, c := range derivedCurves {
			if sc.seed || c.Size() != sc.size || c == keys.Secp256k1 && (sc.noK1 || sc.order != orderLE) {
				continue // secp256k1: OpenSSL's BIGNUM limbs only, for cost
			}
			cost := int64(ecCost)
			switch c {
			// keys.BenchmarkPublic: 113 µs on P-384, 24 µs on secp256k1
			// (its comb), 14 µs on P-256 (ecCost units cover it).
			case keys.P384:
				cost *= 4
			case keys.Secp256k1:
				cost *= 2
			}
			if !budget.spend(cost) {
				return dst
			}
			pt, ok := c.Public(d)
			if !ok {
				continue
			}
			if k, ok := detectors.ECPublicKey(c, pt); ok {
				k.Derived, k.SeedAt, k.SeedEncoding = true, int64(sc.off), enc
				dst = append(dst, k)
			}
		}
		derived[key] = dst[from:len(dst):len(dst)]
		budget.keepDerived(key, dst[from:])
	}
	return dst
}

// manyP384 is how many P-384 candidates in one buffer start P-384's table:
// a 48-byte candidate is two orders, so three numbers.
const manyP384 = 6

// count returns how many elements of s satisfy f.
func count[T any](s []T, f func(T) bool) int {
	n := 0
	for _, v := range s {
		if f(v) {
			n++
		}
	}
	return n
}

// derivedCurves are the curves whose public points the harvest derives from
// candidate scalars (secp256k1 from little-endian limbs after a chunk header
// only: its multiplication is the costliest of the 32-byte curves).
var derivedCurves = []keys.Curve{keys.P256, keys.Secp256k1, keys.P384}

// harvestDerives reports whether the harvest derives the public key of every
// little-endian scalar of curve c after a chunk header (NoCurve: of every
// Ed25519 seed, big-endian, after one).
func harvestDerives(c keys.Curve) bool { return c == keys.NoCurve || slices.Contains(derivedCurves, c) }

// dupNumber reports whether n is already among the numbers taken at its
// offset (a chunk header is also a run start), which sit at the end of prev.
func dupNumber(prev []number, n number) bool {
	for j := len(prev) - 1; j >= 0 && prev[j].off == n.off; j-- {
		if prev[j].size == n.size && prev[j].order == n.order {
			return true
		}
	}
	return false
}

// appendNumber adds the n bytes at buf[i:] in each given order that passes
// the cheap filters: no run of three zero bytes at either end of a 64-bit
// group, three quarters of the bytes distinct (random numbers pass).
func appendNumber(dst []number, buf []byte, i, n int, orders ...int) []number {
	if i+n > len(buf) || len(dst) >= maxNumbers {
		return dst
	}
	b := buf[i : i+n]
	if !notRepetitive(b[:n&^7]) || structWords(b[:n&^7]) || !keys.LooksRandom(b[:min(n, 64)]) {
		return dst
	}
	for _, o := range orders {
		if o >= 0 {
			dst = append(dst, number{off: i, size: n, order: o})
		}
	}
	return dst
}

// interestingLen[n] says whether n is a length word before a number the
// harvest reads: a size in bytes, or in 32-bit words (Java int[]).
// interestingChunk[c/16] says whether c is a glibc chunk size that holds one.
var interestingLen, interestingChunk = func() (l [0x211]bool, c [0x22]bool) {
	for _, n := range modulusSizes {
		l[n], l[n/2], l[n/4], l[n/8] = true, true, true, true
		c[chunkSize(n)>>4], c[chunkSize(n/2)>>4] = true, true
	}
	for _, n := range coordSizes {
		l[n] = true
		for k := chunkSize(n); k <= 0x90; k += 16 {
			c[k>>4] = true // and larger chunks, for limbs grown with zeros
		}
	}
	for _, n := range pointSizes {
		l[n], c[chunkSize(n)>>4] = true, true
	}
	for _, n := range scalarSizes {
		l[n], l[n/4] = true, true
	}
	return l, c
}()

// interesting is the harvest's quick test of the word w before an 8-aligned
// offset and of the word w16 before that: a chunk header or a length word
// that announces a number of a size it reads.
func interesting(w, w16 uint64) bool {
	if w>>32 == 0 && w <= 0x210 && (interestingLen[w] || interestingChunk[w>>4]) {
		return true
	}
	return w>>32 <= 0x210 && interestingLen[w>>32] || w16 <= 0x210 && interestingLen[w16]
}

// zeroTail reports whether buf[from:to] is all zeros and within buf.
func zeroTail(buf []byte, from, to int) bool {
	if to > len(buf) || from >= to {
		return false
	}
	for _, b := range buf[from:to] {
		if b != 0 {
			return false
		}
	}
	return true
}

// maxNumbers bounds the candidates of one kind kept from one buffer.
const maxNumbers = 1 << 14

func appendPoint(dst []detectors.PublicKey, pt []byte) []detectors.PublicKey {
	for _, c := range []keys.Curve{keys.P256, keys.Secp256k1, keys.P384, keys.P521} {
		if 1+2*c.Size() == len(pt) {
			if k, ok := detectors.ECPublicKey(c, bytes.Clone(pt)); ok {
				dst = append(dst, k)
			}
		}
	}
	return dst
}

// Windows public key blob magics, as the low half of the blob's first word.
const (
	magicRSA1 = 0x31415352 // "RSA1": a CNG RSA public blob, or 8 bytes into a CAPI PUBLICKEYBLOB
	magicEC   = 0x4345     // "EC": ECS1/3/5, ECK1/3/5 (the parser checks the rest)
)

// appendBlob adds the public key of the Windows blob at buf[at:]: a CNG
// BCRYPT_RSAPUBLIC_BLOB or BCRYPT_ECCPUBLIC_BLOB, or the CAPI PUBLICKEYBLOB
// whose RSAPUBKEY it is. Heaps align blobs as they align all allocations,
// so the number scan's 8-aligned words find them.
func appendBlob(dst []detectors.PublicKey, buf []byte, at int) []detectors.PublicKey {
	if k, ok := detectors.PublicKeyFromBlob(buf[at:min(len(buf), at+maxBlob)]); ok {
		return append(dst, k)
	}
	if at >= 8 && buf[at-8] == 0x06 {
		if k, ok := detectors.PublicKeyFromBlob(buf[at-8 : min(len(buf), at-8+maxBlob)]); ok {
			return append(dst, k)
		}
	}
	return dst
}

// commonE are the public exponents tried for a modulus found with a factor.
var commonE = []int64{65537, 3, 5, 17, 257}

// rsaPairs finds moduli among mods that a prime-sized number of primes
// near it divides, and keeps those whose private exponent is near too.
func rsaPairs(dst []detectors.PublicKey, buf []byte, mods, primes []number, budget *Budget) []detectors.PublicKey {
	var done []*big.Int
	var c, q, r big.Int
	// Each prime candidate's filters once, not once per modulus: a crafted
	// heap of thousands of both would make that product the cost.
	var plimbs [][]big.Word // nil for a candidate that fails them
	for _, p := range primes {
		if ptop, pbot := p.ends(buf); ptop < 0x80 || pbot&1 == 0 {
			plimbs = append(plimbs, nil)
			continue
		}
		var limbs []big.Word
		if p.order == orderJava {
			limbs = p.value(buf).Bits() // a new Int's own words
		} else {
			limbs = loadLimbs(nil, buf[p.off:p.off+p.size], p.order == orderLE)
		}
		if !sieve(limbs) {
			limbs = nil
		}
		plimbs = append(plimbs, limbs)
	}
next:
	for _, m := range mods {
		if top, bot := m.ends(buf); top < 0x80 || bot&1 == 0 {
			continue
		}
		var n *big.Int
		for pi, p := range primes {
			limbs := plimbs[pi]
			if limbs == nil || p.size*2 != m.size || abs(p.off-m.off) > numberReach || p.off == m.off {
				continue
			}
			if !budget.spend(1) {
				return dst
			}
			if n == nil {
				n = m.value(buf)
				for _, d := range done {
					if d.Cmp(n) == 0 {
						continue next
					}
				}
			}
			c.SetBits(slices.Clone(limbs)) // c is reused: limbs stay the candidate's
			if q.QuoRem(n, &c, &r); r.Sign() != 0 || c.Cmp(bigOne) <= 0 || c.Cmp(n) >= 0 {
				continue
			}
			if e := provenE(buf, m.off, &c, &q, near(buf, m.off, mods, primes), !m.end && !p.end); e > 0 {
				if k, ok := detectors.RSAPublicKey(n, big.NewInt(e)); ok {
					dst = append(dst, k)
					done = append(done, n)
					continue next
				}
			}
		}
	}
	return dst
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// provenE returns the public exponent e of the key n = p·q when its private
// exponent d (mod λ(n) or φ(n)) or a CRT value d mod p−1, d mod q−1 sits within
// numberReach of at, big-endian, little-endian or in Java's word order; 0
// when none does. It looks first among cands, the candidate numbers near at
// (where runtimes keep d and the CRT values), by their low 64 bits, then,
// when search is set, searches the bytes for the private values of
// e = 65537 (30 searches of 512 KiB for all five exponents cost a few
// milliseconds per pair, and a dump holds pairs whose d was wiped).
func provenE(buf []byte, at int, p, q *big.Int, cands []number, search bool) int64 {
	lows := make([]uint64, len(cands))
	for k, c := range cands {
		lows[k] = c.low64(buf)
	}
	held := func(d *big.Int) bool {
		low := low64(d)
		for k, c := range cands {
			if lows[k] == low && c.value(buf).Cmp(d) == 0 {
				return true
			}
		}
		return false
	}
	p1, q1 := new(big.Int).Sub(p, bigOne), new(big.Int).Sub(q, bigOne)
	var lambda, phi *big.Int
	var e65537 [][]byte // its private values, searched for last
	// For each e its private values, the cheapest first: d mod p−1 and
	// d mod q−1 (e⁻¹ modulo each, whether d was taken mod λ(n) or φ(n)),
	// then d mod λ(n), d mod φ(n). The first e a candidate holds is the key's:
	// a key found with its CRT values costs two half-size inversions.
	for _, e := range commonE {
		eb := big.NewInt(e)
		for k := range 4 {
			mod := p1
			switch k {
			case 1:
				mod = q1
			case 2, 3:
				if phi == nil {
					phi = new(big.Int).Mul(p1, q1)
					lambda = new(big.Int).Quo(phi, new(big.Int).GCD(nil, nil, p1, q1))
				}
				mod = lambda
				if k == 3 {
					mod = phi
				}
			}
			d := new(big.Int).ModInverse(eb, mod)
			if d == nil {
				break // e shares a factor with p−1 or q−1: no such key
			}
			be := d.Bytes()
			if e == 65537 {
				e65537 = append(e65537, be)
			}
			if len(be) >= 16 && held(d) {
				return e
			}
		}
	}
	if !search {
		return 0
	}
	lo, hi := max(0, at-numberReach), min(len(buf), at+numberReach)
	for _, be := range e65537 {
		if len(be) >= 16 && (bytes.Contains(buf[lo:hi], be) || bytes.Contains(buf[lo:hi], reversed(be)) || bytes.Contains(buf[lo:hi], javaWords(be))) {
			return 65537
		}
	}
	return 0
}

// near returns the numbers of lists that start within numberReach of at.
func near(buf []byte, at int, lists ...[]number) []number {
	var out []number
	for _, l := range lists {
		for _, n := range l {
			if abs(n.off-at) <= numberReach {
				out = append(out, n)
			}
		}
	}
	return out
}

// An ecField is what the on-curve match needs of a curve.
type ecField struct {
	c       keys.Curve
	size    int
	p, a, b *big.Int
	rinv    []*big.Int // inverses of the Montgomery radixes OpenSSL uses
	gx      *big.Int
}

var ecFields = func() []ecField {
	var out []ecField
	for _, c := range []keys.Curve{keys.P256, keys.P384, keys.P521, keys.Secp256k1} {
		var f ecField
		f.c, f.size = c, c.Size()
		switch c {
		case keys.Secp256k1:
			prm := secp256k1.Params()
			f.p, f.a, f.b, f.gx = prm.P, big.NewInt(0), big.NewInt(7), prm.Gx
		default:
			std := map[keys.Curve]elliptic.Curve{keys.P256: elliptic.P256(), keys.P384: elliptic.P384(), keys.P521: elliptic.P521()}[c]
			prm := std.Params()
			f.p, f.b, f.gx = prm.P, prm.B, prm.Gx
			f.a = new(big.Int).Sub(prm.P, big.NewInt(3))
		}
		limbs := (f.p.BitLen() + 63) / 64
		r := new(big.Int).Lsh(bigOne, uint(64*limbs))
		f.rinv = []*big.Int{new(big.Int).ModInverse(r, f.p)}
		out = append(out, f)
	}
	return out
}()

// A coordinate is a candidate read as a value on one curve.
type coordinate struct {
	at int // offset in buf
	f  int // index in ecFields
	v  *big.Int
}

// ecPairs finds pairs of coordinates (X, Y) with Y² = X³ + aX + b among coords.
func ecPairs(dst []detectors.PublicKey, buf []byte, coords []number, budget *Budget) []detectors.PublicKey {
	rhs := map[string]coordinate{} // curve and X³+aX+b → X
	var ys []coordinate
	var ySq []string
	for _, n := range coords {
		v := n.value(buf)
		for fi := range ecFields {
			f := &ecFields[fi]
			if n.size != f.size && !(n.size == 72 && f.size == 66) || v.Cmp(f.p) >= 0 || v.Sign() == 0 {
				continue
			}
			if !budget.spend(2) {
				return dst
			}
			vals := []*big.Int{v}
			for _, ri := range f.rinv {
				vals = append(vals, new(big.Int).Mod(new(big.Int).Mul(v, ri), f.p))
			}
			for _, x := range vals {
				if x.Cmp(f.gx) == 0 {
					continue // the generator, kept by every library
				}
				y := new(big.Int).Mul(x, x)
				y.Mul(y, x).Add(y, new(big.Int).Mul(f.a, x)).Add(y, f.b).Mod(y, f.p)
				rhs[string(rune(fi))+string(y.Bytes())] = coordinate{n.off, fi, x}
				s := new(big.Int).Mul(x, x)
				s.Mod(s, f.p)
				ys = append(ys, coordinate{n.off, fi, x})
				ySq = append(ySq, string(rune(fi))+string(s.Bytes()))
			}
		}
	}
	seen := map[string]bool{}
	for i, y := range ys {
		x, ok := rhs[ySq[i]]
		if !ok || x.at == y.at || abs(x.at-y.at) > numberReach {
			continue
		}
		f := &ecFields[y.f]
		pt := make([]byte, 1+2*f.size)
		pt[0] = 4
		x.v.FillBytes(pt[1 : 1+f.size])
		y.v.FillBytes(pt[1+f.size:])
		if seen[string(pt)] {
			continue
		}
		seen[string(pt)] = true
		if k, ok := detectors.ECPublicKey(f.c, pt); ok {
			dst = append(dst, k)
		}
	}
	return dst
}

// Spent is how many units of the budget have been used.
func (b *Budget) Spent() int64 {
	if b == nil {
		return 0
	}
	return budgetBase*b.scale + b.earned.Load() - b.left.Load()
}
