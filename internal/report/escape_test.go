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
