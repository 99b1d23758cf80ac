package hunt

import (
	"encoding/binary"
	"math/bits"
)

// A WordMap marks the 128-byte blocks of a window that hold an 8-aligned
// word whose top 16 bits are all zero or all one ([maybeNumberWord]). Every
// word the harvest has a test for is one ([nextTest]), and so is every
// [smallWord], so the harvest and [IsData] need not read the other blocks:
// random, compressed or encrypted data holds one such word in 2¹⁵. Made as
// a window is read, a piece at a time while the piece is still in the cache
// ([MapWords]), it spares those passes a second read of the window's data
// pages at memory speed. A map with no Bits is none: the buffer is read.
type WordMap struct {
	// Bits holds block k's mark, the bytes [128k, 128k+128) of the window,
	// in bit k%64 of Bits[k/64].
	Bits []uint64
	// Off is the window offset of the buffer's first byte, a multiple of 8:
	// the buffer's words are the window's.
	Off int
}

const (
	mapShift = 7             // log₂ of a block's bytes
	mapBlock = 1 << mapShift // bytes of a block
	mapGroup = mapBlock * 64 // bytes of the blocks of one Bits word
)

// MapWordsLen is the length of Bits for a window of n bytes.
func MapWordsLen(n int) int { return (n + mapGroup - 1) / mapGroup }

// MapWords sets the marks of the blocks of b in bits, whose first word holds
// the marks of b's first 64 blocks (a caller mapping a window in pieces
// starts each piece 8192 bytes times a whole number into it, and passes
// bits from that piece's word on). A last block shorter than 128 bytes is
// marked: its words are looked at. bits has MapWordsLen(len(b)) words or
// more.
func MapWords(bits []uint64, b []byte) {
	g := mapGroups(bits, b[:len(b)&^(mapGroup-1)])
	for k := g * 64; k*mapBlock < len(b); k++ {
		if k%64 == 0 {
			bits[k/64] = 0
		}
		blk := b[k*mapBlock : min(len(b), (k+1)*mapBlock)]
		if len(blk) < mapBlock || anyMaybeNumber(blk) {
			bits[k/64] |= 1 << (k % 64)
		}
	}
}

// anyMaybeNumber reports whether a word of b passes [maybeNumberWord].
func anyMaybeNumber(b []byte) bool {
	for ; len(b) >= 8; b = b[8:] {
		if maybeNumberWord(binary.LittleEndian.Uint64(b)) {
			return true
		}
	}
	return false
}

// nextWord returns the first offset o ≥ k of buf, a multiple of 8 from k,
// whose word passes [maybeNumberWord], or, when none does, the first such
// offset at which no whole word is left (o+8 > len(buf)). It reads only the
// marked blocks.
func (m *WordMap) nextWord(buf []byte, k int) int {
	none := k // the first offset from k with no whole word
	if r := len(buf) - k - 8; r >= 0 {
		none += (r/8 + 1) * 8
	}
	p := k + m.Off // in the window
	for {
		blk := p >> mapShift
		wi := blk >> 6
		if wi >= len(m.Bits) {
			return none
		}
		marks := m.Bits[wi] &^ (1<<(blk&63) - 1)
		for marks == 0 {
			if wi++; wi >= len(m.Bits) || wi*mapGroup-m.Off >= len(buf) {
				return none
			}
			marks = m.Bits[wi]
		}
		b := wi<<6 + bits.TrailingZeros64(marks)
		q := max(p, b<<mapShift)
		for ; q < (b+1)<<mapShift; q += 8 {
			o := q - m.Off
			if o+8 > len(buf) {
				return none
			}
			if maybeNumberWord(binary.LittleEndian.Uint64(buf[o:])) {
				return o
			}
		}
		p = q
	}
}

// Structured reports whether buf holds an 8-aligned word whose top 24 bits
// are all zero or all one, not zero ([IsData] is a buffer of minData bytes
// or more with none), reading only the blocks m marks when m is a map.
func Structured(buf []byte, m WordMap) bool {
	if m.Bits != nil {
		return m.structured(buf)
	}
	return structured(buf)
}

// structured is [structured] on buf, reading only the marked blocks.
func (m *WordMap) structured(buf []byte) bool {
	for o := m.nextWord(buf, 0); o+8 <= len(buf); {
		// The marked block's words from o: a small word is among them if
		// the buffer has one there.
		end := min(len(buf), ((o+m.Off)>>mapShift+1)<<mapShift-m.Off)
		if structured(buf[o:end]) {
			return true
		}
		o = m.nextWord(buf, end)
	}
	return false
}

// at is m for the buffer that starts i bytes into m's.
func (m WordMap) at(i int) WordMap {
	m.Off += i
	return m
}
