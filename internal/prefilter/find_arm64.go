//go:build !purego

package prefilter

import "math/bits"

// batchLen is how many candidate blocks a kernel reports per call.
const batchLen = 64

// A batch holds the candidate blocks the kernel found: off[i] is a block's
// offset in the buffer and res[i] its 16 bucket bytes (as two little-endian
// words); a non-zero byte k is a candidate at off[i]+k.
type batch struct {
	off [batchLen]int
	res [batchLen][2]uint64
}

// teddyNEON scans the 16-byte blocks of buf at offsets 0, 16, 32, ... that
// are followed by fpLen-1 more bytes, and records those that hold a
// candidate in out. It stops when out is full, and returns how many blocks
// it recorded and the offset of the first block it did not scan.
//
//go:noescape
func teddyNEON(t *nibbles, buf []byte, out *batch) (n, next int)

// Every arm64 CPU has NEON (Advanced SIMD).
func bestImpl() impl { return implNEON }

// impls lists the kernels this CPU can run.
func impls() []impl { return []impl{implGo, implNEON} }

// findBlocks runs the NEON kernel over buf and returns the offset from which
// findGo must finish the scan.
func (m *Matcher) findBlocks(dst []Match, buf []byte) ([]Match, int) {
	if m.impl == implGo {
		return dst, 0
	}
	var out batch
	at := 0
	for {
		n, next := teddyNEON(&m.nib, buf[at:], &out)
		for i := range n {
			off := at + out.off[i]
			for h, w := range out.res[i] {
				for w != 0 {
					k := bits.TrailingZeros64(w) >> 3
					dst = m.candidate(dst, buf, off+8*h+k)
					w &^= 0xff << (8 * k)
				}
			}
		}
		at += next
		if n < batchLen {
			return dst, at
		}
	}
}
