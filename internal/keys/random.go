package keys

import "math/bits"

// LooksRandom is the entropy filter: it reports whether a secret of 16 to 128
// bytes has as many distinct byte values as random bytes would. 32 random
// bytes show 30 on average, and fewer than 24 with odds below 1e-9, while a
// template, a placeholder or the rodata that follows a DER prefix repeats
// bytes (zeros, tags, lengths, ASCII). It is the only evidence for a key that
// carries no public half to check, and the hunt's first test of a window.
func LooksRandom(b []byte) bool {
	if len(b) < 16 || len(b) > 128 {
		return false
	}
	return 4*Distinct(b) >= 3*len(b)
}

// Distinct is the number of distinct byte values in b.
func Distinct(b []byte) int {
	var seen [4]uint64
	for _, c := range b {
		seen[c>>6] |= 1 << (c & 63)
	}
	return bits.OnesCount64(seen[0]) + bits.OnesCount64(seen[1]) + bits.OnesCount64(seen[2]) + bits.OnesCount64(seen[3])
}
