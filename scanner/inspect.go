package scanner

import (
	"context"
	"fmt"
	"io"
	"math/bits"
	"os"

	"golang.org/x/exp/mmap"

	"dumpguard/container"
)

// An Inspection is how a file, or one member of an archive, is laid out.
type Inspection struct {
	Member string // path inside archives, "" for the file itself
	Layout *Layout
	Size   int64
	Layers []string // compression and archive layers, outermost first
}

// Inspect lays out one file ("-" for stdin) without scanning it: one
// Inspection for a dump, one per member for an archive.
func Inspect(ctx context.Context, name string, stdin io.Reader, lim container.Limits) ([]Inspection, error) {
	if name == "-" {
		return inspectStream(ctx, name, stdin, lim)
	}
	switch st, err := os.Stat(name); {
	case err != nil:
		return nil, err
	case st.IsDir(): // mmap would say "no such device"
		return nil, fmt.Errorf("%s: is a directory", name)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	m, err := mmap.Open(name)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	size := int64(m.Len())
	if packed(m, size) != "" {
		return inspectStream(ctx, name, io.NewSectionReader(m, 0, size), lim)
	}
	return []Inspection{{Layout: LayoutOf(m, size), Size: size}}, nil
}

// InspectVersion is the version of the JSON schema of `inspect --format json`,
// as [ReportVersion] is that of the scan report's.
const InspectVersion = 1

// A Run is one or more regions that follow each other in a [Layout] and in
// the process's address space, close together and alike: same kind, module,
// thread and protection. Inspect lists runs by default, so that a module the
// dump writer captured as thousands of small pieces (MiniDumpNormal's data
// segments) is one line.
type Run struct {
	First Region // the first region: where the run starts, and what its bytes are
	Span  uint64 // addresses from First.Addr to the end of the last region
	Bytes int64  // the regions' sizes added up: Span less the gaps between them
	Count int    // regions in the run: 1 for a region on its own
}

// runGap is the widest gap between two regions of one run: less than a page,
// so pieces of the same or neighbouring pages join, while a page the dump
// does not hold keeps its neighbours apart (ELF cores, whose segments are
// whole pages, keep one line per segment).
const runGap = 4096

// Runs groups rs, in their order, into runs. Regions without an address
// (raw files) are runs of their own. The runs' Bytes add up to the regions'
// sizes.
func Runs(rs []Region) []Run {
	out := make([]Run, 0, min(len(rs), 4096))
	for _, g := range rs {
		if n := len(out); n > 0 && out[n-1].extends(&g) {
			r := &out[n-1]
			r.Span = g.Addr - r.First.Addr + uint64(g.Size)
			r.Bytes += g.Size
			r.Count++
			continue
		}
		out = append(out, Run{First: g, Span: uint64(g.Size), Bytes: g.Size, Count: 1})
	}
	return out
}

// extends reports whether g continues r: it starts less than runGap bytes
// past r's end and says the same of its bytes. Where the bytes are in the
// file does not matter.
func (r *Run) extends(g *Region) bool {
	f := &r.First
	if !f.HasAddr || !g.HasAddr || g.Size <= 0 ||
		f.Kind != g.Kind || f.Module != g.Module || f.Thread != g.Thread || f.Protect != g.Protect {
		return false
	}
	end, carry := bits.Add64(f.Addr, r.Span, 0)        // carry: r reaches the top of the address space
	_, past := bits.Add64(g.Addr, uint64(g.Size)-1, 0) // past: g's last byte would be beyond it
	return carry == 0 && past == 0 && g.Addr >= end && g.Addr-end < runGap
}
