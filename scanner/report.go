package scanner

import (
	"sort"

	"dumpguard/internal/keys"
)

// ReportVersion is the version of the JSON report schema.
const ReportVersion = 1

// A Report is the result of one run over many inputs.
type Report struct {
	Version int          `json:"version"`
	Files   []FileReport `json:"files"`
	Summary Summary      `json:"summary"`
}

// A FileReport is what was found in one file, or in one member of an archive.
type FileReport struct {
	Path         string    `json:"path"`
	Member       string    `json:"member,omitempty"` // "sweep.tar.gz!/2021/core.zst"
	Format       string    `json:"format"`           // "raw", "minidump", "elf-core"
	Layers       []string  `json:"compression,omitempty"`
	Size         int64     `json:"size"` // bytes of the (decompressed) dump
	ScannedBytes int64     `json:"scanned_bytes"`
	MissingBytes int64     `json:"missing_bytes,omitempty"` // memory the dump promises but does not hold
	Errors       []string  `json:"errors"`                  // anything that kept the scan from being complete
	Warnings     []string  `json:"warnings,omitempty"`
	Findings     []Finding `json:"findings"`
	// Partial is set when the file was scanned but is incomplete (truncated):
	// an error unless the caller allows partial dumps.
	Partial bool `json:"partial,omitempty"`
}

// Failed reports whether the file could not be scanned completely.
func (f *FileReport) Failed(allowPartial bool) bool {
	return len(f.Errors) > 0 || f.Partial && !allowPartial
}

// A Summary totals a report.
type Summary struct {
	Files         int            `json:"files"`
	InputBytes    int64          `json:"input_bytes"` // the inputs as stored: compressed sizes for compressed files
	Bytes         int64          `json:"bytes"`       // bytes scanned: decompressed sizes
	Findings      int            `json:"findings"`
	Blocking      int            `json:"blocking"`
	ByStatus      map[string]int `json:"by_status"`
	Errors        int            `json:"errors"` // files that could not be scanned completely
	Keys          []KeySummary   `json:"keys"`
	ProtectedKeys []Protected    `json:"protected_keys,omitempty"`
	FailOn        string         `json:"fail_on"`
	Verdict       string         `json:"verdict"` // "clean", "blocked", "error"
}

// A KeySummary groups every occurrence of one key.
type KeySummary struct {
	SPKI        string   `json:"spki_sha256"`
	KeyType     string   `json:"key_type"`
	Bits        int      `json:"bits,omitempty"`
	Curve       string   `json:"curve,omitempty"`
	Status      string   `json:"status"` // the most certain status seen
	Occurrences int      `json:"occurrences"`
	Files       []string `json:"files"`
	Blocking    bool     `json:"blocking"`
}

// Protected is a key the user asked to hunt for, and whether it was found.
type Protected struct {
	SPKI   string `json:"spki_sha256"`
	Source string `json:"source"`
	Found  bool   `json:"found"`
}

// Policy decides which findings block.
type Policy struct {
	FailOn keys.Status // lowest status that blocks
	Strict bool        // known test keys block too
}

// Blocks reports whether f stops a dump from leaving.
func (p Policy) Blocks(f *Finding) bool {
	if f.Status < p.FailOn || f.Allowed != "" {
		return false
	}
	return !f.KnownTestKey || p.Strict
}

// Summarize totals files under policy p.
func Summarize(files []FileReport, p Policy, allowPartial bool) Summary {
	s := Summary{ByStatus: map[string]int{}, FailOn: p.FailOn.String(), Keys: []KeySummary{}}
	byKey := map[string]*KeySummary{}
	for _, fr := range files {
		s.Files++
		s.Bytes += fr.ScannedBytes
		if fr.Failed(allowPartial) {
			s.Errors++
		}
		name := fr.Path
		if fr.Member != "" {
			name = fr.Member
		}
		for i := range fr.Findings {
			f := &fr.Findings[i]
			s.Findings++
			s.ByStatus[f.Status.String()]++
			block := p.Blocks(f)
			if block {
				s.Blocking++
			}
			id := f.Fingerprint()
			if id == "" {
				id = "thumbprint:" + f.Thumbprint
				if f.Thumbprint == "" {
					continue // an encrypted key without a public half: counted, not grouped
				}
			}
			k := byKey[id]
			if k == nil {
				k = &KeySummary{SPKI: f.Fingerprint(), KeyType: f.KeyType, Bits: f.Bits, Curve: f.Curve, Status: f.Status.String()}
				byKey[id] = k
			}
			if st, _ := keys.ParseStatus(k.Status); f.Status > st {
				k.Status = f.Status.String()
			}
			k.Occurrences++
			k.Blocking = k.Blocking || block
			if len(k.Files) == 0 || k.Files[len(k.Files)-1] != name {
				k.Files = append(k.Files, name)
			}
		}
	}
	for _, k := range byKey {
		s.Keys = append(s.Keys, *k)
	}
	sort.Slice(s.Keys, func(i, j int) bool { return s.Keys[i].SPKI < s.Keys[j].SPKI })
	switch {
	case s.Blocking > 0:
		s.Verdict = "blocked"
	case s.Errors > 0:
		s.Verdict = "error"
	default:
		s.Verdict = "clean"
	}
	return s
}
