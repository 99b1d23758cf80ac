package cmd

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestSizeFlags: every size flag takes plain bytes or a binary unit, and a
// bad size is named by its flag with what is wanted.
func TestSizeFlags(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		want       int
		wantStderr string
	}{
		{"bytes", []string{"--max-total", "1099511627776", cleanCore}, ExitClean, ""},
		{"terabyte", []string{"--max-total", "1T", cleanCore}, ExitClean, ""},
		{"GiB", []string{"--max-total", "2GiB", cleanCore}, ExitClean, ""},
		{"too small, with a unit", []string{"--max-total", "1K", cleanCore}, ExitError, "decompression limit exceeded"},
		{"zero", []string{"--max-total", "0", cleanCore}, ExitError, "--max-total 0: want at least 1 byte"},
		{"overflow", []string{"--max-total", "99999999T", cleanCore}, ExitError, `--max-total "99999999T": too large; want bytes, or a whole number with K, M, G or T`},
		{"negative", []string{"--max-total", "-1", cleanCore}, ExitError, `--max-total "-1": negative; want`},
		{"garbage", []string{"--max-total", "lots", cleanCore}, ExitError, `--max-total "lots": not a number; want`},
		{"unknown unit", []string{"--max-total", "1P", cleanCore}, ExitError, `--max-total "1P": unknown unit "P"; want`},
		{"empty", []string{"--max-total", "", cleanCore}, ExitError, `--max-total "": empty; want`},
		{"ratio", []string{"--max-expand", "1000x", cleanCore}, ExitClean, ""},
		{"ratio with a size unit", []string{"--max-expand", "1G", cleanCore}, ExitError, `--max-expand "1G": want a ratio such as 1000`},
		{"ratio below 1", []string{"--max-expand", "0.5", cleanCore}, ExitError, "--max-expand 0.5: want at least 1"},
		{"whole number", []string{"--workers", "two", cleanCore}, ExitError, `--workers "two": want a whole number`},
		{"max-depth", []string{"--max-depth", "0", cleanCore}, ExitError, "--max-depth 0: want at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", append([]string{"scan", "-q"}, tt.args...)...)
			if code != tt.want {
				t.Errorf("exit status = %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantStderr)
			}
			if strings.Contains(stderr, "strconv") || strings.Contains(stderr, "invalid argument") {
				t.Errorf("stderr %q shows the parser's internals", stderr)
			}
		})
	}
	// inspect shares the limit flags.
	code, _, stderr := run(t, "", "inspect", "--max-total", "99999999T", cleanCore)
	if code != ExitError || !strings.Contains(stderr, `--max-total "99999999T": too large`) {
		t.Errorf("inspect --max-total 99999999T: exit status %d, stderr %q", code, stderr)
	}
	if code, _, stderr := run(t, "", "inspect", "--max-total", "1T", cleanCore); code != ExitClean {
		t.Errorf("inspect --max-total 1T: exit status %d, stderr %q", code, stderr)
	}
	// The help names the units.
	_, out, _ := run(t, "", "scan", "--help")
	if !strings.Contains(out, "--max-total SIZE") || !strings.Contains(out, "powers of 1024") || !strings.Contains(out, "(default 1TiB)") {
		t.Errorf("scan --help does not document --max-total's units:\n%s", out)
	}
}

