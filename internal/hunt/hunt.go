// Package hunt finds private keys a process holds as bare numbers: the
// BIGNUM limbs of OpenSSL, the big.Int words of Go, a scalar in a byte array.
// Such numbers have no marker, so the hunt needs the public half: for every
// known RSA modulus it looks for a prime factor, for every known EC or Ed25519
// public key for the scalar or seed that yields it. The public halves come from
// the user (--pubkeys) or from the dump itself ([Harvest]).
//
// What the default mode tries, at offsets aligned from the start of the memory
// it is handed (see [Hunter.Hunt]):
//   - around an anchor, only the key the anchor belongs to: for RSA every
//     8-aligned offset within huntNearRSA (32 KiB), for EC and Ed25519 every
//     16-aligned one within huntNearEC (2 KiB) that does not lie inside a
//     random run longer than maxRun (an RSA number's limbs, data; see
//     [inLongRun]). An anchor is the public half of
//     a known key sitting in memory: the modulus or the X coordinate as
//     big-endian bytes or little-endian limbs, the Ed25519 public key. A
//     process that parsed a key allocated its public and private numbers
//     together. This finds Go's keys (big.Int words beside N or X).
//   - every offset just after a glibc malloc chunk header whose size fits a
//     factor or scalar (a 32-byte limb array sits behind a size word of 0x31,
//     a 1024-bit factor behind 0x91), trying every key; EC scalars there only
//     as little-endian limbs. This finds OpenSSL's BIGNUMs, including its EC
//     scalars, whose public point OpenSSL keeps in Montgomery form, so no
//     anchor is near them.
//
// It does not try numbers far from their public half with no malloc header
// (a Go process that dropped its *PrivateKey but kept a copy of p elsewhere,
// other allocators: jemalloc, tcmalloc, Windows heaps), nor numbers at offsets
// not 8-aligned (16 for EC near anchors). Deep mode tries every byte offset
// for RSA factors and every 8-aligned window that passes the entropy filter
// for EC scalars and Ed25519 seeds, against every key: minutes per hundred
// MiB of random-looking bytes.
//
// Every find is proved: n mod p = 0 with 1 < p < n for RSA, d·G = Q for EC,
// the public key derived from the seed for Ed25519. Nothing is reported on a
// parse or a likeness alone.
package hunt

import (
	"bytes"
	"encoding/binary"
	"math/big"
	"math/bits"
	"slices"
	"sync"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
)

// Options tune the hunt.
type Options struct {
	// Deep tries every byte offset for RSA factors and every 8-aligned window
	// for EC scalars and Ed25519 seeds, not only the likely ones; the scanner
	// then also hands the hunt every region, not only writable memory.
	Deep bool

	// Budget, when set, bounds the trials (divisions, scalar
	// multiplications); when it runs out the hunt stops trying and
	// Budget.Cut reports it.
	Budget *Budget

	// HeadersDerived says the caller ran [HarvestNumbers] over the same
	// memory and matches the derived keys it returned against pubs itself
	// (see [Proved]): the numbers after chunk headers have had their public
	// halves derived there for every curve the harvest derives, so the hunt
	// tries them only for the others (P-521).
	HeadersDerived bool

	// For measurements: all8 tries every 8-aligned offset for RSA;
	// noAnchors and noHeaders switch off one source of default candidates.
	all8, noAnchors, noHeaders bool
}

// Align is the alignment, in the process's address space, of the first byte
// of every buffer handed to [Hunter.Hunt]. The hunt tries numbers at offsets
// aligned within its buffer (8 for RSA factors and chunk headers, 16 for EC
// scalars near an anchor), which are aligned in the process only when the
// buffer starts at an address that is a multiple of Align.
const Align = 64

// A Find is one key the hunt proved. Its parts are the byte ranges of the
// key's components it found (p, q, d, dp, dq, qinv for RSA; d for EC; seed for
// Ed25519), relative to the buffer handed to [Hunter.Hunt] and sorted by
// offset. Parts may lie anywhere in that buffer, before or after the number
// that revealed the key, up to [Hunter.Reach] bytes from it: Parts[0] is
// where the find starts, and the caller that scans overlapping buffers keeps a
// find in the buffer that owns Parts[0].
type Find struct {
	Key      keys.KeyInfo // Status is validated by construction
	Encoding string       // "raw-be", "raw-le", "raw-java": the byte order of the number that revealed the key
	Parts    []Part       // at least one
}

// A Part is the byte range of one component of a found key.
type Part struct {
	Off, Len int
	What     string // "p", "q", "d", "dp", "dq", "qinv", "seed"
}

// A Hunter proves raw numbers against a fixed set of public keys. It is safe
// for concurrent use and retains no buffer it is handed.
type Hunter struct {
	opt     Options
	keys    []detectors.PublicKey
	rsa     []*rsaGroup // by factor size
	ec      []*ecGroup  // by curve
	anchors anchorIndex
	chunks  []chunkKind // glibc chunk sizes worth a look, sorted
	groupOf []int       // index of each key's group in rsa or ec; -1 for unusable keys
	derived int         // keys whose seed the harvest holds (detectors.PublicKey.Derived)
	// javaLo, javaHi bound the 32-bit word counts of the RSA factors, the
	// lengths of the Java int[] whose data the hunt tries (javaLo > javaHi:
	// none).
	javaLo, javaHi uint64
	// lenWant[n] says whether n bytes is the size of a wanted RSA factor,
	// whose length word (.NET, Java, Python) makes the number after it a
	// candidate.
	lenWant []bool
	reach   int
}

// noJava is javaLo and javaHi when no factor is a whole number of words.
const noJava = 1 << 40

// Reach of the hunt around an anchor or a found component.
const (
	huntNear    = 64 << 10 // RSA: d, the cofactor and CRT values around a factor
	huntNearRSA = 32 << 10 // RSA: factors around the modulus (16 KiB apart seen in Go, 10 KiB in OpenSSL)
	huntNearEC  = 2 << 10  // EC: scalars around the public point (each try costs a scalar multiplication)
	// ecNearStep is the stride of EC tries around an anchor: malloc and Go's
	// allocator both align blocks of 16 bytes or more to 16.
	ecNearStep = 16
	maxParts   = 16
)

