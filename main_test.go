package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes the test binary double as the dumpguard binary, so the
// scripts in testdata/script run the real command line, exit status included.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"dumpguard": main})
}

func TestScripts(t *testing.T) {
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		Setup: func(e *testscript.Env) error {
			e.Setenv("ROOT", root)
			e.Setenv("KEYS", filepath.Join(root, "detectors", "testdata", "keys"))
			e.Setenv("SAMPLES", filepath.Join(root, "cmd", "testdata"))
			e.Setenv("REALDUMPS", filepath.Join(root, "testdata", "realdumps"))
			return nil
		},
	})
}

// TestMakefileFuzzTargets checks that `make fuzz` runs every fuzz target.
func TestMakefileFuzzTargets(t *testing.T) {
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	tests, _ := filepath.Glob("*/*_test.go")
	nested, _ := filepath.Glob("*/*/*_test.go") // internal/prefilter
	re := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	have := map[string]bool{}
	for _, f := range append(tests, nested...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			target := filepath.ToSlash(filepath.Dir(f)) + ":" + string(m[1])
			have[target] = true
			if !regexp.MustCompile(`\s` + regexp.QuoteMeta(target) + `\s`).Match(mk) {
				t.Errorf("Makefile FUZZ_TARGETS lacks %s", target)
			}
		}
	}
	// And every target listed exists: a moved fuzz test must not leave a
	// line that fuzzes nothing.
	list := regexp.MustCompile(`(?s)FUZZ_TARGETS := \\\n(.*?)\n\n`).FindSubmatch(mk)
	if list == nil {
		t.Fatal("no FUZZ_TARGETS list in the Makefile")
	}
	for _, target := range strings.Fields(strings.ReplaceAll(string(list[1]), "\\", " ")) {
		if !have[target] {
			t.Errorf("Makefile FUZZ_TARGETS names %s, which no test file defines", target)
		}
	}
}
