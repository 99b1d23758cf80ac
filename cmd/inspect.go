package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"dumpguard/internal/dumpio"
	"dumpguard/scanner"
)

type inspectFlags struct {
	format string
	limits limitFlags
}

func newInspectCmd(s stdio) *cobra.Command {
	var f inspectFlags
	c := &cobra.Command{
		Use:   "inspect [flags] FILE",
		Short: "Show what the scanner sees in a dump: format, threads, modules, memory regions, coverage",
		Long: `Show how dumpguard reads a dump: its format, architecture and operating
system, streams or notes, threads, modules, every memory region with its
address, kind and protection, the memory the dump describes but does not hold,
and how many bytes of the file belong to each kind of region. This is how to
check what the scanner saw.

Exit status: 0 when the file parses, 2 when it cannot be read or parsed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return f.run(c.Context(), s, args[0])
		},
	}
	c.Flags().StringVarP(&f.format, "format", "f", "text", "output format: text or json")
	f.limits.register(c)
	return c
}

// inspection is the JSON form of `inspect`.
type inspection struct {
	Path     string   `json:"path"`
	Member   string   `json:"member,omitempty"`
	Format   string   `json:"format"`
	Size     int64    `json:"size"`
	Layers   []string `json:"compression,omitempty"`
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
	Detail   any      `json:"detail,omitempty"`
}

func (f *inspectFlags) run(ctx context.Context, s stdio, name string) error {
	if f.format != "text" && f.format != "json" {
		return fmt.Errorf("--format %q: want text or json", f.format)
	}
	lim, err := f.limits.limits()
	if err != nil {
		return err
	}
	ins, walkErr := scanner.Inspect(ctx, name, s.in, lim)
	if walkErr != nil && len(ins) == 0 {
		return walkErr
	}
	var reps []inspection
	var errs []string
	for _, in := range ins {
		rep := inspection{Path: name, Member: in.Member, Format: in.Layout.Format, Size: in.Size, Layers: in.Layers,
			Errors: []string{}, Warnings: append([]string{}, in.Layout.Warnings...)}
		if in.Layout.Detail != nil {
			rep.Detail = in.Layout.Detail
		}
		if in.Layout.ParseError != nil {
			rep.Errors = append(rep.Errors, in.Layout.ParseError.Error())
			errs = append(errs, in.Layout.ParseError.Error())
		}
		reps = append(reps, rep)
		if f.format == "text" {
			if len(reps) > 1 {
				fmt.Fprintln(s.out)
			}
			writeInspection(s.out, &rep, in.Layout)
		}
	}
	if f.format == "json" {
		enc := json.NewEncoder(s.out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		var v any = reps
		if len(reps) == 1 {
			v = reps[0]
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	if walkErr != nil {
		errs = append(errs, walkErr.Error())
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %s", name, strings.Join(errs, "; "))
	}
	return nil
}

func writeInspection(w io.Writer, r *inspection, l *scanner.Layout) {
	fmt.Fprintf(w, "file:     %s (%s)\n", dumpio.Printable(r.Path), humanBytes(r.Size))
	if r.Member != "" {
		fmt.Fprintf(w, "member:   %s\n", dumpio.Printable(r.Member))
	}
	if len(r.Layers) > 0 {
		fmt.Fprintf(w, "packed:   %s\n", strings.Join(r.Layers, " > "))
	}
	fmt.Fprintf(w, "format:   %s\n", r.Format)
	var coverage map[string]int64
	if d := l.Detail; d != nil { // the format's own lines: arch, threads, modules...
		d.WriteText(w)
		coverage = d.FileCoverage()
	}
	fmt.Fprintf(w, "regions:  %d\n", len(l.Regions))
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, g := range l.Regions {
		va := "-"
		if g.HasAddr {
			va = fmt.Sprintf("%#x", g.Addr)
		}
		extra := dumpio.Printable(g.Module)
		if g.Thread != 0 {
			extra = strings.TrimSpace(fmt.Sprintf("thread %d %s", g.Thread, extra))
		}
		fmt.Fprintf(tw, "  %s\t+%#x\tfile %#x\t%s\t%s\t%s\n", va, g.Size, g.Off, g.Kind, g.Protect, extra)
	}
	tw.Flush()
	if len(coverage) > 0 {
		fmt.Fprintln(w, "coverage:")
		var keys []string
		for k := range coverage {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return coverage[keys[i]] > coverage[keys[j]] || coverage[keys[i]] == coverage[keys[j]] && keys[i] < keys[j]
		})
		for _, k := range keys {
			fmt.Fprintf(w, "  %-24s %12d bytes  %5.1f%%\n", k, coverage[k], 100*float64(coverage[k])/float64(max(r.Size, 1)))
		}
	}
	for _, e := range r.Warnings {
		fmt.Fprintf(w, "warning:  %s\n", dumpio.Printable(e))
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "error:    %s\n", dumpio.Printable(e))
	}
}