// An rsaGroup holds the moduli whose factors have the same byte length.
type rsaGroup struct {
	size    int  // bytes of a factor
	topBit  uint // the factor's top byte has this bit as its highest set bit
	loose   bool // an odd-sized modulus: the factor may be a bit shorter
	targets []rsaTarget
}

type rsaTarget struct {
	key int // index in hunt.keys
	n   *big.Int
	// A factor whose cofactor has its own bit length lies in (n/2^half,
	// n/2^(half−1)]: bounds on its top 64 bits, checked before dividing.
	topLo, topHi uint64
}

// An ecGroup holds the public keys on one curve; curve is NoCurve for Ed25519.
type ecGroup struct {
	curve   keys.Curve
	name    string
	size    int      // bytes of a scalar or seed
	targets [][]byte // X coordinate (EC) or public key (Ed25519), one per key
	keys    []int
	// byX maps a target to its indexes in targets, so that a candidate is
	// matched against every key of the curve with one lookup, however many
	// keys the dump holds.
	byX map[string][]int
	// slider, in deep mode, tries a scalar at every byte offset by sliding
	// the window (keys.Slider): one per EC curve, nil for Ed25519.
	slider *keys.Slider
}

// New returns a Hunter for pubs. Keys it cannot use (no modulus, no point,
// an unknown curve) are ignored.
func New(pubs []detectors.PublicKey, opt Options) *Hunter {
	h := &Hunter{opt: opt, keys: pubs, groupOf: make([]int, len(pubs))}
	for i, k := range pubs {
		h.groupOf[i] = -1
		switch {
		case (k.Type == "rsa" || k.Type == "rsa-pss") && k.N != nil && k.N.BitLen() >= 256 && k.N.BitLen() <= keys.MaxRSABits:
			half := (k.N.BitLen() + 1) / 2
			size := (half + 7) / 8
			g := h.rsaGroupFor(size, uint((half-1)%8), k.N.BitLen()%2 == 1)
			h.groupOf[i] = slices.Index(h.rsa, g)
			t := rsaTarget{key: i, n: k.N, topHi: ^uint64(0)}
			if shift := uint(8*size - 64); size >= 8 {
				lo, hi := new(big.Int).Rsh(k.N, uint(half)+shift), new(big.Int).Rsh(k.N, uint(half-1)+shift)
				if lo.IsUint64() {
					t.topLo = lo.Uint64()
				}
				if hi.IsUint64() {
					t.topHi = hi.Uint64()
				}
			}
			g.targets = append(g.targets, t)
			h.anchors.add(anchorNeedle{b: k.N.Bytes(), key: i, reach: huntNearRSA, be: true})
			h.anchors.add(anchorNeedle{b: reversed(k.N.Bytes()), key: i, reach: huntNearRSA})
			h.addChunk(size, true)
		case k.Type == "ec" && k.Derived && k.Curve.Known() && len(k.Point) == 1+2*k.Curve.Size():
			// Not a target: its scalar is known. Its X coordinate anywhere in
			// the dump, in any form a library keeps it, is the proof.
			for j, x := range xForms(k.Curve, k.Point[1:1+k.Curve.Size()]) {
				h.anchors.add(anchorNeedle{b: x, key: i, derived: true, aligned: j > 0})
			}
			h.derived++
		case k.Type == "ec" && k.Curve.Known() && len(k.Point) == 1+2*k.Curve.Size():
			c := k.Curve
			x := k.Point[1 : 1+c.Size()]
			g := h.ecGroupFor(c, c.String(), c.Size())
			g.targets, g.keys = append(g.targets, x), append(g.keys, i)
			h.groupOf[i] = slices.Index(h.ec, g)
			if c.Size() == 32 {
				// A big-endian X (Go's crypto/ecdh keeps 04‖X‖Y) is an anchor only
				// for the cheap curves: OpenSSL keeps each certificate's point
				// as a bare 04‖X‖Y too, and P-384 roots in a CA bundle would cost
				// a P-384 multiplication per try around each.
				h.anchors.add(anchorNeedle{b: x, key: i, reach: huntNearEC, be: true, point: true})
			}
			h.anchors.add(anchorNeedle{b: reversed(x), key: i, reach: huntNearEC})
			if !opt.HeadersDerived || !harvestDerives(c) {
				h.addChunk(c.Size(), false)
				h.addChunk((c.Size()+7)&^7, false)
			}
		case k.Type == "ed25519" && len(k.Point) == 32 && k.Derived:
			// Not a target: its seed is known. Finding the public key in the
			// dump is the proof.
			h.anchors.add(anchorNeedle{b: k.Point, key: i, derived: true})
			h.derived++
		case k.Type == "ed25519" && len(k.Point) == 32:
			g := h.ecGroupFor(keys.NoCurve, "Ed25519", 32)
			g.targets, g.keys = append(g.targets, k.Point), append(g.keys, i)
			h.groupOf[i] = slices.Index(h.ec, g)
			h.anchors.add(anchorNeedle{b: k.Point, key: i, reach: huntNearEC, be: true})
			if !opt.HeadersDerived {
				h.addChunk(32, false)
			}
		}
	}
	for _, g := range h.ec {
		g.byX = make(map[string][]int, len(g.targets))
		for j, t := range g.targets {
			g.byX[string(t)] = append(g.byX[string(t)], j)
		}
		if opt.Deep && g.curve.Known() {
			points := make([][]byte, 0, len(g.keys))
			for _, k := range g.keys {
				points = append(points, pubs[k].Point)
			}
			// An error leaves the curve to the 8-aligned tries below.
			g.slider, _ = keys.NewSlider(g.curve, points)
		}
	}
	h.anchors.build()
	slices.SortFunc(h.chunks, func(a, b chunkKind) int { return a.size - b.size })
	h.reach = huntNear
	// noJava: a range no high half of a word (below 2³²) falls in.
	h.javaLo, h.javaHi = noJava, noJava
	for _, g := range h.rsa {
		if g.size >= 32 {
			if len(h.lenWant) <= g.size {
				h.lenWant = slices.Grow(h.lenWant, g.size+1-len(h.lenWant))[:g.size+1]
			}
			h.lenWant[g.size] = true
		}
		h.reach = max(h.reach, huntNear+4*g.size)
		if w := uint64(g.size / 4); g.size%4 == 0 {
			if h.javaLo == noJava {
				h.javaLo, h.javaHi = w, w
			}
			h.javaLo, h.javaHi = min(h.javaLo, w), max(h.javaHi, w)
		}
	}
	return h
}

