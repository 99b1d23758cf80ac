package cmd

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"dumpguard/scanner"
)

// policyName is the policy file read from the working directory when
// --config is not given.
const policyName = ".dumpguard.json"

// A policyFile is the JSON policy a site keeps beside its pipeline:
//
//	{
//	  "fail_on": "unverified",
//	  "allowlist": [{"spki_sha256": "6e78…", "reason": "staging CA, public", "expires": "2027-01-31"}],
//	  "protected_keys": ["/etc/ssl/prod.pub"],
//	  "test_keys": [{"spki_sha256": "…", "source": "vendor SDK sample key"}],
//	  "limits": {"max_depth": 3, "max_expand": 500, "max_total": 1099511627776}
//	}
//
// Unknown fields are errors, so a misspelt key never silently loosens the gate.
type policyFile struct {
	FailOn        string        `json:"fail_on"`
	Strict        bool          `json:"strict"`
	Allowlist     []allowEntry  `json:"allowlist"`
	ProtectedKeys []string      `json:"protected_keys"`
	TestKeys      []testKey     `json:"test_keys"`
	Limits        *policyLimits `json:"limits"`
}

// An allowEntry lets one key leave: a key whose compromise does not matter
// (a published staging key), named by its fingerprint, for a reason, until a date.
type allowEntry struct {
	SPKI    string `json:"spki_sha256"`
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD, the last day it allows (UTC)
}

type policyLimits struct {
	MaxDepth  *int     `json:"max_depth"`
	MaxExpand *float64 `json:"max_expand"`
	MaxTotal  *int64   `json:"max_total"`
}

// A policy is a checked policy file, ready to annotate findings.
type policy struct {
	path    string // "" when no file was read
	file    policyFile
	allow   map[string]allowEntry // live entries by fingerprint
	expired map[string]allowEntry // entries past their date
	test    map[string]string     // known test keys: fingerprint → source
	// ProtectedKeys are the public key files the policy asks to hunt for,
	// resolved against the policy file's directory.
	ProtectedKeys []string
}

// loadPolicy reads the policy file name, or .dumpguard.json in the working
// directory when name is "" (no such file is no policy). Expired allowlist
// entries are reported through warn.
func loadPolicy(name string, now time.Time, warn func(string)) (*policy, error) {
	explicit := name != ""
	if !explicit {
		name = policyName
	}
	b, err := os.ReadFile(name)
	if !explicit && errors.Is(err, fs.ErrNotExist) {
		return newPolicy("", policyFile{}, now, warn)
	}
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	pf, err := decodePolicy(name, b)
	if err != nil {
		return nil, err
	}
	p, err := newPolicy(name, pf, now, warn)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return p, nil
}

// decodePolicy parses b strictly: unknown fields, trailing data and bad JSON
// are errors that give the line and column.
func decodePolicy(name string, b []byte) (policyFile, error) {
	var pf policyFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(&pf)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			return pf, fmt.Errorf("%s:%s: policy: data after the JSON object", name, lineCol(b, dec.InputOffset()))
		}
		return pf, nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return pf, fmt.Errorf("%s:%s: policy: %v", name, lineCol(b, syn.Offset), err)
	case errors.As(err, &typ):
		return pf, fmt.Errorf("%s:%s: policy: field %q: %v is not a %v", name, lineCol(b, typ.Offset), typ.Field, typ.Value, typ.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return pf, fmt.Errorf("%s:%s: policy: unexpected end of JSON", name, lineCol(b, int64(len(b))))
	}
	msg := err.Error()
	if field, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		// The decoder does not say where; the field's first use as a key is.
		off := int64(0)
		if i := bytes.Index(b, []byte(strings.Trim(field, `"`)+`"`)); i > 0 {
			off = int64(i - 1)
		}
		return pf, fmt.Errorf("%s:%s: policy: unknown field %s", name, lineCol(b, off), field)
	}
	return pf, fmt.Errorf("%s: policy: %v", name, err)
}

