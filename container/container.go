// Package container finds the dumps inside compressed files and archives. It
// recognises gzip, zstd, bzip2, xz, lz4, zip and tar by their magic bytes (never
// by file name), and walks them as streams: nothing is unpacked to disk and no
// member is held in memory. [Walk] calls back once per leaf member (the first
// layer whose content is not a container) with a reader of its decompressed
// bytes; it scans nothing itself.
//
// # Paths
//
// A member's [Member.Path] starts with the name given to [Walk]. Each archive
// layer (zip, tar) appends "!/" and the entry name; a compression layer (gzip,
// zstd, bzip2, xz, lz4) appends nothing, since it has no names. So "core.zst"
// yields "core.zst", and a zstd core in a gzipped tar yields
// "sweep.tar.gz!/2021/host7/core.1234.zst" with Layers ["gzip", "tar", "zstd"],
// outermost first.
// Control characters and invalid UTF-8 in entry names are escaped as \xNN, so
// a path is always safe to print.
//
// # Errors
//
// A problem with one member (a corrupt or truncated stream, a bomb, an
// encrypted zip entry, a hostile name, too deep a nesting) is passed to the
// onErr callback as an [*Error] wrapping one of [ErrBomb], [ErrTooDeep],
// [ErrEncrypted], [ErrTraversal], [ErrTruncated], [ErrCorrupt] or
// [ErrUnsupported], and the walk goes on with the next member when the format
// allows it. Errors found while the caller reads a member are returned by that
// reader's Read (so the caller's scan sees them) and are also passed to onErr
// once, after the callback returns, whatever the callback did with them.
// Walk itself returns an error only when the whole input must stop: the
// context is done, the caller's reader failed, the callback returned an error
// of its own, or an input-wide limit was exceeded. Bytes after the end of a
// gzip, zstd or lz4 stream that do not start another are reported as
// [ErrCorrupt] (xz allows zero padding), after the content has been passed on.
// [Member.Count] tells the caller how many bytes the input and its members
// have yielded so far.
//
// # Security
//
// Every limit is in [Limits]; a zero field takes its default:
//
//   - MaxDepth 4: at most four container layers are peeled (tar.gz holding a
//     zip holding a .zst counts four). A container found deeper is reported
//     with [ErrTooDeep] and its bytes are passed to the callback undecoded, so
//     stored content is still scanned.
//   - MaxExpand 1000 and Grace 64 MiB: every decompressing stream must not
//     produce more than 1000 times the compressed bytes it consumed once it
//     has produced 64 MiB, nor the input as a whole once its members have
//     produced 4 × 64 MiB (so a lone bomb is one member's error, and bombs
//     nested in layers that each stay within the ratio stop the walk). Bytes
//     a stream decodes only to skip them, such as the data of a tar entry
//     that is not a regular file, count against its ratio too, and the
//     layers together must not decode more than MaxDepth × 1000 times the
//     input once they have decoded 4 × 64 MiB, so that skipped bytes
//     cannot multiply through nested layers either. On zeros,
//     gzip tops out near 1030:1 and lz4 near 255:1; zstd reaches 32000:1, xz
//     7000:1 and bzip2 far more. A core made mostly of untouched reservations
//     (written as zeros through systemd-coredump's pipe) can exceed the
//     ratio and needs a higher limit.
//   - MaxTotal 1 TiB of decompressed bytes per input, and MaxMember 256 GiB per
//     decompressed member (systemd-coredump truncates at 32 GiB by default).
//   - MaxWindow 128 MiB: a zstd window or xz dictionary larger than this is
//     refused before any allocation (the zstd CLI refuses windows above
//     128 MiB by default; xz -9 uses 64 MiB). For xz, the dictionary of
//     every block of every stream is checked as its header arrives, by a
//     reader between the input and the decoder that follows the framing
//     (block and LZMA2 chunk headers, index, footer) without decoding.
//
// Exceeding a per-stream or per-member limit makes Read return [ErrBomb];
// exceeding MaxTotal or the input-wide ratio also stops Walk. A zip read
// through [WalkFile] has its central directory parsed here, with fixed-size
// reads: at most 65536 records (the most a zip without zip64 can count),
// 56 bytes each in memory whatever their names; a directory with more is
// refused with [ErrBomb] and the zip walked from its local headers instead.
// An entry whose compressed size, in the central directory or its local
// header, zip64 or not, reaches beyond the file is [ErrCorrupt]; an entry
// whose bytes, from its local header to the end of its data, overlap those of
// an entry before it (the "non-recursive" zip bomb: many records over one
// stream) is refused with [ErrBomb]. So every compressed byte of a zip file is
// decompressed at most once. A zip inside a stream is parsed from
// its local headers with fixed-size reads and no buffering of entry data;
// names and extra fields are at most 64 KiB by format. An entry whose sizes
// only a data descriptor after its data gives is delimited by its deflate
// stream, or else by scanning for a descriptor that matches the bytes before
// it (count, and CRC-32 when stored) and is followed by a header.
// Links, devices and directories in tar and zip are not members; tar headers
// are bounded by archive/tar. Entry names that are absolute or contain ".." are reported with
// [ErrTraversal], and their contents are still scanned (nothing is ever
// written, so the name is only evidence of a hostile archive). Every decoder
// is closed when its member is done, so a walk leaves no goroutine behind.
package container

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
)

