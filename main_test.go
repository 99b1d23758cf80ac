package main

import (
	"os"
	"path/filepath"
	"regexp"
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
	nested, _ := filepath.Glob("*/*/*_test.go")
	tests = append(tests, nested...)
	re := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	for _, f := range tests {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			target := filepath.Dir(f) + ":" + string(m[1])
			if !regexp.MustCompile(`\s` + regexp.QuoteMeta(target) + `\s`).Match(mk) {
				t.Errorf("Makefile FUZZ_TARGETS lacks %s", target)
			}
		}
	}
}
