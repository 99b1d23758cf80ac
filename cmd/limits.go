package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"dumpguard/container"
)

// limitFlags bound the unpacking of compressed files and archives.
type limitFlags struct {
	maxDepth  int
	maxExpand float64
	maxTotal  int64
}

func (f *limitFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.IntVar(&f.maxDepth, "max-depth", container.DefaultMaxDepth, "most container layers to unpack (a tar.gz holding a .zst is 3)")
	fl.Float64Var(&f.maxExpand, "max-expand", container.DefaultMaxExpand, "largest decompressed-to-compressed ratio a stream may reach (decompression bombs)")
	fl.Int64Var(&f.maxTotal, "max-total", container.DefaultMaxTotal, "most decompressed `BYTES` per input")
}

func (f *limitFlags) limits() (container.Limits, error) {
	if f.maxDepth < 1 || f.maxExpand < 1 || f.maxTotal < 1 {
		return container.Limits{}, fmt.Errorf("--max-depth, --max-expand and --max-total must be at least 1")
	}
	return container.Limits{MaxDepth: f.maxDepth, MaxExpand: f.maxExpand, MaxTotal: f.maxTotal}, nil
}