// A chunkKind is a glibc chunk size whose data may be a wanted number.
type chunkKind struct {
	size    int
	rsa, ec bool
}

func (h *Hunter) addChunk(n int, rsa bool) {
	c := chunkSize(n)
	for i := range h.chunks {
		if h.chunks[i].size == c {
			h.chunks[i].rsa = h.chunks[i].rsa || rsa
			h.chunks[i].ec = h.chunks[i].ec || !rsa
			return
		}
	}
	h.chunks = append(h.chunks, chunkKind{c, rsa, !rsa})
}

func (h *Hunter) rsaGroupFor(size int, topBit uint, loose bool) *rsaGroup {
	for _, g := range h.rsa {
		if g.size == size {
			g.loose = g.loose || loose || g.topBit != topBit
			return g
		}
	}
	g := &rsaGroup{size: size, topBit: topBit, loose: loose}
	h.rsa = append(h.rsa, g)
	return g
}

func (h *Hunter) ecGroupFor(c keys.Curve, name string, size int) *ecGroup {
	for _, g := range h.ec {
		if g.name == name {
			return g
		}
	}
	g := &ecGroup{curve: c, name: name, size: size}
	h.ec = append(h.ec, g)
	return g
}

// Reach is how far from the number that reveals a key the hunt looks for the
// key's other components (a factor's cofactor, d and the CRT values), and so
// how many bytes past the part of a buffer the caller wants hunted the buffer
// must go on for every key there to be found whole.
func (h *Hunter) Reach() int { return h.reach }

// Deep reports whether the hunt was made with [Options.Deep]: its caller then
// hands it every region of a dump, not only writable memory.
func (h *Hunter) Deep() bool { return h.opt.Deep }

// Empty reports whether the hunter has no key it can look for.
func (h *Hunter) Empty() bool { return len(h.rsa) == 0 && len(h.ec) == 0 && h.derived == 0 }

// huntScratch is the per-call working memory, pooled so a miss allocates nothing.
type huntScratch struct {
	ranges  []span2 // RSA candidate ranges
	rangesE []span2 // EC candidate ranges
	limbs   []big.Word
	c, q, r big.Int
	rev     []byte
	found   []foundKey
	headers []int
	java    []int      // offsets after a Java int[] length word (javaLo..javaHi)
	lens    []int      // offsets after a length word of a factor's size in bytes
	derived []foundKey // derived public keys seen: key, offset
	offs    []int      // offsets a slider reports
}

// A span2 is a range of candidate offsets for one key (key −1: every key).
type span2 struct{ lo, hi, key int }

type foundKey struct{ key, hit int }

var huntPool = sync.Pool{New: func() any { return new(huntScratch) }}

// Hunt appends to dst the keys whose private numbers it finds in buf and
// proves. buf is memory of one process, or of adjacent regions, whose first
// byte lies at an address that is a multiple of [Align]; numbers are tried at
// offsets aligned from buf's start. Numbers are tried anywhere in buf, and
// their components looked for up to [Hunter.Reach] bytes from them within buf:
// a caller that hunts a region in overlapping pieces hands each piece with
// Reach bytes of what follows, keeps the finds whose Parts[0] lies in the part
// it owns, and merges the finds of one key that two pieces report. A miss
// allocates nothing.
func (h *Hunter) Hunt(dst []Find, buf []byte) []Find { return h.HuntMapped(dst, buf, WordMap{}) }

// HuntMapped is [Hunter.Hunt] with the map of buf's window, by which it
// tells data from live memory without reading the data.
func (h *Hunter) HuntMapped(dst []Find, buf []byte, m WordMap) []Find {
	if h.Empty() || !h.opt.Deep && isData(buf, m) {
		return dst
	}
	s := huntPool.Get().(*huntScratch)
	defer huntPool.Put(s)
	s.ranges, s.rangesE, s.found, s.derived = s.ranges[:0], s.rangesE[:0], s.found[:0], s.derived[:0]

	// One pass over the aligned words: anchors and allocator headers.
	h.scanWords(s, buf, m)
	for _, d := range s.derived {
		dst = h.foundDerived(dst, s, d.key, d.hit)
	}
	if h.opt.Deep || h.opt.all8 {
		s.ranges = append(s.ranges[:0], span2{0, len(buf), -1})
	}
	if h.opt.Deep {
		s.rangesE = append(s.rangesE[:0], span2{0, len(buf), -1})
	}
	s.ranges, s.rangesE = mergeRanges(s.ranges), mergeRanges(s.rangesE)

	// Around an anchor only its own key is tried: a process keeps a key's
	// numbers beside its own public half, and each try costs a division or a
	// scalar multiplication per key.
	step := 8
	if h.opt.Deep {
		step = 1
	}
	for _, r := range s.ranges {
		for i := (r.lo + step - 1) / step * step; i < r.hi; i += step {
			dst = h.tryRSA(dst, s, buf, i, r.key)
		}
	}
	stepE := ecNearStep
	if h.opt.Deep {
		stepE = 8
	}
	for _, r := range s.rangesE {
		for i := (r.lo + stepE - 1) / stepE * stepE; i < r.hi; i += stepE {
			dst = h.tryEC(dst, s, buf, i, r.key, false)
		}
	}
	if h.opt.Deep {
		dst = h.slideEC(dst, s, buf)
	}
	if !h.opt.Deep && !h.opt.all8 && !h.opt.noHeaders {
		for _, i := range s.java {
			dst = h.tryRSA(dst, s, buf, i, -1)
		}
		for _, i := range s.lens {
			dst = h.tryRSA(dst, s, buf, i, -1)
		}
	}
	if !h.opt.Deep && !h.opt.noHeaders {
		for _, v := range s.headers {
			i := v >> 2
			if v&1 != 0 && !h.opt.all8 {
				dst = h.tryRSA(dst, s, buf, i, -1)
				if j := derValue(buf, i); j > i {
					dst = h.tryRSA(dst, s, buf, j, -1)
				}
			}
			if v&2 != 0 {
				dst = h.tryEC(dst, s, buf, i, -1, true)
			}
		}
	}
	return dst
}

