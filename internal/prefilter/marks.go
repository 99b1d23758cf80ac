package prefilter

import (
	"bytes"
	"sort"
)

// MaxMarked bounds the literals a Marks searches for with bytes.Index (its
// search cache has one entry each).
const MaxMarked = 16

// Marks finds where literals start in a buffer: in the matches a [Matcher]
// found ([Marks.Matched]; literal k is bit k), or ([Marks.Search]) with
// bytes.Index, caching the last occurrence of each literal so that a loop
// moving forward searches each byte once. The zero value finds nothing.
// A decoder written against Marks runs unchanged over either, so each
// decoding loop exists once.
type Marks struct {
	buf     []byte
	lits    [][]byte
	ms      []Match // sorted by Off; used when matched is set
	matched bool

	known      uint64 // anchors whose cache entry is filled
	from, next [MaxMarked]int
}

// Search sets m to find lits in buf by bytes.Index (at most [MaxMarked]),
// and returns m.
func (m *Marks) Search(buf []byte, lits [][]byte) *Marks {
	*m = Marks{buf: buf, lits: lits}
	return m
}

// Matched sets m to the matches ms a Matcher found in buf, of lits (bit k
// of a match is lits[k]), and returns m.
func (m *Marks) Matched(buf []byte, lits [][]byte, ms []Match) *Marks {
	*m = Marks{buf: buf, lits: lits, ms: ms, matched: true}
	return m
}

// Find returns the least offset at or after from where an anchor of want
// (bit k: anchor k) starts, and the anchors of want that start there; -1
// when there is none.
func (m *Marks) Find(want uint64, from int) (int, uint64) {
	from = max(from, 0)
	if m.matched {
		ms := m.ms
		i := sort.Search(len(ms), func(i int) bool { return ms[i].Off >= from })
		for ; i < len(ms); i++ {
			if ids := ms[i].IDs & want; ids != 0 {
				return ms[i].Off, ids
			}
		}
		return -1, 0
	}
	best, ids := -1, uint64(0)
	for k, l := range m.lits {
		bit := uint64(1) << k
		if want&bit == 0 {
			continue
		}
		var p int
		if m.known&bit != 0 && m.from[k] <= from && (m.next[k] < 0 || m.next[k] >= from) {
			p = m.next[k]
		} else {
			p = -1
			if from < len(m.buf) {
				if i := bytes.Index(m.buf[from:], l); i >= 0 {
					p = from + i
				}
			}
			m.known |= bit
			m.from[k], m.next[k] = from, p
		}
		switch {
		case p < 0:
		case best < 0 || p < best:
			best, ids = p, bit
		case p == best:
			ids |= bit
		}
	}
	return best, ids
}

// Index returns the least offset at or after from where anchor k starts, or
// -1.
func (m *Marks) Index(k, from int) int {
	i, _ := m.Find(1<<k, from)
	return i
}
