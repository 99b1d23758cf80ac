package container

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// result is what a walk did, in a form tests compare with slices.Equal.
type result struct {
	members []string // "path [layers] body"
	errs    []string // "path: kind"
	err     string   // Walk's own error, by kind
}

var kinds = []struct {
	err  error
	name string
}{
	{ErrBomb, "bomb"}, {ErrTooDeep, "toodeep"}, {ErrEncrypted, "encrypted"}, {ErrTraversal, "traversal"},
	{ErrTruncated, "truncated"}, {ErrCorrupt, "corrupt"}, {ErrUnsupported, "unsupported"},
	{context.Canceled, "canceled"}, {errCaller, "caller"},
}

var errCaller = errors.New("caller's own error")

func kindOf(err error) string {
	if err == nil {
		return ""
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "untyped: " + err.Error()
}

func body(b []byte) string {
	switch {
	case len(b) <= 48:
		return fmt.Sprintf("%q", b)
	case len(b) >= 1<<20:
		return fmt.Sprintf("<%d MiB>", len(b)>>20)
	}
	return fmt.Sprintf("<%d bytes>", len(b))
}

type mode int

const (
	stream  mode = iota // Walk over a bytes.Reader
	file                // WalkFile
	trickle             // Walk over a reader that returns a few bytes at a time, like a pipe
)

func (m mode) String() string { return [...]string{"stream", "file", "trickle"}[m] }

func run(t testing.TB, m mode, name string, data []byte, lim Limits) result {
	t.Helper()
	var res result
	fn := func(mb Member) error {
		b, err := io.ReadAll(mb.R)
		if err != nil && !errors.As(err, new(*Error)) {
			t.Errorf("%s: reading %s: untyped error %v", m, mb.Path, err)
		}
		var layers []string
		for _, k := range mb.Layers {
			layers = append(layers, string(k))
		}
		res.members = append(res.members, fmt.Sprintf("%s [%s] %s", mb.Path, strings.Join(layers, " "), body(b)))
		return nil
	}
	onErr := func(path string, err error) {
		var e *Error
		if !errors.As(err, &e) || e.Path != path {
			t.Errorf("%s: onErr(%q, %v): want an *Error naming the path", m, path, err)
		}
		res.errs = append(res.errs, path+": "+kindOf(err))
	}
	var err error
	switch m {
	case stream:
		err = Walk(context.Background(), name, bytes.NewReader(data), lim, fn, onErr)
	case file:
		err = WalkFile(context.Background(), name, bytes.NewReader(data), int64(len(data)), lim, fn, onErr)
	case trickle:
		err = Walk(context.Background(), name, iotest.HalfReader(&small{bytes.NewReader(data)}), lim, fn, onErr)
	}
	res.err = kindOf(err)
	return res
}

// small returns at most 7 bytes per Read.
type small struct{ r io.Reader }

func (s *small) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), 7)]) }

var (
	core  = []byte("ELF core with a secret\n")
	core2 = []byte("MDMP minidump bytes\n")
)

