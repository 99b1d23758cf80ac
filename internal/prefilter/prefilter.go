// Package prefilter finds every occurrence of a small set of byte literals in
// one pass over a buffer, so that each detector need not run its own
// bytes.Index loop for its marker bytes.
//
// A [Matcher] is a Teddy-style packed matcher, after the algorithm of
// Hyperscan: the literals are grouped into at most eight buckets, and a
// fingerprint of each literal's first three bytes (fewer for a shorter
// literal) is packed into nibble lookup tables, one bit per bucket. On amd64
// the scan looks up 32 (AVX2) or 16 (SSSE3) positions at a time with PSHUFB
// and chooses the instruction set at run time, and on arm64 16 at a time
// with the NEON TBL; elsewhere, and with the purego build tag, it looks up
// one position at a time in Go. Every
// candidate is checked against the literals byte for byte, so [Matcher.Find]
// reports exactly the occurrences of the literals, whichever path ran.
//
// The scan costs the same whatever the literals, but each candidate costs a
// stop to verify it: a literal whose first bytes are common in memory slows
// every search it is part of. Any two-byte literal occurs 16 times per MiB
// of random bytes, and the DER version bytes 02 01 occur 142 times per MiB
// in the dumps of key-holding processes under testdata/dumps.
package prefilter

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// MaxLiterals is the most literals a [Matcher] takes: one bit each in
// [Match.IDs].
const MaxLiterals = 64

// fpLen is the fingerprint length: how many leading bytes of each literal
// the tables look at.
const fpLen = 3

// maxBuckets is the number of buckets, one bit each in the nibble tables.
const maxBuckets = 8

// A Match is an offset in the searched buffer and the literals that occur
// there.
type Match struct {
	Off int    // offset in the buffer
	IDs uint64 // bit i is set when literal i (in the order given to [New]) starts at Off
}

// A Matcher finds the occurrences of a fixed set of literals. It is
// immutable after [New] and safe for concurrent use.
type Matcher struct {
	lits []string // by id

	// exact[j][c] is the set of literals whose byte j is c, or that are
	// shorter than j+1: a candidate at s is a literal in
	// exact[0][buf[s]] & exact[1][buf[s+1]] & exact[2][buf[s+2]].
	exact [fpLen][256]uint64

	// nib holds the bucket tables the SIMD kernels use: nib[2*j] is
	// indexed by the low nibble of byte j of a candidate and nib[2*j+1] by
	// the high nibble, and each 16-byte table is stored twice, once per
	// 128-bit lane of AVX2.
	nib nibbles

	buckets []uint64 // the literal ids of each bucket, as sets

	impl impl // the scan kernel: the best this CPU has
}

type nibbles [2 * fpLen][32]byte

// New returns a Matcher for lits; literal i is reported as bit i of
// [Match.IDs]. It copies the literals. It fails when lits is empty, holds
// more than [MaxLiterals] literals, or holds an empty literal. A literal may
// appear twice; both ids are reported.
func New(lits [][]byte) (*Matcher, error) {
	switch {
	case len(lits) == 0:
		return nil, errors.New("prefilter: no literals")
	case len(lits) > MaxLiterals:
		return nil, fmt.Errorf("prefilter: %d literals exceed limit %d", len(lits), MaxLiterals)
	}
	m := &Matcher{lits: make([]string, len(lits)), impl: bestImpl()}
	for i, l := range lits {
		if len(l) == 0 {
			return nil, fmt.Errorf("prefilter: literal %d is empty", i)
		}
		m.lits[i] = string(l)
	}
	for i, l := range m.lits {
		for j := range fpLen {
			if j >= len(l) {
				for c := range m.exact[j] {
					m.exact[j][c] |= 1 << i
				}
				continue
			}
			m.exact[j][l[j]] |= 1 << i
		}
	}
	m.buckets = assignBuckets(m.lits)
	for b, set := range m.buckets {
		for ; set != 0; set &= set - 1 {
			l := m.lits[bits.TrailingZeros64(set)]
			for j := range fpLen {
				lo, hi := &m.nib[2*j], &m.nib[2*j+1]
				if j >= len(l) { // any byte will do
					for k := range lo {
						lo[k] |= 1 << b
						hi[k] |= 1 << b
					}
					continue
				}
				ln, hn := l[j]&15, l[j]>>4
				lo[ln] |= 1 << b
				lo[16+ln] |= 1 << b
				hi[hn] |= 1 << b
				hi[16+hn] |= 1 << b
			}
		}
	}
	return m, nil
}

