//go:build !purego

package hunt

import "golang.org/x/sys/cpu"

// skipAVX2 returns the offset of the first 8-byte word of b (at offsets 0,
// 8, 16, ... of b) whose top 16 bits are all zero or all one, looking only at
// the whole 32-byte blocks of b, four at a time while it can; when none of
// those holds one, the offset of the first byte after them.
//
//go:noescape
func skipAVX2(b []byte) int

var haveAVX2 = cpu.X86.HasAVX2

// skipWords is the first offset in b from which [skipRandom]'s word loop
// must look: past the whole 32-byte blocks of random words.
func skipWords(b []byte) int {
	if !haveAVX2 {
		return 0
	}
	return skipAVX2(b)
}
