package scanner

import (
	"sort"

	"dumpguard/detectors"
	"dumpguard/internal/dumpio"
	"dumpguard/internal/keys"
)

// A Finding is one occurrence of a private key in a file. It names the key by
// the SHA-256 of its DER SubjectPublicKeyInfo and never holds any of its bytes.
// It is domain data: the report package gives it its wire shapes, and the
// policy decides what it means (allowed, a known test key, blocking).
type Finding struct {
	Member     string // path inside archives: "sweep.tar.gz!/core.zst"
	Detector   string
	Encoding   string
	KeyType    string
	Bits       int
	Curve      keys.Curve
	Status     keys.Status
	SPKI       keys.Fingerprint // zero when the key has no known public half
	Thumbprint keys.Fingerprint // JWK thumbprint (RFC 7638), zero when not a JWK
	Offset     int64
	Length     int64
	VA         Address // where the bytes were in the crashed process
	Region     RegionRef
	Validation string      // how the key was proved
	Note       string      // why it was not
	Scheme     keys.Scheme // encryption scheme of an encrypted key
	Components []Component
	// Set by the hunt for a key named by --pubkeys or protected_keys.
	Protected    bool
	PubkeySource string
}

// An Address is a virtual address in the crashed process, when the bytes
// have one (not in a raw file or a stream header).
type Address struct {
	Addr  uint64
	Known bool
}

// RegionRef is where a finding sits in the crashed process.
type RegionRef struct {
	Kind   dumpio.Kind
	Module string
	Thread uint32
}

// A Component is one piece of a key found in pieces (a factor, an exponent).
type Component struct {
	What   string
	Offset int64
	Length int64
	VA     Address
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

// Fingerprint is the SPKI fingerprint in hex, or "" when unknown.
func (f *Finding) Fingerprint() string { return f.SPKI.String() }

// vaAt is the address of file offset off in region r.
func vaAt(r Region, off int64) Address {
	if !r.HasAddr {
		return Address{}
	}
	return Address{Addr: r.Addr + uint64(off-r.Off), Known: true}
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
		Curve:      h.Key.Curve,
		Status:     h.Status,
		Offset:     off,
		Length:     int64(h.Len),
		VA:         vaAt(r, off),
		Region:     RegionRef{Kind: r.Kind, Module: r.Module, Thread: r.Thread},
		Validation: h.Key.Proof,
		Note:       h.Key.Note,
		Scheme:     h.Key.Scheme,
	}
	if f.KeyType == "" {
		f.KeyType = "unknown"
	}
	f.SPKI, f.Thumbprint = h.Key.SPKI, h.Key.Thumbprint
	for _, p := range h.Parts {
		coff := base + int64(p.Off)
		f.Components = append(f.Components, Component{What: p.What, Offset: coff, Length: int64(p.Len), VA: vaAt(l.Locate(coff), coff)})
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
