package container

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"slices"
	"testing"

	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// xzBlocks returns an xz stream without checks whose i-th block holds
// "block i\n" as one uncompressed LZMA2 chunk and declares a dictionary of
// property dicts[i] (0 is 4 KiB, 22 is 8 MiB, 40 is 4 GiB).
func xzBlocks(dicts ...byte) []byte {
	le := binary.LittleEndian
	flags := []byte{0, 0} // check: none
	b := append([]byte("\xfd7zXZ\x00"), flags...)
	b = le.AppendUint32(b, crc32.ChecksumIEEE(flags))
	var index []byte
	for i, d := range dicts {
		data := fmt.Appendf(nil, "block %d\n", i)
		hdr := []byte{2, 0, 0x21, 1, d, 0, 0, 0} // size (2+1)*4, one filter: LZMA2
		hdr = le.AppendUint32(hdr, crc32.ChecksumIEEE(hdr))
		chunk := append([]byte{1, 0, byte(len(data) - 1)}, data...)
		chunk = append(chunk, 0) // end of LZMA2 data
		b = append(append(b, hdr...), chunk...)
		b = append(b, make([]byte, (4-len(chunk)%4)%4)...)
		index = binary.AppendUvarint(index, uint64(len(hdr)+len(chunk))) // unpadded size
		index = binary.AppendUvarint(index, uint64(len(data)))
	}
	index = append(binary.AppendUvarint([]byte{0}, uint64(len(dicts))), index...)
	index = append(index, make([]byte, (4-len(index)%4)%4)...)
	index = le.AppendUint32(index, crc32.ChecksumIEEE(index))
	b = append(b, index...)
	foot := le.AppendUint32(nil, uint32(len(index)/4-1))
	foot = append(foot, flags...)
	b = le.AppendUint32(b, crc32.ChecksumIEEE(foot))
	return append(append(b, foot...), "YZ"...)
}

// xzMultiBlock returns b compressed by the xz package in blocks of 4 KiB:
// LZMA chunks, CRC-64 checks, block sizes in the headers, 64 KiB dictionaries.
func xzMultiBlock(b []byte) []byte {
	var buf bytes.Buffer
	w, err := xz.WriterConfig{BlockSize: 4096, DictCap: 64 << 10}.NewWriter(&buf)
	must(err)
	w.Write(b)
	must(w.Close())
	return buf.Bytes()
}

// TestWalkXZDictionaries checks the dictionary of every block of every
// stream (issue 14, item 10): a second stream whose block asked for 4 GiB
// was given it, since only the first block of the first stream, in the
// sniffed head, was checked.
func TestWalkXZDictionaries(t *testing.T) {
	text := bytes.Repeat([]byte("a line of a core, compressible\n"), 1000)
	tests := []struct {
		name    string
		data    []byte
		lim     Limits
		members []string
		errs    []string
	}{
		{"blocks within the limit", xzBlocks(22, 0, 1), Limits{}, []string{`in [xz] "block 0\nblock 1\nblock 2\n"`}, nil},
		{"multi-block stream of LZMA chunks", xzMultiBlock(cat(text, noise(20000))), Limits{}, []string{`in [xz] <51000 bytes>`}, nil},
		{"second block of 4 GiB", xzBlocks(22, 40), Limits{}, []string{`in [xz] "block 0\n"`}, []string{"in: bomb"}},
		{"second stream of 4 GiB", cat(xzc(core), xzBlocks(40)), Limits{}, []string{`in [xz] "ELF core with a secret\n"`}, []string{"in: bomb"}},
		{"third stream, after padding, over a 1 MiB limit", cat(xzBlocks(0), make([]byte, 8), xzBlocks(1), xzBlocks(0, 16, 22)),
			Limits{MaxWindow: 1 << 20}, []string{`in [xz] "block 0\nblock 0\nblock 0\nblock 1\n"`}, []string{"in: bomb"}},
		{"in a zip", zipMethod(methodXZ, xzBlocks(0, 40), []byte("block 0\nblock 1\n")), Limits{}, []string{`in!/x [zip] "block 0\n"`}, []string{"in!/x: bomb"}},
	}
	for _, tt := range tests {
		for _, m := range []mode{stream, file, trickle} {
			t.Run(tt.name+"/"+m.String(), func(t *testing.T) {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				got := run(t, m, "in", tt.data, tt.lim)
				runtime.ReadMemStats(&after)
				if !slices.Equal(got.members, tt.members) || !slices.Equal(got.errs, tt.errs) || got.err != "" {
					t.Errorf("walk = %q, %q, %q; want %q, %q", got.members, got.errs, got.err, tt.members, tt.errs)
				}
				// Refused dictionaries are never allocated. (Allowed ones are, once
				// per block.)
				if a := after.TotalAlloc - before.TotalAlloc; tt.errs != nil && a > 64<<20 {
					t.Errorf("walk allocated %d MiB", a>>20)
				}
			})
		}
	}
}

