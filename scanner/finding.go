package scanner

import (
	"fmt"
	"sort"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
)

// A Finding is one occurrence of a private key in a file. It names the key by
// the SHA-256 of its DER SubjectPublicKeyInfo and never holds any of its bytes.
type Finding struct {
	Path       string      `json:"path,omitempty"`   // set in JSON Lines output
	Member     string      `json:"member,omitempty"` // path inside archives: "sweep.tar.gz!/core.zst"
	Detector   string      `json:"detector"`
	Encoding   string      `json:"encoding"`
	KeyType    string      `json:"key_type"`
	Bits       int         `json:"bits,omitempty"`
	Curve      string      `json:"curve,omitempty"`
	Status     keys.Status `json:"status"`
	SPKI       *string     `json:"spki_sha256"`
	Thumbprint string      `json:"jwk_thumbprint,omitempty"`
	Offset     int64       `json:"offset"`
	Length     int64       `json:"length"`
	VA         *string     `json:"va"`
	Region     RegionRef   `json:"region"`
	Validation string      `json:"validation,omitempty"` // how the key was proved
	Note       string      `json:"note,omitempty"`       // why it was not
	Scheme     string      `json:"encryption,omitempty"`
	Components []Component `json:"components,omitempty"`
	// Set by the caller from its lists of protected and known test keys.
	Protected    bool   `json:"protected,omitempty"`
	PubkeySource string `json:"pubkey_source,omitempty"`
	KnownTestKey bool   `json:"known_test_key,omitempty"`
	TestKeyNote  string `json:"known_test_key_source,omitempty"`
	Allowed      string `json:"allowed,omitempty"` // reason from the policy allowlist
	// AllowExpired is set when an allowlist entry named this key but has
	// expired, so the finding is no longer allowed: "2026-01-31: reason".
	AllowExpired string `json:"allow_expired,omitempty"`
}

// RegionRef is where a finding sits in the crashed process.
type RegionRef struct {
	Kind   string `json:"kind"`
	Module string `json:"module,omitempty"`
	Thread uint32 `json:"thread,omitempty"`
}

// A Component is one piece of a key found in pieces (a factor, an exponent).
type Component struct {
	What   string  `json:"what"`
	Offset int64   `json:"offset"`
	Length int64   `json:"length"`
	VA     *string `json:"va"`
}

// Spans returns the file byte ranges the finding covers: its components when
// it was found in pieces, else [Offset, Offset+Length).
func (f *Finding) Spans() [][2]int64 {
	if len(f.Components) > 0 {
		s := make([][2]int64, 0, len(f.Components))
		for _, c := range f.Components {
			s = append(s, [2]int64{c.Offset, c.Offset + c.Length})
		}
		return s
	}
	return [][2]int64{{f.Offset, f.Offset + f.Length}}
}

// Fingerprint is the spki_sha256 value or "".
func (f *Finding) Fingerprint() string {
	if f.SPKI == nil {
		return ""
	}
	return *f.SPKI
}

func hexVA(r Region, off int64) *string {
	if !r.HasAddr {
		return nil
	}
	s := fmt.Sprintf("%#x", r.Addr+uint64(off-r.Off))
	return &s
}

// newFinding places a hit found at file offset base.
func newFinding(l *Layout, name string, h detectors.Hit, base int64) Finding {
	off := base + int64(h.Off)
	r := l.Locate(off)
	f := Finding{
		Detector:   name,
		Encoding:   h.Encoding,
		KeyType:    h.Key.Type,
		Bits:       h.Key.Bits,
		Curve:      h.Key.Curve.String(),
		Status:     h.Status,
		Offset:     off,
		Length:     int64(h.Len),
		VA:         hexVA(r, off),
		Region:     RegionRef{Kind: r.Kind, Module: r.Module, Thread: r.Thread},
		Validation: h.Key.Proof,
		Note:       h.Key.Note,
		Scheme:     h.Key.Scheme.String(),
	}
	if f.KeyType == "" {
		f.KeyType = "unknown"
	}
	if fp := h.Key.SPKI.String(); fp != "" {
		f.SPKI = &fp
	}
	f.Thumbprint = h.Key.Thumbprint.String()
	for _, p := range h.Parts {
		coff := base + int64(p.Off)
		f.Components = append(f.Components, Component{What: p.What, Offset: coff, Length: int64(p.Len), VA: hexVA(l.Locate(coff), coff)})
	}
	return f
}

// huntReach is how far apart two raw-hunt findings of one key may be for
// them to be one occurrence split by a window edge, as the hunt itself groups
// the components it finds near each other.
const huntReach = 64 << 10

// sortFindings orders findings by offset, then detector, and merges the hits of
// one raw-hunt key that adjacent windows reported separately.
func sortFindings(fs []Finding) []Finding {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Offset != fs[j].Offset {
			return fs[i].Offset < fs[j].Offset
		}
		return fs[i].Detector < fs[j].Detector
	})
	out := fs[:0]
	for _, f := range fs {
		if len(f.Components) > 0 && len(out) > 0 {
			prev := &out[len(out)-1]
			if len(prev.Components) > 0 && prev.Fingerprint() == f.Fingerprint() && prev.Detector == f.Detector &&
				f.Offset-lastEnd(prev) < huntReach {
				mergeComponents(prev, f)
				continue
			}
		}
		out = append(out, f)
	}
	return out
}

// lastEnd is where the last component of a finding ends.
func lastEnd(f *Finding) int64 {
	end := f.Offset + f.Length
	for _, c := range f.Components {
		end = max(end, c.Offset+c.Length)
	}
	return end
}

func mergeComponents(dst *Finding, f Finding) {
	for _, c := range f.Components {
		dup := false
		for _, d := range dst.Components {
			dup = dup || d.Offset == c.Offset && d.What == c.What
		}
		if !dup {
			dst.Components = append(dst.Components, c)
		}
	}
}
