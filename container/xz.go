package container

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// errXZFraming is the error of an xz input that the guard cannot follow; the
// decoder has seen the bytes up to the fault and has usually failed first.
var errXZFraming = errors.New("xz: framing not understood")

// An xzGuard passes an xz input through to the decoder unchanged, following
// its framing without decoding: stream headers and padding, block headers,
// LZMA2 chunk headers, block padding and checks, indexes and footers. It
// fails, before the decoder sees the header, on a block whose LZMA2
// dictionary exceeds max. github.com/ulikunitz/xz allocates every block's
// dictionary as its header declares it, up to 4 GiB, and has no ceiling of
// its own (ReaderConfig.DictCap is a floor), so a second stream or a later
// block of a multi-block stream could ask for what the first block's check
// refused.
//
// Structures are at most 1 KiB (a block header), so the guard holds at most
// that; chunk data pass through without being copied.
type xzGuard struct {
	r   io.Reader
	max int64 // largest dictionary allowed

	st       xzState
	off      int64  // bytes read from r
	pass     int64  // bytes to pass through unparsed: chunk data, padding, check, footer
	held     []byte // bytes parsed and not yet passed on
	buf      [1024]byte
	check    int64  // size of the current stream's check
	block    int64  // compressed bytes of the current block so far
	varints  uint64 // of the index, still to be read after the current one
	indexLen int64
	err      error // returned once held is passed on
}

type xzState uint8

const (
	xzStream     xzState = iota // a stream header or stream padding
	xzBlock                     // a block header or the index indicator
	xzChunk                     // an LZMA2 chunk header, or the end of the block's data
	xzIndexCount                // the number of records in the index
	xzIndex                     // a varint of an index record
)

func (g *xzGuard) Read(p []byte) (int, error) {
	for {
		if len(g.held) > 0 {
			n := copy(p, g.held)
			g.held = g.held[n:]
			return n, nil
		}
		if g.err != nil {
			return 0, g.err
		}
		if g.pass > 0 {
			if int64(len(p)) > g.pass {
				p = p[:g.pass]
			}
			n, err := g.r.Read(p)
			g.pass -= int64(n)
			g.off += int64(n)
			return n, err
		}
		g.err = g.next()
	}
}

// read reads n bytes of a structure into buf and holds them. An input that
// ends first is passed on as it is, for the decoder to call it truncated.
func (g *xzGuard) read(n int) ([]byte, error) {
	start := len(g.held)
	b := g.buf[start : start+n]
	k, err := io.ReadFull(g.r, b)
	g.off += int64(k)
	g.held = g.buf[:start+k]
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return b, err
}

// next parses the structure that starts at the current position, holding
// its bytes and setting what follows it.
func (g *xzGuard) next() error {
	g.held = g.buf[:0]
	at := g.off
	switch g.st {
	case xzStream:
		b, err := g.read(4)
		if err != nil {
			return err // io.EOF at the end of the last stream
		}
		if string(b) == "\x00\x00\x00\x00" {
			return nil // stream padding
		}
		b, err = g.read(8)
		if err != nil {
			return err
		}
		if string(g.held[:6]) != "\xfd7zXZ\x00" || b[2] != 0 || b[3] > 0x0f {
			return fmt.Errorf("%w: stream header at %#x", errXZFraming, at)
		}
		g.check = [16]int64{0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64}[b[3]]
		g.st = xzBlock
	case xzBlock:
		b, err := g.read(1)
		if err != nil {
			return err
		}
		if b[0] == 0 {
			g.st, g.indexLen = xzIndexCount, 1
			return nil
		}
		if _, err := g.read(int(b[0])*4 + 3); err != nil { // (size+1)*4 in all
			return err
		}
		n, ok := xzBlockDict(g.held)
		if !ok {
			return fmt.Errorf("%w: block header at %#x", errXZFraming, at)
		}
		if n > g.max {
			g.held = nil // the decoder never sees it
			return fmt.Errorf("%w: block at %#x has a dictionary of %d bytes, over %d", errWindow, at, n, g.max)
		}
		g.st, g.block = xzChunk, 0
	case xzChunk:
		b, err := g.read(1)
		if err != nil {
			return err
		}
		c := b[0]
		switch {
		case c == 0: // the end of the block's data: padding to 4 bytes, then the check
			g.block++
			g.pass = (4-g.block%4)%4 + g.check
			g.st = xzBlock
			return nil
		case c == 1 || c == 2: // uncompressed chunk
			b, err := g.read(2)
			if err != nil {
				return err
			}
			g.pass = int64(binary.BigEndian.Uint16(b)) + 1
		case c >= 0x80: // LZMA chunk: unpacked and packed sizes, then properties if reset
			n := 4
			if c >= 0xc0 {
				n = 5
			}
			b, err := g.read(n)
			if err != nil {
				return err
			}
			g.pass = int64(binary.BigEndian.Uint16(b[2:])) + 1
		default:
			return fmt.Errorf("%w: LZMA2 chunk control byte %#02x at %#x", errXZFraming, c, at)
		}
		g.block += int64(len(g.held)) + g.pass
	case xzIndexCount, xzIndex:
		var v uint64
		for i := 0; ; i++ {
			b, err := g.read(1)
			if err != nil {
				return err
			}
			if i == 9 {
				return fmt.Errorf("%w: index varint at %#x", errXZFraming, at)
			}
			v |= uint64(b[0]&0x7f) << (7 * i)
			if b[0]&0x80 == 0 {
				break
			}
		}
		g.indexLen += int64(len(g.held))
		if g.st == xzIndexCount {
			if v > 1<<40 {
				return fmt.Errorf("%w: index of %d records at %#x", errXZFraming, v, at)
			}
			g.st, g.varints = xzIndex, 2*v
		} else {
			g.varints--
		}
		if g.varints == 0 { // padding to 4 bytes, CRC-32, then the stream footer
			g.pass = (4-g.indexLen%4)%4 + 4 + 12
			g.st = xzStream
		}
	}
	return nil
}

// xzBlockDict returns the LZMA2 dictionary size declared by hdr, a whole xz
// block header; false if it declares none or is malformed.
func xzBlockDict(b []byte) (int64, bool) {
	if len(b) < 2+4 {
		return 0, false
	}
	b = b[:len(b)-4] // the CRC-32
	flags := b[1]
	p := 2
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && p < len(b); i++ {
			c := b[p]
			p++
			v |= uint64(c&0x7f) << (7 * i)
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	if flags&0x40 != 0 {
		if _, ok := varint(); !ok {
			return 0, false
		}
	}
	if flags&0x80 != 0 {
		if _, ok := varint(); !ok {
			return 0, false
		}
	}
	for range int(flags&3) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || n > uint64(len(b)-p) {
			return 0, false
		}
		props := b[p : p+int(n)]
		p += int(n)
		if id == 0x21 && len(props) == 1 {
			bits := props[0] & 0x3f
			if bits > 40 {
				return 0, false // invalid: the decoder rejects it
			}
			if bits == 40 {
				return 1<<32 - 1, true
			}
			return int64(2|bits&1) << (bits/2 + 11), true
		}
	}
	return 0, false
}
