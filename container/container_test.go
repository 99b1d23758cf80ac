package container

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/pierrec/lz4/v4"
)

func TestSniff(t *testing.T) {
	v7 := v7Tar(tarc(entry{name: "old", body: core}))
	tests := []struct {
		name string
		head []byte
		want Kind
	}{
		{"empty", nil, Raw},
		{"elf core", []byte("\x7fELF\x02\x01\x01\x00"), Raw},
		{"minidump", []byte("MDMP\x93\xa7\x00\x00"), Raw},
		{"gzip", gz(core), Gzip},
		{"gzip magic alone", []byte{0x1f, 0x8b}, Raw},
		{"gzip other method", []byte{0x1f, 0x8b, 0x07, 0}, Raw},
		{"zstd", zst(core), Zstd},
		{"zstd after skippable", cat(skippable([]byte("x")), zst(core)), Zstd},
		{"skippable beyond head", cat(skippable(make([]byte, 600)), lz4c(core)), Zstd},
		{"lz4 after skippable", cat(skippable([]byte("x")), skippable(nil), lz4c(core)), LZ4},
		{"skippable too short", skippable(nil)[:7], Raw},
		{"bzip2", mustRead(t, "testdata/hello.bz2"), Bzip2},
		{"bzip2 magic alone", []byte("BZh9"), Bzip2},
		{"bzip2 bad level", []byte("BZh0\x31\x41\x59\x26\x53\x59"), Raw},
		{"bzip2 bad block", []byte("BZh9\x31\x41\x59\x26\x53\x58"), Raw},
		{"xz", xzc(core), XZ},
		{"lz4", lz4c(core), LZ4},
		{"lz4 legacy", lz4Legacy(core), LZ4},
		{"zip", zipc(entry{name: "a", body: core}), Zip},
		{"zip empty", zipc(), Zip},
		{"zip spanned marker", cat([]byte("PK\x07\x08"), zipc(entry{name: "a", body: core})), Zip},
		{"zip central only", []byte("PK\x01\x02"), Raw},
		{"tar ustar", tarc(entry{name: "a", body: core}), Tar},
		{"tar gnu", gnuTar(), Tar},
		{"tar v7", v7, Tar},
		{"tar v7 bad checksum", flip(v7, 0), Raw},
		{"tar short", tarc(entry{name: "a", body: core})[:511], Raw},
		{"tar end blocks", make([]byte, 1024), Raw},
	}
	for _, tt := range tests {
		if got := Sniff(tt.head); got != tt.want {
			t.Errorf("Sniff(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// v7Tar turns a ustar header block into a v7 one: no magic, checksum redone.
func v7Tar(b []byte) []byte {
	b = bytes.Clone(b)
	clear(b[257:512])
	copy(b[148:156], "        ")
	var sum int
	for _, c := range b[:512] {
		sum += int(c)
	}
	copy(b[148:156], []byte(strconv.FormatInt(int64(sum), 8)+"\x00 "))
	return b
}

// gnuTar returns a header block with the GNU magic "ustar  \0".
func gnuTar() []byte {
	b := v7Tar(tarc(entry{name: "a", body: core}))
	copy(b[257:], "ustar  \x00")
	return b
}

func lz4Legacy(b []byte) []byte {
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	must(w.Apply(lz4.LegacyOption(true)))
	w.Write(b)
	must(w.Close())
	return buf.Bytes()
}

func TestXZDict(t *testing.T) {
	head := xzc(core)
	tests := []struct {
		name   string
		head   []byte
		want   int64
		wantOK bool
	}{
		{"default writer", head, 8 << 20, true},
		{"stream header only", head[:12], 0, false},
		{"block header cut", head[:14], 0, false},
		{"no blocks", append(bytes.Clone(head[:12]), 0), 0, false},
	}
	for _, tt := range tests {
		got, ok := xzDict(tt.head)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("xzDict(%s) = %d, %v, want %d, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestUnsafeName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"core", false}, {"a/b/core.1", false}, {"..a/b..", false}, {"./x", false},
		{"../x", true}, {"a/../../x", true}, {"/etc/x", true}, {`..\x`, true}, {`C:\x`, true}, {`\\host\share`, true}, {"..", true},
	}
	for _, tt := range tests {
		if got := unsafeName(tt.name); got != tt.want {
			t.Errorf("unsafeName(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
