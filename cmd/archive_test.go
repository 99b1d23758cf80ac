package cmd

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// tarGz packs members (name, content) into a gzipped tar.
func tarGz(t *testing.T, members ...[2][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: string(m[0]), Mode: 0o644, Size: int64(len(m[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(m[1])
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func zst(t *testing.T, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeAll(b, nil)
}

// TestArchives scans keys inside nested archives and compressed streams, from
// files and from standard input, and checks member paths and exit statuses.
func TestArchives(t *testing.T) {
	planted, _ := os.ReadFile("testdata/planted.bin")
	clean, _ := os.ReadFile("testdata/clean.bin")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sweep := write("sweep.tar.gz", tarGz(t,
		[2][]byte{[]byte("2021/host7/core.1234.zst"), zst(t, planted)},
		[2][]byte{[]byte("2021/host8/core.99"), clean}))
	cleanTar := write("clean.tar.gz", tarGz(t, [2][]byte{[]byte("a"), clean}))
	truncated := write("cut.tar.gz", tarGz(t, [2][]byte{[]byte("big"), planted})[:200])
	hostile := write("evil.tar.gz", tarGz(t, [2][]byte{[]byte("../../etc/core"), clean}))
	tests := []struct {
		name    string
		args    []string
		stdin   []byte
		want    int
		members []string // members with findings
		stderr  string
	}{
		{"nested archive", []string{sweep}, nil, ExitFindings, []string{sweep + "!/2021/host7/core.1234.zst"}, ""},
		{"clean archive", []string{cleanTar}, nil, ExitClean, nil, ""},
		{"stdin zstd", []string{"-"}, zst(t, planted), ExitFindings, []string{""}, ""},
		{"truncated archive", []string{truncated}, nil, ExitError, nil, "truncated"},
		{"traversal name", []string{hostile}, nil, ExitError, nil, "unsafe entry name"},
		{"too deep", []string{"--max-depth", "1", cleanTar}, nil, ExitError, nil, "nested too deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(t.Context(), append([]string{"scan", "--format", "json"}, tt.args...), bytes.NewReader(tt.stdin), &out, &errb)
			if code != tt.want {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.want, errb.String())
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.stderr)
			}
			var rep struct {
				Files []struct {
					Member   string
					Findings []struct{ Member string }
				}
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Files {
				if len(f.Findings) > 0 {
					got = append(got, f.Member)
					if f.Findings[0].Member != f.Member {
						t.Errorf("finding member %q, file member %q", f.Findings[0].Member, f.Member)
					}
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.members, ",") {
				t.Errorf("members with findings %q, want %q", got, tt.members)
			}
		})
	}
}
