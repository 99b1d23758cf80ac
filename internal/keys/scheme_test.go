package keys

import (
	"strings"
	"testing"
)

func TestSchemeByName(t *testing.T) {
	for _, tt := range []struct {
		name, want string
	}{
		{"pbes2-pbkdf2-aes256-cbc", "pbes2-pbkdf2-aes256-cbc"},
		{"pbes2-scrypt-unknown-cipher", "pbes2-scrypt-unknown-cipher"},
		{"pkcs12-sha1-3des-cbc", "pkcs12-sha1-3des-cbc"},
		{"pem-aes-128-cbc", "pem-aes-128-cbc"},
		{"pem-des-ede3-cbc", "pem-des-ede3-cbc"},
		{"pem-unknown-cipher", "pem-unknown-cipher"},
		{"aes256-ctr+bcrypt", "aes256-ctr+bcrypt"},
		{"chacha20-poly1305@openssh.com+bcrypt", "chacha20-poly1305@openssh.com+bcrypt"},
		{"aes256-cbc+argon2id", "aes256-cbc+argon2id"},
		{"aes256-cbc", "aes256-cbc"},
		{"openpgp-aes256-s2k", "openpgp-aes256-s2k"},
		{"cms-enveloped", "cms-enveloped"},
		{"", "unknown"},
		{"unknown", "unknown"},
		{"pem-aes\t\x1b[2j-128-cbc", "unknown"},
		{"PEM-AES-128-CBC", "unknown"},
		{strings.Repeat("A", 1<<16), "unknown"},
		{"aes256-ctr+bcrypt\x00", "unknown"},
	} {
		if got := SchemeByName(tt.name).String(); got != tt.want {
			t.Errorf("SchemeByName(%.40q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if NoScheme.String() != "" || Scheme(255).String() != "unknown" {
		t.Errorf("NoScheme = %q, Scheme(255) = %q", NoScheme.String(), Scheme(255).String())
	}
}

// TestSchemeNames checks that the set fits a Scheme and that every name
// maps back to itself.
func TestSchemeNames(t *testing.T) {
	if len(schemeNames) > 256 {
		t.Fatalf("%d scheme names do not fit a uint8", len(schemeNames))
	}
	for i, n := range schemeNames[UnknownScheme+1:] {
		s := Scheme(i) + UnknownScheme + 1
		if got := SchemeByName(n); got.String() != n {
			t.Errorf("SchemeByName(%q) = %v (%d), want %d", n, got, got, s)
		}
		if b, _ := s.MarshalText(); string(b) != n {
			t.Errorf("MarshalText(%d) = %q, want %q", s, b, n)
		}
	}
}