// zipMethod returns a zip of one entry "x" holding content, compressed by
// method to data.
func zipMethod(method uint16, data, content []byte) []byte {
	n, u := uint32(len(data)), uint32(len(content))
	local := zipLocal("x", method, content, data, n, u, 0)
	return zipCentral(local, zrec{name: "x", method: method, crc: crc32.ChecksumIEEE(content), csize: n, usize: u})
}

// FuzzXZGuard checks that the guard is transparent: whatever the decoder
// reads through it, it reads as without it, and the guard refuses only
// input that is invalid or whose dictionary is too large.
//
// The decoder alone is not the judge of validity: it takes some truncated
// inputs for a clean end (seed d7a969d9eea1c2b5, in TestXZGuardTruncated).
// So when the decoder accepts what the guard refused, the input is judged by
// what follows it: a valid xz input followed by another stream decodes to
// both outputs, as concatenated streams are valid xz.
func FuzzXZGuard(f *testing.F) {
	for _, b := range [][]byte{xzc(core), xzBlocks(0, 1), xzMultiBlock(noise(5000)), mustRead(f, "testdata/cli.xz"),
		cat(xzc(core), make([]byte, 4), xzBlocks(2))} {
		f.Add(b)
	}
	const limit = 1 << 20
	decode := func(r io.Reader) ([]byte, error) {
		zr, err := xz.ReaderConfig{DictCap: lzma.MinDictCap}.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.ReadAll(io.LimitReader(zr, limit))
	}
	tail := xzBlocks(0)
	f.Fuzz(func(t *testing.T, b []byte) {
		got, gerr := decode(&xzGuard{r: bytes.NewReader(b), max: 16 << 20})
		if errors.Is(gerr, errWindow) {
			return // the decoder alone would allocate it
		}
		want, werr := decode(bytes.NewReader(b))
		if !bytes.Equal(got, want) {
			t.Fatalf("through the guard: %d bytes, %v; without: %d bytes, %v", len(got), gerr, len(want), werr)
		}
		if werr != nil || gerr == nil || len(want) == limit {
			return // both refused, both accepted, or the decoder stopped at the limit, not at the end
		}
		// The guard refused what the decoder accepted, losing no byte: right
		// only if the input is not valid xz.
		if !errors.Is(gerr, errXZFraming) {
			t.Fatalf("through the guard: %v; without: no error", gerr)
		}
		if more, err := decode(bytes.NewReader(cat(b, tail))); err == nil && bytes.Equal(more, cat(want, []byte("block 0\n"))) {
			t.Fatalf("through the guard: %v; without: %d bytes, and as valid followed by a stream", gerr, len(want))
		}
	})
}

// TestXZGuardTruncated checks that the guard refuses an LZMA2 chunk whose
// data is too short to start the range decoder (2 bytes of the 5 it reads
// first), followed by a byte that is no chunk control byte. The decoder
// alone takes the short chunk's io.EOF for the end of the block and the
// 0x30 for a 196-byte block header cut short at the end of the input,
// which it also takes for a clean end: 0 bytes and no error. FuzzXZGuard
// found it (testdata/fuzz/FuzzXZGuard/d7a969d9eea1c2b5).
func TestXZGuardTruncated(t *testing.T) {
	b := []byte("\xfd7zXZ\x00\x00\x00\xff\x12\xd9A" + // stream header, no check
		"\x02\x00!\x01\x00\x00\x00\x007'\x97\xd6" + // block header: LZMA2, 4 KiB dictionary
		"\xff00\x00\x010\x000" + // LZMA chunk of 2 bytes of data
		"0") // at 0x20: no chunk control byte
	zr, err := xz.ReaderConfig{DictCap: lzma.MinDictCap}.NewReader(&xzGuard{r: bytes.NewReader(b), max: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); !errors.Is(err, errXZFraming) {
		t.Errorf("decoding through the guard = %d bytes, %v; want %v", len(got), err, errXZFraming)
	}
}
