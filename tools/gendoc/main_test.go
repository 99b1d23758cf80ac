package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"man/man1/dumpguard.1", "man/man1/dumpguard-scan.1", "man/man1/dumpguard-gate.1",
		"man/man1/dumpguard-version.1", "completion/dumpguard.bash", "completion/_dumpguard", "completion/dumpguard.fish"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	man, _ := os.ReadFile(filepath.Join(dir, "man/man1/dumpguard.1"))
	for _, want := range []string{".TH \"DUMPGUARD\" \"1\"", "scan", "dumpguard-scan(1)"} {
		if !strings.Contains(string(man), want) {
			t.Errorf("dumpguard.1 lacks %q", want)
		}
	}
	scan, _ := os.ReadFile(filepath.Join(dir, "man/man1/dumpguard-scan.1"))
	if !strings.Contains(string(scan), "--fail-on") {
		t.Errorf("dumpguard-scan.1 lacks --fail-on")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "completion/dumpguard.bash")); !strings.Contains(string(b), "__start_dumpguard") {
		t.Errorf("dumpguard.bash is not a bash completion")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "completion/_dumpguard")); !strings.HasPrefix(string(b), "#compdef dumpguard") {
		t.Errorf("_dumpguard is not a zsh completion")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "completion/dumpguard.fish")); !strings.Contains(string(b), "complete -c dumpguard") {
		t.Errorf("dumpguard.fish is not a fish completion")
	}
}
