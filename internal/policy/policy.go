// Package policy decides what blocks: it finds, checks and loads the policy
// file (an explicit --config, $DUMPGUARD_CONFIG, or a safe ./.dumpguard.json),
// annotates findings from its allowlist (with expiry) and from the known test
// keys, decides what blocks and the verdict, and gives every command (scan,
// gate, redact) its exit status from one function, [Exit]. It imports scanner
// (the findings it judges) and keys, and nothing that prints.
package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"dumpguard/internal/keys"
	"dumpguard/scanner"
)

// Name is the policy file read from the working directory when neither
// --config, --no-config nor $DUMPGUARD_CONFIG says otherwise.
const Name = ".dumpguard.json"

// EnvName is the environment variable naming a policy file.
const EnvName = "DUMPGUARD_CONFIG"

// A File is the JSON policy a site keeps beside its pipeline:
//
//	{
//	  "fail_on": "unverified",
//	  "allowlist": [{"spki_sha256": "6e78…", "reason": "staging CA, public", "expires": "2027-01-31"}],
//	  "protected_keys": ["/etc/ssl/prod.pub"],
//	  "test_keys": [{"spki_sha256": "…", "source": "vendor SDK sample key"}],
//	  "limits": {"max_depth": 3, "max_expand": 500, "max_total": "1T"}
//	}
//
// Unknown fields are errors, so a misspelt key never silently loosens the gate.
type File struct {
	FailOn        string       `json:"fail_on"`
	Strict        bool         `json:"strict"`
	Allowlist     []AllowEntry `json:"allowlist"`
	ProtectedKeys []string     `json:"protected_keys"`
	TestKeys      []TestKey    `json:"test_keys"`
	Limits        *Limits      `json:"limits"`
}

// An AllowEntry lets one key leave: a key whose compromise does not matter
// (a published staging key), named by its fingerprint, for a reason, until a date.
type AllowEntry struct {
	SPKI    string `json:"spki_sha256"`
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD, the last day it allows (UTC)
}

// Limits bound unpacking, as --max-depth, --max-expand and --max-total.
// max_total is a [Size]: bytes as a number, or a string such as "1T".
type Limits struct {
	MaxDepth  *int     `json:"max_depth"`
	MaxExpand *float64 `json:"max_expand"`
	MaxTotal  *Size    `json:"max_total"`
}

// A Policy is a checked policy file, ready to annotate findings.
type Policy struct {
	Path   string // the file applied; "" when none
	SHA256 string // of the file's bytes, hex
	File   File
	// FailOn and Strict decide what blocks; the caller sets them from its
	// flags and the file's fail_on and strict.
	FailOn  keys.Status
	Strict  bool
	allow   map[string]AllowEntry // live entries by fingerprint
	expired map[string]AllowEntry // entries past their date
	test    map[string]string     // known test keys: fingerprint → source
	// ProtectedKeys are the public key files the policy asks to hunt for,
	// resolved against the policy file's directory.
	ProtectedKeys []string
}

// A Source says which policy file applies: Config (--config) if given, else
// Env ($DUMPGUARD_CONFIG) if set, else ./.dumpguard.json if it exists; none
// with NoConfig (--no-config).
type Source struct {
	Config   string
	NoConfig bool
	Env      string
}

// Load reads the policy file that src names (no file is no policy). A file
// found in the working directory or named by the environment is refused
// when other users could have written it: writable by group or others, or
// owned by another user (as ssh refuses its configuration). The file
// applied is announced through warn, with its SHA-256, as are expired
// allowlist entries.
func Load(src Source, now time.Time, warn func(string)) (*Policy, error) {
	name, explicit := src.Config, true
	switch {
	case src.NoConfig && src.Config != "":
		return nil, errors.New("--no-config contradicts --config")
	case src.NoConfig:
		return newPolicy("", File{}, now, warn)
	case name == "" && src.Env != "":
		name, explicit = src.Env, false
	case name == "":
		name, explicit = Name, false
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return newPolicy("", File{}, now, warn)
		}
	}
	b, err := readPolicy(name, !explicit)
	if err != nil {
		// Say where the name came from: the user may not know it was read.
		switch {
		case explicit:
			return nil, fmt.Errorf("--config %s: %w", name, err)
		case src.Env != "":
			return nil, fmt.Errorf("policy file %s (from $%s): %w", name, EnvName, err)
		}
		return nil, fmt.Errorf("policy file %s: %w", name, err)
	}
	pf, err := decodePolicy(name, b)
	if err != nil {
		return nil, err
	}
	p, err := newPolicy(name, pf, now, warn)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	sum := sha256.Sum256(b)
	p.SHA256 = hex.EncodeToString(sum[:])
	warn(fmt.Sprintf("policy: applied %s (SHA-256 %s)", name, p.SHA256))
	return p, nil
}

