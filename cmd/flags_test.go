package cmd

import (
	"strings"
	"testing"
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
