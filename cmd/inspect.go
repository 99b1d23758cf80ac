package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"dumpguard/internal/dumpio"
	"dumpguard/internal/report"
	"dumpguard/scanner"
)

// toolVersion is the dumpguard version that inspect's JSON names in "tool".
var toolVersion = version()

type inspectFlags struct {
	format       string
	all          bool
	allowPartial bool
	limits       limitFlags
}

func newInspectCmd(s stdio) *cobra.Command {
	var f inspectFlags
	c := &cobra.Command{
		Use:   "inspect [flags] FILE",
		Short: "Show what the scanner sees in a dump: format, threads, modules, memory regions, coverage",
		Long: `Show how dumpguard reads a dump: its format, architecture and operating
system, streams or notes, threads, modules, its memory regions with their
address, kind and protection, the memory the dump describes but does not hold,
and how many bytes of the file belong to each kind of region. This is how to
check what the scanner saw.

Regions that follow each other in the process's address space less than a
page (4 KiB) apart and are alike (same kind, module, thread and protection)
are shown as one line: its size spans them all, gaps included, and it ends in
"(N regions, B bytes)", the bytes the dump holds. --all lists every region.
The JSON form says which in "regions_listed" ("merged" or "all").

A truncated dump (memory or streams its headers place past the end of the
file) is reported as scan reports it: "N bytes of memory missing from the dump
(truncated?)", and is an error unless --allow-partial.

Exit status: 0 when the file parses, 2 when it cannot be read or parsed, or
when it is truncated and --allow-partial is not given.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return f.run(c.Context(), s, args[0])
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text or json")
	fl.BoolVar(&f.all, "all", false, "list every region: do not show close alike regions as one line")
	fl.BoolVar(&f.allowPartial, "allow-partial", false, "a truncated dump is not an error: show what it holds, report what is missing")
	f.limits.register(c)
	return c
}

// inspection is the JSON form of `inspect`: one object for a dump, an array
// of them for the members of an archive.
type inspection struct {
	Version      int             `json:"version"` // scanner.InspectVersion: the schema of this object
	Tool         string          `json:"tool"`    // the dumpguard that wrote it
	Path         string          `json:"path"`
	Member       string          `json:"member,omitempty"`
	Format       string          `json:"format"`
	Size         int64           `json:"size"`
	Layers       []string        `json:"compression,omitempty"`
	MissingBytes int64           `json:"missing_bytes,omitempty"` // memory the dump promises but does not hold
	Partial      bool            `json:"partial,omitempty"`       // truncated: an error unless --allow-partial
	Errors       []string        `json:"errors"`
	Warnings     []string        `json:"warnings"`
	RegionCount  int             `json:"region_count"`   // regions, however they are listed
	Listed       string          `json:"regions_listed"` // "merged" (runs of alike regions) or "all"
	Regions      []inspectRegion `json:"regions"`
	Detail       any             `json:"detail,omitempty"` // the reader's own account, less the regions
}

// inspectRegion is one line of the region list: a region, or with Count > 1
// a run of close alike regions (see [scanner.Runs]).
type inspectRegion struct {
	Addr    *uint64     `json:"addr"`   // null in a raw file
	Size    uint64      `json:"size"`   // addresses spanned, gaps included
	Bytes   int64       `json:"bytes"`  // bytes the dump holds: Size less the gaps
	Off     int64       `json:"offset"` // of the first region
	Kind    dumpio.Kind `json:"kind"`
	Protect dumpio.Prot `json:"protect,omitempty"`
	Module  string      `json:"module,omitempty"`
	Thread  uint32      `json:"thread,omitempty"`
	Count   int         `json:"regions"` // regions on this line: 1 with --all
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
		return printableError(walkErr)
	}
	var reps []inspection
	var errs []string
	partial := false
	for _, in := range ins {
		rep := f.inspection(name, in)
		if in.Layout.ParseError != nil {
			errs = append(errs, in.Layout.ParseError.Error())
		}
		if rep.Partial && !f.allowPartial { // in scan's words: see scanFlags.run
			partial = true
			display := name
			if rep.Member != "" {
				display = rep.Member
			}
			fmt.Fprintf(s.err, "dumpguard: %s: %d bytes of memory missing from the dump (truncated?); use --allow-partial to accept\n",
				dumpio.Escape(display), rep.MissingBytes)
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
		return printableError(fmt.Errorf("%s: %s", name, strings.Join(errs, "; ")))
	}
	if partial {
		return exitError{ExitError} // said above
	}
	return nil
}

// inspection describes one inspected file or member.
func (f *inspectFlags) inspection(name string, in scanner.Inspection) inspection {
	l := in.Layout
	rep := inspection{Version: scanner.InspectVersion, Tool: toolVersion, Path: name, Member: in.Member,
		Format: l.Format, Size: in.Size, Layers: in.Layers, MissingBytes: l.Missing, Partial: l.Missing > 0,
		Errors: []string{}, Warnings: append([]string{}, l.Warnings...), RegionCount: len(l.Regions),
		Listed: "merged", Regions: []inspectRegion{}}
	if l.Detail != nil {
		rep.Detail = l.Detail
	}
	if l.ParseError != nil {
		rep.Errors = append(rep.Errors, l.ParseError.Error())
	}
	runs := scanner.Runs(l.Regions)
	if f.all {
		rep.Listed = "all"
		runs = runs[:0]
		for _, g := range l.Regions {
			runs = append(runs, scanner.Run{First: g, Span: uint64(g.Size), Bytes: g.Size, Count: 1})
		}
	}
	for _, r := range runs {
		g := r.First
		line := inspectRegion{Size: r.Span, Bytes: r.Bytes, Off: g.Off, Kind: g.Kind, Protect: g.Protect, Module: g.Module, Thread: g.Thread, Count: r.Count}
		if g.HasAddr {
			line.Addr = &g.Addr
		}
		rep.Regions = append(rep.Regions, line)
	}
	return rep
}

// printableError is err with its message escaped for the terminal: it names
// files given on the command line and members of archives.
func printableError(err error) error {
	return errors.New(dumpio.Escape(err.Error()))
}

func writeInspection(w io.Writer, r *inspection, l *scanner.Layout) {
	fmt.Fprintf(w, "file:     %s (%s)\n", dumpio.Escape(r.Path), report.HumanBytes(r.Size))
	if r.Member != "" {
		fmt.Fprintf(w, "member:   %s\n", dumpio.Escape(r.Member))
	}
	if len(r.Layers) > 0 {
		fmt.Fprintf(w, "packed:   %s\n", dumpio.Escape(strings.Join(r.Layers, " > ")))
	}
	fmt.Fprintf(w, "format:   %s\n", dumpio.Escape(r.Format))
	var coverage map[string]int64
	if d := l.Detail; d != nil { // the format's own lines: arch, threads, modules...
		d.WriteText(w)
		coverage = d.FileCoverage()
	}
	if r.Partial {
		fmt.Fprintf(w, "partial:  %d bytes of memory missing from the dump (truncated?)\n", r.MissingBytes)
	}
	if len(r.Regions) < r.RegionCount {
		fmt.Fprintf(w, "regions:  %d, in %d lines (close alike regions merged; --all lists each)\n", r.RegionCount, len(r.Regions))
	} else {
		fmt.Fprintf(w, "regions:  %d\n", r.RegionCount)
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, g := range r.Regions {
		va := "-"
		if g.Addr != nil {
			va = fmt.Sprintf("%#x", *g.Addr)
		}
		extra := dumpio.Escape(g.Module)
		if g.Thread != 0 {
			extra = strings.TrimSpace(fmt.Sprintf("thread %d %s", g.Thread, extra))
		}
		if g.Count > 1 {
			extra = strings.TrimSpace(fmt.Sprintf("%s (%d regions, %#x bytes)", extra, g.Count, g.Bytes))
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
			fmt.Fprintf(w, "  %-24s %12d bytes  %5.1f%%\n", dumpio.Escape(k), coverage[k], 100*float64(coverage[k])/float64(max(r.Size, 1)))
		}
	}
	for _, e := range r.Warnings {
		fmt.Fprintf(w, "warning:  %s\n", dumpio.Escape(e))
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "error:    %s\n", dumpio.Escape(e))
	}
}
