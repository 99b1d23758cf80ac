//go:build purego || !amd64

package hunt

// skipWords is the first offset in b from which [skipRandom]'s word loop
// must look; without a vector kernel, 0.
func skipWords([]byte) int { return 0 }

// mapGroups maps the whole groups of 64 blocks of b into bits and returns how
// many it mapped; without a vector kernel, none.
func mapGroups([]uint64, []byte) int { return 0 }
