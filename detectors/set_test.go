package detectors

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"dumpguard/internal/prefilter"
	"dumpguard/internal/testpath"
)

// perDetector is what a Set must equal: each detector's Detect, in order.
func perDetector(ds []Detector, buf []byte) []Hit {
	var hits []Hit
	for _, d := range ds {
		hits = d.Detect(hits, buf)
	}
	return hits
}

// checkSet fails when the Set's hits on buf differ from perDetector's, and
// returns how many hits there were.
func checkSet(t *testing.T, s *Set, name string, buf []byte) int {
	t.Helper()
	got, want := s.Detect(nil, buf), perDetector(s.Detectors(), buf)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Set.Detect(%s) = %d hits, per-detector Detect = %d", name, len(got), len(want))
		for i := range max(len(got), len(want)) {
			var g, w Hit
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("  hit %d: got {Off:%d Len:%d %s %v}, want {Off:%d Len:%d %s %v}", i, g.Off, g.Len, g.Encoding, g.Status, w.Off, w.Len, w.Encoding, w.Status)
			}
		}
	}
	return len(want)
}

// plantedKeys returns every encoding of the checked-in keys that some
// detector finds: the files themselves (PEM, PPK, PGP armour, PKCS#12), their
// DER and openssh-key-v1 bytes, UTF-16LE and base64 PEM, JWK text, CNG and
// CAPI blobs and SSH wire keys.
func plantedKeys(t *testing.T) [][]byte {
	var out [][]byte
	names, err := filepath.Glob("testdata/keys/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasSuffix(n, ".md") || strings.HasSuffix(n, ".txt") {
			continue
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
		if blk, _ := pem.Decode(b); blk != nil {
			out = append(out, blk.Bytes)
			if bytes.HasPrefix(blk.Bytes, []byte(opensshMagic)) && !strings.Contains(n, "-enc") {
				out = append(out, sshWire(t, blk.Bytes))
			}
			var wide []byte
			for _, u := range utf16.Encode([]rune(string(b))) {
				wide = append(wide, byte(u), byte(u>>8))
			}
			out = append(out, wide, []byte(base64.StdEncoding.EncodeToString(b)))
		}
	}
	tks := rawKeys(t)
	for _, name := range []string{"rsa2048.pkcs1.pem", "p256.sec1.pem", "ed25519.pkcs8.pem"} {
		out = append(out, []byte(jwkText(jwkMembers(tks[name]), "")))
		out = append(out, []byte(strings.ReplaceAll(jwkText(jwkMembers(tks[name]), ""), `"`, `\"`)))
	}
	for _, c := range blobCases(t) {
		out = append(out, c.blob)
	}
	return out
}

// plantedBuffer is size bytes of random junk with every planted key written
// in it, each twice: alone, and overlapping the start of the next one's
// junk, so that some are cut off.
func plantedBuffer(t *testing.T, seed uint64, size int) []byte {
	buf := junk(seed, size)
	keys := plantedKeys(t)
	stride := size / (2*len(keys) + 1)
	for i, k := range keys {
		for j, off := range []int{(2*i + 1) * stride, (2*i+2)*stride - len(k)/2} {
			if j == 1 {
				k = k[:len(k)*3/4]
			}
			if off > 0 && off+len(k) <= size {
				copy(buf[off:], k)
			}
		}
	}
	return buf
}

// TestSetPlanted checks the Set against each detector's Detect on random
// bytes with every encoding of every test key planted, and on windows of it
// cut at places that split keys.
func TestSetPlanted(t *testing.T) {
	s := NewSet(All())
	buf := plantedBuffer(t, 13, 8<<20)
	n := checkSet(t, s, "planted", buf)
	t.Logf("%d hits in the planted buffer", n)
	if n < 40 {
		t.Errorf("planted buffer: %d hits, want at least 40 (is a planted form not found?)", n)
	}
	for _, w := range []int{4 << 10, 64 << 10, 1<<20 + 7} {
		for off := 0; off < len(buf); off += w {
			checkSet(t, s, "window", buf[off:min(len(buf), off+w+w/3)])
		}
	}
}

