package minidump

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummaryWriteTextEscapes(t *testing.T) {
	evil := "C:\\evil\x1b[2J.dll"
	s := Summary{Arch: "amd64", OS: "windows", PointerSize: 8,
		Threads: []Thread{{ID: 1, Name: "worker\x1b]0;x\x07"}}, Modules: []Module{{Name: evil, Base: 0x1000, Size: 0x1000}}}
	var out bytes.Buffer
	if err := s.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07") {
		t.Errorf("WriteText printed control characters: %q", out.String())
	}
	for _, want := range []string{`C:\evil\x1b[2J.dll`, `worker\x1b]0;x\x07`, "modules:  1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("WriteText output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "none.dmp"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "minidump: ") {
		t.Errorf("Open(missing) = %v, want a minidump: error wrapping fs.ErrNotExist", err)
	}
}
