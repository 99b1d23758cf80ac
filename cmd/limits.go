package cmd

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"dumpguard/internal/policy"
	"dumpguard/scanner"
)

// limitFlags bound the unpacking of compressed files and archives.
type limitFlags struct {
	maxDepth  int
	maxExpand ratioFlag
	maxTotal  sizeFlag
}

func (f *limitFlags) register(c *cobra.Command) {
	fl := c.Flags()
	f.maxExpand = scanner.DefaultMaxExpand
	f.maxTotal = scanner.DefaultMaxTotal
	fl.IntVar(&f.maxDepth, "max-depth", scanner.DefaultMaxDepth, "most container layers to unpack (a tar.gz holding a .zst is 3)")
	fl.Var(&f.maxExpand, "max-expand", "largest decompressed-to-compressed `RATIO` a stream may reach, such as 1000 (decompression bombs)")
	fl.Var(&f.maxTotal, "max-total", "most decompressed `SIZE` per input: "+policy.SizeSyntax)
}

func (f *limitFlags) limits() (scanner.Limits, error) {
	switch {
	case f.maxDepth < 1:
		return scanner.Limits{}, fmt.Errorf("--max-depth %d: want at least 1", f.maxDepth)
	case f.maxExpand < 1:
		return scanner.Limits{}, fmt.Errorf("--max-expand %v: want at least 1", f.maxExpand)
	case f.maxTotal < 1:
		return scanner.Limits{}, fmt.Errorf("--max-total %v: want at least 1 byte", f.maxTotal)
	}
	return scanner.Limits{MaxDepth: f.maxDepth, MaxExpand: float64(f.maxExpand), MaxTotal: int64(f.maxTotal)}, nil
}

// A sizeFlag is a flag whose value is a number of bytes, with or without a
// unit, as [policy.ParseSize] reads it. Every flag that takes a size is one.
type sizeFlag policy.Size

func (s *sizeFlag) String() string { return policy.Size(*s).String() }
func (s *sizeFlag) Type() string   { return "size" }
func (s *sizeFlag) Set(v string) error {
	n, err := policy.ParseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

// A ratioFlag is a flag whose value is a ratio, such as 1000 or 1000x.
type ratioFlag float64

func (r *ratioFlag) String() string { return strconv.FormatFloat(float64(*r), 'g', -1, 64) }
func (r *ratioFlag) Type() string   { return "ratio" }
func (r *ratioFlag) Set(v string) error {
	x, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), "x"), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return errors.New("want a ratio such as 1000 (decompressed bytes per compressed byte)")
	}
	*r = ratioFlag(x)
	return nil
}
