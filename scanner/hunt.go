package scanner

import (
	"fmt"
	"sync"

	"dumpguard/detectors"
	"dumpguard/internal/hunt"
	"dumpguard/internal/keys"
	"dumpguard/internal/prefilter"
)

// The layout hands the hunt spans aligned as the hunt requires: a build with
// the two out of step fails here.
const _ = uint(huntAlign-hunt.Align) + uint(hunt.Align-huntAlign)

// This file connects the raw-number hunt (package internal/hunt) to the
// pipeline (pipeline.go): the harvest of public keys during the detectors'
// pass, the plan of what the hunt pass looks for, and the merge of its
// findings with the detectors'.

// HuntConfig turns the hunt on.
type HuntConfig struct {
	// Protected are the public keys the user named (--pubkeys); they are hunted
	// in every dump, and findings of them say so.
	Protected []detectors.PublicKey
	// Harvest also hunts the public keys found in the dump itself:
	// certificates, SPKI and PKCS#1 keys, JWKs, key blobs, SSH public keys.
	Harvest bool
	// Deep hunts every byte of the dump and at every alignment, not only
	// 8-aligned words of writable private memory.
	Deep bool
}

// maxHarvest bounds the public keys kept from one dump: a dump full of
// certificates must not make the hunt quadratic.
const maxHarvest = 4096

// harvester collects the public keys a scan's windows meet.
type harvester struct {
	budget  *hunt.Budget // of the trials on bare numbers
	mu      sync.Mutex
	keys    map[keys.Fingerprint]detectors.PublicKey // what the hunt pass looks for
	derived int                                      // of keys, how many are Derived
	dropped int
	// seeds holds every copy of the candidate seeds and scalars whose
	// public keys were derived, by that key, as the windows met them (a
	// copy in two windows' overlap twice).
	seeds  map[keys.Fingerprint][]detectors.PublicKey
	nseeds int
	// data holds the windows (by the first byte they own) whose writable
	// memory is all data (hunt.IsData), which the hunt pass need not read;
	// head those whose first headData bytes of it hold no structured word.
	data, head map[int64]bool
}

// maxSeeds bounds the copies of candidate seeds kept from one dump.
const maxSeeds = 4 * maxHarvest

func newHarvester(deep bool) *harvester {
	return &harvester{keys: map[keys.Fingerprint]detectors.PublicKey{}, budget: hunt.NewBudget(0, deep),
		seeds: map[keys.Fingerprint][]detectors.PublicKey{}, data: map[int64]bool{}, head: map[int64]bool{}}
}

// dataWindow is an [Options.DataWindow] function.
func (h *harvester) dataWindow(start int64, all, head bool) {
	h.mu.Lock()
	if all {
		h.data[start] = true
	}
	if head {
		h.head[start] = true
	}
	h.mu.Unlock()
}

// skipData returns an [Options.SkipWindow] function for a hunt pass with
// windows of body bytes reading overlap bytes past them, over a dump of size
// bytes: it skips a window that is all data and whose successor, which its
// hunt reads into, is too, or holds no structured word in the bytes the hunt
// reads of it. Those are windows in which the hunt would visit nothing
// (hunt.IsData), so the pass finds the same without reading them.
func (h *harvester) skipData(body, overlap, size int64) func(int64) bool {
	return func(start int64) bool {
		next := start + body
		return h.data[start] && (next >= size || h.data[next] || overlap <= headData && h.head[next])
	}
}

// hook sets o's visits to the harvester's.
func (h *harvester) hook(o *Options) {
	o.Visit, o.VisitAnchors, o.VisitMemory, o.VisitKey = h.visit, hunt.HarvestAnchors(), h.memory, h.key
}

// visit is an [Options.Visit] function, with hunt.HarvestAnchors as its
// anchors: public key encodings.
func (h *harvester) visit(buf []byte, m *prefilter.Marks) {
	h.add(hunt.HarvestMarked(nil, buf, m))
}

// key is an [Options.VisitKey] function: the public halves of the keys the
// detectors validated.
func (h *harvester) key(enc []byte) {
	h.add(hunt.HarvestPrivate(nil, enc))
}

// memory is an [Options.VisitMemory] function: public keys revealed by bare
// numbers in writable memory.
func (h *harvester) memory(buf []byte, m hunt.WordMap, off int64, owned int) bool {
	h.budget.Earn(int64(owned))
	found, data := hunt.HarvestMapped(nil, buf, m, h.budget)
	for i := range found {
		found[i].SeedAt += off
	}
	h.add(found)
	return data
}