// minData is the size from which a buffer with no structured word is taken
// for data, not objects, and not hunted by default.
const minData = 256 << 10

// derValue returns where the value starts when buf[i:] starts with a DER
// length of at least 32 bytes (and a 00 sign byte): GnuTLS's libtasn1 tree
// keeps each number of a key big-endian in its own chunk after its length
// (81 81 00 p, 82 01 00 d). It returns i when buf[i:] starts with none.
func derValue(buf []byte, i int) int {
	if i+4 > len(buf) {
		return i
	}
	j, n := i+1, int(buf[i])
	switch {
	case buf[i] == 0x81:
		j, n = i+2, int(buf[i+1])
	case buf[i] == 0x82:
		j, n = i+3, int(buf[i+1])<<8|int(buf[i+2])
	case buf[i] >= 0x80:
		return i
	}
	if n < 32 || j+n > len(buf) {
		return i
	}
	if buf[j] == 0 && buf[j+1] >= 0x80 {
		j++ // the sign byte of an INTEGER whose top bit is set
	}
	return j
}

// IsData reports whether the default hunt skips buf (see structured): it is
// minData bytes or more with no word whose top 24 bits are all zero or all
// one. A caller may leave such memory out of a hunt pass.
func IsData(buf []byte) bool { return isData(buf, WordMap{}) }

// isData is [IsData], reading only the blocks m marks when m is a map.
func isData(buf []byte, m WordMap) bool { return len(buf) >= minData && !Structured(buf, m) }

// structured reports whether buf holds an 8-aligned word whose top 24 bits
// are all zero or all one: a NULL, a small integer, a length, an allocator's
// header, a negative number. Live objects always hold some; random,
// compressed or encrypted data holds one once in 2²³ words, so [minData]
// bytes of it or more (256 KiB: a 0.4 % chance) are not hunted by default: a
// key's numbers there would lie in a quarter of a MiB with no NULL, no header
// and no length word, their public half beside them ([Options.Deep] hunts
// it). A core of a process holding 256 MiB of random bytes costs 30 % less.
func structured(buf []byte) bool {
	b := buf[:len(buf)&^7]
	for ; len(b) >= 32; b = b[32:] {
		w0, w1 := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
		w2, w3 := binary.LittleEndian.Uint64(b[16:]), binary.LittleEndian.Uint64(b[24:])
		if smallWord(w0) || smallWord(w1) || smallWord(w2) || smallWord(w3) {
			return true
		}
	}
	for ; len(b) >= 8; b = b[8:] {
		if smallWord(binary.LittleEndian.Uint64(b)) {
			return true
		}
	}
	return false
}

// smallWord reports whether w is not zero and its top 24 bits are all zero
// or all one. Zero is left out: pages of zeros hold no object either.
func smallWord(w uint64) bool { return w != 0 && uint32(w>>40+1)&0xffffff <= 1 }

// skipZeros returns the first offset j ≥ i, a multiple of 8 from i, at which
// buf holds a word that is not zero, or one past the last whole word.
func skipZeros(buf []byte, i int) int {
	for ; i+32 <= len(buf); i += 32 {
		if binary.LittleEndian.Uint64(buf[i:])|binary.LittleEndian.Uint64(buf[i+8:])|
			binary.LittleEndian.Uint64(buf[i+16:])|binary.LittleEndian.Uint64(buf[i+24:]) != 0 {
			break
		}
	}
	for ; i+8 <= len(buf) && binary.LittleEndian.Uint64(buf[i:]) == 0; i += 8 {
	}
	return i
}

// foundDerived reports the key whose public half, derived from a seed the
// harvest met, lies at buf[off:]: the one part reported here is that public
// key; the caller adds the seed, whose place the harvest knows
// (detectors.PublicKey.SeedAt).
func (h *Hunter) foundDerived(dst []Find, s *huntScratch, key, off int) []Find {
	for _, f := range s.found {
		if f.key == key {
			return dst
		}
	}
	k := h.keys[key]
	s.found = append(s.found, foundKey{key, len(dst)})
	enc, info := derivedInfo(k, "public key derived from the seed found in the dump", "d·G=Q, 0<d<n; Q's X coordinate found in the dump")
	n := len(k.Point)
	if k.Type == "ec" {
		n = k.Curve.Size()
	}
	return append(dst, Find{Encoding: enc, Key: info, Parts: []Part{{Off: off, Len: n, What: "public"}}})
}

// derivedInfo is the encoding and key of a find of the derived key k, with
// the proof for a seed (Ed25519) or an EC scalar.
func derivedInfo(k detectors.PublicKey, seedProof, scalarProof string) (string, keys.KeyInfo) {
	enc := k.SeedEncoding
	if enc == "" {
		enc = "raw-be"
	}
	info := keys.KeyInfo{Type: k.Type, Bits: 256, SPKI: k.SPKI, Proof: seedProof}
	if k.Type == "ec" {
		info.Bits, info.Curve, info.Proof = k.Curve.Bits(), k.Curve, scalarProof
	}
	return enc, info
}

// Proved is the find of the derived key k (a candidate seed or scalar the
// harvest met, and the public key derived from it) when the dump also holds
// that public key in an encoding, or the user named it: the number at
// k.SeedAt is the key's private half. Its one part is that number, at offset
// 0: offsets are relative to k.SeedAt.
func Proved(k detectors.PublicKey) Find {
	enc, info := derivedInfo(k, "public key derived from the seed is one the dump holds or --pubkeys names",
		"d·G=Q, 0<d<n; Q is a public key the dump holds or --pubkeys names")
	p := Part{Len: 32, What: "seed"}
	if k.Type == "ec" {
		p.Len, p.What = k.Curve.Size(), "d"
	}
	return Find{Encoding: enc, Key: info, Parts: []Part{p}}
}

