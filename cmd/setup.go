package cmd

import (
	"fmt"
	"os"
	"slices"
	"time"

	"dumpguard/detectors"
	"dumpguard/internal/dumpio"
	"dumpguard/internal/policy"
	"dumpguard/internal/report"
	"dumpguard/scanner"
)

// scanSetup is what scan, gate and redact derive from their shared flags
// and the policy file: flags given on the command line win over the file.
type scanSetup struct {
	limits scanner.Limits
	rules  *policy.Policy
	warn   func(string)
	// protected are the public keys hunted: --pubkeys and the policy's
	// protected_keys. hunt is nil with --no-hunt.
	protected []detectors.PublicKey
	hunt      *scanner.HuntConfig
}

// setup checks the detection flags and loads the policy file.
func (f *scanFlags) setup(s stdio) (*scanSetup, error) {
	st := &scanSetup{warn: func(msg string) { fmt.Fprintf(s.err, "dumpguard: %s\n", dumpio.Escape(msg)) }}
	if f.workers < 1 {
		return nil, fmt.Errorf("--workers %d: want at least 1", f.workers)
	}
	rules, err := policy.Load(policy.Source{Config: f.config, NoConfig: f.noConfig, Env: os.Getenv(policy.EnvName)}, time.Now(), st.warn)
	if err != nil {
		return nil, err
	}
	st.rules = rules
	changed := f.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	failOn := f.failOn
	if rules.File.FailOn != "" && !changed("fail-on") {
		failOn = rules.File.FailOn
	}
	if rules.FailOn, err = policy.ParseFailOn(failOn); err != nil { // the file's was checked by Load
		return nil, fmt.Errorf("--fail-on %v", err)
	}
	rules.Strict = f.strict || rules.File.Strict && !changed("strict")
	lf := f.limits
	if l := rules.File.Limits; l != nil {
		if l.MaxDepth != nil && !changed("max-depth") {
			lf.maxDepth = *l.MaxDepth
		}
		if l.MaxExpand != nil && !changed("max-expand") {
			lf.maxExpand = ratioFlag(*l.MaxExpand)
		}
		if l.MaxTotal != nil && !changed("max-total") {
			lf.maxTotal = sizeFlag(*l.MaxTotal)
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

// renderOptions are the renderers' options for one run.
func (st *scanSetup) renderOptions() report.Options {
	return report.Options{Version: version()}
}

// fileOptions are the scanner's options for one run.
func (st *scanSetup) fileOptions(progress func(int64)) *scanner.FileOptions {
	return &scanner.FileOptions{
		Options: scanner.Options{Detectors: detectors.All(), Progress: progress},
		Limits:  st.limits,
		Hunt:    st.hunt,
	}
}
