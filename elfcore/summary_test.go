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
	s := Summary{Machine: "em-\x1b[1m", Class: 64, ByteOrder: "little", OS: "linux\u009b", Process: "p\x1b[31m",
		Args: "p --x\x07", Executable: "/bin/p\x1b",
		Files: []SummaryFile{{Start: 0x1000, End: 0x2000, Path: "/lib/\x1b]0;t\x07.so"}}}
	var out bytes.Buffer
	if err := s.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07\u009b") {
		t.Errorf("WriteText printed control characters: %q", out.String())
	}
	for _, want := range []string{`em-\x1b[1m`, `linux\u009b`, `p\x1b[31m`, `p --x\x07`, `/bin/p\x1b`, `/lib/\x1b]0;t\x07.so`, "files:    1"} {
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
