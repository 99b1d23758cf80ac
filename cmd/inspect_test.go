package cmd

import (
	"bytes"
	"strings"
	"testing"

	"dumpguard/internal/dumpio"
	"dumpguard/scanner"
)

func TestWriteInspectionEscapes(t *testing.T) {
	evil := "lib\x1b]0;owned\x07.so"
	l := &scanner.Layout{Format: "minidump", Warnings: []string{"odd " + evil},
		Regions: []scanner.Region{{Off: 0, Size: 16, Addr: 0x1000, HasAddr: true, Kind: dumpio.Image, Module: evil}}}
	r := &inspection{Path: "a.dmp", Member: "x/" + evil, Format: l.Format, Size: 16, Warnings: l.Warnings}
	var out bytes.Buffer
	writeInspection(&out, r, l)
	if strings.ContainsAny(out.String(), "\x1b\x07") {
		t.Errorf("writeInspection printed control characters:\n%q", out.String())
	}
	if got := strings.Count(out.String(), `lib\x1b]0;owned\x07.so`); got != 3 {
		t.Errorf("escaped name appears %d times, want 3 (member, region, warning):\n%s", got, out.String())
	}
}
