package prefilter

import (
	"bytes"
	"flag"
	"fmt"
	"math/bits"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"

	"dumpguard/internal/testpath"
)

var freqs = flag.Bool("freqs", false, "TestRealDumps prints the byte frequencies of the dumps, for freq.go")

// markers are the literals the detectors search for with bytes.Index or
// bytes.IndexByte today, in the order of detectors.All and then
// detectors.HarvestPublicKeys. PEM searches for '-' and JWK for 'k' and then
// compare; here each compared literal stands in for its byte.
var markers = []struct{ lit, who string }{
	{"-----BEGIN ", "pem, harvest"},
	{"-\x00-\x00-\x00-\x00-\x00B\x00E\x00G\x00I\x00N\x00 \x00", "pem utf-16le"},
	{"LS0tLS1CRUdJTi", "pem base64"},
	{"\x02\x01", "der version"},
	{"\x2a\x86\x48\x86\xf7\x0d\x01", "der pkcs oid arc"},
	{"\x02\x01\x03\x30", "pkcs12 pfx version"},
	{`"kty"`, "jwk, harvest"},
	{"\"\x00k\x00t\x00y\x00\"\x00", "jwk utf-16le"},
	{`\"kty\"`, "jwk escaped"},
	{"RSA", "cng-blob rsa"},
	{"EC", "cng-blob ec"},
	{"\x07\x02\x00\x00", "capi-blob header"},
	{"openssh-key-v1\x00", "openssh-blob"},
	{"\x07ssh-", "openssh-blob wire"},
	{"\x0bssh-ed25519", "openssh-blob wire, harvest"},
	{"\x13ecdsa-sha2-nistp", "openssh-blob wire, harvest"},
	{"PuTTY-User-Key-File-", "putty"},
	{"-----BEGIN PGP PRIVATE KEY BLOCK-----", "pgp"},
	{"\x30\x82", "harvest der seq"},
	{"\x30\x81", "harvest der seq"},
	{"\x06\x07\x2a\x86\x48\xce\x3d\x02\x01", "harvest ec oid"},
	{"\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00", "harvest ed25519 spki"},
	{"\x07ssh-rsa", "harvest wire"},
	{"AAAA", "harvest ssh text"},
}

// refinements are longer forms of the short markers, made of the bytes the
// detectors check right after a match: candidates for a rarer literal set.
var refinements = []struct{ lit, who string }{
	{"RSA2", "cng rsa private"},
	{"RSA3", "cng rsa full private"},
	{"ECS", "cng ecdsa"},
	{"ECK", "cng ecdh"},
	{"ECD", "cng ecdsa generic"},
	{"\x02\x01\x00\x02", "der pkcs1/dsa v0"},
	{"\x02\x01\x00\x30", "der pkcs8 v0"},
	{"\x02\x01\x01\x30", "der pkcs8 v1"},
	{"\x02\x01\x01\x04", "der sec1"},
	{"\x02\x01\x01\x02", "der pkcs1 multi-prime"},
	{"\x07\x02\x00\x00\x00\xa4", "capi rsa keyx"},
	{"\x07\x02\x00\x00\x00\x24", "capi rsa sign"},
	{"\x07\x02\x00\x00\x00\x22", "capi dss sign"},
}

// detectorLiterals returns the markers as a literal set.
func detectorLiterals() [][]byte {
	lits := make([][]byte, len(markers))
	for i, mk := range markers {
		lits[i] = []byte(mk.lit)
	}
	return lits
}

// A corpus is a set of memory images, each searched on its own.
type corpus struct {
	name  string
	files [][]byte
}

func (c corpus) size() int {
	n := 0
	for _, f := range c.files {
		n += len(f)
	}
	return n
}

// readDump reads a dump, decompressing .bz2 and .zst files.
func readDump(t *testing.T, name string) []byte { return testpath.ReadDump(t, name) }

// loadCorpus reads the dumps matching the patterns; it skips the test when
// there are none.
func loadCorpus(t *testing.T, name string, patterns ...string) corpus {
	t.Helper()
	c := corpus{name: name}
	for _, p := range patterns {
		names, err := filepath.Glob(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			c.files = append(c.files, readDump(t, n))
		}
	}
	if len(c.files) == 0 {
		t.Skipf("no dumps match %q", patterns)
	}
	return c
}

func corpora(t *testing.T) []corpus {
	const real, dumps = "../../../shared/testdata/realdumps", "../../testdata/dumps"
	return []corpus{
		loadCorpus(t, "realdumps", real+"/*.dmp", real+"/*.core", real+"/*.elf", real+"/*.bz2", real+"/golang-debug__core"),
		loadCorpus(t, "dumps", dumps+"/*/*.zst", dumps+"/*/*.dmp"),
		{name: "random", files: [][]byte{randomBytes(16 << 20)}},
	}
}

// count is the number of offsets at which lit occurs in b.
func count(b []byte, lit string) int {
	n := 0
	for at := 0; ; at++ {
		i := bytes.Index(b[at:], []byte(lit))
		if i < 0 {
			return n
		}
		at += i
		n++
	}
}

