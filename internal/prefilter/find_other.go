//go:build !(amd64 || arm64) || purego

package prefilter

func bestImpl() impl { return implGo }

// impls lists the kernels this CPU can run.
func impls() []impl { return []impl{implGo} }

// findBlocks has no SIMD kernel to run: findGo scans the whole buffer.
func (m *Matcher) findBlocks(dst []Match, _ []byte) ([]Match, int) { return dst, 0 }