func TestWalk(t *testing.T) {
	deep := core
	for range 5 {
		deep = gz(deep)
	}
	tarz := zst(tarc(entry{name: "dumps/a.zip", body: zipc(entry{name: "core.gz", body: gz(core)}, entry{name: "b", body: core2})}))
	tests := []struct {
		name    string
		data    []byte
		lim     Limits
		modes   []mode // default: all
		members []string
		errs    []string
		err     string
	}{
		{name: "raw", data: core, members: []string{`in [] "ELF core with a secret\n"`}},
		{name: "empty", data: nil, members: []string{`in [] ""`}},
		{name: "gzip", data: gz(core), members: []string{`in [gzip] "ELF core with a secret\n"`}},
		{name: "gzip multistream", data: cat(gz(core), gz(core2)), members: []string{`in [gzip] "ELF core with a secret\nMDMP minidump bytes\n"`}},
		{name: "zstd", data: zst(core), members: []string{`in [zstd] "ELF core with a secret\n"`}},
		{name: "zstd frames and skippable", data: cat(skippable([]byte("meta")), zst(core), skippable(nil), zst(core2)),
			members: []string{`in [zstd] "ELF core with a secret\nMDMP minidump bytes\n"`}},
		{name: "bzip2", data: mustRead(t, "testdata/hello.bz2"), members: []string{`in [bzip2] "hello from a bzip2 fixture\n"`}},
		{name: "bzip2 multistream", data: mustRead(t, "testdata/multi.bz2"), members: []string{`in [bzip2] "hello from a bzip2 fixture\nsecond stream\n"`}},
		{name: "tar.bz2", data: mustRead(t, "testdata/sweep.tar.bz2"), members: []string{`in!/dumps/core.1 [bzip2 tar] "tarred core\n"`}},
		{name: "xz", data: xzc(core), members: []string{`in [xz] "ELF core with a secret\n"`}},
		{name: "xz multistream", data: cat(xzc(core), xzc(core2)), members: []string{`in [xz] "ELF core with a secret\nMDMP minidump bytes\n"`}},
		{name: "lz4", data: lz4c(core), members: []string{`in [lz4] "ELF core with a secret\n"`}},
		{name: "lz4 skippable", data: cat(skippable([]byte("m")), lz4c(core)), members: []string{`in [lz4] "ELF core with a secret\n"`}},
		{name: "zip with descriptors", data: zipc(entry{name: "a/core", body: core}, entry{name: "dir/"}, entry{name: "b.dmp", body: core2}),
			members: []string{`in!/a/core [zip] "ELF core with a secret\n"`, `in!/b.dmp [zip] "MDMP minidump bytes\n"`}},
		{name: "zip stored", data: zipRaw(0, entry{name: "a", body: core}, entry{name: "b", body: core2}),
			members: []string{`in!/a [zip] "ELF core with a secret\n"`, `in!/b [zip] "MDMP minidump bytes\n"`}},
		{name: "zip empty", data: zipc()},
		{name: "zip stored with descriptors", data: zipRaw(0x8, entry{name: "a", body: core}, entry{name: "b", body: core2},
			entry{name: "size", body: []byte(fakeDescriptor("\x00\x00\x00\x00", "\x05\x00\x00\x00"))},
			entry{name: "crc", body: []byte(fakeDescriptor("\xff\xff\xff\xff", "\x00\x00\x00\x00"))}),
			members: []string{`in!/a [zip] "ELF core with a secret\n"`, `in!/b [zip] "MDMP minidump bytes\n"`,
				`in!/size [zip] ` + body([]byte(fakeDescriptor("\x00\x00\x00\x00", "\x05\x00\x00\x00"))),
				`in!/crc [zip] ` + body([]byte(fakeDescriptor("\xff\xff\xff\xff", "\x00\x00\x00\x00")))}},
		{name: "zip encrypted with descriptor then plain", data: cat(zipRaw(0x9, entry{name: "locked", body: core})[:30+6+len(core)+16], zipRaw(0, entry{name: "open", body: core2})),
			modes:   []mode{stream, trickle},
			members: []string{`in!/open [zip] "MDMP minidump bytes\n"`}, errs: []string{"in!/locked: encrypted"}},
		{name: "zip stored descriptor missing", data: upTo(zipRaw(0x8, entry{name: "a", body: core}), "secret"), modes: []mode{stream, trickle},
			members: []string{`in!/a [zip] "ELF core with a secret"`}, errs: []string{"in!/a: truncated"}},
		{name: "zip deflated directory with descriptor", data: zipJar(), members: []string{`in!/META-INF/MANIFEST.MF [zip] "Manifest-Version: 1.0\n"`}},
		{name: "tar", data: tarc(entry{name: "d/", typ: '5'}, entry{name: "d/core", body: core}, entry{name: "link", typ: '2'},
			entry{name: "hard", typ: '1'}, entry{name: "dev", typ: '3'}, entry{name: "fifo", typ: '6'}, entry{name: "m", body: core2}),
			members: []string{`in!/d/core [tar] "ELF core with a secret\n"`, `in!/m [tar] "MDMP minidump bytes\n"`}},
		{name: "tar empty", data: tarc(), members: []string{`in [] <1024 bytes>`}},
		{name: "tar.gz", data: gz(tarc(entry{name: "2021/host7/core.1234.zst", body: zst(core)})),
			members: []string{`in!/2021/host7/core.1234.zst [gzip tar zstd] "ELF core with a secret\n"`}},
		{name: "tar.zst", data: zst(tarc(entry{name: "x", body: core})), members: []string{`in!/x [zstd tar] "ELF core with a secret\n"`}},
		{name: "zip in tar in zstd", data: tarz, members: []string{
			`in!/dumps/a.zip!/core.gz [zstd tar zip gzip] "ELF core with a secret\n"`,
			`in!/dumps/a.zip!/b [zstd tar zip] "MDMP minidump bytes\n"`}},
		{name: "too deep", data: deep, members: []string{`in [gzip gzip gzip gzip] ` + body(gz(core))}, errs: []string{"in: toodeep"}},
		{name: "depth 1", data: tarz, lim: Limits{MaxDepth: 1}, members: []string{`in [zstd] <2048 bytes>`}, errs: []string{"in: toodeep"}},
		{name: "traversal", data: tarc(entry{name: "../../etc/cron.d/x", body: core}, entry{name: "/abs", body: core2}, entry{name: "ok/..x", body: core}),
			members: []string{`in!/../../etc/cron.d/x [tar] "ELF core with a secret\n"`, `in!//abs [tar] "MDMP minidump bytes\n"`, `in!/ok/..x [tar] "ELF core with a secret\n"`},
			errs:    []string{"in!/../../etc/cron.d/x: traversal", "in!//abs: traversal"}},
		{name: "zip traversal", data: zipc(entry{name: `..\evil`, body: core}),
			members: []string{`in!/..\evil [zip] "ELF core with a secret\n"`}, errs: []string{`in!/..\evil: traversal`}},
		{name: "control characters in names", data: tarc(entry{name: "a\x1b[2Jb\n\xff", body: core}),
			members: []string{`in!/a\x1b[2Jb\n\xff [tar] "ELF core with a secret\n"`}},
		{name: "truncated gzip", data: gz(bytes.Repeat(core, 100))[:60], members: []string{`in [gzip] <2300 bytes>`}, errs: []string{"in: truncated"}},
		{name: "truncated zstd", data: zst(bytes.Repeat(core, 100))[:30], members: []string{`in [zstd] ""`}, errs: []string{"in: truncated"}},
		{name: "truncated xz", data: xzc(noise(3000))[:2000], members: []string{`in [xz] <1973 bytes>`}, errs: []string{"in: truncated"}},
		{name: "truncated lz4", data: lz4c(noise(3000))[:2000], members: []string{`in [lz4] ""`}, errs: []string{"in: truncated"}},
		{name: "truncated bzip2", data: mustRead(t, "testdata/hello.bz2")[:40], members: []string{`in [bzip2] ""`}, errs: []string{"in: truncated"}},
		{name: "truncated tar", data: tarc(entry{name: "big", body: bytes.Repeat(core, 100)})[:1000],
			members: []string{`in!/big [tar] <488 bytes>`}, errs: []string{"in!/big: truncated"}},
		{name: "truncated tar.gz", data: gz(tarc(entry{name: "big", body: noise(4000)}, entry{name: "next", body: core}))[:1500],
			members: []string{`in!/big [gzip tar] <1356 bytes>`}, errs: []string{"in: truncated"}},
		{name: "corrupt gzip", data: flip(gz(core), 12), members: []string{`in [gzip] "EK^ core with a secret\n"`}, errs: []string{"in: corrupt"}},
		{name: "gzip trailing zeros", data: cat(gz(core), make([]byte, 100)), members: []string{`in [gzip] "ELF core with a secret\n"`}, errs: []string{"in: corrupt"}},
		{name: "xz padding", data: cat(xzc(core), make([]byte, 100)), members: []string{`in [xz] "ELF core with a secret\n"`}},
		{name: "not gzip", data: []byte{0x1f, 0x8b, 0x08}, errs: []string{"in: truncated"}},
		{name: "zip crc", data: zeroIn(zipRaw(0, entry{name: "a", body: core}, entry{name: "b", body: core2}), "secret"),
			members: []string{`in!/a [zip] "ELF core with a s\x00cret\n"`, `in!/b [zip] "MDMP minidump bytes\n"`}, errs: []string{"in!/a: corrupt"}},
		{name: "zip encrypted", data: zipRaw(1, entry{name: "locked", body: core}),
			errs: []string{"in!/locked: encrypted"}},
		{name: "zip encrypted then plain", data: cat(zipRaw(1, entry{name: "locked", body: core})[:30+6+len(core)], zipRaw(0, entry{name: "open", body: core2})),
			modes:   []mode{stream, trickle},
			members: []string{`in!/open [zip] "MDMP minidump bytes\n"`}, errs: []string{"in!/locked: encrypted"}},
		{name: "zip truncated", data: upTo(zipRaw(0, entry{name: "a", body: core}, entry{name: "b", body: core2}), "MD"), modes: []mode{stream, trickle},
			members: []string{`in!/a [zip] "ELF core with a secret\n"`, `in!/b [zip] "MD"`},
			errs:    []string{"in!/b: truncated"}},
		{name: "zip truncated central directory", data: upTo(zipRaw(0, entry{name: "a", body: core}, entry{name: "b", body: core2}), "MD"), modes: []mode{file},
			members: []string{`in!/a [zip] "ELF core with a secret\n"`, `in!/b [zip] "MD"`},
			errs:    []string{"in: corrupt", "in!/b: truncated"}},
		{name: "zip truncated descriptor", data: upTo(zipc(entry{name: "a", body: core}), "PK\x07\x08"), modes: []mode{stream, trickle},
			members: []string{`in!/a [zip] "ELF core with a secret\n"`}, errs: []string{"in!/a: truncated"}},
		{name: "gzip bomb by ratio", data: gz(make([]byte, 8<<20)), lim: Limits{MaxExpand: 100, Grace: 1 << 20},
			members: []string{`in [gzip] <1 MiB>`}, errs: []string{"in: bomb"}},
		{name: "bzip2 bomb", data: mustRead(t, "testdata/zeros100m.bz2"), lim: Limits{Grace: 1 << 20},
			members: []string{`in [bzip2] <1 MiB>`}, errs: []string{"in: bomb"}},
		{name: "zstd bomb at default limits", data: zst(make([]byte, 100<<20)), modes: []mode{stream, file},
			members: []string{`in [zstd] <64 MiB>`}, errs: []string{"in: bomb"}},
		{name: "member limit", data: gz(bytes.Repeat(core, 10)), lim: Limits{MaxMember: 100},
			members: []string{`in [gzip] <230 bytes>`}, errs: []string{"in: bomb"}},
		{name: "total limit", data: tarc(entry{name: "a", body: core}, entry{name: "b", body: core2}), lim: Limits{MaxTotal: 30},
			members: []string{`in!/a [tar] "ELF core with a secret\n"`, `in!/b [tar] "MDMP minidump bytes\n"`}, err: "bomb"},
		{name: "xz dictionary", data: xzc(core), lim: Limits{MaxWindow: 1 << 20}, errs: []string{"in: bomb"}},
		{name: "zstd window", data: zstdWindow8M, lim: Limits{MaxWindow: 1 << 20},
			members: []string{`in [zstd] ""`}, errs: []string{"in: bomb"}},
	}
	for _, tt := range tests {
		modes := tt.modes
		if modes == nil {
			modes = []mode{stream, file, trickle}
		}
		for _, m := range modes {
			if m == trickle && len(tt.data) > 1<<20 {
				continue
			}
			t.Run(tt.name+"/"+m.String(), func(t *testing.T) {
				got := run(t, m, "in", tt.data, tt.lim)
				if !slices.Equal(got.members, tt.members) {
					t.Errorf("members = %q, want %q", got.members, tt.members)
				}
				if !slices.Equal(got.errs, tt.errs) {
					t.Errorf("errors = %q, want %q", got.errs, tt.errs)
				}
				if got.err != tt.err {
					t.Errorf("Walk error = %q, want %q", got.err, tt.err)
				}
			})
		}
	}
}

