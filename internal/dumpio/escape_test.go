package dumpio

import "testing"

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
