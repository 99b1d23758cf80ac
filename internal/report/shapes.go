package report

import (
	"fmt"
	"sort"

	"dumpguard/internal/keys"
	"dumpguard/internal/policy"
	"dumpguard/scanner"
)

// SchemaVersion is the version of the JSON report schema.
const SchemaVersion = 1

// A Report is the result of one run over many inputs, as JSON shows it.
type Report struct {
	Version int          `json:"version"`
	Tool    string       `json:"tool,omitempty"`   // the dumpguard build that wrote it
	Policy  *PolicyFile  `json:"policy,omitempty"` // nil when no policy file applied
	Files   []FileReport `json:"files"`
	Summary Summary      `json:"summary"`
}

// A PolicyFile names the policy file a report was made under.
type PolicyFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"` // of its bytes, hex
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
	Partial      bool      `json:"partial,omitempty"`
}

func (f *FileReport) failed(allowPartial bool) bool {
	return len(f.Errors) > 0 || f.Partial && !allowPartial
}

// A Finding is a scanner.Finding with what the policy says of it, as JSON
// shows it. It never holds key bytes.
type Finding struct {
	Path         string      `json:"path,omitempty"` // in JSON Lines output only
	Member       string      `json:"member,omitempty"`
	Detector     string      `json:"detector"`
	Encoding     string      `json:"encoding"`
	KeyType      string      `json:"key_type"`
	Bits         int         `json:"bits,omitempty"`
	Curve        string      `json:"curve,omitempty"`
	Status       keys.Status `json:"status"`
	SPKI         *string     `json:"spki_sha256"` // null when unknown
	Thumbprint   string      `json:"jwk_thumbprint,omitempty"`
	Offset       int64       `json:"offset"`
	Length       int64       `json:"length"`
	VA           *string     `json:"va"` // "0x7f…", null when the bytes have no address
	Region       Region      `json:"region"`
	Validation   string      `json:"validation,omitempty"`
	Note         string      `json:"note,omitempty"`
	Scheme       string      `json:"encryption,omitempty"`
	Components   []Component `json:"components,omitempty"`
	Protected    bool        `json:"protected,omitempty"`
	PubkeySource string      `json:"pubkey_source,omitempty"`
	KnownTestKey bool        `json:"known_test_key,omitempty"`
	TestKeyNote  string      `json:"known_test_key_source,omitempty"`
	Allowed      string      `json:"allowed,omitempty"`       // reason from the policy allowlist
	AllowExpired string      `json:"allow_expired,omitempty"` // "2026-01-31: reason"

	blocks     bool // the policy blocks it
	suppressed bool // a known test key the policy lets pass
}

// Region is where a finding sits in the crashed process.
type Region struct {
	Kind   string `json:"kind"`
	Module string `json:"module,omitempty"`
	Thread uint32 `json:"thread,omitempty"`
}

// A Component is one piece of a key found in pieces.
type Component struct {
	What   string  `json:"what"`
	Offset int64   `json:"offset"`
	Length int64   `json:"length"`
	VA     *string `json:"va"`
}

