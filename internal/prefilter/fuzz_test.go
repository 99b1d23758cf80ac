package prefilter

import (
	"slices"
	"testing"
)

// fuzzLiterals reads a literal set from spec. Each literal starts with an
// op byte: with the top bit clear, the literal is buf[off:off+n] for the
// offset that the next byte picks, so that it occurs at least once, and bit
// 6 flips its last byte into a near miss; with the top bit set, it is the
// next n bytes of spec. n is the low six bits plus one.
func fuzzLiterals(spec, buf []byte) [][]byte {
	var lits [][]byte
	for len(spec) >= 2 && len(lits) < MaxLiterals {
		op := spec[0]
		n := int(op&0x3f) + 1
		if op&0x80 == 0 && len(buf) > 0 {
			off := int(spec[1]) * len(buf) / 256
			l := slices.Clone(buf[off:min(len(buf), off+n)])
			if op&0x40 != 0 {
				l[len(l)-1] ^= 1
			}
			lits = append(lits, l)
			spec = spec[2:]
			continue
		}
		n = min(n, len(spec)-1)
		lits = append(lits, slices.Clone(spec[1:1+n]))
		spec = spec[1+n:]
	}
	return lits
}

// FuzzFind checks that every kernel this CPU has reports exactly the
// matches of one bytes.Index loop per literal.
func FuzzFind(f *testing.F) {
	f.Add([]byte{0x02, 0x00, 0x80, 'a'}, []byte("xxabcxxaxxabcabc"))
	f.Add([]byte{0x3f, 0x10, 0x00, 0x80, 0x41, 0x40}, []byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"))
	var spec []byte
	for _, mk := range markers {
		spec = append(spec, 0x80|byte(len(mk.lit)-1))
		spec = append(spec, mk.lit...)
	}
	var text []byte
	for _, mk := range markers {
		text = append(text, "..."...)
		text = append(text, mk.lit...)
	}
	f.Add(spec, text)
	f.Fuzz(func(t *testing.T, spec, buf []byte) {
		lits := fuzzLiterals(spec, buf)
		if len(lits) == 0 {
			return
		}
		m, err := New(lits)
		if err != nil {
			t.Fatalf("New(%q): %v", lits, err)
		}
		want := naive(lits, buf)
		for _, k := range impls() {
			if got := m.with(k).Find(nil, buf); !slices.Equal(got, want) {
				t.Fatalf("%v: Find(%q in %q) = %v, want %v", k, lits, buf, got, want)
			}
		}
	})
}
