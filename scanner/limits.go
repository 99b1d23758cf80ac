package scanner

import "dumpguard/container"

// Limits bound the decompression of compressed files and archives: how many
// layers deep, how much a stream may expand, how much one input may produce.
// The command line sets them without naming a compressor.
type Limits = container.Limits

// The default limits.
const (
	DefaultMaxDepth  = container.DefaultMaxDepth
	DefaultMaxExpand = container.DefaultMaxExpand
	DefaultMaxTotal  = container.DefaultMaxTotal
)
