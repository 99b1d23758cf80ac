package dumpio

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes a string that came from an input (the one escaping function:
// readers, containers, reports and the command line all use it) (a file name, an archive
// member, a module name read from a dump) safe to print on a terminal, as
// `ls -b` does: control bytes become \t, \n, \r or \x1b-style escapes,
// bytes that are not UTF-8 become \xff, and invisible Unicode controls
// (C1 controls, bidirectional overrides, line separators) become \u202e-style
// escapes. A string with none of these is returned as it is.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			// Printable non-ASCII text is common (names in any language):
			// look closer only when it is there.
			for _, r := range s {
				if r < 0x20 || r == 0x7f || r == utf8.RuneError || unsafeRune(r) {
					return true
				}
			}
			return !utf8.ValidString(s)
		}
	}
	return false
}

// unsafeRune reports a non-ASCII rune that a terminal does not print as
// itself: C1 controls (0x9b is a CSI on some terminals), format characters
// (bidirectional overrides that reorder what follows, zero-width ones) and
// the Unicode line and paragraph separators.
func unsafeRune(r rune) bool {
	return r >= 0x80 && r < 0xa0 || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029
}
