package scanner

// A FileReport is what was found in one file, or in one member of an archive.
type FileReport struct {
	Path         string
	Member       string   // "sweep.tar.gz!/2021/core.zst"
	Format       string   // "raw", "minidump", "elf-core"
	Layers       []string // compressions and archives unpacked, outermost first
	Size         int64    // bytes of the (decompressed) dump
	ScannedBytes int64
	MissingBytes int64    // memory the dump promises but does not hold
	Errors       []string // anything that kept the scan from being complete
	Warnings     []string
	Findings     []Finding
	// Partial is set when the file was scanned but is incomplete (truncated):
	// an error unless the caller allows partial dumps.
	Partial bool
}

// Failed reports whether the file could not be scanned completely.
func (f *FileReport) Failed(allowPartial bool) bool {
	return len(f.Errors) > 0 || f.Partial && !allowPartial
}

// Protected is a key the user asked to hunt for, and whether it was found.
type Protected struct {
	SPKI   string `json:"spki_sha256"`
	Source string `json:"source"`
	Found  bool   `json:"found"`
}

// Name is how the file is named to a person: its archive member, else its path.
func (f *FileReport) Name() string {
	if f.Member != "" {
		return f.Member
	}
	return f.Path
}
