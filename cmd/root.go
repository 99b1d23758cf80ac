// Package cmd is dumpguard's command line: cobra commands, their flags, and
// their output. It is the only package that prints or picks an exit status.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"dumpguard/internal/dumpio"
	"dumpguard/internal/policy"
)

// Exit statuses, as policy.Exit decides them.
const (
	ExitClean    = policy.ExitClean    // nothing blocks
	ExitFindings = policy.ExitFindings // a blocking key was found
	ExitError    = policy.ExitError    // usage error, or an input could not be scanned completely
)

// An exitError ends a command whose report is written with a status that
// policy.Exit decided; what went wrong was already reported.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exit returns the command's result for o: nil when clean. An interrupted
// run says so on standard error.
func exit(s stdio, o policy.Outcome) error {
	if o.Interrupted {
		fmt.Fprintln(s.err, "dumpguard: interrupted: the report covers only what was scanned before")
	}
	if code := policy.Exit(o); code != ExitClean {
		return exitError{code}
	}
	return nil
}

// io is what a command reads and writes.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// Run executes args and returns the exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdio{stdin, stdout, stderr})
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	switch err := root.ExecuteContext(ctx); {
	case err == nil:
		return ExitClean
	case errors.As(err, new(exitError)):
		var e exitError
		errors.As(err, &e)
		return e.code
	default:
		fmt.Fprintf(stderr, "dumpguard: %s\n", dumpio.Escape(err.Error()))
		return ExitError
	}
}

func newRoot(s stdio) *cobra.Command {
	root := &cobra.Command{
		Use:   "dumpguard",
		Short: "Find private keys in crash dumps before the dumps leave production",
		Long: `dumpguard finds private keys in Windows minidumps, Linux ELF core files and any
other file, proves each one by arithmetic, and names it only by the SHA-256 of
its public half. It never prints key material.

Exit status: 0 nothing blocks, 1 blocking keys found, 2 usage error or an input
that could not be scanned completely.`,
		Version:       versionLine(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError(err) })
	root.AddCommand(newScanCmd(s), newInspectCmd(s), newGateCmd(s), newRedactCmd(s), newVersionCmd(s))
	return root
}

// flagError says what is wrong with a flag's value as `--NAME "VALUE": what
// is wanted`, instead of the parser's internals (strconv.ParseInt: parsing
// "x": invalid syntax).
func flagError(err error) error {
	var iv *pflag.InvalidValueError
	if !errors.As(err, &iv) {
		return err
	}
	cause := errors.Unwrap(iv)
	if errors.As(cause, new(*strconv.NumError)) {
		switch iv.GetFlag().Value.Type() {
		case "bool":
			cause = errors.New("want true or false")
		case "float64":
			cause = errors.New("want a number")
		default:
			cause = errors.New("want a whole number")
		}
	}
	return fmt.Errorf("--%s %q: %v", iv.GetFlag().Name, iv.GetValue(), cause)
}
