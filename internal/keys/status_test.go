package keys

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFingerprintText(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for _, in := range []string{hex, strings.ToUpper(hex), "SHA256:" + hex, "sha256:" + hex} {
		f, err := ParseFingerprint(in)
		if err != nil || f.String() != hex {
			t.Errorf("ParseFingerprint(%q) = %v, %v, want %s", in, f, err, hex)
		}
	}
	for _, in := range []string{"ab", strings.Repeat("zz", 32)} {
		if _, err := ParseFingerprint(in); err == nil {
			t.Errorf("ParseFingerprint(%q) accepted", in)
		}
	}
	b, _ := json.Marshal(struct{ F Fingerprint }{Fingerprint{1}})
	if !strings.Contains(string(b), `"0100`) {
		t.Errorf("json = %s", b)
	}
}

func TestStatusRoundTrip(t *testing.T) {
	for _, s := range []Status{Fragment, Encrypted, Unverified, Validated} {
		var got Status
		if err := got.UnmarshalText([]byte(s.String())); err != nil || got != s {
			t.Errorf("round trip of %v = %v, %v", s, got, err)
		}
	}
	if _, err := ParseStatus("high"); err == nil || !strings.Contains(err.Error(), "validated") {
		t.Errorf("ParseStatus(high) = %v, want an error naming the valid values", err)
	}
}
