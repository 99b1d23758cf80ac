//go:build purego || !amd64

package hunt

// skipWords is the first offset in b from which [skipRandom]'s word loop
// must look; without a vector kernel, 0.
func skipWords([]byte) int { return 0 }