// stops counts the positions the nibble tables let through (where a SIMD
// kernel hands a candidate to the Go verification), in all and by bucket.
func (m *Matcher) stops(b []byte) (n int, by [maxBuckets]int) {
	for s := 0; s+fpLen <= len(b); s++ {
		acc := byte(0xff)
		for j := range fpLen {
			c := b[s+j]
			acc &= m.nib[2*j][c&15] & m.nib[2*j+1][c>>4]
		}
		if acc != 0 {
			n++
		}
		for ; acc != 0; acc &= acc - 1 {
			by[bits.TrailingZeros8(acc)]++
		}
	}
	return n, by
}

// TestRealDumps checks every kernel against the reference on real memory,
// and logs (with -v) how often each marker and refinement occurs per MiB,
// in full and as its fingerprint (first three bytes), and how often the
// whole marker set stops a kernel.
func TestRealDumps(t *testing.T) {
	if testing.Short() {
		t.Skip("reads about 130 MB of dumps")
	}
	cs := corpora(t)
	lits := detectorLiterals()
	m := mustNew(t, lits)
	for _, c := range cs {
		for i, f := range c.files {
			want := naive(lits, f)
			for _, k := range impls() {
				if got := m.with(k).Find(nil, f); !slices.Equal(got, want) {
					t.Errorf("%v: Find in %s file %d: %d matches, want %d", k, c.name, i, len(got), len(want))
				}
			}
		}
	}

	var sb strings.Builder
	w := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "literal\twho\t")
	for _, c := range cs {
		fmt.Fprintf(w, "%s (%.1f MiB)\tfp\t", c.name, float64(c.size())/(1<<20))
	}
	fmt.Fprintln(w)
	row := func(lit, who string) {
		fmt.Fprintf(w, "%q\t%s\t", lit, who)
		for _, c := range cs {
			full, fp := 0, 0
			for _, f := range c.files {
				full += count(f, lit)
				fp += count(f, lit[:min(len(lit), fpLen)])
			}
			mib := float64(c.size()) / (1 << 20)
			fmt.Fprintf(w, "%.1f\t%.1f\t", float64(full)/mib, float64(fp)/mib)
		}
		fmt.Fprintln(w)
	}
	for _, mk := range markers {
		row(mk.lit, mk.who)
	}
	fmt.Fprintln(w, "refinements\t\t")
	for _, r := range refinements {
		row(r.lit, r.who)
	}
	for _, set := range []struct {
		name string
		lits [][]byte
	}{
		{"marker set", lits},
		{"marker set less 30 8x, 02 01", withoutShort(lits)},
	} {
		sm := mustNew(t, set.lits)
		var by [][maxBuckets]int
		fmt.Fprintf(w, "%s: stops\t\t", set.name)
		for _, c := range cs {
			var n int
			var cb [maxBuckets]int
			for _, f := range c.files {
				fn, fb := sm.stops(f)
				n += fn
				for i := range fb {
					cb[i] += fb[i]
				}
			}
			by = append(by, cb)
			fmt.Fprintf(w, "%.1f\t\t", float64(n)/(float64(c.size())/(1<<20)))
		}
		fmt.Fprintln(w)
		for b := range sm.buckets {
			fmt.Fprintf(w, "  bucket %d\t\t", b)
			for i, c := range cs {
				fmt.Fprintf(w, "%.1f\t\t", float64(by[i][b])/(float64(c.size())/(1<<20)))
			}
			fmt.Fprintf(w, "%s\n", bucketNames(sm, set.lits, b))
		}
		fmt.Fprintf(w, "%s: matches\t\t", set.name)
		for _, c := range cs {
			n := 0
			for _, f := range c.files {
				n += len(sm.Find(nil, f))
			}
			fmt.Fprintf(w, "%.1f\t\t", float64(n)/(float64(c.size())/(1<<20)))
		}
		fmt.Fprintln(w)
	}
	w.Flush()
	t.Logf("occurrences per MiB (fp: of the first %d bytes)\n%s", fpLen, sb.String())
	if *freqs {
		printFreqs(t, cs)
	}
}

func bucketNames(m *Matcher, lits [][]byte, b int) string {
	var names []string
	for set := m.buckets[b]; set != 0; set &= set - 1 {
		names = append(names, fmt.Sprintf("%q", lits[bits.TrailingZeros64(set)]))
	}
	return strings.Join(names, " ")
}

// printFreqs logs memFreq as measured on the dump corpora (not the random
// one), each corpus weighted equally.
func printFreqs(t *testing.T, cs []corpus) {
	var p [256]float64
	var real []corpus
	for _, c := range cs {
		if c.name != "random" {
			real = append(real, c)
		}
	}
	for _, c := range real {
		var n [256]int
		for _, f := range c.files {
			for _, b := range f {
				n[b]++
			}
		}
		for i := range p {
			p[i] += float64(n[i]) / float64(c.size()) / float64(len(real))
		}
	}
	var sb strings.Builder
	for i := range p {
		fmt.Fprintf(&sb, "%d,", max(1, int(p[i]*(1<<16)+0.5)))
		if i%16 == 15 {
			sb.WriteString("\n")
		} else {
			sb.WriteString(" ")
		}
	}
	t.Logf("memFreq:\n%s", sb.String())
}

// withoutShort drops the common two-byte DER markers.
func withoutShort(lits [][]byte) [][]byte {
	var out [][]byte
	for _, l := range lits {
		switch string(l) {
		case "\x30\x82", "\x30\x81", "\x02\x01":
			continue
		}
		out = append(out, l)
	}
	return out
}