// TestSetDumps checks the Set against each detector's Detect on every test
// dump, in 2 MiB windows as the scanner cuts them.
func TestSetDumps(t *testing.T) {
	names, err := filepath.Glob(testpath.Join(t, "dumps", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSet(All())
	total := 0
	for _, n := range names {
		var b []byte
		switch {
		case strings.HasSuffix(n, ".zst"):
			b = testpath.ReadDump(t, n)
		case strings.HasSuffix(n, ".dmp"):
			if b, err = os.ReadFile(n); err != nil {
				t.Fatal(err)
			}
		default:
			continue
		}
		const window, overlap = 2 << 20, 64 << 10
		for off := 0; off < len(b); off += window {
			total += checkSet(t, s, filepath.Base(n), b[off:min(len(b), off+window+overlap)])
		}
	}
	if total == 0 {
		t.Error("no hits in the test dumps")
	}
	t.Logf("%d hits in %d files", total, len(names))
}

// TestSetFallback checks that a detector without anchors runs whole and in
// its place.
func TestSetFallback(t *testing.T) {
	ds := []Detector{PEM{}, needle{}, DER{}}
	s := NewSet(ds)
	buf := plantedBuffer(t, 7, 2<<20)
	copy(buf[1000:], "KEY!")
	var who []string
	hits := s.Each(nil, buf, func(d Detector, hits []Hit) { who = append(who, d.Name()) })
	if want := perDetector(ds, buf); !reflect.DeepEqual(hits, want) {
		t.Errorf("Set.Detect = %d hits, want %d", len(hits), len(want))
	}
	if want := []string{"pem", "needle", "der"}; !slices.Equal(who, want) {
		t.Errorf("Each found by %q, want %q", who, want)
	}
}

// needle is a detector without anchors: it reports "KEY!".
type needle struct{}

func (needle) Name() string { return "needle" }
func (needle) MaxLen() int  { return 4 }
func (needle) Detect(dst []Hit, buf []byte) []Hit {
	for at := 0; ; at += 4 {
		i := bytes.Index(buf[at:], []byte("KEY!"))
		if i < 0 {
			return dst
		}
		at += i
		dst = append(dst, Hit{Off: at, Len: 4, Encoding: "needle"})
	}
}

func TestSetAllocatesNothingOnMiss(t *testing.T) {
	s := NewSet(All())
	buf := junk(1, 1<<20)
	var hits []Hit
	if n := testing.AllocsPerRun(10, func() { hits = s.Detect(hits[:0], buf) }); n != 0 {
		t.Errorf("Set.Detect allocated %v times per run on random bytes, want 0", n)
	}
}

// FuzzSet checks that a Set finds what each detector's Detect finds.
func FuzzSet(f *testing.F) {
	for _, d := range []string{"FuzzDER", "FuzzBlob", "FuzzJWK", "FuzzPKCS12"} {
		names, _ := filepath.Glob(filepath.Join("testdata/fuzz", d, "*"))
		for _, n := range names {
			if b, err := os.ReadFile(n); err == nil {
				f.Add(b)
			}
		}
	}
	for _, n := range []string{"p256.sec1.pem", "ssh-ed25519.pem", "ssh-rsa.v3.ppk", "pgp-p256.asc", "p256.plain.p12"} {
		b, err := os.ReadFile("testdata/keys/" + n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	s := NewSet(All())
	f.Fuzz(func(t *testing.T, b []byte) {
		checkSet(t, s, "fuzz input", b)
	})
}

// TestSetCandidates counts the offsets where some detector's anchor starts,
// by bytes.Index, and requires the same count from Candidates.
func TestSetCandidates(t *testing.T) {
	s := NewSet(All())
	buf := plantedBuffer(t, 5, 4<<20)
	offs := map[int]bool{}
	for _, d := range All() {
		for _, l := range d.(anchored).anchors() {
			for at := 0; ; at++ {
				i := bytes.Index(buf[at:], l)
				if i < 0 {
					break
				}
				at += i
				offs[at] = true
			}
		}
	}
	if got := s.Candidates(buf); got != len(offs) || got == 0 {
		t.Errorf("Candidates = %d, want %d (and not 0)", got, len(offs))
	}
}

// TestSetExtra checks that the extra literals of NewSetWith are reported
// where bytes.Index finds them, and that the detectors' hits are those of a
// Set without them, with a few extra literals and with as many as allowed.
func TestSetExtra(t *testing.T) {
	buf := plantedBuffer(t, 5, 1<<20)
	copy(buf[1000:], "\x30\x82 xyzzy AAAA")
	copy(buf[len(buf)-5:], "xyzzy")
	few := [][]byte{[]byte("\x30\x82"), []byte("xyzzy"), []byte("AAAA")}
	full := append(slices.Clone(few), []byte("-----BEGIN "), []byte("\x02\x01\x00"))
	for len(full) < prefilter.MaxMarked {
		full = append(full, []byte(fmt.Sprintf("\xfe%05d", len(full))))
	}
	want := NewSet(All()).Detect(nil, buf)
	for _, extra := range [][][]byte{few, full} {
		s := NewSetWith(All(), extra)
		if s.extraBase < 0 {
			t.Fatalf("%d extra literals: not in the shared pass", len(extra))
		}
		wantAt := map[[2]int]bool{}
		for k, l := range extra {
			for at := 0; ; at++ {
				i := bytes.Index(buf[at:], l)
				if i < 0 {
					break
				}
				at += i
				wantAt[[2]int{at, k}] = true
			}
		}
		gotAt := map[[2]int]bool{}
		all := uint64(1)<<len(extra) - 1
		hits := s.EachMarked(nil, buf, nil, func(m *prefilter.Marks) {
			for at, ids := m.Find(all, 0); at >= 0; at, ids = m.Find(all, at+1) {
				for k := range extra {
					if ids&(1<<k) != 0 {
						gotAt[[2]int{at, k}] = true
					}
				}
			}
		})
		if len(wantAt) < 4 || !reflect.DeepEqual(gotAt, wantAt) {
			t.Errorf("%d extra literals: marks = %v, want %v", len(extra), gotAt, wantAt)
		}
		if !reflect.DeepEqual(hits, want) {
			t.Errorf("%d extra literals: the detectors' hits change", len(extra))
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("NewSetWith took more than prefilter.MaxMarked extra literals")
		}
	}()
	NewSetWith(All(), append(full, []byte("one too many")))
}