// zipJar returns a zip as jar tools write it: even the directory entry is
// deflated and followed by a data descriptor.
func zipJar() []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range []entry{{name: "META-INF_"}, {name: "META-INF/MANIFEST.MF", body: []byte("Manifest-Version: 1.0\n")}} {
		var z bytes.Buffer
		fw, _ := flate.NewWriter(&z, flate.DefaultCompression)
		fw.Write(e.body)
		must(fw.Close())
		f, err := w.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Flags: 0x8,
			CRC32: crc32.ChecksumIEEE(e.body), CompressedSize64: uint64(z.Len()), UncompressedSize64: uint64(len(e.body))})
		must(err)
		f.Write(z.Bytes())
	}
	must(w.Close())
	return bytes.ReplaceAll(buf.Bytes(), []byte("META-INF_"), []byte("META-INF/")) // Go's writer writes no data for a directory
}

// fakeDescriptor returns stored data that starts like a data descriptor of
// zero bytes, with the given CRC-32 and compressed size, followed by a header
// signature: only a wrong CRC or size tells it from the real end.
func fakeDescriptor(crc, csize string) string {
	return "PK\x07\x08" + crc + csize + "\x00\x00\x00\x00" + "PK\x03\x04" + "data"
}

// zstdWindow8M is an empty zstd frame that asks for an 8 MiB window.
var zstdWindow8M = []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, (23 - 10) << 3, 0x01, 0x00, 0x00}