// Find appends to dst a Match for every offset in buf where one or more of
// the literals start, in increasing order of offset, and returns the
// extended slice. It allocates only to grow dst; since it appends one Match
// per such offset, the caller bounds the growth by bounding len(buf).
func (m *Matcher) Find(dst []Match, buf []byte) []Match {
	dst, done := m.findBlocks(dst, buf)
	return m.findGo(dst, buf, done)
}

// findGo is the scalar scan of buf from offset from on, one position at a
// time.
func (m *Matcher) findGo(dst []Match, buf []byte, from int) []Match {
	t0, t1, t2 := &m.exact[0], &m.exact[1], &m.exact[2]
	s := from
	// Four positions per round, with one test for the four: the lookups
	// cost less than branches that random bytes would mispredict.
	for ; s < len(buf)-5; s += 4 {
		b := buf[s : s+6]
		c0 := t0[b[0]] & t1[b[1]] & t2[b[2]]
		c1 := t0[b[1]] & t1[b[2]] & t2[b[3]]
		c2 := t0[b[2]] & t1[b[3]] & t2[b[4]]
		c3 := t0[b[3]] & t1[b[4]] & t2[b[5]]
		if c0|c1|c2|c3 == 0 {
			continue
		}
		for k, c := range [4]uint64{c0, c1, c2, c3} {
			if c != 0 {
				dst = m.verify(dst, buf, s+k, c)
			}
		}
	}
	for ; s < len(buf)-2; s++ {
		if c := t0[buf[s]] & t1[buf[s+1]] & t2[buf[s+2]]; c != 0 {
			dst = m.verify(dst, buf, s, c)
		}
	}
	for ; s < len(buf); s++ { // the last two positions: fewer bytes follow
		c := t0[buf[s]]
		if s+1 < len(buf) {
			c &= t1[buf[s+1]]
		}
		if c != 0 {
			dst = m.verify(dst, buf, s, c)
		}
	}
	return dst
}

// candidate verifies a position s that a kernel reported; s+2 < len(buf).
func (m *Matcher) candidate(dst []Match, buf []byte, s int) []Match {
	c := m.exact[0][buf[s]] & m.exact[1][buf[s+1]] & m.exact[2][buf[s+2]]
	if c == 0 {
		return dst // the nibble tables let through a byte the exact ones do not
	}
	return m.verify(dst, buf, s, c)
}

// verify appends a Match for the literals of c that occur at buf[s:].
func (m *Matcher) verify(dst []Match, buf []byte, s int, c uint64) []Match {
	var ids uint64
	for ; c != 0; c &= c - 1 {
		i := bits.TrailingZeros64(c)
		if l := m.lits[i]; len(buf)-s >= len(l) && string(buf[s:s+len(l)]) == l {
			ids |= 1 << i
		}
	}
	if ids != 0 {
		dst = append(dst, Match{Off: s, IDs: ids})
	}
	return dst
}

// A group is a set of literals bound for one bucket, with the nibbles its
// tables will accept at each fingerprint position.
type group struct {
	ids    uint64
	lo, hi [fpLen]uint16 // accepted low and high nibbles; all 16 where any literal is too short
}

func (g group) merge(h group) group {
	g.ids |= h.ids
	for j := range fpLen {
		g.lo[j] |= h.lo[j]
		g.hi[j] |= h.hi[j]
	}
	return g
}

// rate is the fraction of positions in memory that the group's tables let
// through, if bytes were independent and distributed as memFreq mixed half
// and half with the uniform distribution.
func (g group) rate() float64 {
	r := 1.0
	for j := range fpLen {
		lo, p := g.lo[j], 0.0
		for h := g.hi[j]; h != 0; h &= h - 1 {
			row := &nibbleFreq[bits.TrailingZeros16(h)]
			p += row[0][lo&0xff] + row[1][lo>>8]
		}
		r *= p
	}
	return r
}

// nibbleFreq[h][0][l] is the probability of a byte with high nibble h and a
// low nibble in the set l (of nibbles 0 to 7), and nibbleFreq[h][1][l] the
// same for nibbles 8 to 15.
var nibbleFreq = func() (t [16][2][256]float64) {
	for h := range t {
		for half := range t[h] {
			for set := range t[h][half] {
				for l := range 8 {
					if set&(1<<l) != 0 {
						t[h][half][set] += (float64(memFreq[h<<4|half<<3|l]) + 1<<8) / (2 << 16)
					}
				}
			}
		}
	}
	return t
}()

