package elfcore

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummaryWriteTextEscapes(t *testing.T) {
	s := Summary{Machine: "x86_64", Class: 64, ByteOrder: "little", OS: "linux", Process: "p\x1b[31m",
		Args: "p --x\x07", Executable: "/bin/p\x1b",
		Files: []SummaryFile{{Start: 0x1000, End: 0x2000, Path: "/lib/\x1b]0;t\x07.so"}}}
	var out bytes.Buffer
	if err := s.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07") {
		t.Errorf("WriteText printed control characters: %q", out.String())
	}
	for _, want := range []string{`p\x1b[31m`, `p --x\x07`, `/bin/p\x1b`, `/lib/\x1b]0;t\x07.so`, "files:    1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("WriteText output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "none.core"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "elfcore: ") {
		t.Errorf("Open(missing) = %v, want an elfcore: error wrapping fs.ErrNotExist", err)
	}
}