// TestErrorMessages: an error names what the user gave (the flag, the
// policy key, the path as typed) and what is wrong, not the internals
// (temporary names, strconv, "no such device"), and exits 2.
func TestErrorMessages(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badFailOn := write("fail-on.json", `{"fail_on": "high"}`)
	notDir := write("file", "x")
	nodir := filepath.Join(dir, "nonexist", "dir")
	hostile := filepath.Join(dir, "no\x1b[2J", "out.json")
	tests := []struct {
		name       string
		args       []string
		wantStderr string
		notStderr  string // must not appear: the internals
	}{
		{"fail-on", []string{"scan", "--fail-on", "high", clean}, `dumpguard: --fail-on "high": want validated, unverified, encrypted or fragment` + "\n", "unknown status"},
		{"fail-on, gate", []string{"gate", "--to", dir, "--fail-on", "high", clean}, `--fail-on "high": want validated, unverified, encrypted or fragment`, "detectors"},
		{"fail_on in the policy", []string{"scan", "--config", badFailOn, clean}, badFailOn + `: fail_on "high": want validated, unverified, encrypted or fragment`, "unknown status"},
		{"format", []string{"scan", "--format", "xml", clean}, `--format "xml": want text, json, jsonl or sarif`, ""},
		{"gate format", []string{"gate", "--to", dir, "--format", "jsonl", clean}, `--format "jsonl": want text, json or sarif`, ""},
		{"output directory missing", []string{"scan", "-o", filepath.Join(nodir, "out.json"), clean}, "dumpguard: --output " + filepath.Join(nodir, "out.json") + ": directory does not exist\n", ".tmp-"},
		{"output directory missing, gate", []string{"gate", "--to", dir, "-o", filepath.Join(nodir, "out.json"), clean}, "--output " + filepath.Join(nodir, "out.json") + ": directory does not exist", ".tmp-"},
		{"output directory missing, redact", []string{"redact", planted, "-o", filepath.Join(nodir, "out.bin")}, "--output " + filepath.Join(nodir, "out.bin") + ": directory does not exist", ".tmp-"},
		{"output under a file", []string{"scan", "-o", filepath.Join(notDir, "out.json"), clean}, "--output " + filepath.Join(notDir, "out.json") + ": " + notDir + " is not a directory", ".tmp-"},
		{"output is a directory", []string{"scan", "-o", dir, clean}, "--output " + dir + ": is a directory", ".tmp-"},
		{"output named with escapes", []string{"scan", "-o", hostile, clean}, `no\x1b[2J` + string(filepath.Separator) + "out.json: directory does not exist", "\x1b"},
		{"input missing", []string{"scan", "-q", filepath.Join(dir, "nope")}, "dumpguard: " + filepath.Join(dir, "nope") + ": no such file or directory\n", "stat "},
		{"input a directory, redact", []string{"redact", dir, "-o", filepath.Join(dir, "out")}, "dumpguard: " + dir + ": is a directory: redact writes a copy of one dump file", ""},
		{"input missing, redact", []string{"redact", filepath.Join(dir, "nope"), "-o", filepath.Join(dir, "out")}, filepath.Join(dir, "nope") + ": no such file or directory", "stat "},
		{"input a directory, inspect", []string{"inspect", dir}, "dumpguard: " + dir + ": is a directory\n", "no such device"},
		{"gate --to missing", []string{"gate", "--to", nodir, clean}, "dumpguard: --to " + nodir + ": directory does not exist", "stat "},
		{"gate --to a file", []string{"gate", "--to", notDir, clean}, "--to " + notDir + ": not a directory", ""},
		{"gate --quarantine missing", []string{"gate", "--to", dir, "--quarantine", nodir, clean}, "--quarantine " + nodir + ": directory does not exist", "stat "},
		{"--config missing", []string{"scan", "--config", filepath.Join(dir, "nope.json"), clean}, "--config " + filepath.Join(dir, "nope.json") + ": no such file or directory", "open "},
		{"--config a directory", []string{"scan", "--config", dir, clean}, "--config " + dir + ": is a directory", ""},
	}
	if _, err := os.Stat("/dev/null"); err == nil {
		tests = append(tests, struct {
			name       string
			args       []string
			wantStderr string
			notStderr  string
		}{"input a device", []string{"scan", "-q", "/dev/null"}, "dumpguard: /dev/null: not a regular file (to scan a pipe, redirect it to standard input and name -)\n", "/dev/null: /dev/null"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tt.args...)
			if code != ExitError {
				t.Errorf("exit status = %d, want %d; stderr:\n%s", code, ExitError, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantStderr)
			}
			if tt.notStderr != "" && strings.Contains(stderr, tt.notStderr) {
				t.Errorf("stderr %q shows %q", stderr, tt.notStderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Errorf("a failed redact left its output")
	}
}

// TestCompletion: shell completion offers the values of --format and
// --fail-on, and no file names for them.
func TestCompletion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "scan", "--format", ""}, []string{"text", "json", "jsonl", "sarif"}},
		{[]string{"__complete", "scan", "-f", "j"}, []string{"json", "jsonl"}},
		{[]string{"__complete", "scan", "--fail-on", ""}, []string{"validated", "unverified", "encrypted", "fragment"}},
		{[]string{"__complete", "gate", "--format", ""}, []string{"text", "json", "sarif"}},
		{[]string{"__complete", "gate", "--fail-on", "enc"}, []string{"encrypted"}},
		{[]string{"__complete", "redact", "--fail-on", ""}, []string{"validated", "unverified", "encrypted", "fragment"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			code, out, stderr := run(t, "", tt.args...)
			if code != ExitClean {
				t.Fatalf("exit status %d; stderr %q", code, stderr)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			// The last line is the directive: ":4" is ShellCompDirectiveNoFileComp.
			if n := len(lines); n == 0 || lines[n-1] != ":4" {
				t.Fatalf("completion %q does not end with :4 (no file names)", out)
			}
			got := lines[:len(lines)-1]
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("completions %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFlagHelpHasNoMarkup: flag help is plain text. pflag makes the first
// back-quoted word of a usage string the value's name (`FILE`); a second
// one, or markdown, would be printed as it is.
func TestFlagHelpHasNoMarkup(t *testing.T) {
	valueName := regexp.MustCompile(`^[A-Z][A-Z0-9/_-]*$`)
	root := newRoot(stdio{strings.NewReader(""), io.Discard, io.Discard})
	for _, c := range append(root.Commands(), root) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			name, usage := pflag.UnquoteUsage(f)
			if strings.Contains(f.Usage, "`") && !valueName.MatchString(name) {
				t.Errorf("%s --%s: back-quoted %q in usage %q becomes the value's name; want a placeholder such as FILE", c.Name(), f.Name, name, f.Usage)
			}
			for _, mark := range []string{"`", "**", "](", "__", "<br"} {
				if strings.Contains(usage, mark) {
					t.Errorf("%s --%s: usage %q holds markup %q", c.Name(), f.Name, usage, mark)
				}
			}
		})
	}
	_, out, _ := run(t, "", "scan", "--help")
	if !strings.Contains(out, "--output FILE") || !strings.Contains(out, "--fail-on STATUS") || strings.Contains(out, "`") {
		t.Errorf("scan --help:\n%s", out)
	}
}