// Kind names a container format, or "raw" for content that is none.
type Kind string

const (
	Gzip  Kind = "gzip"
	Zstd  Kind = "zstd"
	Bzip2 Kind = "bzip2"
	XZ    Kind = "xz"
	LZ4   Kind = "lz4"
	Zip   Kind = "zip"
	Tar   Kind = "tar"
	Raw   Kind = "raw"
)

// SniffLen is how many leading bytes [Sniff] looks at (a tar header block).
const SniffLen = 512

// Sniff reports the container format that head, the first bytes of a stream,
// starts with. It looks at no more than [SniffLen] bytes and returns [Raw] for
// anything it does not recognise, including a stream too short to tell.
func Sniff(head []byte) Kind {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b, 0x08}): // deflate is gzip's only method
		return Gzip
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return Zstd
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		return XZ
	case bytes.HasPrefix(head, []byte{0x04, 0x22, 0x4d, 0x18}),
		bytes.HasPrefix(head, []byte{0x02, 0x21, 0x4c, 0x18}): // lz4 frame, legacy frame
		return LZ4
	case isBzip2(head):
		return Bzip2
	case bytes.HasPrefix(head, []byte("PK\x03\x04")),
		bytes.HasPrefix(head, []byte("PK\x05\x06")),           // empty archive
		bytes.HasPrefix(head, []byte("PK\x07\x08PK\x03\x04")): // spanned-archive marker
		return Zip
	case isSkippable(head):
		return skipped(head)
	case isTar(head):
		return Tar
	}
	return Raw
}

func isBzip2(b []byte) bool {
	if len(b) < 4 || string(b[:3]) != "BZh" || b[3] < '1' || b[3] > '9' {
		return false
	}
	if len(b) < 10 {
		return true
	}
	m := string(b[4:10]) // first block, or end of an empty stream
	return m == "\x31\x41\x59\x26\x53\x59" || m == "\x17\x72\x45\x38\x50\x90"
}

// isSkippable reports whether b starts with a skippable frame, magic
// 0x184D2A50 to 0x184D2A5F, which zstd and lz4 frame streams share.
func isSkippable(b []byte) bool {
	return len(b) >= 8 && b[0]&0xf0 == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18
}

// skipped looks past leading skippable frames for the frame that decides
// between zstd and lz4. If it lies beyond b, zstd is the likelier.
func skipped(b []byte) Kind {
	for isSkippable(b) {
		n := uint64(binary.LittleEndian.Uint32(b[4:8]))
		if n > uint64(len(b)-8) {
			return Zstd
		}
		b = b[8+n:]
	}
	if bytes.HasPrefix(b, []byte{0x04, 0x22, 0x4d, 0x18}) {
		return LZ4
	}
	return Zstd
}

