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

// mapAVX2 sets bit k%64 of bits[k/64] when the 128-byte block k of b holds a
// word whose top 16 bits are all zero or all one, and clears it when not;
// len(b) is a multiple of 8192, and bits has a word for each 8192 bytes.
//
//go:noescape
func mapAVX2(b []byte, bits []uint64)

// mapGroups maps the whole groups of 64 blocks of b (len(b) a multiple of
// 8192) into bits and returns how many it mapped: all of them with AVX2,
// none without.
func mapGroups(bits []uint64, b []byte) int {
	if !haveAVX2 {
		return 0
	}
	mapAVX2(b, bits)
	return len(b) / mapGroup
}
