package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// seeds are small inputs of every kind, for the fuzz targets.
func seeds(tb testing.TB) map[string][]byte {
	return map[string][]byte{
		"raw":       core,
		"gzip":      gz(core),
		"zstd":      cat(skippable([]byte("m")), zst(core), zst(core2)),
		"bzip2":     mustRead(tb, "testdata/multi.bz2"),
		"tarbz2":    mustRead(tb, "testdata/sweep.tar.bz2"),
		"xz":        xzc(core),
		"xzblocks":  cat(xzc(core), xzBlocks(0, 1), xzMultiBlock(core2)),
		"lz4":       lz4c(core),
		"lz4legacy": lz4Legacy(core),
		"zip":       zipc(entry{name: "a", body: core}, entry{name: "../b", body: gz(core2)}),
		"zipraw":    zipRaw(0, entry{name: "a", body: core}),
		"zipenc":    zipRaw(1, entry{name: "a", body: core}),
		"zipover":   zipOverlap(),
		"ziplie":    zipLie(),
		"tar":       tarc(entry{name: "a", body: core}, entry{name: "l", typ: '2'}),
		"tarv7":     v7Tar(tarc(entry{name: "old", body: core})),
		"targz":     gz(tarc(entry{name: "x/core.zst", body: zst(core)})),
		"zipdesc":   zipRaw(0x8, entry{name: "a", body: core}, entry{name: "b", body: []byte(fakeDescriptor("\x00\x00\x00\x00", "\x05\x00\x00\x00"))}),
		"clizip":    mustRead(tb, "testdata/cli-stream.zip"),
		"clienc":    mustRead(tb, "testdata/cli-encrypted.zip"),
		"clitarzst": mustRead(tb, "testdata/cli.tar.zst"),
		"nested":    zst(tarc(entry{name: "a.zip", body: zipc(entry{name: "c.gz", body: gz(core)})})),
		"skipped":   gz(gz(tarSkipped(8 << 20))), // decoded only to be skipped, as in TestWalkSkippedBomb
	}
}

func FuzzSniff(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k := Sniff(b)
		switch k {
		case Gzip, Zstd, Bzip2, XZ, LZ4, Zip, Tar, Raw:
		default:
			t.Fatalf("Sniff = %q, not a Kind", k)
		}
		if long := append(bytes.Clone(b[:min(len(b), SniffLen)]), make([]byte, 100)...); len(b) >= SniffLen && Sniff(long) != k {
			t.Fatalf("Sniff looked past %d bytes", SniffLen)
		}
	})
}

// FuzzWalk walks any input, as a stream and as a file, under small limits:
// it must not panic, hang or allocate without bound, every error must be
// typed, and every path must start with the input's name.
func FuzzWalk(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	lim := Limits{MaxTotal: 8 << 20, MaxMember: 4 << 20, MaxWindow: 8 << 20, Grace: 1 << 20}
	f.Fuzz(func(t *testing.T, b []byte) {
		fn := func(m Member) error {
			if !strings.HasPrefix(m.Path, "in") {
				t.Errorf("member path %q", m.Path)
			}
			_, err := io.Copy(io.Discard, m.R)
			if strings.HasPrefix(kindOf(err), "untyped") {
				t.Errorf("reading %s: untyped error %v", m.Path, err)
			}
			return nil
		}
		onErr := func(path string, err error) {
			if !strings.HasPrefix(path, "in") || strings.HasPrefix(kindOf(err), "untyped") {
				t.Errorf("onErr(%q, %v)", path, err)
			}
		}
		for _, err := range []error{
			Walk(context.Background(), "in", bytes.NewReader(b), lim, fn, onErr),
			WalkFile(context.Background(), "in", bytes.NewReader(b), int64(len(b)), lim, fn, onErr),
		} {
			if err != nil && !errors.Is(err, ErrBomb) {
				t.Errorf("Walk = %v, want nil or %v", err, ErrBomb)
			}
		}
	})
}

// TestWriteCorpus rewrites the committed seed corpus under testdata/fuzz
// when DUMPGUARD_WRITE_CORPUS is set; otherwise it checks it is there.
func TestWriteCorpus(t *testing.T) {
	for _, target := range []string{"FuzzSniff", "FuzzWalk"} {
		dir := filepath.Join("testdata", "fuzz", target)
		for name, b := range seeds(t) {
			path := filepath.Join(dir, "seed-"+name)
			want := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(b)))
			if os.Getenv("DUMPGUARD_WRITE_CORPUS") != "" {
				must(os.MkdirAll(dir, 0o755))
				must(os.WriteFile(path, []byte(want), 0o644))
				continue
			}
			if got, err := os.ReadFile(path); err != nil || len(got) == 0 {
				t.Errorf("seed %s missing (DUMPGUARD_WRITE_CORPUS=1 go test -run WriteCorpus): %v", path, err)
			}
		}
	}
}
