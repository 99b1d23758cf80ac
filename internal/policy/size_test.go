package policy

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    Size
		wantErr string // a word of the error; "" for success
	}{
		{"0", 0, ""},
		{"1", 1, ""},
		{"1099511627776", 1 << 40, ""},
		{"512b", 512, ""},
		{"1K", 1024, ""},
		{"1k", 1024, ""},
		{"1KB", 1024, ""},
		{"1KiB", 1024, ""},
		{"1kib", 1024, ""},
		{"3M", 3 << 20, ""},
		{"3 MiB", 3 << 20, ""},
		{" 2G ", 2 << 30, ""},
		{"2GB", 2 << 30, ""},
		{"1T", 1 << 40, ""},
		{"1TiB", 1 << 40, ""},
		{"8388607T", 8388607 << 40, ""}, // the largest whole number of TiB in an int64
		{"9223372036854775807", math.MaxInt64, ""},
		{"8388608T", 0, "too large"},
		{"99999999T", 0, "too large"},
		{"9223372036854775808", 0, "too large"},
		{"99999999999999999999999", 0, "too large"},
		{"-1", 0, "negative"},
		{"-1G", 0, "negative"},
		{"", 0, "empty"},
		{"   ", 0, "empty"},
		{"G", 0, "not a number"},
		{"garbage", 0, "not a number"},
		{"1.5G", 0, "whole number"},
		{"1X", 0, `unknown unit "X"`},
		{"1P", 0, "unknown unit"},
		{"1GiBB", 0, "unknown unit"},
		{"1G1", 0, "unknown unit"},
		{"0x10", 0, "unknown unit"},
		{"1\x1b[2J", 0, "unknown unit"},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ParseSize(%q) error %v", tt.in, err)
		case tt.wantErr == "" && got != tt.want:
			t.Errorf("ParseSize(%q) = %d, want %d", tt.in, got, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), SizeSyntax)):
			t.Errorf("ParseSize(%q) = %d, %v; want an error saying %q and what is wanted", tt.in, got, err, tt.wantErr)
		}
	}
}

func TestSizeString(t *testing.T) {
	tests := []struct {
		n    Size
		want string
	}{
		{0, "0"}, {1000, "1000"}, {1024, "1KiB"}, {1536 << 10, "1536KiB"}, {3 << 20, "3MiB"}, {1 << 40, "1TiB"}, {5 << 41, "10TiB"},
	}
	for _, tt := range tests {
		if got := tt.n.String(); got != tt.want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(tt.n), got, tt.want)
		}
		if back, err := ParseSize(tt.n.String()); err != nil || back != tt.n {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.n.String(), back, err, int64(tt.n))
		}
	}
}

// TestDecodeLimits: max_total in the policy file is a number of bytes or a
// size string, and a bad one is named by its key and line.
func TestDecodeLimits(t *testing.T) {
	tests := []struct {
		json    string
		want    Size
		wantErr string
	}{
		{`{"limits": {"max_total": 1099511627776}}`, 1 << 40, ""},
		{`{"limits": {"max_total": "1T"}}`, 1 << 40, ""},
		{`{"limits": {"max_total": "512 MiB"}}`, 512 << 20, ""},
		{"{\n  \"limits\": {\"max_total\": \"1Q\"}}", 0, `p.json:2:14: policy: limits.max_total "1Q": unknown unit "Q"; want bytes`},
		{`{"limits": {"max_total": "99999999T"}}`, 0, `limits.max_total "99999999T": too large`},
		{`{"limits": {"max_total": 1.5}}`, 0, `limits.max_total 1.5: not a whole number`},
		{`{"limits": {"max_total": -5}}`, 0, `negative`},
		{`{"limits": {"max_total": true}}`, 0, `limits.max_total "true": not a number`},
		{`{"limits": {"max_total": "1e3"}}`, 0, `limits.max_total "1e3": unknown unit "e3"`},
	}
	for _, tt := range tests {
		pf, err := decodePolicy("p.json", []byte(tt.json))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("decodePolicy(%s) error = %v, want %q", tt.json, err, tt.wantErr)
			}
			continue
		}
		if err != nil || pf.Limits == nil || pf.Limits.MaxTotal == nil || *pf.Limits.MaxTotal != tt.want {
			t.Errorf("decodePolicy(%s) = %+v, %v; want max_total %d", tt.json, pf.Limits, err, tt.want)
		}
	}
	var n Size
	if err := json.Unmarshal([]byte(`"2G"`), &n); err != nil || n != 2<<30 {
		t.Errorf(`Unmarshal("2G") = %d, %v`, n, err)
	}
}
