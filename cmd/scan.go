package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"dumpguard/internal/policy"
	"dumpguard/internal/release"
	"dumpguard/internal/report"
	"dumpguard/scanner"
)

// scanFlags are the flags of `dumpguard scan`.
type scanFlags struct {
	format       string
	output       string
	failOn       string
	workers      int
	quiet        bool
	follow       bool
	allowPartial bool
	shard        string
	limits       limitFlags
	pubkeys      []string
	deep         bool
	noHunt       bool
	config       string
	noConfig     bool
	strict       bool
	changed      func(name string) bool // whether a flag was set on the command line
}

func (f *scanFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text, json, jsonl or sarif")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to `FILE` (atomically) instead of standard output")
	fl.BoolVar(&f.follow, "follow-symlinks", false, "follow symbolic links met inside directories")
	fl.StringVar(&f.shard, "shard", "", "scan only the `I/N`-th stable subset of the inputs (0 <= I < N), for sweeps spread over N machines")
	c.RegisterFlagCompletionFunc("format", completeFrom(report.Formats()))
	f.registerDetect(c)
}

// registerDetect registers the flags that say what to look for and what
// blocks: scan, gate and redact share them.
func (f *scanFlags) registerDetect(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.failOn, "fail-on", "fragment", "lowest `STATUS` that blocks: validated, unverified, encrypted or fragment")
	c.RegisterFlagCompletionFunc("fail-on", completeFrom(policy.Statuses()))
	fl.IntVarP(&f.workers, "workers", "j", runtime.GOMAXPROCS(0), "scanning workers shared by all files")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar")
	fl.BoolVar(&f.allowPartial, "allow-partial", false, "a truncated dump is not an error: scan what it holds, report what is missing")
	f.limits.register(c)
	fl.StringArrayVar(&f.pubkeys, "pubkeys", nil, "hunt the private halves of the public keys in `PATH` (certificates, public keys, JWKS, authorized_keys; file or directory; repeatable)")
	fl.BoolVar(&f.deep, "deep", false, "hunt raw key numbers in every region and at every byte offset, not only 8-aligned words of writable memory (slow)")
	fl.BoolVar(&f.noHunt, "no-hunt", false, "do not hunt raw key numbers (factors, scalars) of known public keys")
	fl.StringVar(&f.config, "config", "", "policy `FILE` (JSON: allowlist, fail_on, protected_keys, test_keys, limits); default $"+policy.EnvName+", else ./"+policy.Name+" if present and safe")
	fl.BoolVar(&f.noConfig, "no-config", false, "apply no policy file")
	fl.BoolVar(&f.strict, "strict", false, "known test keys (published with programs, such as openssl's) block too")
}

// completeFrom completes a flag's value from values: those that start with
// what was typed, and never file names.
func completeFrom(values []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, typed string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, typed) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func newScanCmd(s stdio) *cobra.Command {
	var f scanFlags
	c := &cobra.Command{
		Use:   "scan [flags] PATH...",
		Short: "Scan dumps, archives and directories for private keys",
		Long: `Scan files and directories (recursively) for private keys. PATH "-" reads a
dump from standard input. Findings go to standard output, in text and JSON
Lines as each file is done (in the order files finish), then a summary;
progress, warnings and errors go to standard error.

Exit status: 0 nothing blocks, 1 blocking keys found, 2 usage error or an input
that could not be scanned completely (a truncated dump counts, unless
--allow-partial).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f.changed = c.Flags().Changed
			return f.run(c.Context(), s, args)
		},
	}
	f.register(c)
	return c
}

func (f *scanFlags) run(ctx context.Context, s stdio, args []string) error {
	st, err := f.setup(s)
	if err != nil {
		return err
	}
	render, err := report.For(f.format)
	if err != nil {
		return err
	}
	sh, err := parseShard(f.shard)
	if err != nil {
		return err
	}
	warn := st.warn

	var inputs []input
	var total int64
	for _, in := range listInputs(args, f.follow, warn) {
		if sh.holds(in.path) {
			inputs = append(inputs, in)
			total += max(in.size, 0)
		}
	}
	bar := newProgress(s.err, total, len(inputs), f.quiet)
	opt := st.fileOptions(bar.add)

	out, commit, abort, err := release.Output(s.out, f.output)
	if err != nil {
		return fmt.Errorf("--output %v", err)
	}
	defer abort()
	// Text and JSON Lines write each input's part as soon as it is done, in
	// the order inputs finish (input order with --workers 1).
	var mu sync.Mutex // guards results, the stream and its error
	var streamErr error
	results := make([][]scanner.FileReport, len(inputs))
	done := func(i int, frs []scanner.FileReport) {
		mu.Lock()
		defer mu.Unlock()
		results[i] = frs
		for _, fr := range frs {
			for _, e := range fr.Errors {
				warn(fmt.Sprintf("%s: %s", fr.Name(), e))
			}
			if fr.Partial && !f.allowPartial {
				warn(fmt.Sprintf("%s: %d bytes of memory missing from the dump (truncated?); use --allow-partial to accept", fr.Name(), fr.MissingBytes))
			}
			if render.File != nil && streamErr == nil {
				streamErr = render.File(out, report.File(fr, st.rules))
			}
		}
		bar.fileDone()
	}

	pool := scanner.NewPool(f.workers)
	var wg sync.WaitGroup
	sem := make(chan struct{}, f.workers) // files in flight
	for i, in := range inputs {
		if in.err != nil {
			done(i, []scanner.FileReport{{Path: in.path, Format: "raw", Errors: []string{in.err.Error()}, Findings: []scanner.Finding{}}})
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			done(i, scanInput(ctx, pool, in, s.in, opt))
		})
	}
	wg.Wait()
	pool.Close()
	bar.finish()

	var files []scanner.FileReport
	for _, frs := range results {
		files = append(files, frs...)
	}
	rep := report.New(files, st.rules, f.allowPartial)
	rep.Summary.ProtectedKeys = protectedSummary(st.protected, files)
	rep.Summary.InputBytes = total
	if streamErr != nil {
		return streamErr
	}
	if err := render.End(out, rep, st.renderOptions()); err != nil {
		return err
	}
	if err := commit(); err != nil {
		return err
	}
	return exit(s, policy.Outcome{Verdict: rep.Summary.Verdict, Interrupted: ctx.Err() != nil})
}

// scanInput scans one input: a file on disk, or standard input.
func scanInput(ctx context.Context, pool *scanner.Pool, in input, stdin io.Reader, opt *scanner.FileOptions) []scanner.FileReport {
	if in.path == "-" {
		return pool.ScanReader(ctx, "-", stdin, opt)
	}
	if in.size == 0 {
		// procfs and sysfs files say they are empty and are not: read
		// whatever a regular file of size 0 yields, as a stream.
		if f, err := os.Open(in.path); err == nil {
			defer f.Close()
			var first [1]byte
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() == 0 {
				if n, _ := f.Read(first[:]); n == 1 {
					return pool.ScanReader(ctx, in.path, io.MultiReader(bytes.NewReader(first[:]), f), opt)
				}
			}
		}
	}
	return pool.ScanFile(ctx, in.path, opt)
}
