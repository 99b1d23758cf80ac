package scanner

import (
	"testing"

	"dumpguard/internal/dumpio"
)

// TestHuntable: the default hunt visits memory a program writes at run time,
// and not code: a JIT's read-write-execute code cache (Java's) holds machine
// code, whose bytes look like numbers to the harvest, and no keys.
func TestHuntable(t *testing.T) {
	tests := []struct {
		kind dumpio.Kind
		prot string
		want bool
	}{
		{KindHeap, "rw-", true},
		{KindAnon, "", true}, // protection unknown
		{KindStack, "rw-", true},
		{KindRaw, "", true},
		{KindAnon, "rwx", false},
		{KindAnon, "r--", false},
		{KindAnon, "r-x", false},
		{KindImage, "rw-", false},
		{KindMapped, "rw-", false},
		{KindMetadata, "", false},
	}
	for _, tt := range tests {
		r := Region{Kind: tt.kind, Protect: dumpio.ParseProt(tt.prot)}
		if got := r.Huntable(); got != tt.want {
			t.Errorf("%v %q: Huntable = %v, want %v", tt.kind, tt.prot, got, tt.want)
		}
	}
}
