package cmd

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that a test may read while a command writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTextStreams: text output gives a file's findings as soon as that file
// is done, while another input (standard input, still open) is being read;
// the summary comes last.
func TestTextStreams(t *testing.T) {
	for _, format := range []string{"text", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			pr, pw := io.Pipe()
			var out, errb lockedBuffer
			done := make(chan int)
			go func() {
				done <- Run(context.Background(), []string{"scan", "-q", "-j", "2", "--format", format, planted, "-"}, pr, &out, &errb)
			}()
			deadline := time.Now().Add(20 * time.Second)
			for strings.Count(out.String(), "planted.bin") < 3 {
				if time.Now().After(deadline) {
					pw.Close()
					<-done
					t.Fatalf("no findings written while standard input was open; stdout %q, stderr %q", out.String(), errb.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if s := out.String(); strings.Contains(s, "BLOCKED") || strings.Contains(s, "summary") {
				t.Errorf("summary written before every input was done: %q", s)
			}
			pw.Close()
			if code := <-done; code != ExitFindings {
				t.Errorf("exit status %d, want %d; stderr %q", code, ExitFindings, errb.String())
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if last := lines[len(lines)-1]; len(lines) != 4 || !strings.HasPrefix(last, "BLOCKED: 2 files") && !strings.HasPrefix(last, `{"summary":`) {
				t.Errorf("output %q: want 3 findings, then the summary", out.String())
			}
		})
	}
}

// TestTextSummary: the summary line says how many findings block, and why
// the others do not.
func TestTextSummary(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"all block", []string{planted}, "BLOCKED: 1 files, 8.8 KiB scanned, 3 findings (3 validated), 3 blocking, 3 distinct keys, 0 errors\n"},
		{"a known test key", []string{testKeyBin}, ", 1 findings (1 validated), 0 blocking, 1 known test keys, 1 distinct keys, 0 errors\n"},
		{"a known test key, strict", []string{"--strict", testKeyBin}, ", 1 findings (1 validated), 1 blocking, 1 known test keys, 1 distinct keys, 0 errors\n"},
		{"test key and planted", []string{planted, testKeyBin}, "BLOCKED: 2 files, "},
		{"allowed", []string{"--config", "testdata/policy/allow.json", planted}, "CLEAN: 1 files, 8.8 KiB scanned, 3 findings (3 validated), 0 blocking, 3 allowed, 3 distinct keys, 0 errors\n"},
		{"clean", []string{clean}, "CLEAN: 1 files, 8.0 KiB scanned, 0 findings, 0 blocking, 0 distinct keys, 0 errors\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out, stderr := run(t, "", append([]string{"scan", "-q"}, tt.args...)...)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if last := lines[len(lines)-1] + "\n"; !strings.Contains(last, tt.want) {
				t.Errorf("summary %q lacks %q; stderr %q", last, tt.want, stderr)
			}
		})
	}
}

// TestGateTextOrder: gate writes each input's findings and what it did with
// it as it goes, and the summary last.
func TestGateTextOrder(t *testing.T) {
	to := t.TempDir()
	code, out, stderr := run(t, "", "gate", "-q", "--to", to, planted, clean)
	if code != ExitFindings {
		t.Fatalf("exit status %d, want %d; stderr %q", code, ExitFindings, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var kinds []string
	for _, ln := range lines {
		kind, _, _ := strings.Cut(ln, "\t")
		kind, _, _ = strings.Cut(kind, ":")
		kinds = append(kinds, kind)
	}
	if got, want := strings.Join(kinds, " "), "pem pem pem blocked released BLOCKED"; got != want {
		t.Errorf("gate output lines %q, want %q:\n%s", got, want, out)
	}
}
