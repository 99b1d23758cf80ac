package policy

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// A Size is a number of bytes, as the limits of the policy file and the
// size flags give it: plain bytes ("1099511627776") or a whole number with a
// binary unit ("1T"). See [ParseSize].
type Size int64

// SizeSyntax says what [ParseSize] accepts, for help and error messages.
const SizeSyntax = "bytes, or a whole number with K, M, G or T (powers of 1024; KiB and KB mean the same)"

// sizeUnits are the units a size may carry, each a power of 1024: KiB, KB
// and K are all 1024 bytes, since sizes of dumps and memory are binary.
var sizeUnits = []struct {
	names []string // lower case
	shift uint
	show  string // how String writes it
}{
	{[]string{"", "b"}, 0, ""},
	{[]string{"k", "kb", "kib"}, 10, "KiB"},
	{[]string{"m", "mb", "mib"}, 20, "MiB"},
	{[]string{"g", "gb", "gib"}, 30, "GiB"},
	{[]string{"t", "tb", "tib"}, 40, "TiB"},
}

// ParseSize parses a size: a whole number of bytes, optionally followed
// (with or without a space) by K, M, G or T, or KiB… or KB…, in any case,
// all of them powers of 1024. Negative, fractional and overflowing sizes are
// errors. The error does not repeat s: the caller names the flag or key.
func ParseSize(s string) (Size, error) {
	bad := func(why string) (Size, error) {
		return 0, fmt.Errorf("%s; want %s", why, SizeSyntax)
	}
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && '0' <= t[i] && t[i] <= '9' {
		i++
	}
	switch {
	case t == "":
		return bad("empty")
	case strings.HasPrefix(t, "-"):
		return bad("negative")
	case i == 0:
		return bad("not a number")
	}
	digits, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	for _, u := range sizeUnits {
		for _, name := range u.names {
			if unit != name {
				continue
			}
			n, err := strconv.ParseUint(digits, 10, 63)
			if err != nil || n > math.MaxInt64>>u.shift {
				return bad("too large")
			}
			return Size(n << u.shift), nil
		}
	}
	if strings.HasPrefix(unit, ".") {
		return bad("not a whole number")
	}
	return bad(fmt.Sprintf("unknown unit %q", t[i:]))
}

// String is the size with the largest unit that divides it: "1TiB",
// "1536KiB", "1000".
func (n Size) String() string {
	for i := len(sizeUnits) - 1; i > 0; i-- {
		u := sizeUnits[i]
		if n != 0 && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d%s", n>>u.shift, u.show)
		}
	}
	return strconv.FormatInt(int64(n), 10)
}

// UnmarshalJSON accepts a JSON number of bytes or a string that [ParseSize]
// accepts: "max_total": 1099511627776 and "max_total": "1T" are one limit.
func (n *Size) UnmarshalJSON(b []byte) error {
	s := string(b)
	if uq, err := strconv.Unquote(s); err == nil && strings.HasPrefix(s, `"`) {
		s = uq
	} else if _, err := strconv.ParseFloat(s, 64); err == nil && strings.ContainsAny(s, ".eE") {
		return &json.UnmarshalTypeError{Value: s + ": not a whole number; want " + SizeSyntax, Type: reflect.TypeFor[Size]()}
	}
	v, err := ParseSize(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: strconv.Quote(s) + ": " + err.Error(), Type: reflect.TypeFor[Size]()}
	}
	*n = v
	return nil
}
