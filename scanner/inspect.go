package scanner

import (
	"context"
	"fmt"
	"io"
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