// placeSeeds puts the seed or scalar of every finding of a derived key (its
// public key found in the dump) first among its components and makes the
// finding start there: that is the secret, which redaction overwrites.
func (h *harvester) placeSeeds(fs []Finding, l *Layout) {
	if h == nil {
		return
	}
	for i := range fs {
		f := &fs[i]
		k, ok := h.keys[keysFingerprint(f)]
		if !ok || !k.Derived {
			continue
		}
		r := l.Locate(k.SeedAt)
		seed := Component{What: "seed", Offset: k.SeedAt, Length: 32, VA: vaAt(r, k.SeedAt)}
		if k.Type == "ec" {
			seed.What, seed.Length = "d", int64(k.Curve.Size())
		}
		f.Components = append([]Component{seed}, f.Components...)
		f.Offset, f.Length, f.VA = seed.Offset, seed.Length, seed.VA
		f.Region = RegionRef{Kind: r.Kind, Module: r.Module, Thread: r.Thread}
	}
}

// proved returns a finding for every copy of a candidate seed or scalar
// whose derived public key is proved: the dump holds it in an encoding (a key
// of h.keys that is not Derived: add keeps those over derived ones), the
// user named it (protected), or a finding of fs (the detectors' and the hunt
// pass's) is of that key. A copy that a finding of fs already places, or
// that two windows met, is reported once.
func (h *harvester) proved(fs []Finding, protected []detectors.PublicKey, l *Layout) []Finding {
	if h == nil || len(h.seeds) == 0 {
		return nil
	}
	proven := map[keys.Fingerprint]bool{}
	for fp, k := range h.keys {
		proven[fp] = !k.Derived
	}
	for _, k := range protected {
		proven[k.SPKI] = true
	}
	type place struct {
		fp  keys.Fingerprint
		off int64
	}
	placed := map[place]bool{}
	for _, f := range fs {
		fp := keysFingerprint(&f)
		proven[fp] = true
		placed[place{fp, f.Offset}] = true
		for _, c := range f.Components {
			placed[place{fp, c.Offset}] = true
		}
	}
	var out []Finding
	for fp, copies := range h.seeds {
		if !proven[fp] {
			continue
		}
		for _, k := range copies {
			if p := (place{fp, k.SeedAt}); !placed[p] {
				placed[p] = true
				out = append(out, huntFinding(l, hunt.Proved(k), k.SeedAt))
			}
		}
	}
	return out
}

func keysFingerprint(f *Finding) keys.Fingerprint {
	fp, _ := keys.ParseFingerprint(f.Fingerprint())
	return fp
}

func (h *harvester) add(found []detectors.PublicKey) {
	if len(found) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range found {
		if k.Derived && h.nseeds < maxSeeds {
			h.seeds[k.SPKI] = append(h.seeds[k.SPKI], k)
			h.nseeds++
		}
		if old, ok := h.keys[k.SPKI]; ok {
			switch {
			case old.Derived && k.Derived && k.SeedAt < old.SeedAt:
				h.keys[k.SPKI] = k // the first copy of a seed, whatever window came first
			case old.Derived && !k.Derived:
				// The dump holds the public key too, which proves the seed
				// (proved); hunt the key itself, for the copies of its
				// private half that no harvest candidate is.
				h.keys[k.SPKI] = k
				h.derived--
			}
			continue
		}
		if k.Derived {
			// Candidate seeds' public keys have their own cap, so a heap
			// full of random 32-byte chunks cannot crowd out real keys.
			if h.derived >= maxHarvest {
				h.dropped++
				continue
			}
			h.derived++
		} else if len(h.keys)-h.derived >= maxHarvest {
			h.dropped++
			continue
		}
		h.keys[k.SPKI] = k
	}
}

// maxBundleCAs is how many CA certificates a dump may hold before they are
// taken for a trust bundle: a TLS process holds a hundred root certificates
// whose keys it never has, and hunting each would cost more than the rest of
// the scan. A lone self-signed certificate, a service's own, is still hunted.
const maxBundleCAs = 8