// upTo returns b up to the end of the first s in it.
func upTo(b []byte, s string) []byte {
	return b[:bytes.Index(b, []byte(s))+len(s)]
}

// noise returns n incompressible bytes, the same on every call.
func noise(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{}).Read(b)
	return b
}

func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0xff
	return b
}

// zeroIn zeroes the second byte of s in b.
func zeroIn(b []byte, s string) []byte {
	b = bytes.Clone(b)
	b[bytes.Index(b, []byte(s))+1] = 0
	return b
}

// zipOverlap returns a zip whose second directory record points at the
// first entry's local header: two names over one compressed body.
func zipOverlap() []byte {
	b := zipRaw(0, entry{name: "a", body: core}, entry{name: "b", body: core})
	i := bytes.LastIndex(b, []byte("PK\x01\x02"))
	clear(b[i+42 : i+46]) // local header offset of the second record
	return b
}

func TestWalkFileZipOverlap(t *testing.T) {
	got := run(t, file, "in", zipOverlap(), Limits{})
	want := result{members: []string{`in!/a [zip] "ELF core with a secret\n"`}, errs: []string{"in!/b: bomb"}}
	if !slices.Equal(got.members, want.members) || !slices.Equal(got.errs, want.errs) || got.err != "" {
		t.Errorf("WalkFile(overlap) = %+v, want %+v", got, want)
	}
}

