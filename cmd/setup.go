package cmd

import (
	"fmt"
	"slices"
	"time"

	"dumpguard/container"
	"dumpguard/detectors"
	"dumpguard/internal/keys"
	"dumpguard/scanner"
)

// scanSetup is what scan, gate and redact derive from their shared flags
// and the policy file: flags given on the command line win over the file.
type scanSetup struct {
	policy scanner.Policy
	limits container.Limits
	rules  *policy
	warn   func(string)
	// protected are the public keys hunted: --pubkeys and the policy's
	// protected_keys. hunt is nil with --no-hunt.
	protected []detectors.PublicKey
	hunt      *scanner.HuntConfig
}

// setup checks the detection flags and loads the policy file.
func (f *scanFlags) setup(s stdio) (*scanSetup, error) {
	st := &scanSetup{warn: func(msg string) { fmt.Fprintf(s.err, "dumpguard: %s\n", msg) }}
	if f.workers < 1 {
		return nil, fmt.Errorf("--workers %d: want at least 1", f.workers)
	}
	rules, err := loadPolicy(f.config, time.Now(), st.warn)
	if err != nil {
		return nil, err
	}
	st.rules = rules
	changed := f.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	failOn := f.failOn
	if rules.file.FailOn != "" && !changed("fail-on") {
		failOn = rules.file.FailOn
	}
	if st.policy.FailOn, err = keys.ParseStatus(failOn); err != nil {
		return nil, err
	}
	st.policy.Strict = f.strict || rules.file.Strict && !changed("strict")
	lf := f.limits
	if l := rules.file.Limits; l != nil {
		if l.MaxDepth != nil && !changed("max-depth") {
			lf.maxDepth = *l.MaxDepth
		}
		if l.MaxExpand != nil && !changed("max-expand") {
			lf.maxExpand = *l.MaxExpand
		}
		if l.MaxTotal != nil && !changed("max-total") {
			lf.maxTotal = *l.MaxTotal
		}
	}
	if st.limits, err = lf.limits(); err != nil {
		return nil, err
	}
	if f.noHunt && (len(f.pubkeys) > 0 || f.deep) {
		return nil, fmt.Errorf("--no-hunt contradicts --pubkeys and --deep")
	}
	if !f.noHunt {
		// A key the policy protects is hunted as well as those named by
		// --pubkeys: more keys hunted is never less safe.
		if st.protected, err = loadPubkeys(append(slices.Clone(f.pubkeys), rules.ProtectedKeys...), st.warn); err != nil {
			return nil, err
		}
		st.hunt = &scanner.HuntConfig{Protected: st.protected, Harvest: true, Deep: f.deep}
	}
	return st, nil
}

// fileOptions are the scanner's options for one run.
func (st *scanSetup) fileOptions(progress func(int64)) *scanner.FileOptions {
	return &scanner.FileOptions{
		Options:  scanner.Options{Detectors: detectors.All(), Progress: progress},
		Annotate: st.rules.annotate,
		Limits:   st.limits,
		Hunt:     st.hunt,
	}
}
