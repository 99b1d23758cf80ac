//go:build !purego

package prefilter

import (
	"math/bits"

	"golang.org/x/sys/cpu"
)

// batchLen is how many candidate blocks a kernel reports per call.
const batchLen = 64

// A batch holds the candidate blocks a kernel found: off[i] is a block's
// offset in the buffer and pos[i] has bit k set when offset off[i]+k is a
// candidate.
type batch struct {
	off [batchLen]int
	pos [batchLen]uint32
}

// teddyAVX2 scans the 32-byte blocks of buf at offsets 0, 32, 64, ... that
// are followed by fpLen-1 more bytes, and records those that hold a
// candidate in out. It stops when out is full, and returns how many blocks
// it recorded and the offset of the first block it did not scan.
//
//go:noescape
func teddyAVX2(t *nibbles, buf []byte, out *batch) (n, next int)

// teddySSSE3 is teddyAVX2 with 16-byte blocks.
//
//go:noescape
func teddySSSE3(t *nibbles, buf []byte, out *batch) (n, next int)

func bestImpl() impl {
	switch {
	case cpu.X86.HasAVX2:
		return implAVX2
	case cpu.X86.HasSSSE3:
		return implSSSE3
	}
	return implGo
}

// impls lists the kernels this CPU can run.
func impls() []impl {
	k := []impl{implGo}
	if cpu.X86.HasSSSE3 {
		k = append(k, implSSSE3)
	}
	if cpu.X86.HasAVX2 {
		k = append(k, implAVX2)
	}
	return k
}

// findBlocks runs the SIMD kernel over buf and returns the offset from which
// findGo must finish the scan.
func (m *Matcher) findBlocks(dst []Match, buf []byte) ([]Match, int) {
	if m.impl == implGo {
		return dst, 0
	}
	var out batch // the kernels are not called through a func value, which would make it escape
	at := 0
	for {
		var n, next int
		if m.impl == implAVX2 {
			n, next = teddyAVX2(&m.nib, buf[at:], &out)
		} else {
			n, next = teddySSSE3(&m.nib, buf[at:], &out)
		}
		for i := range n {
			off := at + out.off[i]
			for p := out.pos[i]; p != 0; p &= p - 1 {
				dst = m.candidate(dst, buf, off+bits.TrailingZeros32(p))
			}
		}
		at += next
		if n < batchLen {
			return dst, at
		}
	}
}