// failing reads its bytes, then fails with errCaller.
type failing struct{ r io.Reader }

func (f *failing) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		err = errCaller
	}
	return n, err
}

func TestWalkReaderError(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"raw", core},
		{"gzip", gz(bytes.Repeat(core, 1000))[:100]},
		{"tar", tarc(entry{name: "a", body: core})[:600]},
		{"zip", zipc(entry{name: "a", body: core})[:40]},
	}
	for _, tt := range tests {
		var errs []string
		err := Walk(context.Background(), "in", &failing{bytes.NewReader(tt.data)}, Limits{},
			func(m Member) error { _, err := io.Copy(io.Discard, m.R); return err },
			func(path string, err error) { errs = append(errs, path+": "+kindOf(err)) })
		if !errors.Is(err, errCaller) || errs != nil {
			t.Errorf("Walk(%s, failing reader) = %v, reported %q; want %v and nothing reported", tt.name, err, errs, errCaller)
		}
	}
}

func TestWalkCallback(t *testing.T) {
	data := gz(tarc(entry{name: "a", body: core}, entry{name: "b", body: gz(core)[:20]}, entry{name: "c", body: core2}))
	tests := []struct {
		name    string
		fn      func(context.CancelFunc, Member) error
		members []string
		errs    []string
		err     error
	}{
		{"reads all", func(_ context.CancelFunc, m Member) error { _, err := io.Copy(io.Discard, m.R); return err },
			[]string{"in!/a", "in!/b", "in!/c"}, []string{"in!/b: truncated"}, nil},
		{"reads nothing", func(context.CancelFunc, Member) error { return nil },
			[]string{"in!/a", "in!/b", "in!/c"}, nil, nil},
		{"own error", func(context.CancelFunc, Member) error { return errCaller },
			[]string{"in!/a"}, nil, errCaller},
		{"cancels", func(cancel context.CancelFunc, m Member) error { cancel(); return nil },
			[]string{"in!/a"}, nil, context.Canceled},
		{"cancels then reads", func(cancel context.CancelFunc, m Member) error {
			cancel()
			_, err := io.Copy(io.Discard, m.R)
			return err
		},
			[]string{"in!/a"}, nil, context.Canceled},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithCancel(context.Background())
		var members, errs []string
		err := Walk(ctx, "in", bytes.NewReader(data), Limits{},
			func(m Member) error { members = append(members, m.Path); return tt.fn(cancel, m) },
			func(path string, err error) { errs = append(errs, path+": "+kindOf(err)) })
		cancel()
		if !slices.Equal(members, tt.members) || !slices.Equal(errs, tt.errs) || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("Walk(%s) = %v, members %q, errors %q; want %v, %q, %q", tt.name, err, members, errs, tt.err, tt.members, tt.errs)
		}
	}
}