// xForms are the forms of an EC X coordinate x (big-endian) that processes
// keep, the first at any alignment and the others 8-aligned: big-endian bytes (Go's 04‖X‖Y, a DER point), little-endian limbs
// (BIGNUM, big.Int, mbedTLS) and little-endian limbs in Montgomery form,
// X·2^(64·limbs) mod p (OpenSSL's P-256 and generic Montgomery points, Go's
// fiat field elements in crypto/internal/fips140/nistec).
func xForms(c keys.Curve, x []byte) [][]byte {
	out := [][]byte{x, reversed(x)}
	for _, f := range ecFields {
		if f.c != c {
			continue
		}
		limbs := (f.p.BitLen() + 63) / 64
		m := new(big.Int).Lsh(new(big.Int).SetBytes(x), uint(64*limbs))
		m.Mod(m, f.p)
		out = append(out, reversed(m.FillBytes(make([]byte, len(x)))))
	}
	return out
}

// mergeRanges sorts ranges by key and offset and merges those of one key that
// overlap.
func mergeRanges(r []span2) []span2 {
	slices.SortFunc(r, func(a, b span2) int {
		if a.key != b.key {
			return a.key - b.key
		}
		return a.lo - b.lo
	})
	out := r[:0]
	for _, x := range r {
		if n := len(out); n > 0 && x.key == out[n-1].key && x.lo <= out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, x.hi)
			continue
		}
		out = append(out, x)
	}
	return out
}

// scanWords reads buf once as 8-aligned little-endian words. Anchors (known
// public material) add candidate ranges to s; the offsets just after a glibc
// chunk header whose data size fits a wanted number go to s.headers, with
// bit 0 set for an RSA size and bit 1 for an EC one (offset<<2 | bits).
func (h *Hunter) scanWords(s *huntScratch, buf []byte, m WordMap) {
	s.headers, s.java, s.lens = s.headers[:0], s.java[:0], s.lens[:0]
	lo, hi := 1, 0
	if len(h.chunks) > 0 {
		lo, hi = h.chunks[0].size, h.chunks[len(h.chunks)-1].size
	}
	a := &h.anchors
	for i := 0; i+8 <= len(buf); i += 8 {
		if i%minData == 0 && !h.opt.Deep && isData(buf[i:min(len(buf), i+minData)], m.at(i)) {
			// minData bytes of data inside a buffer that is not all data
			// (a span of adjacent regions): skipped as a buffer of them is.
			i += minData - 8
			continue
		}
		w := binary.LittleEndian.Uint64(buf[i:])
		if w == 0 && i+16 <= len(buf) && binary.LittleEndian.Uint64(buf[i+8:]) == 0 {
			// A run of zeros (a zero page) holds no anchor, header or length.
			if i = skipZeros(buf, i) - 8; i+16 > len(buf) {
				break
			}
			continue
		}
		if hb := (w * hashMul) >> a.shift; a.bitmap[hb/64]&(1<<(hb%64)) != 0 && !h.opt.noAnchors {
			h.anchorAt(s, buf, i, w)
		}
		// A Java int[] length (the high half) of a factor's word count.
		if w>>32-h.javaLo <= h.javaHi-h.javaLo && i+8 < len(buf) {
			s.java = append(s.java, i+8)
		}
		// A length of a factor's size in bytes: a .NET byte[] (the 64-bit
		// length just before its data), a Java byte[] (the high half), a
		// Python bytes object (ob_size, then the hash, then the data).
		if w < uint64(len(h.lenWant)) && h.lenWant[w] {
			s.lens = append(s.lens, i+8, i+16)
		} else if j := w >> 32; j < uint64(len(h.lenWant)) && h.lenWant[j] && uint32(w) != 0 {
			s.lens = append(s.lens, i+8)
		}
		// A glibc chunk header: the size, with flag bits in the low three.
		if c := int(w &^ 7); w>>32 == 0 && c >= lo && c <= hi && i+8 < len(buf) {
			for _, k := range h.chunks {
				if k.size == c {
					v := (i + 8) << 2
					if k.rsa {
						v |= 1
					}
					if k.ec {
						v |= 2
					}
					s.headers = append(s.headers, v)
					break
				}
			}
		}
	}
}

// chunkSize is the glibc chunk size of a malloc(n): n plus the size word,
// rounded up to 16.
func chunkSize(n int) int { return max(32, (n+8+15)&^15) }

// anchorAt checks the anchor entries for word w at aligned offset i and adds
// the ranges around every needle that matches in full.
func (h *Hunter) anchorAt(s *huntScratch, buf []byte, i int, w uint64) {
	a := &h.anchors
	j, _ := slices.BinarySearchFunc(a.entries, w, func(e anchorEntry, w uint64) int {
		switch {
		case e.word < w:
			return -1
		case e.word > w:
			return 1
		}
		return 0
	})
	for ; j < len(a.entries) && a.entries[j].word == w; j++ {
		e := a.entries[j]
		nd := a.needles[e.needle]
		off := i - e.skip
		if off < 0 || off+len(nd.b) > len(buf) || !bytes.Equal(buf[off:off+len(nd.b)], nd.b) ||
			nd.be && serialized(buf[:off], len(nd.b), nd.point) {
			continue
		}
		if nd.derived {
			s.derived = append(s.derived, foundKey{nd.key, off})
			continue
		}
		r := span2{max(0, off-nd.reach), min(len(buf), off+len(nd.b)+nd.reach), nd.key}
		if nd.reach == huntNearRSA {
			s.ranges = append(s.ranges, r)
		} else {
			s.rangesE = append(s.rangesE, r)
		}
	}
}

