package report

import (
	"bytes"
	"strings"
	"testing"

	"dumpguard/internal/dumpio"
	"dumpguard/internal/keys"
	"dumpguard/internal/policy"
	"dumpguard/scanner"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"core.1234", "core.1234"},
		{"", ""},
		{`C:\dumps\app.dmp`, `C:\dumps\app.dmp`},
		{"名前.dmp", "名前.dmp"},
		{"a\x1b[2K\rCLEAN: 1 files, 0 findings\nb", `a\x1b[2K\rCLEAN: 1 files, 0 findings\nb`},
		{"tab\there", `tab\there`},
		{"del\x7f", `del\x7f`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"c1\u009b31m", `c1\u009b31m`},
		{"bidi\u202etxt.exe", `bidi\u202etxt.exe`},
		{"line\u2028sep", `line\u2028sep`},
		{"nul\x00", `nul\x00`},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("a\x1b[31m\r\n\u202e\xff")
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range Escape(s) {
			if r < 0x20 || r == 0x7f || unsafeRune(r) || r == 0xfffd && !containsReplacement(s) {
				t.Fatalf("Escape(%q) holds %U", s, r)
			}
		}
	})
}

func containsReplacement(s string) bool {
	for _, r := range s {
		if r == 0xfffd {
			return true
		}
	}
	return false
}

// TestTextEscapes: a module name read from a minidump and a member name
// from an archive reach the text report escaped, so they cannot draw a fake
// summary over the real one.
func TestTextEscapes(t *testing.T) {
	evil := "lib\x1b[2K\rCLEAN: 1 files, 0 findings\n.so"
	r := New([]scanner.FileReport{{
		Path: "core", Member: "a.tar!/" + evil,
		Findings: []scanner.Finding{{Detector: "pem", Encoding: "pem", KeyType: "rsa", Status: keys.Validated, Region: scanner.RegionRef{Kind: dumpio.Image, Module: evil}}},
	}}, &policy.Policy{FailOn: keys.Fragment}, false)
	var b bytes.Buffer
	if err := Text(&b, r, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\r") || strings.Count(out, "\n") != 2 || !strings.HasPrefix(strings.Split(out, "\n")[1], "BLOCKED") {
		t.Errorf("text report:\n%q", out)
	}
}
