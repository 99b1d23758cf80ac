package cmd

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"dumpguard/internal/dumpio"
	"dumpguard/internal/policy"
	"dumpguard/internal/release"
	"dumpguard/internal/report"
	"dumpguard/scanner"
)

// gateFlags are the flags of `dumpguard gate`.
type gateFlags struct {
	scanFlags
	to         string
	quarantine string
	keep       bool
	move       bool
	overwrite  bool
}

func newGateCmd(s stdio) *cobra.Command {
	var f gateFlags
	c := &cobra.Command{
		Use:   "gate --to DIR [--quarantine QDIR] [flags] PATH...",
		Short: "Release only clean dumps to a directory; quarantine the rest",
		Long: `Copy each dump into a hidden temporary file in DIR, scan that copy and, only
when nothing in it blocks, check it against its hash and rename it into place,
so a reader of DIR never sees a partial file or bytes that were not scanned.
Two inputs with one name are never given one destination: the second is an
error and stays where it is.

A blocked dump is never released: its hidden copy is removed. With --quarantine
it is moved (or, with
--keep, copied) to QDIR beside a JSON report, QDIR/NAME.dumpguard.json. A dump
that could not be scanned completely stays where it is. With --move a released
dump's source is removed once its copy is durable. No dump is ever lost: a
source is removed only after its destination has been synced.

Directories are gated file by file; a compressed file or archive is released
or quarantined whole.

Exit status: 0 nothing blocks, 1 blocking keys found, 2 usage error, an input
that could not be scanned completely, or a dump that could not be released or
quarantined.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f.changed = c.Flags().Changed
			return f.run(c.Context(), s, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.to, "to", "", "release clean dumps into `DIR` (required; must exist)")
	fl.StringVar(&f.quarantine, "quarantine", "", "move blocked dumps into `QDIR` (must exist), each beside its report")
	fl.BoolVar(&f.keep, "keep", false, "copy blocked dumps to the quarantine instead of moving them")
	fl.BoolVar(&f.move, "move", false, "remove a released dump's source once its copy is durable")
	fl.BoolVar(&f.overwrite, "overwrite", false, "replace a file of the same name and different content in DIR or QDIR")
	fl.StringVarP(&f.format, "format", "f", "text", "output format: "+strings.Join(gateFormats[:len(gateFormats)-1], ", ")+" or "+gateFormats[len(gateFormats)-1])
	c.RegisterFlagCompletionFunc("format", completeFrom(gateFormats))
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `FILE` (atomically) instead of standard output")
	f.registerDetect(c)
	return c
}

// gateFormats are the formats gate writes: JSON Lines has no place for the
// actions.
var gateFormats = []string{"text", "json", "sarif"}

// A gateAction is what gate did with one input.
type gateAction struct {
	Path   string `json:"path"`
	Action string `json:"action"` // released, quarantined, blocked, error
	Dest   string `json:"dest,omitempty"`
	SHA256 string `json:"sha256,omitempty"` // of the file as scanned
	// Removed is set when the source is gone: moved to quarantine, or released with --move.
	Removed bool   `json:"source_removed,omitempty"`
	Error   string `json:"error,omitempty"`
}

// A gateReport is a scan report with what gate did.
type gateReport struct {
	*report.Report
	Actions []gateAction `json:"actions"`
}

func (f *gateFlags) run(ctx context.Context, s stdio, args []string) error {
	st, err := f.setup(s)
	if err != nil {
		return err
	}
	if !slices.Contains(gateFormats, f.format) {
		return fmt.Errorf("--format %q: want text, json or sarif", f.format)
	}
	g, err := release.New(release.Gate{To: f.to, Quarantine: f.quarantine, Keep: f.keep, Move: f.move, Overwrite: f.overwrite}, st.warn)
	if err != nil {
		return err
	}
	var inputs []input
	var total int64
	named := map[string]bool{}
	for _, a := range args {
		named[a] = true
	}
	warnList := func(msg string) {
		st.warn(strings.Replace(msg, "symbolic link not followed (use --follow-symlinks)", "symbolic link skipped: gate moves files, not links", 1))
	}
	for _, in := range listInputs(args, false, warnList) {
		if in.path == "-" {
			return errors.New("gate reads files, not standard input")
		}
		if strings.HasPrefix(filepath.Base(in.path), ".") && !named[in.path] {
			continue // hidden: a file still being written (".#core…", our ".NAME.tmp-1"), or not a dump
		}
		inputs = append(inputs, in)
		total += max(in.size, 0)
	}
	out, commit, abort, err := release.Output(s.out, f.output)
	if err != nil {
		return fmt.Errorf("--output %v", err)
	}
	defer abort()

	bar := newProgress(s.err, total, len(inputs), f.quiet)
	opt := st.fileOptions(bar.add)
	pool := scanner.NewPool(f.workers)
	defer pool.Close()
	var files []scanner.FileReport
	var actions []gateAction
	failed := false
	var streamErr error // text is written as each input is gated
	for _, in := range inputs {
		frs, act := f.gateOne(ctx, pool, g, in, opt, st)
		bar.fileDone()
		for _, fr := range frs {
			for _, e := range fr.Errors {
				st.warn(fmt.Sprintf("%s: %s", fr.Name(), e))
			}
			if fr.Partial && !f.allowPartial {
				st.warn(fmt.Sprintf("%s: %d bytes of memory missing from the dump (truncated?); use --allow-partial to accept", fr.Name(), fr.MissingBytes))
			}
		}
		if act.Error != "" {
			st.warn(fmt.Sprintf("%s: %s", in.path, act.Error))
			failed = true
		}
		files = append(files, frs...)
		actions = append(actions, act)
		if f.format == "text" && streamErr == nil {
			for _, fr := range frs {
				if streamErr == nil {
					streamErr = report.TextFile(out, report.File(fr, st.rules))
				}
			}
			if streamErr == nil {
				_, streamErr = fmt.Fprintf(out, "%s\n", act.line())
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	bar.finish()
	if files == nil {
		files = []scanner.FileReport{}
	}
	if actions == nil {
		actions = []gateAction{}
	}
	rep := gateReport{report.New(files, st.rules, f.allowPartial), actions}
	rep.Tool = version()
	rep.Summary.ProtectedKeys = protectedSummary(st.protected, files)
	rep.Summary.InputBytes = total
	switch f.format {
	case "json":
		err = report.Indented(out, rep)
	case "sarif":
		err = report.SARIF(out, rep.Report, st.renderOptions())
	default:
		err = streamErr
		if err == nil {
			err = report.TextSummary(out, rep.Report, st.renderOptions())
		}
	}
	if err != nil {
		return err
	}
	if err := commit(); err != nil {
		return err
	}
	return exit(s, policy.Outcome{Verdict: rep.Summary.Verdict, Interrupted: ctx.Err() != nil, Failed: failed})
}

// line is the text form of an action: "released\tSRC\tDEST".
func (a gateAction) line() string {
	parts := []string{a.Action, dumpio.Escape(a.Path)}
	if a.Dest != "" {
		parts = append(parts, dumpio.Escape(a.Dest))
	}
	if a.Error != "" {
		parts = append(parts, dumpio.Escape(a.Error))
	}
	return strings.Join(parts, "\t")
}

// gateOne copies one input into the release directory, scans the copy, and
// releases or quarantines it: what is released is exactly what was scanned.
func (f *gateFlags) gateOne(ctx context.Context, pool *scanner.Pool, g *release.Gate, in input, opt *scanner.FileOptions, st *scanSetup) ([]scanner.FileReport, gateAction) {
	act := gateAction{Path: in.path, Action: "error"}
	fail := func(err error) ([]scanner.FileReport, gateAction) {
		act.Error = err.Error()
		return []scanner.FileReport{{Path: in.path, Format: "raw", Errors: []string{err.Error()}, Findings: []scanner.Finding{}}}, act
	}
	if in.err != nil {
		return fail(in.err)
	}
	d, err := g.Stage(in.path)
	if err != nil {
		return fail(err)
	}
	defer d.Drop()
	frs := pool.ScanAt(ctx, in.path, d, d.Size, opt)
	act.SHA256 = hex.EncodeToString(d.Sum[:])

	blocked, incomplete := false, false
	for i := range frs {
		fr := &frs[i]
		incomplete = incomplete || fr.Failed(f.allowPartial)
		for j := range fr.Findings {
			blocked = blocked || st.rules.Blocks(&fr.Findings[j])
		}
	}
	switch {
	case blocked:
		act.Action = "blocked"
		if f.quarantine == "" {
			return frs, act
		}
		files := append([]scanner.FileReport(nil), frs...)
		dest := filepath.Join(f.quarantine, filepath.Base(in.path))
		rep := gateReport{report.New(files, st.rules, f.allowPartial),
			[]gateAction{{Path: in.path, Action: "quarantined", Dest: dest, SHA256: act.SHA256, Removed: !f.keep}}}
		rep.Tool = version()
		dest, removed, err := d.Quarantine(func(w io.Writer) error { return report.Indented(w, rep) })
		act.Removed = removed
		if err != nil {
			act.Error = fmt.Sprintf("quarantine: %v", err)
			return frs, act
		}
		act.Action, act.Dest = "quarantined", dest
	case incomplete || ctx.Err() != nil:
		act.Action = "error"
		act.Error = "not released: the dump could not be scanned completely"
	default:
		dest, removed, err := d.Release()
		switch {
		case errors.Is(err, release.ErrSourceKept):
			act.Action, act.Dest, act.Error = "released", dest, err.Error()
		case err != nil:
			act.Error = fmt.Sprintf("release: %v", err)
		default:
			act.Action, act.Dest, act.Removed = "released", dest, removed
		}
	}
	return frs, act
}