// serialized reports whether public material of n bytes that follows before
// sits in a serialized public key: a DER INTEGER or BIT STRING (a certificate,
// an SPKI) or an SSH wire string. A certificate or a CA bundle is not where a
// process keeps the private half, and a CA bundle holds hundreds of them, so
// these are no anchors. The live forms are: little-endian limbs (BIGNUM,
// big.Int), a bare point or key in a struct.
func serialized(before []byte, n int, point bool) bool {
	k := len(before)
	if point && k > 0 && before[k-1] == 4 { // 04‖X‖Y
		k, n = k-1, 2*n+1
	}
	if k > 0 && before[k-1] == 0 { // INTEGER sign pad, BIT STRING unused bits
		k, n = k-1, n+1
	}
	tag := func(b byte) bool { return b == 0x02 || b == 0x03 }
	switch {
	case k >= 2 && tag(before[k-2]) && int(before[k-1]) == n && n < 0x80,
		k >= 3 && tag(before[k-3]) && before[k-2] == 0x81 && int(before[k-1]) == n,
		k >= 4 && tag(before[k-4]) && before[k-3] == 0x82 && int(binary.BigEndian.Uint16(before[k-2:])) == n,
		k >= 4 && int64(binary.BigEndian.Uint32(before[k-4:])) == int64(n):
		return true
	}
	return false
}

// An anchorIndex finds known public material in a buffer with one pass over
// its aligned words: every needle is entered under the aligned word it would
// put in memory at each of the eight possible misalignments.
type anchorIndex struct {
	needles []anchorNeedle
	entries []anchorEntry // sorted by word
	// bitmap has a bit set for the hash of every entry's word, at least 64
	// bits per entry so that most words of memory miss it; shift takes the
	// hash's top bits.
	bitmap []uint64
	shift  uint
}

type anchorNeedle struct {
	b     []byte
	key   int
	reach int
	be    bool // big-endian bytes, which a serialized public key also holds
	point bool // an EC X coordinate, which a serialized point follows 04 with
	// derived: the public key of a candidate seed; found anywhere, even
	// serialized, it proves the seed.
	derived bool
	// aligned: limbs, which a process keeps at 8-aligned addresses, so the
	// needle is entered under its first word only.
	aligned bool
}

type anchorEntry struct {
	word   uint64
	needle int
	skip   int // bytes of the needle before the aligned word
}

const (
	anchorBits = 16 // the smallest bitmap: 2¹⁶ bits
	hashMul    = 0x9e3779b97f4a7c15
)

func (a *anchorIndex) add(nd anchorNeedle) {
	b := nd.b
	if len(b) < 16 {
		return
	}
	a.needles = append(a.needles, nd)
	if nd.aligned {
		a.entries = append(a.entries, anchorEntry{binary.LittleEndian.Uint64(b), len(a.needles) - 1, 0})
		return
	}
	for skip := range 8 {
		w := binary.LittleEndian.Uint64(b[skip:])
		a.entries = append(a.entries, anchorEntry{w, len(a.needles) - 1, skip})
	}
}

func (a *anchorIndex) build() {
	slices.SortFunc(a.entries, func(x, y anchorEntry) int {
		switch {
		case x.word < y.word:
			return -1
		case x.word > y.word:
			return 1
		}
		return 0
	})
	bits := anchorBits
	for bits < 26 && 1<<bits < 64*len(a.entries) {
		bits++
	}
	a.shift = uint(64 - bits)
	a.bitmap = make([]uint64, 1<<bits/64)
	for _, e := range a.entries {
		hb := (e.word * hashMul) >> a.shift
		a.bitmap[hb/64] |= 1 << (hb % 64)
	}
}

// tryRSA tests the numbers at buf[i:] in both byte orders as factors of every
// known modulus of each size.
func (h *Hunter) tryRSA(dst []Find, s *huntScratch, buf []byte, i, only int) []Find {
	for gi, g := range h.rsa {
		if i+g.size > len(buf) || (only >= 0 && h.groupOf[only] != gi) {
			continue
		}
		c := buf[i : i+g.size]
		if c[g.size-1]&1 == 1 && g.topOK(c[0]) {
			dst = h.tryFactor(dst, s, buf, g, i, orderBE, only)
		}
		if c[0]&1 == 1 && g.topOK(c[g.size-1]) {
			dst = h.tryFactor(dst, s, buf, g, i, orderLE, only)
		}
		if javaLen(buf, i, g.size) && c[g.size-4]&1 == 1 && g.topOK(c[3]) {
			dst = h.tryFactor(dst, s, buf, g, i, orderJava, only)
		}
	}
	return dst
}

// javaLen reports whether the 4 bytes before buf[i:] are the length word of a
// Java int[] of size bytes: HotSpot's array header on 64-bit with compressed
// class pointers is mark (8), klass (4), length (4), so the words start just
// after their count. A BigInteger magnitude has no leading zero word, so a
// factor of size bytes is always size/4 words.
func javaLen(buf []byte, i, size int) bool {
	return size%4 == 0 && i >= 4 && binary.LittleEndian.Uint32(buf[i-4:]) == uint32(size/4)
}

// topOK reports whether b can be the top byte of a factor of the group.
func (g *rsaGroup) topOK(b byte) bool {
	t := b >> g.topBit
	if g.loose {
		return t == 1 || (t == 0 && g.topBit > 0 && b>>(g.topBit-1) == 1) || (g.topBit == 0 && b == 0)
	}
	return t == 1
}

// tryFactor runs the filters on one candidate and divides the survivors into
// every modulus of the group.
func (h *Hunter) tryFactor(dst []Find, s *huntScratch, buf []byte, g *rsaGroup, i int, order int, only int) []Find {
	c := buf[i : i+g.size]
	if !notRepetitive(c) || h.opt.Budget.Cut() { // once cut, not even the sieve
		return dst
	}
	le := order == orderLE
	if order == orderJava {
		s.rev = javaToBE(s.rev[:0], c)
		c = s.rev
	}
	limbs := loadLimbs(s.limbs[:0], c, le)
	s.limbs = limbs
	if !sieve(limbs) {
		return dst
	}
	s.c.SetBits(limbs)
	top := binary.BigEndian.Uint64(c)
	if le {
		top = binary.LittleEndian.Uint64(c[g.size-8:])
	}
	for _, t := range g.targets {
		if only >= 0 && t.key != only || !g.loose && (top < t.topLo || top > t.topHi) {
			continue
		}
		if !h.opt.Budget.spend(1) {
			return dst
		}
		if s.q.QuoRem(t.n, &s.c, &s.r); s.r.Sign() != 0 || s.c.Cmp(bigOne) <= 0 || s.c.Cmp(t.n) >= 0 {
			continue
		}
		dst = h.foundFactor(dst, s, buf, t.key, i, g.size, order)
	}
	return dst
}

