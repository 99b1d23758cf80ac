package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"dumpguard/internal/dumpio"
	"dumpguard/internal/policy"
	"dumpguard/internal/redact"
	"dumpguard/internal/release"
	"dumpguard/internal/report"
	"dumpguard/scanner"
)

// redactFlags are the flags of `dumpguard redact`.
type redactFlags struct {
	scanFlags
	fill string
}

func newRedactCmd(s stdio) *cobra.Command {
	var f redactFlags
	c := &cobra.Command{
		Use:   "redact [flags] IN -o OUT",
		Short: "Write a copy of a dump with every key found overwritten",
		Long: `Write a copy of a dump in which the bytes of every key found (every piece of
a key found in pieces) are overwritten, with zeros or with --fill. The copy
keeps the dump's size and layout, so debuggers still open it. It is scanned
again before it is kept: if anything in it still blocks, nothing is written.
A report, OUT.redaction.json, lists what was overwritten: offsets, lengths and
key fingerprints, never the bytes.

A zstd or gzip file is redacted inside its compression and written with the
same compression; offsets in the report are then within the decompressed
dump. Archives (tar, zip) and other compressions are refused.

Exit status: 0 the redacted copy was written, 1 the copy still holds a
blocking key (nothing written), 2 usage error or an input that could not be
scanned or redacted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f.changed = c.Flags().Changed
			return f.run(c.Context(), s, args[0])
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "write the redacted copy to `OUT` (required)")
	fl.StringVar(&f.fill, "fill", "", "overwrite with this `TEXT` repeated (hex:414243 for bytes) instead of zeros")
	f.registerDetect(c)
	return c
}

func (f *redactFlags) run(ctx context.Context, s stdio, in string) error {
	st, err := f.setup(s)
	if err != nil {
		return err
	}
	if f.output == "" {
		return errors.New("-o OUT is required")
	}
	if err := release.CheckDest(f.output); err != nil {
		return fmt.Errorf("--output %v", err)
	}
	fill, fillName, err := redact.ParseFill(f.fill)
	if err != nil {
		return err
	}
	pool := scanner.NewPool(f.workers)
	defer pool.Close()
	rep, err := redact.Redact(ctx, redact.Options{
		In: in, Out: f.output, Fill: fill, FillName: fillName,
		Pool: pool, Scan: func() *scanner.FileOptions { return st.fileOptions(nil) },
		Limits: st.limits, Policy: st.rules, AllowPartial: f.allowPartial, Tool: version(),
	}, st.warn)
	var still *redact.StillBlockedError
	switch {
	case errors.As(err, &still):
		report.Text(s.out, still.Rescan, st.renderOptions())
		st.warn(fmt.Sprintf("%s: %v", in, err))
		return exit(s, policy.Outcome{Verdict: still.Rescan.Summary.Verdict, Interrupted: ctx.Err() != nil, Failed: true})
	case errors.Is(err, redact.ErrIncomplete):
		st.warn(fmt.Sprintf("%s: %v", in, err))
		return exit(s, policy.Outcome{Verdict: "error", Interrupted: ctx.Err() != nil, Failed: true})
	case err != nil:
		return err
	}
	_, err = fmt.Fprintf(s.out, "redacted %d findings (%d bytes in %d ranges): %s -> %s\n", len(rep.Findings), rep.Bytes, len(rep.Ranges), dumpio.Escape(in), dumpio.Escape(f.output))
	return err
}