// A Summary totals a report.
type Summary struct {
	Files         int                 `json:"files"`
	InputBytes    int64               `json:"input_bytes"` // the inputs as stored: compressed sizes for compressed files
	Bytes         int64               `json:"bytes"`       // bytes scanned: decompressed sizes
	Findings      int                 `json:"findings"`
	Blocking      int                 `json:"blocking"`
	ByStatus      map[string]int      `json:"by_status"`
	Errors        int                 `json:"errors"` // files that could not be scanned completely
	Keys          []KeySummary        `json:"keys"`
	ProtectedKeys []scanner.Protected `json:"protected_keys,omitempty"`
	FailOn        string              `json:"fail_on"`
	Verdict       string              `json:"verdict"` // "clean", "blocked", "error"
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

// New builds the report of files under policy p, summarized.
func New(files []scanner.FileReport, p *policy.Policy, allowPartial bool) *Report {
	r := &Report{Version: SchemaVersion, Files: make([]FileReport, 0, len(files))}
	if p.Path != "" {
		r.Policy = &PolicyFile{Path: p.Path, SHA256: p.SHA256}
	}
	for _, fr := range files {
		r.Files = append(r.Files, File(fr, p))
	}
	r.Summary = Summarize(r.Files, p, allowPartial)
	return r
}

// File is the report of one file under policy p.
func File(fr scanner.FileReport, p *policy.Policy) FileReport {
	out := FileReport{
		Path: fr.Path, Member: fr.Member, Format: fr.Format, Layers: fr.Layers, Size: fr.Size,
		ScannedBytes: fr.ScannedBytes, MissingBytes: fr.MissingBytes, Errors: fr.Errors, Warnings: fr.Warnings,
		Findings: make([]Finding, 0, len(fr.Findings)), Partial: fr.Partial,
	}
	if out.Errors == nil {
		out.Errors = []string{}
	}
	for i := range fr.Findings {
		out.Findings = append(out.Findings, finding(&fr.Findings[i], p))
	}
	return out
}

// Findings are the reports of fs under policy p.
func Findings(fs []scanner.Finding, p *policy.Policy) []Finding {
	out := make([]Finding, 0, len(fs))
	for i := range fs {
		out = append(out, finding(&fs[i], p))
	}
	return out
}

func finding(f *scanner.Finding, p *policy.Policy) Finding {
	a := p.Annotation(f.SPKI)
	w := Finding{
		Member: f.Member, Detector: f.Detector, Encoding: f.Encoding, KeyType: f.KeyType, Bits: f.Bits, Curve: f.Curve.String(),
		Status: f.Status, Thumbprint: f.Thumbprint.String(), Offset: f.Offset, Length: f.Length, VA: hexVA(f.VA),
		Region:     Region{Kind: f.Region.Kind.String(), Module: f.Region.Module, Thread: f.Region.Thread},
		Validation: f.Validation, Note: f.Note, Scheme: f.Scheme.String(),
		Protected: f.Protected, PubkeySource: f.PubkeySource,
		KnownTestKey: a.KnownTestKey, TestKeyNote: a.TestKeySource, Allowed: a.Allowed, AllowExpired: a.AllowExpired,
		blocks:     p.Blocks(f),
		suppressed: a.KnownTestKey && !p.Strict && a.Allowed == "",
	}
	if !f.SPKI.IsZero() {
		s := f.SPKI.String()
		w.SPKI = &s
	}
	for _, c := range f.Components {
		w.Components = append(w.Components, Component{What: c.What, Offset: c.Offset, Length: c.Length, VA: hexVA(c.VA)})
	}
	return w
}

func hexVA(a scanner.Address) *string {
	if !a.Known {
		return nil
	}
	s := fmt.Sprintf("%#x", a.Addr)
	return &s
}

// fingerprint is the spki_sha256 value or "".
func (f *Finding) fingerprint() string {
	if f.SPKI == nil {
		return ""
	}
	return *f.SPKI
}

// Blocks reports whether the policy the report was built under blocks f.
func (f *Finding) Blocks() bool { return f.blocks }

// Summarize totals files under policy p.
func Summarize(files []FileReport, p *policy.Policy, allowPartial bool) Summary {
	s := Summary{ByStatus: map[string]int{}, FailOn: p.FailOn.String(), Keys: []KeySummary{}}
	byKey := map[string]*KeySummary{}
	for _, fr := range files {
		s.Files++
		s.Bytes += fr.ScannedBytes
		if fr.failed(allowPartial) {
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
			if f.blocks {
				s.Blocking++
			}
			id := f.fingerprint()
			if id == "" {
				id = "thumbprint:" + f.Thumbprint
				if f.Thumbprint == "" {
					continue // an encrypted key without a public half: counted, not grouped
				}
			}
			k := byKey[id]
			if k == nil {
				k = &KeySummary{SPKI: f.fingerprint(), KeyType: f.KeyType, Bits: f.Bits, Curve: f.Curve, Status: f.Status.String()}
				byKey[id] = k
			}
			if st, _ := keys.ParseStatus(k.Status); f.Status > st {
				k.Status = f.Status.String()
			}
			k.Occurrences++
			k.Blocking = k.Blocking || f.blocks
			if len(k.Files) == 0 || k.Files[len(k.Files)-1] != name {
				k.Files = append(k.Files, name)
			}
		}
	}
	for _, k := range byKey {
		s.Keys = append(s.Keys, *k)
	}
	sort.Slice(s.Keys, func(i, j int) bool { return s.Keys[i].SPKI < s.Keys[j].SPKI })
	s.Verdict = policy.Verdict(s.Blocking, s.Errors)
	return s
}
