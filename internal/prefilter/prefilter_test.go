package prefilter

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// with returns a copy of m that scans with kernel k.
func (m *Matcher) with(k impl) *Matcher {
	c := *m
	c.impl = k
	return &c
}

// naive is the reference: one bytes.Index loop per literal.
func naive(lits [][]byte, buf []byte) []Match {
	ids := map[int]uint64{}
	for i, l := range lits {
		for at := 0; at < len(buf); at++ {
			j := bytes.Index(buf[at:], l)
			if j < 0 {
				break
			}
			at += j
			ids[at] |= 1 << i
		}
	}
	var ms []Match
	for off, set := range ids {
		ms = append(ms, Match{Off: off, IDs: set})
	}
	slices.SortFunc(ms, func(a, b Match) int { return a.Off - b.Off })
	return ms
}

func mustNew(t testing.TB, lits [][]byte) *Matcher {
	t.Helper()
	m, err := New(lits)
	if err != nil {
		t.Fatalf("New(%q): %v", lits, err)
	}
	return m
}

func strs(ss ...string) [][]byte {
	b := make([][]byte, len(ss))
	for i, s := range ss {
		b[i] = []byte(s)
	}
	return b
}

// checkAll compares every kernel this CPU has with the reference.
func checkAll(t *testing.T, m *Matcher, lits [][]byte, buf []byte) {
	t.Helper()
	want := naive(lits, buf)
	for _, k := range impls() {
		if got := m.with(k).Find(nil, buf); !slices.Equal(got, want) {
			t.Fatalf("%v: Find(%q in %d bytes %q) = %v, want %v", k, lits, len(buf), buf, got, want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		lits [][]byte
	}{
		{"none", nil},
		{"empty literal", strs("a", "")},
		{"too many", make([][]byte, MaxLiterals+1)},
	}
	for _, tt := range tests {
		if m, err := New(tt.lits); err == nil {
			t.Errorf("New(%s) = %v, nil; want an error", tt.name, m)
		}
	}
	many := make([][]byte, MaxLiterals)
	for i := range many {
		many[i] = []byte{byte(i), byte(i >> 3), 'z'}
	}
	if _, err := New(many); err != nil {
		t.Errorf("New(%d literals): %v", MaxLiterals, err)
	}
}

func TestFind(t *testing.T) {
	pad := strings.Repeat(".", 40)
	tests := []struct {
		name string
		lits []string
		buf  string
		want []Match
	}{
		{"start", []string{"abc"}, "abc" + pad, []Match{{0, 1}}},
		{"end", []string{"abc"}, pad + "abc", []Match{{40, 1}}},
		{"straddles 16", []string{"abcd"}, pad[:14] + "abcd" + pad, []Match{{14, 1}}},
		{"straddles 32", []string{"abcd"}, pad[:30] + "abcd" + pad, []Match{{30, 1}}},
		{"fingerprint straddles 32", []string{"abcdef"}, pad[:31] + "abcdef" + pad, []Match{{31, 1}}},
		{"overlapping", []string{"aa"}, "aaaa", []Match{{0, 1}, {1, 1}, {2, 1}}},
		{"nested", []string{"ab", "abc", "b"}, "abc", []Match{{0, 3}, {1, 4}}},
		{"duplicate literal", []string{"x", "x"}, pad + "x", []Match{{40, 3}}},
		{"length 1", []string{"-"}, "a-b" + pad + "-", []Match{{1, 1}, {43, 1}}},
		{"length 1 last byte", []string{"q"}, pad + "q", []Match{{40, 1}}},
		{"length 2 last bytes", []string{"EC"}, pad + "EC", []Match{{40, 1}}},
		{"cut off at the end", []string{"abcd"}, pad + "abc", nil},
		{"long", []string{"-----BEGIN PGP PRIVATE KEY BLOCK-----"}, pad + "-----BEGIN PGP PRIVATE KEY BLOCK-----" + pad, []Match{{40, 1}}},
		{"long near miss", []string{"-----BEGIN PGP PRIVATE KEY BLOCK-----"}, pad + "-----BEGIN PGP PRIVATE KEY BLOCK----=" + pad, nil},
		{"repeated bytes", []string{"\x00\x00\x00\x00"}, strings.Repeat("\x00", 6), []Match{{0, 1}, {1, 1}, {2, 1}}},
		{"buffer shorter than literal", []string{"abcdef"}, "abc", nil},
		{"one byte", []string{"a", "ab"}, "a", []Match{{0, 1}}},
		{"empty buffer", []string{"a"}, "", nil},
		{"high bytes", []string{"\xff\xfe", "\x80"}, pad + "\xff\xfe\x80", []Match{{40, 1}, {42, 2}}},
		{"same fingerprint", []string{"-----BEGIN ", "-----END "}, pad + "-----END -----BEGIN ", []Match{{40, 2}, {49, 1}}},
	}
	for _, tt := range tests {
		m := mustNew(t, strs(tt.lits...))
		for _, k := range impls() {
			t.Run(tt.name+"/"+k.String(), func(t *testing.T) {
				if got := m.with(k).Find(nil, []byte(tt.buf)); !slices.Equal(got, tt.want) {
					t.Errorf("Find(%q) = %v, want %v", tt.buf, got, tt.want)
				}
			})
		}
	}
}

// TestAlignment plants literals of every length class at every offset of
// buffers of every length up to past two AVX2 blocks.
func TestAlignment(t *testing.T) {
	lits := strs("Z", "QX", "QXW", "QXWV", "MNOPQRSTUVWXYZ0123456789")
	m := mustNew(t, lits)
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	for n := 0; n <= 100; n++ {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = 'a' + byte(r.IntN(8))
		}
		checkAll(t, m, lits, buf)
		for _, l := range lits {
			for at := 0; at+len(l) <= n; at++ {
				b := slices.Clone(buf)
				copy(b[at:], l)
				checkAll(t, m, lits, b)
			}
		}
	}
}

// TestKernels checks the SIMD kernels on their own, without the Go scan
// that finishes each buffer: they must cover all but the last block and
// report what they cover exactly.
func TestKernels(t *testing.T) {
	lits := detectorLiterals()
	m := mustNew(t, lits)
	buf := randomBytes(5000)
	for i, l := range lits {
		copy(buf[100*i+i%7:], l)
	}
	for _, k := range impls() {
		if k == implGo {
			continue
		}
		for _, n := range []int{0, 17, 18, 33, 34, 35, 1000, len(buf)} {
			got, done := m.with(k).findBlocks(nil, buf[:n])
			if done < n-(32+fpLen-1) || done > n {
				t.Errorf("%v: kernel scanned %d of %d bytes", k, done, n)
			}
			want := naive(lits, buf[:n])
			want = slices.DeleteFunc(want, func(m Match) bool { return m.Off >= done })
			if !slices.Equal(got, want) {
				t.Errorf("%v: kernel found %v in %d bytes, want %v", k, got, n, want)
			}
		}
	}
}

// TestRandom compares the kernels with the reference on random literal sets
// over small alphabets, where literals occur often.
func TestRandom(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{2}))
	for range 300 {
		alpha := 2 + r.IntN(6)
		if r.IntN(4) == 0 {
			alpha = 256
		}
		lits := make([][]byte, 1+r.IntN(MaxLiterals))
		for i := range lits {
			lits[i] = make([]byte, 1+r.IntN(6))
			for j := range lits[i] {
				lits[i][j] = byte(r.IntN(alpha))
			}
		}
		buf := make([]byte, r.IntN(300))
		for i := range buf {
			buf[i] = byte(r.IntN(alpha))
		}
		for range 4 { // and some planted
			if l := lits[r.IntN(len(lits))]; len(l) < len(buf) {
				copy(buf[r.IntN(len(buf)-len(l)):], l)
			}
		}
		checkAll(t, mustNew(t, lits), lits, buf)
	}
}