func TestWalkExpiredReader(t *testing.T) {
	var kept io.Reader
	err := Walk(context.Background(), "in", bytes.NewReader(gz(core)), Limits{},
		func(m Member) error { kept = m.R; return nil }, func(string, error) {})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := kept.Read(make([]byte, 10)); n != 0 || !errors.Is(err, errExpired) {
		t.Errorf("Read after the callback = %d, %v, want 0, %v", n, err, errExpired)
	}
}

func TestWalkFileRaw(t *testing.T) {
	r := bytes.NewReader(core)
	err := WalkFile(context.Background(), "core", r, r.Size(), Limits{}, func(m Member) error {
		if _, ok := m.R.(*io.SectionReader); !ok || m.Size != int64(len(core)) || m.Path != "core" || m.Layers != nil {
			t.Errorf("WalkFile(raw) member = %+v, want the file as an *io.SectionReader", m)
		}
		return nil
	}, func(path string, err error) { t.Errorf("onErr(%q, %v)", path, err) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestWalkCounter(t *testing.T) {
	data := gz(tarc(entry{name: "a", body: core}, entry{name: "b", body: zst(core2)}))
	var c *Counter
	var out int64
	err := Walk(context.Background(), "in", bytes.NewReader(data), Limits{}, func(m Member) error {
		c = m.Count
		n, err := io.Copy(io.Discard, m.R)
		out += n
		return err
	}, func(path string, err error) { t.Errorf("onErr(%q, %v)", path, err) })
	if err != nil {
		t.Fatal(err)
	}
	if c.In() != int64(len(data)) || c.Out() != out || out != int64(len(core)+len(core2)) {
		t.Errorf("Counter = in %d out %d, want %d and %d", c.In(), c.Out(), len(data), len(core)+len(core2))
	}
}

// TestWalkNestedBomb: members each under the per-stream grace add up to an
// input that expands beyond the ratio, which stops the walk.
func TestWalkNestedBomb(t *testing.T) {
	member := zst(make([]byte, 900<<10))
	var es []entry
	for i := range 8 {
		es = append(es, entry{name: strconv.Itoa(i), body: member})
	}
	var n int
	err := Walk(context.Background(), "in", bytes.NewReader(zst(tarc(es...))), Limits{Grace: 1 << 20}, func(m Member) error {
		n++
		_, err := io.Copy(io.Discard, m.R)
		return err
	}, func(path string, err error) { t.Errorf("onErr(%q, %v)", path, err) })
	if !errors.Is(err, ErrBomb) || n != 5 {
		t.Errorf("Walk(8 zstd bombs of 900 KiB, grace 1 MiB) = %v after %d members, want %v after 5", err, n, ErrBomb)
	}
}

// tarSkipped returns a tar of one entry of n zeros whose type, 'Z', is no
// regular file: the walk skips its data, and so decodes it without passing
// it to a member.
func tarSkipped(n int) []byte {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	must(w.WriteHeader(&tar.Header{Name: "skipped", Mode: 0o644, Size: int64(n), Typeflag: 'Z'}))
	w.Write(make([]byte, n))
	must(w.Close())
	return buf.Bytes()
}

// TestWalkSkippedBomb: bytes decoded only to be skipped reach no member, so
// the input-wide ratio, checked on members' bytes, never saw them, and
// nested layers each within the ratio multiplied it. 64 MiB in a 'Z' entry
// of a tar in gzip in gzip is 499 bytes: each layer stays under a ratio of
// 2000 (1027 and 131), the whole expands 134000 times, and the walk decoded
// all of it without an error.
func TestWalkSkippedBomb(t *testing.T) {
	data := gz(gz(tarSkipped(64 << 20)))
	lim := Limits{MaxExpand: 2000, Grace: 1 << 20}
	for _, m := range []mode{stream, file} {
		t.Run(m.String(), func(t *testing.T) {
			got := run(t, m, "in", data, lim)
			if got.members != nil || got.errs != nil || got.err != "bomb" {
				t.Errorf("walk(%d bytes) = %q, %q, %q; want no member and %q", len(data), got.members, got.errs, got.err, "bomb")
			}
		})
	}
	// Within the limits, skipping still works: one layer, under its ratio.
	data = cat(gz(cat(tarSkipped(8 << 20)[:8<<20+512], tarc(entry{name: "a", body: core}))))
	got := run(t, stream, "in", data, lim)
	if want := []string{`in!/a [gzip tar] "ELF core with a secret\n"`}; !slices.Equal(got.members, want) || got.errs != nil || got.err != "" {
		t.Errorf("walk = %q, %q, %q; want %q", got.members, got.errs, got.err, want)
	}
}

// TestWalkManySmall walks thousands of tiny compressed members and checks
// that no goroutine is left behind.
func TestWalkManySmall(t *testing.T) {
	var es []entry
	for i := range 3000 {
		b := []byte(strconv.Itoa(i))
		switch i % 3 {
		case 0:
			b = zst(b)
		case 1:
			b = gz(b)
		case 2:
			b = lz4c(b)
		}
		es = append(es, entry{name: strconv.Itoa(i), body: b})
	}
	data := gz(tarc(es...))
	before := runtime.NumGoroutine()
	var n int
	err := Walk(context.Background(), "in", bytes.NewReader(data), Limits{}, func(m Member) error {
		b, err := io.ReadAll(m.R)
		if string(b) != strconv.Itoa(n) {
			t.Errorf("member %s = %q, want %q", m.Path, b, strconv.Itoa(n))
		}
		n++
		return err
	}, func(path string, err error) { t.Errorf("onErr(%q, %v)", path, err) })
	if err != nil || n != len(es) {
		t.Fatalf("Walk = %v after %d members, want nil after %d", err, n, len(es))
	}
	// A caller that stops reading early, mid-stream, leaves no decoder running.
	big := zst(coreLike(2 << 20))
	for range 5 {
		err := Walk(context.Background(), "in", bytes.NewReader(big), Limits{}, func(m Member) error {
			_, err := m.R.Read(make([]byte, 10))
			return err
		}, func(path string, err error) { t.Errorf("onErr(%q, %v)", path, err) })
		if err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d goroutines after the walk, %d before", runtime.NumGoroutine(), before)
}

func TestWalkSize(t *testing.T) {
	n := int64(len(core))
	tests := []struct {
		name string
		m    mode
		data []byte
		want int64
	}{
		{"raw stream", stream, core, -1},
		{"raw file", file, core, n},
		{"gzip", file, gz(core), -1},
		{"tar", stream, tarc(entry{name: "a", body: core}), n},
		{"zip stored", stream, zipRaw(0, entry{name: "a", body: core}), n},
		{"zip descriptor stream", stream, zipc(entry{name: "a", body: core}), -1},
		{"zip descriptor file", file, zipc(entry{name: "a", body: core}), n},
		{"zstd in tar", stream, tarc(entry{name: "a", body: zst(core)}), -1},
	}
	for _, tt := range tests {
		var got []int64
		fn := func(m Member) error { got = append(got, m.Size); return nil }
		onErr := func(path string, err error) { t.Errorf("%s: onErr(%q, %v)", tt.name, path, err) }
		var err error
		if tt.m == file {
			err = WalkFile(context.Background(), "in", bytes.NewReader(tt.data), int64(len(tt.data)), Limits{}, fn, onErr)
		} else {
			err = Walk(context.Background(), "in", bytes.NewReader(tt.data), Limits{}, fn, onErr)
		}
		if err != nil || len(got) != 1 || got[0] != tt.want {
			t.Errorf("Walk(%s) sizes = %v, %v, want [%d]", tt.name, got, err, tt.want)
		}
	}
}

// TestWalkReferenceTools walks containers written by the reference tools
// (testdata/make-fixtures.sh), not by the Go writers the other tests use.
func TestWalkReferenceTools(t *testing.T) {
	const text = `"core written by a reference tool\n"`
	tests := []struct {
		file    string
		members []string
		errs    []string
	}{
		{"cli.zst", []string{`in [zstd] ` + text}, nil},
		{"cli.lz4", []string{`in [lz4] ` + text}, nil},
		{"cli.xz", []string{`in [xz] ` + text}, nil},
		{"cli.gz", []string{`in [gzip] ` + text}, nil},
		{"cli-stream.zip", []string{`in!/- [zip] ` + text}, nil},
		{"cli-encrypted.zip", nil, []string{"in!/cli.txt: encrypted"}},
		{"cli.tar.zst", []string{
			`in!/cli/dir/` + strings.Repeat("long-name-", 10) + `.txt [zstd tar] ` + text,
			`in!/cli/sparse [zstd tar] <1 MiB>`}, nil},
	}
	for _, tt := range tests {
		data := mustRead(t, "testdata/"+tt.file)
		for _, m := range []mode{stream, file, trickle} {
			got := run(t, m, "in", data, Limits{})
			if !slices.Equal(got.members, tt.members) || !slices.Equal(got.errs, tt.errs) || got.err != "" {
				t.Errorf("%s (%s) = %q, %q, %q; want %q, %q", tt.file, m, got.members, got.errs, got.err, tt.members, tt.errs)
			}
		}
	}
}

// TestWalkSparse checks that a sparse tar member reads as its holes and data.
func TestWalkSparse(t *testing.T) {
	var got []byte
	err := Walk(context.Background(), "in", bytes.NewReader(mustRead(t, "testdata/cli.tar.zst")), Limits{}, func(m Member) error {
		if strings.HasSuffix(m.Path, "/sparse") {
			var err error
			got, err = io.ReadAll(m.R)
			return err
		}
		return nil
	}, func(path string, err error) { t.Errorf("onErr(%q, %v)", path, err) })
	want := append(make([]byte, 1<<20), "after a hole\n"...)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("sparse member = %d bytes ending %q, %v; want %d bytes ending %q", len(got), got[max(0, len(got)-13):], err, len(want), want[len(want)-13:])
	}
}