// huntKeys are the protected keys and, when harvesting, those found in the
// dump (less a trust bundle's CA keys: it returns how many were left out).
func (c *HuntConfig) huntKeys(h *harvester) ([]detectors.PublicKey, int) {
	pubs := append([]detectors.PublicKey(nil), c.Protected...)
	if h == nil {
		return pubs, 0
	}
	seen := map[keys.Fingerprint]bool{}
	for _, k := range pubs {
		seen[k.SPKI] = true
	}
	cas := 0
	for _, k := range h.keys {
		if k.CA && !seen[k.SPKI] {
			cas++
		}
	}
	bundle := cas > maxBundleCAs && !c.Deep
	for _, k := range h.keys {
		if !seen[k.SPKI] && !(bundle && k.CA) {
			pubs = append(pubs, k)
		}
	}
	if !bundle {
		cas = 0
	}
	return pubs, cas
}

// bundleWarning says that a trust bundle's CA keys were not hunted.
func bundleWarning(n int) []string {
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("hunt: %d CA certificates in the dump (a trust bundle) were not hunted; name a CA key to protect with --pubkeys, or use --deep", n)}
}

// hunter is the hunt for keys, or nil when there is nothing to hunt for.
// harvested says the number harvest ran over the same memory, so the hunt
// leaves the scalars after chunk headers to it (hunt.Options.HeadersDerived).
func (c *HuntConfig) hunter(keys []detectors.PublicKey, b *hunt.Budget, harvested bool) *hunt.Hunter {
	if len(keys) == 0 {
		return nil
	}
	if h := hunt.New(keys, hunt.Options{Deep: c.Deep, Budget: b, HeadersDerived: harvested}); !h.Empty() {
		return h
	}
	return nil
}

// huntFinding places a find of the hunt made in a buffer that starts at
// file offset base.
func huntFinding(l *Layout, f hunt.Find, base int64) Finding {
	h := detectors.Hit{Off: f.Parts[0].Off, Len: f.Parts[0].Len, Encoding: f.Encoding, Status: keys.Validated, Key: f.Key}
	for _, p := range f.Parts {
		h.Parts = append(h.Parts, detectors.Span{Off: p.Off, Len: p.Len, What: p.What})
	}
	return newFinding(l, "raw-hunt", h, base)
}

// cutWarning says that a budget cut the harvest or the hunt short.
const cutWarning = "hunt: cut short by its budget (a dump crafted with many candidate numbers, or far more public keys than a process holds): some numbers were not tried, so keys may have been missed"

// errCut is the report's error for a cut: the scan is incomplete.
const errCut = "incomplete: the hunt was cut short by its budget (see warnings)"

// huntPlan is what the hunt pass of one dump looks for, and the warnings
// about what it leaves out (keys past maxHarvest, a trust bundle's CA keys).
func (c *HuntConfig) huntPlan(h *harvester) ([]detectors.PublicKey, []string) {
	var warn []string
	if h != nil && h.dropped > 0 {
		warn = append(warn, fmt.Sprintf("hunt: %d more public keys (or candidate seeds) in the dump than the %d hunted", h.dropped, maxHarvest))
	}
	keys, cas := c.huntKeys(h)
	return keys, append(warn, bundleWarning(cas)...)
}

// mergeHunt adds the hunt's findings to the detectors', leaving out the
// components that lie inside a key the detectors already reported (the
// factors inside a DER key or a key blob are that key, not another finding),
// and the findings left with no component.
func mergeHunt(fs, hunted []Finding) []Finding {
	inKey := func(s [2]int64) bool {
		for _, f := range fs {
			if f.Detector != "raw-hunt" && s[0] >= f.Offset && s[1] <= f.Offset+f.Length {
				return true
			}
		}
		return false
	}
	for _, h := range hunted {
		if len(h.Components) == 0 {
			if !inKey([2]int64{h.Offset, h.Offset + h.Length}) {
				fs = append(fs, h)
			}
			continue
		}
		kept := h.Components[:0]
		for _, c := range h.Components {
			if !inKey([2]int64{c.Offset, c.Offset + c.Length}) {
				kept = append(kept, c)
			}
		}
		if len(kept) == 0 {
			continue
		}
		h.Components = kept
		h.Offset, h.Length = kept[0].Offset, kept[0].Length
		h.VA = kept[0].VA
		fs = append(fs, h)
	}
	return sortFindings(fs)
}

// markProtected flags findings of keys the user asked to protect.
func markProtected(fs []Finding, c *HuntConfig) {
	if c == nil || len(c.Protected) == 0 {
		return
	}
	src := map[string]string{}
	for _, k := range c.Protected {
		src[k.SPKI.String()] = k.Source
	}
	for i := range fs {
		if s, ok := src[fs[i].Fingerprint()]; ok {
			fs[i].Protected = true
			fs[i].PubkeySource = s
		}
	}
}