// lineCol turns a byte offset into "line:column", both from 1.
func lineCol(b []byte, off int64) string {
	off = min(max(off, 0), int64(len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(b[:off], '\n'))
	return fmt.Sprintf("%d:%d", line, col)
}

// newPolicy checks a decoded policy file.
func newPolicy(path string, pf policyFile, now time.Time, warn func(string)) (*policy, error) {
	p := &policy{path: path, file: pf, allow: map[string]allowEntry{}, expired: map[string]allowEntry{}, test: map[string]string{}}
	for _, k := range knownTestKeys() {
		p.test[k.SPKI] = k.Source
	}
	for i, k := range pf.TestKeys {
		fp, err := normalFingerprint(k.SPKI)
		if err != nil {
			return nil, fmt.Errorf("test_keys[%d]: %v", i, err)
		}
		if strings.TrimSpace(k.Source) == "" {
			return nil, fmt.Errorf("test_keys[%d]: source is required", i)
		}
		p.test[fp] = k.Source
	}
	today := now.UTC().Format(time.DateOnly)
	for i, e := range pf.Allowlist {
		fp, err := normalFingerprint(e.SPKI)
		if err != nil {
			return nil, fmt.Errorf("allowlist[%d]: %v", i, err)
		}
		if strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("allowlist[%d]: reason is required", i)
		}
		if _, dup := p.allow[fp]; dup {
			return nil, fmt.Errorf("allowlist[%d]: SHA256:%s is listed twice", i, fp)
		}
		if _, dup := p.expired[fp]; dup {
			return nil, fmt.Errorf("allowlist[%d]: SHA256:%s is listed twice", i, fp)
		}
		e.SPKI = fp
		if e.Expires != "" {
			if _, err := time.Parse(time.DateOnly, e.Expires); err != nil {
				return nil, fmt.Errorf("allowlist[%d]: expires %q: want YYYY-MM-DD", i, e.Expires)
			}
			if e.Expires < today { // ISO dates order as strings
				warn(fmt.Sprintf("policy: allowlist entry SHA256:%s (%s) expired on %s and no longer allows the key", fp, e.Reason, e.Expires))
				p.expired[fp] = e
				continue
			}
		}
		p.allow[fp] = e
	}
	for _, k := range pf.ProtectedKeys {
		if k == "" {
			return nil, errors.New("protected_keys: empty path")
		}
		if path != "" && !filepath.IsAbs(k) {
			k = filepath.Join(filepath.Dir(path), k)
		}
		p.ProtectedKeys = append(p.ProtectedKeys, k)
	}
	if l := pf.Limits; l != nil {
		if l.MaxDepth != nil && *l.MaxDepth < 1 || l.MaxExpand != nil && *l.MaxExpand < 1 || l.MaxTotal != nil && *l.MaxTotal < 1 {
			return nil, errors.New("limits: max_depth, max_expand and max_total must be at least 1")
		}
	}
	return p, nil
}

// normalFingerprint accepts "SHA256:<hex>" or bare hex, in either case.
func normalFingerprint(s string) (string, error) {
	fp := strings.ToLower(strings.TrimPrefix(s, "SHA256:"))
	if b, err := hex.DecodeString(fp); err != nil || len(b) != 32 {
		return "", fmt.Errorf("spki_sha256 %q: want 64 hex digits", s)
	}
	return fp, nil
}

// annotate marks a finding allowed, no longer allowed, or a known test key.
func (p *policy) annotate(f *scanner.Finding) {
	fp := f.Fingerprint()
	if fp == "" {
		return
	}
	if src, ok := p.test[fp]; ok {
		f.KnownTestKey = true
		f.TestKeyNote = src
	}
	if e, ok := p.allow[fp]; ok {
		f.Allowed = e.Reason
	} else if e, ok := p.expired[fp]; ok {
		f.AllowExpired = e.Expires + ": " + e.Reason
	}
}