// assignBuckets groups the literals into at most maxBuckets buckets. Each
// distinct fingerprint starts as its own group, so literals that share their
// first three bytes share a bucket; then the two groups whose merge adds the
// fewest candidates (by [group.rate]) are merged until the groups fit. Short
// literals, which let through many positions, so end up in buckets of their
// own, and long ones that share leading bytes or nibbles end up together,
// away from the zeros and spaces that fill memory.
func assignBuckets(lits []string) []uint64 {
	var units []group // one per distinct fingerprint
	index := map[string]int{}
	for i, l := range lits {
		fp := l[:min(len(l), fpLen)]
		k, ok := index[fp]
		if !ok {
			var g group
			for j := range fpLen {
				if j >= len(fp) {
					g.lo[j], g.hi[j] = 0xffff, 0xffff
					continue
				}
				g.lo[j], g.hi[j] = 1<<(fp[j]&15), 1<<(fp[j]>>4)
			}
			k = len(units)
			index[fp] = k
			units = append(units, g)
		}
		units[k].ids |= 1 << i
	}

	// bs are the buckets, and cost[i][j] (i < j) is what merging buckets i
	// and j adds to the rate.
	type bucket struct {
		g     group
		r     float64
		units []int
	}
	bs := make([]bucket, len(units))
	for u, g := range units {
		bs[u] = bucket{g, g.rate(), []int{u}}
	}
	mergeCost := func(a, b bucket) float64 { return a.g.merge(b.g).rate() - a.r - b.r }
	cost := make([][]float64, len(bs))
	for i := range bs {
		cost[i] = make([]float64, len(bs))
		for j := i + 1; j < len(bs); j++ {
			cost[i][j] = mergeCost(bs[i], bs[j])
		}
	}
	for len(bs) > maxBuckets {
		bi, bj := 0, 1
		for i := range bs {
			for j := i + 1; j < len(bs); j++ {
				if cost[i][j] < cost[bi][bj] {
					bi, bj = i, j
				}
			}
		}
		g := bs[bi].g.merge(bs[bj].g)
		bs[bi] = bucket{g, g.rate(), append(bs[bi].units, bs[bj].units...)}
		bs = slices.Delete(bs, bj, bj+1)
		cost = slices.Delete(cost, bj, bj+1)
		for i := range cost {
			cost[i] = slices.Delete(cost[i], bj, bj+1)
		}
		for i := range bs {
			if i < bi {
				cost[i][bi] = mergeCost(bs[i], bs[bi])
			} else if i > bi {
				cost[bi][i] = mergeCost(bs[bi], bs[i])
			}
		}
	}

	// The merges cannot undo an early choice; moving one fingerprint at a
	// time to another bucket, while that lowers the total rate, can.
	for range 4 * len(units) {
		best, from, at, to := -1e-12, -1, 0, 0
		var fromG group
		for a := range bs {
			if len(bs[a].units) == 1 {
				continue
			}
			for k, u := range bs[a].units {
				var rest group
				for _, v := range bs[a].units {
					if v != u {
						rest = rest.merge(units[v])
					}
				}
				rr := rest.rate()
				for b := range bs {
					if b == a {
						continue
					}
					if d := rr + bs[b].g.merge(units[u]).rate() - bs[a].r - bs[b].r; d < best {
						best, from, at, to, fromG = d, a, k, b, rest
					}
				}
			}
		}
		if from < 0 {
			break
		}
		u := bs[from].units[at]
		bs[from].units = slices.Delete(bs[from].units, at, at+1)
		bs[from].g, bs[from].r = fromG, fromG.rate()
		bs[to].units = append(bs[to].units, u)
		bs[to].g = bs[to].g.merge(units[u])
		bs[to].r = bs[to].g.rate()
	}
	sets := make([]uint64, len(bs))
	for i, b := range bs {
		sets[i] = b.g.ids
	}
	return sets
}

// An impl is a scan kernel.
type impl uint8

const (
	implGo impl = iota
	implSSSE3
	implAVX2
	implNEON
)

func (k impl) String() string {
	switch k {
	case implSSSE3:
		return "ssse3"
	case implAVX2:
		return "avx2"
	case implNEON:
		return "neon"
	}
	return "go"
}
