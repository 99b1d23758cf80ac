package cmd

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTerminalInjection: a file name that tries to print a fake CLEAN line
// over the real summary reaches stdout and stderr escaped, in scan and gate.
func TestTerminalInjection(t *testing.T) {
	const evil = "x\x1b[1A\x1b[2K\rCLEAN: 1 files, 0 findings\n\u202e.bin"
	dir := t.TempDir()
	name := filepath.Join(dir, evil)
	copyFile(t, planted, name)
	missing := filepath.Join(dir, "gone\x1b]0;title\x07")
	to := t.TempDir()
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"scan", []string{"scan", "-q", name, missing}, ExitFindings},
		{"gate", []string{"gate", "-q", "--to", to, name, missing}, ExitFindings},
		{"scan, error only", []string{"scan", "-q", "--fail-on", "validated", missing}, ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", tt.args...)
			if code != tt.want {
				t.Fatalf("exit status %d, want %d; stderr:\n%q", code, tt.want, stderr)
			}
			for what, out := range map[string]string{"stdout": stdout, "stderr": stderr} {
				if strings.ContainsAny(out, "\x1b\r\x07\u202e") {
					t.Errorf("%s holds terminal controls: %q", what, out)
				}
				for _, ln := range strings.Split(out, "\n") {
					if strings.HasPrefix(ln, "CLEAN") {
						t.Errorf("%s holds a fake summary line: %q", what, out)
					}
				}
			}
			if strings.Contains(tt.name, "error only") {
				if !strings.Contains(stderr, `gone\x1b]0;title\x07`) {
					t.Errorf("stderr does not name the file escaped: %q", stderr)
				}
				return
			}
			if !strings.Contains(stdout, `x\x1b[1A\x1b[2K\rCLEAN: 1 files, 0 findings\n\u202e.bin`) {
				t.Errorf("stdout does not name the file escaped: %q", stdout)
			}
		})
	}
}