// isTar reports whether b is a tar header block: ustar or GNU magic at 257, or
// failing that a v7 header whose checksum field matches its bytes.
func isTar(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	if m := string(b[257:265]); m == "ustar\x0000" || m == "ustar  \x00" {
		return true
	}
	if b[0] == 0 {
		return false // no name: an empty block, not a v7 header
	}
	field := strings.TrimRight(strings.TrimLeft(string(b[148:156]), " "), " \x00")
	want, err := strconv.ParseUint(field, 8, 32)
	if err != nil || field == "" {
		return false
	}
	var sum uint64
	for i, c := range b[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += uint64(c)
	}
	return sum == want
}

var (
	ErrBomb        = errors.New("container: decompression limit exceeded")
	ErrTooDeep     = errors.New("container: nested too deep")
	ErrEncrypted   = errors.New("container: encrypted entry")
	ErrTraversal   = errors.New("container: unsafe entry name")
	ErrTruncated   = errors.New("container: truncated stream")
	ErrCorrupt     = errors.New("container: corrupt stream")
	ErrUnsupported = errors.New("container: unsupported compression method")
)

// An Error reports a problem with one member, or with the whole input when
// Walk returns it.
type Error struct {
	Path string // the member, in the convention of [Member.Path]
	Err  error  // one of the Err values, or the error of the caller's reader
	Msg  string // detail: "gzip: invalid checksum"

	fatal bool // stops the whole walk
}

func (e *Error) Error() string {
	s := "container: " + e.Path + ": " + strings.TrimPrefix(e.Err.Error(), "container: ")
	if e.Msg != "" {
		s += " (" + e.Msg + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Limits bound the work one input may cause. A zero field takes its default;
// a negative MaxExpand, MaxTotal or MaxMember means no limit.
type Limits struct {
	MaxDepth  int     // container layers peeled (default 4); deeper is ErrTooDeep
	MaxExpand float64 // decompressed/compressed ratio per stream and per input (default 1000)
	MaxTotal  int64   // decompressed bytes per input (default 1 TiB)
	MaxMember int64   // bytes of one decompressed member (default 256 GiB)
	MaxWindow int64   // zstd window or xz dictionary (default 128 MiB)
	Grace     int64   // bytes a stream produces before MaxExpand applies (default 64 MiB; 4× for the input)
}

// Defaults of [Limits].
const (
	DefaultMaxDepth  = 4
	DefaultMaxExpand = 1000
	DefaultMaxTotal  = 1 << 40
	DefaultMaxMember = 256 << 30
	DefaultMaxWindow = 128 << 20
	DefaultGrace     = 64 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxExpand == 0 {
		l.MaxExpand = DefaultMaxExpand
	}
	if l.MaxTotal == 0 {
		l.MaxTotal = DefaultMaxTotal
	}
	if l.MaxMember == 0 {
		l.MaxMember = DefaultMaxMember
	}
	if l.MaxWindow <= 0 {
		l.MaxWindow = DefaultMaxWindow
	}
	if l.Grace <= 0 {
		l.Grace = DefaultGrace
	}
	return l
}

// A Member is one leaf of a walk: content that is not itself a container.
type Member struct {
	Path   string    // see the package comment: "sweep.tar.gz!/2021/host7/core.1234.zst"
	R      io.Reader // the decompressed content; valid only during the callback
	Size   int64     // declared size of the content, -1 if unknown
	Layers []Kind    // containers peeled, outermost first; empty for a plain file
	Count  *Counter  // running totals of the whole input, shared by its members
}

// A Counter holds running totals of one walk; it is safe for concurrent use.
type Counter struct {
	in, out atomic.Int64
}

// In returns the bytes read so far from the input given to Walk.
func (c *Counter) In() int64 { return c.in.Load() }

// Out returns the content bytes delivered so far through [Member.R].
func (c *Counter) Out() int64 { return c.out.Load() }

// unsafeName reports whether an entry name would escape the directory it is
// extracted into: absolute, a Windows drive or UNC path, or a ".." element.
// Backslashes count as separators, as some zip writers use them.
func unsafeName(s string) bool {
	s = strings.ReplaceAll(s, `\`, "/")
	if strings.HasPrefix(s, "/") || (len(s) >= 2 && s[1] == ':') {
		return true
	}
	for e := range strings.SplitSeq(s, "/") {
		if e == ".." {
			return true
		}
	}
	return false
}