// notRepetitive rejects numbers with a 64-bit group starting or ending in
// three zero bytes: pointers, small integers, padding. A random number fails
// with probability about len/2²¹.
func notRepetitive(c []byte) bool {
	for j := 0; j+8 <= len(c); j += 8 {
		w := binary.LittleEndian.Uint64(c[j:])
		if w>>40 == 0 || w<<40 == 0 {
			return false
		}
	}
	return true
}

// loadLimbs returns the number c (big-endian, or little-endian with le) as
// little-endian 64-bit words.
func loadLimbs(dst []big.Word, c []byte, le bool) []big.Word {
	n := (len(c) + 7) / 8
	for k := range n {
		var w uint64
		if le {
			lo := 8 * k
			if lo+8 <= len(c) {
				w = binary.LittleEndian.Uint64(c[lo:])
			} else {
				for j := len(c) - 1; j >= lo; j-- {
					w = w<<8 | uint64(c[j])
				}
			}
		} else {
			hi := len(c) - 8*k
			if hi-8 >= 0 {
				w = binary.BigEndian.Uint64(c[hi-8:])
			} else {
				for j := 0; j < hi; j++ {
					w = w<<8 | uint64(c[j])
				}
			}
		}
		dst = append(dst, big.Word(w))
	}
	for len(dst) > 0 && dst[len(dst)-1] == 0 {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// The small-prime sieve: a prime factor has no factor below 100. Residues come
// from products of small primes below 2⁶⁰ and tables of 2^(64i) mod m, so one
// candidate costs a multiply-add per limb and product, and no division until
// the end.
type sieveProduct struct {
	m      uint64
	pow    [maxSieveLimbs]uint64 // 2^(64i) mod m
	primes []sievePrime
}

type sievePrime struct{ inv, lim uint64 } // x ≡ 0 mod p ⇔ x·inv ≤ lim (mod 2⁶⁴)

const maxSieveLimbs = keys.MaxRSABits / 2 / 64

var sieveProducts = func() []*sieveProduct {
	var out []*sieveProduct
	cur := &sieveProduct{m: 1}
	for p := uint64(3); p < 100; p += 2 {
		if !big.NewInt(int64(p)).ProbablyPrime(0) {
			continue
		}
		if hi, lo := bits.Mul64(cur.m, p); hi != 0 || lo >= 1<<60 {
			out = append(out, cur)
			cur = &sieveProduct{m: 1}
		}
		cur.m *= p
		inv := p // Newton: p·inv ≡ 1 mod 2⁶⁴
		for range 6 {
			inv *= 2 - p*inv
		}
		cur.primes = append(cur.primes, sievePrime{inv, ^uint64(0) / p})
	}
	out = append(out, cur)
	for _, sp := range out {
		sp.pow[0] = 1
		for i := 1; i < len(sp.pow); i++ {
			sp.pow[i] = pow64(sp.pow[i-1], sp.m)
		}
	}
	return out
}()

// pow64 returns (x·2⁶⁴) mod m for x < m.
func pow64(x, m uint64) uint64 {
	_, r := bits.Div64(x, 0, m)
	return r
}

// sieve reports whether the number in limbs has no prime factor below 100.
func sieve(limbs []big.Word) bool {
	if len(limbs) > maxSieveLimbs {
		return true
	}
	for _, sp := range sieveProducts {
		var hi, lo uint64
		for i, w := range limbs {
			ph, pl := bits.Mul64(uint64(w), sp.pow[i])
			var carry uint64
			lo, carry = bits.Add64(lo, pl, 0)
			hi += ph + carry
			if i&7 == 7 { // each term is below 2¹²⁴: keep the sum below 2¹²⁸
				hi, lo = 0, bits.Rem64(hi, lo, sp.m)
			}
		}
		r := bits.Rem64(hi, lo, sp.m)
		for _, p := range sp.primes {
			if r*p.inv <= p.lim {
				return false
			}
		}
	}
	return true
}

// seen returns the index in dst of the hit already made for key in this
// buffer, after adding the span to its parts; -1 when the key is new.
func (s *huntScratch) seen(dst []Find, key int, sp Part) int {
	for _, f := range s.found {
		if f.key != key {
			continue
		}
		h := &dst[f.hit]
		for _, p := range h.Parts {
			if p.Off == sp.Off {
				return f.hit
			}
		}
		if len(h.Parts) < maxParts {
			h.Parts = append(h.Parts, sp)
			slices.SortFunc(h.Parts, func(a, b Part) int { return a.Off - b.Off })
		}
		return f.hit
	}
	return -1
}

// foundFactor reports the key whose modulus the number at buf[i:i+size]
// divides, with its cofactor, private exponent and CRT values when they sit
// within huntNear bytes.
func (h *Hunter) foundFactor(dst []Find, s *huntScratch, buf []byte, key, i, size int, order int) []Find {
	if s.seen(dst, key, Part{i, size, "p"}) >= 0 {
		return dst
	}
	k := h.keys[key]
	p := new(big.Int).Set(&s.c)
	q := new(big.Int).Quo(k.N, p)
	e := big.NewInt(int64(k.E))
	one := bigOne
	p1, q1 := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
	phi := new(big.Int).Mul(p1, q1)
	lambda := new(big.Int).Quo(phi, new(big.Int).GCD(nil, nil, p1, q1))
	type comp struct {
		what string
		v    *big.Int
	}
	comps := []comp{{"q", q}}
	dProof := false
	for _, m := range []*big.Int{lambda, phi} {
		if d := new(big.Int).ModInverse(e, m); d != nil {
			comps = append(comps, comp{"d", d}, comp{"dp", new(big.Int).Mod(d, p1)}, comp{"dq", new(big.Int).Mod(d, q1)})
		}
	}
	if v := new(big.Int).ModInverse(q, p); v != nil {
		comps = append(comps, comp{"qinv", v})
	}
	if v := new(big.Int).ModInverse(p, q); v != nil {
		comps = append(comps, comp{"qinv", v})
	}
	enc := encodings[order]
	parts := []Part{{i, size, "p"}}
	lo, hi := max(0, i-huntNear), min(len(buf), i+size+huntNear)
	for _, c := range comps {
		be := c.v.Bytes()
		if len(be) < 16 {
			continue
		}
		for _, nd := range [][]byte{be, reversed(be), javaWords(be)} {
			if j := bytes.Index(buf[lo:hi], nd); j >= 0 && len(parts) < maxParts && !hasPart(parts, lo+j) {
				parts = append(parts, Part{lo + j, len(nd), c.what})
				dProof = dProof || c.what == "d"
			}
		}
	}
	slices.SortFunc(parts, func(a, b Part) int { return a.Off - b.Off })
	proof := "n mod p = 0, 1<p<n"
	if dProof {
		proof += "; d = e⁻¹ mod λ(n) or φ(n) found beside it"
	}
	hit := Find{
		Encoding: enc, Parts: parts,
		Key: keys.KeyInfo{Type: k.Type, Bits: k.N.BitLen(), SPKI: k.SPKI, Proof: proof},
	}
	s.found = append(s.found, foundKey{key, len(dst)})
	return append(dst, hit)
}

func hasPart(parts []Part, off int) bool {
	for _, p := range parts {
		if p.Off == off {
			return true
		}
	}
	return false
}

// tryEC tests the windows at buf[i:] as EC scalars (both byte orders) and
// Ed25519 seeds against every known public key of each curve.
// After a malloc header (leOnly) it tries little-endian scalars only: BIGNUM
// limbs. Big-endian scalars in malloc'd buffers are rare, and each try costs
// a scalar multiplication, 140 µs on P-384.
func (h *Hunter) tryEC(dst []Find, s *huntScratch, buf []byte, i, only int, leOnly bool) []Find {
	lastSize, random := 0, false // the entropy filter, once per window size
	for gi, g := range h.ec {
		if i+g.size > len(buf) || (only >= 0 && h.groupOf[only] != gi) || g.slider != nil {
			continue // a sliding group is tried at every offset by slideEC
		}
		if leOnly && h.opt.HeadersDerived && harvestDerives(g.curve) {
			continue // after a chunk header: the harvest derived it
		}
		w := buf[i : i+g.size]
		if g.size != lastSize {
			// Near an anchor, not a window inside a long random run: those
			// are an RSA number's limbs or data (see inLongRun).
			lastSize = g.size
			random = scalarLooksRandom(w) && (only < 0 || h.opt.Deep || !inLongRun(buf, i, g.size))
		}
		if !random {
			continue
		}
		if !h.opt.Budget.spend(ecCost) {
			return dst
		}
		if g.curve == keys.NoCurve {
			pub, _ := keys.Ed25519PublicFromSeed(w)
			dst = h.matchEC(dst, s, g, pub, i, "raw-be") // a seed is a byte string, kept in order
			continue
		}
		if !leOnly && (g.size != 66 || w[0] <= 1) {
			dst = h.matchEC(dst, s, g, ecX(g.curve, w), i, "raw-be")
		}
		if g.size != 66 || w[65] <= 1 {
			s.rev = append(s.rev[:0], w...)
			slices.Reverse(s.rev)
			dst = h.matchEC(dst, s, g, ecX(g.curve, s.rev), i, "raw-le")
		}
	}
	return dst
}

// slideEC tries, for every curve with a slider, a scalar at every byte
// offset of buf, big-endian and (on the reversed bytes) little-endian; each
// offset the slider reports is proved again by matchEC.
func (h *Hunter) slideEC(dst []Find, s *huntScratch, buf []byte) []Find {
	for _, g := range h.ec {
		if g.slider == nil || len(buf) < g.size {
			continue
		}
		s.offs = g.slider.Scan(s.offs[:0], buf)
		for _, i := range s.offs {
			dst = h.matchEC(dst, s, g, ecX(g.curve, buf[i:i+g.size]), i, "raw-be")
		}
		s.rev = append(s.rev[:0], buf...)
		slices.Reverse(s.rev)
		s.offs = g.slider.Scan(s.offs[:0], s.rev)
		for _, j := range s.offs {
			// rev[j:j+size] is buf[i:i+size] reversed, i = len−j−size.
			i := len(buf) - j - g.size
			x := ecX(g.curve, s.rev[j:j+g.size])
			dst = h.matchEC(dst, s, g, x, i, "raw-le")
		}
	}
	return dst
}

func (h *Hunter) matchEC(dst []Find, s *huntScratch, g *ecGroup, x []byte, i int, enc string) []Find {
	if x == nil {
		return dst
	}
	for _, j := range g.byX[string(x)] {
		key := g.keys[j]
		what := "d"
		if g.curve == keys.NoCurve {
			what = "seed"
		}
		sp := Part{i, g.size, what}
		if s.seen(dst, key, sp) >= 0 {
			continue
		}
		k := h.keys[key]
		info := keys.KeyInfo{Type: k.Type, Bits: k.Bits, Curve: k.Curve, SPKI: k.SPKI, Proof: "d·G=Q, 0<d<n"}
		if g.curve == keys.NoCurve {
			info.Proof = "public key derived from the seed matches"
		}
		s.found = append(s.found, foundKey{key, len(dst)})
		dst = append(dst, Find{Encoding: enc, Key: info, Parts: []Part{sp}})
	}
	return dst
}

// ecX returns the X coordinate of d·G, or nil when d is not a valid scalar.
func ecX(c keys.Curve, d []byte) []byte {
	pub, ok := c.Public(d)
	if !ok {
		return nil
	}
	return pub[1 : 1+c.Size()]
}

// scalarLooksRandom is the entropy filter for scalar windows: no 64-bit group that
// starts or ends in three zero bytes, and [keys.LooksRandom].
func scalarLooksRandom(w []byte) bool {
	return notRepetitive(w[:len(w)&^7]) && keys.LooksRandom(w)
}

var bigOne = big.NewInt(1)

// reversed returns a reversed copy of b.
func reversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i, c := range b {
		r[len(b)-1-i] = c
	}
	return r
}
