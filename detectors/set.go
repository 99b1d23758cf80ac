package detectors

import (
	"encoding/binary"
	"sync"

	"dumpguard/internal/prefilter"
)

// An anchored detector declares the literals its decoding starts from, so
// that a [Set] can find them for every detector in one prefilter pass. Its
// detectAt decodes from the anchors that marks reports, exactly as Detect
// would from its own search; Detect is detectAt over marks that search with
// bytes.Index, so each detector has one decoding loop.
type anchored interface {
	Detector
	// anchors are the literals, by id: bit k of a mark is anchors()[k].
	anchors() [][]byte
	detectAt(dst []Hit, buf []byte, m *prefilter.Marks) []Hit
}

// A Set runs detectors over a buffer with one prefilter pass for the
// anchors of all of them, and hands each detector only where its own
// anchors start; a detector whose anchors do not occur is not called. Its
// hits are those of each detector's Detect, in the order of the detectors.
// A Set is safe for concurrent use.
type Set struct {
	ds    []Detector
	an    []anchored // an[i] is nil when ds[i] runs alone, by Detect
	base  []int      // the prefilter id of an[i]'s first anchor
	m     *prefilter.Matcher
	extra [][]byte // literals of a caller's own decoder (NewSetWith)
	// extraBase is the prefilter id of extra's first literal, or -1 when
	// they are searched for apart (no prefilter could be built).
	extraBase int
}

// setScratches are the buffers of a Set's pass, shared by every Set so that
// a scan of many small files grows them once.
var setScratches = sync.Pool{New: func() any { return new(setScratch) }}

type setScratch struct {
	ms, sub []prefilter.Match
	mk      prefilter.Marks
}

// NewSet returns a Set of ds. Detectors that declare no anchors, or whose
// anchors would not fit in the prefilter, run whole by Detect.
func NewSet(ds []Detector) *Set { return NewSetWith(ds, nil) }

// NewSetWith returns a Set of ds whose one prefilter pass also finds extra,
// the literals a caller's own decoder starts from: [Set.EachMarked] hands it
// where they are. They come first in the prefilter, so they always share the
// pass (a detector whose anchors no longer fit runs alone). extra are
// constants of the caller: more than prefilter.MaxMarked, or an empty one,
// is a programming error and panics.
func NewSetWith(ds []Detector, extra [][]byte) *Set {
	if len(extra) > prefilter.MaxMarked || hasEmpty(extra) {
		panic("detectors: NewSetWith: more extra literals than prefilter.MaxMarked, or an empty one")
	}
	s := &Set{ds: ds, an: make([]anchored, len(ds)), base: make([]int, len(ds)), extra: extra, extraBase: -1}
	var lits [][]byte
	if len(extra) > 0 {
		s.extraBase, lits = 0, append(lits, extra...)
	}
	for i, d := range ds {
		a, ok := d.(anchored)
		if !ok {
			continue
		}
		al := a.anchors()
		if len(al) == 0 || len(al) > prefilter.MaxMarked || len(lits)+len(al) > prefilter.MaxLiterals || hasEmpty(al) {
			continue
		}
		s.an[i], s.base[i] = a, len(lits)
		lits = append(lits, al...)
	}
	if len(lits) > 0 {
		m, err := matcherFor(lits)
		if err != nil { // cannot happen: the literals are checked above
			clear(s.an)
			s.extraBase = -1
		}
		s.m = m
	}
	return s
}

// matchers memoizes prefilter.New by literal list. Building a Matcher takes
// about 2 ms (it searches bucket assignments), and the scanner builds a Set
// for every file it scans; the lists come from code, not input, so there are
// a handful, and a Matcher is immutable and safe for concurrent use.
var matchers sync.Map // string (the lists, length-prefixed) → *prefilter.Matcher

func matcherFor(lits [][]byte) (*prefilter.Matcher, error) {
	key := make([]byte, 0, 512)
	for _, l := range lits {
		key = binary.AppendUvarint(key, uint64(len(l)))
		key = append(key, l...)
	}
	if m, ok := matchers.Load(string(key)); ok {
		return m.(*prefilter.Matcher), nil
	}
	m, err := prefilter.New(lits)
	if err != nil {
		return nil, err
	}
	matchers.Store(string(key), m)
	return m, nil
}

func hasEmpty(lits [][]byte) bool {
	for _, l := range lits {
		if len(l) == 0 {
			return true
		}
	}
	return false
}

// Detectors returns the detectors of the set, in order.
func (s *Set) Detectors() []Detector { return s.ds }

// Detect appends the hits of every detector in buf to dst, detector by
// detector, and returns the extended slice: the concatenation of each
// detector's Detect.
func (s *Set) Detect(dst []Hit, buf []byte) []Hit {
	return s.Each(dst, buf, nil)
}

// Each is [Set.Detect], and it also calls found, when not nil, with each
// detector that found keys and its hits (a part of the returned slice,
// which found must not retain).
func (s *Set) Each(dst []Hit, buf []byte, found func(d Detector, hits []Hit)) []Hit {
	return s.EachMarked(dst, buf, found, nil)
}

// EachMarked is [Set.Each], and it also calls marked, when not nil, with
// where in buf the extra literals of [NewSetWith] start (literal k is bit k);
// marked must not retain m. It is not called when the pass found none.
func (s *Set) EachMarked(dst []Hit, buf []byte, found func(d Detector, hits []Hit), marked func(m *prefilter.Marks)) []Hit {
	sc := setScratches.Get().(*setScratch)
	defer setScratches.Put(sc)
	if s.m != nil {
		sc.ms = s.m.Find(sc.ms[:0], buf)
	}
	if marked != nil && len(s.extra) > 0 {
		if s.extraBase < 0 {
			marked(sc.mk.Search(buf, s.extra))
		} else if sub := s.subMatches(sc, s.extraBase, len(s.extra)); len(sub) > 0 {
			marked(sc.mk.Matched(buf, s.extra, sub))
		}
		sc.mk = prefilter.Marks{}
	}
	for i, d := range s.ds {
		start := len(dst)
		if a := s.an[i]; a == nil {
			dst = d.Detect(dst, buf)
		} else {
			if sub := s.subMatches(sc, s.base[i], len(a.anchors())); len(sub) > 0 {
				sc.mk.Matched(buf, a.anchors(), sub)
				dst = a.detectAt(dst, buf, &sc.mk)
				sc.mk = prefilter.Marks{}
			}
		}
		if found != nil && len(dst) > start {
			found(d, dst[start:])
		}
	}
	return dst
}

// subMatches returns the matches of the n literals from prefilter id base,
// renumbered from 0, in sc.sub.
func (s *Set) subMatches(sc *setScratch, base, n int) []prefilter.Match {
	mask := uint64(1)<<n - 1
	sub := sc.sub[:0]
	for _, m := range sc.ms {
		if ids := m.IDs >> base & mask; ids != 0 {
			sub = append(sub, prefilter.Match{Off: m.Off, IDs: ids})
		}
	}
	sc.sub = sub
	return sub
}

// Candidates returns the number of offsets in buf at which an anchor of a
// detector of the set starts: the places its one prefilter pass hands to
// the detectors. Benchmarks report it per MiB.
func (s *Set) Candidates(buf []byte) int {
	if s.m == nil {
		return 0
	}
	sc := setScratches.Get().(*setScratch)
	defer setScratches.Put(sc)
	sc.ms = s.m.Find(sc.ms[:0], buf)
	return len(sc.ms)
}