// readPolicy reads a policy file; with check, a file that other users could
// have written is an error.
func readPolicy(name string, check bool) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, pathCause(err)
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		return nil, pathCause(err)
	case st.IsDir():
		return nil, errors.New("is a directory")
	case !st.Mode().IsRegular():
		return nil, errors.New("not a regular file")
	}
	if check {
		if st.Mode().Perm()&0o022 != 0 {
			return nil, fmt.Errorf("writable by group or others (mode %#o); refusing it: chmod go-w it, or name it with --config", st.Mode().Perm())
		}
		if err := checkOwner(st); err != nil {
			return nil, fmt.Errorf("%v; refusing it: name it with --config if you trust it", err)
		}
	}
	return io.ReadAll(io.LimitReader(f, maxPolicy+1))
}

// pathCause is the errno of a *fs.PathError, whose path the caller names.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// maxPolicy bounds a policy file: real ones are a few kilobytes.
const maxPolicy = 16 << 20

// decodePolicy parses b strictly: unknown fields, trailing data and bad JSON
// are errors that give the line and column.
func decodePolicy(name string, b []byte) (File, error) {
	if len(b) > maxPolicy {
		return File{}, fmt.Errorf("%s: policy: larger than %d bytes", name, maxPolicy)
	}
	var pf File
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
	case errors.As(err, &typ) && typ.Type == reflect.TypeFor[Size]():
		// The decoder gives no offset for a value it did not parse itself.
		off := typ.Offset
		if key := typ.Field[strings.LastIndexByte(typ.Field, '.')+1:]; off == 0 && key != "" {
			off = int64(max(bytes.Index(b, []byte(`"`+key+`"`)), 0))
		}
		return pf, fmt.Errorf("%s:%s: policy: %s %s", name, lineCol(b, off), typ.Field, typ.Value)
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
func newPolicy(path string, pf File, now time.Time, warn func(string)) (*Policy, error) {
	p := &Policy{Path: path, File: pf, allow: map[string]AllowEntry{}, expired: map[string]AllowEntry{}, test: map[string]string{}}
	for _, k := range KnownTestKeys() {
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
	if pf.FailOn != "" {
		if _, err := ParseFailOn(pf.FailOn); err != nil {
			return nil, fmt.Errorf("fail_on %v", err)
		}
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

// Statuses are the names of the statuses a finding may have, the most
// certain first: the values of --fail-on and fail_on.
func Statuses() []string {
	var names []string
	for st := keys.Validated; st >= keys.Fragment; st-- {
		names = append(names, st.String())
	}
	return names
}

// ParseFailOn parses the lowest status that blocks. Its error names the
// value and the valid ones: `"high": want validated, unverified, encrypted
// or fragment`; the caller says whose value it was.
func ParseFailOn(s string) (keys.Status, error) {
	st, err := keys.ParseStatus(s)
	if err != nil {
		names := Statuses()
		return 0, fmt.Errorf("%q: want %s or %s", s, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
	}
	return st, nil
}

// An Annotation is what the policy says of a key.
type Annotation struct {
	KnownTestKey  bool
	TestKeySource string // where the test key is published
	Allowed       string // the allowlist's reason; "" when not allowed
	AllowExpired  string // "2026-01-31: reason" when an expired entry named the key
}

// Annotation returns what the policy says of the key fp: allowed, no longer
// allowed, or a known test key.
func (p *Policy) Annotation(fp keys.Fingerprint) Annotation {
	var a Annotation
	if fp.IsZero() {
		return a
	}
	h := fp.String()
	if src, ok := p.test[h]; ok {
		a.KnownTestKey, a.TestKeySource = true, src
	}
	if e, ok := p.allow[h]; ok {
		a.Allowed = e.Reason
	} else if e, ok := p.expired[h]; ok {
		a.AllowExpired = e.Expires + ": " + e.Reason
	}
	return a
}

// Blocks reports whether f stops a dump from leaving: its status is at or
// above FailOn, it is not allowed, and it is not a known test key (unless
// Strict).
func (p *Policy) Blocks(f *scanner.Finding) bool {
	if f.Status < p.FailOn {
		return false
	}
	a := p.Annotation(f.SPKI)
	return a.Allowed == "" && (!a.KnownTestKey || p.Strict)
}

// Verdict is a run's verdict: "blocked" when a finding blocks, else "error"
// when an input could not be scanned completely, else "clean".
func Verdict(blocking, errors int) string {
	switch {
	case blocking > 0:
		return "blocked"
	case errors > 0:
		return "error"
	}
	return "clean"
}

// An Outcome is what a command's exit status is decided from.
type Outcome struct {
	Verdict     string // the summary's: "clean", "blocked" or "error"
	Interrupted bool   // the run was cut short (signal, cancelled context)
	Failed      bool   // an action failed: a dump not released, quarantined or redacted
}

// Exit statuses.
const (
	ExitClean    = 0 // nothing blocks
	ExitFindings = 1 // a blocking key was found
	ExitError    = 2 // usage error, or an input could not be scanned completely
)

// Exit is the exit status of every command. A blocking key found is 1
// whatever else happened (interrupted, other inputs failed): the dump is
// known to leak. Otherwise an interrupted run, an input not scanned
// completely or a failed action is 2, never clean.
func Exit(o Outcome) int {
	switch {
	case o.Verdict == "blocked":
		return ExitFindings
	case o.Interrupted, o.Failed, o.Verdict != "clean":
		return ExitError
	}
	return ExitClean
}