func TestBuckets(t *testing.T) {
	lits := detectorLiterals()
	m := mustNew(t, lits)
	if len(m.buckets) > maxBuckets {
		t.Fatalf("%d buckets, want at most %d", len(m.buckets), maxBuckets)
	}
	var all uint64
	for _, b := range m.buckets {
		if all&b != 0 {
			t.Errorf("buckets %x share literals", m.buckets)
		}
		all |= b
	}
	if want := uint64(1)<<len(lits) - 1; all != want {
		t.Errorf("buckets %x cover %x, want %x", m.buckets, all, want)
	}
	// Literals that share their first three bytes share a bucket.
	for i, a := range lits {
		for j, b := range lits {
			if len(a) >= fpLen && len(b) >= fpLen && bytes.Equal(a[:fpLen], b[:fpLen]) && bucketOf(m, i) != bucketOf(m, j) {
				t.Errorf("literals %q and %q are in buckets %d and %d", a, b, bucketOf(m, i), bucketOf(m, j))
			}
		}
	}
	for b, set := range m.buckets {
		var names []string
		for ; set != 0; set &= set - 1 {
			names = append(names, fmt.Sprintf("%q", lits[bits.TrailingZeros64(set)]))
		}
		t.Logf("bucket %d: %s", b, strings.Join(names, " "))
	}
}

func bucketOf(m *Matcher, id int) int {
	for b, set := range m.buckets {
		if set&(1<<id) != 0 {
			return b
		}
	}
	return -1
}

func TestFindAllocs(t *testing.T) {
	m := mustNew(t, detectorLiterals())
	buf := randomBytes(1 << 16)
	copy(buf[1000:], "-----BEGIN ")
	dst := make([]Match, 0, 1<<12)
	for _, k := range impls() {
		mk := m.with(k)
		if n := testing.AllocsPerRun(10, func() { dst = mk.Find(dst[:0], buf) }); n != 0 {
			t.Errorf("%v: Find allocates %v times per run, want 0", k, n)
		}
		if len(dst) == 0 {
			t.Errorf("%v: Find missed the planted literal", k)
		}
	}
}

// TestConcurrent runs one Matcher from several goroutines; run it with -race.
func TestConcurrent(t *testing.T) {
	lits := detectorLiterals()
	m := mustNew(t, lits)
	buf := randomBytes(1 << 16)
	want := naive(lits, buf)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			if got := m.Find(nil, buf); !slices.Equal(got, want) {
				errs <- errors.New("concurrent Find differs from the reference")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func randomBytes(n int) []byte {
	buf := make([]byte, n)
	r := rand.NewChaCha8([32]byte{'d', 'u', 'm', 'p'})
	r.Read(buf)
	return buf
}
