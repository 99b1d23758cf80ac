// Package cmd is dumpguard's command line: cobra commands, their flags, and
// their output. It is the only package that prints or picks an exit status.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	ExitClean    = 0 // nothing blocks
	ExitFindings = 1 // a blocking key was found
	ExitError    = 2 // usage error, or an input could not be scanned completely
)

// errFound is returned by a command that found blocking keys.
var errFound = errors.New("blocking keys found")

// errIncomplete is returned by a command whose inputs could not all be scanned;
// the details were already reported.
var errIncomplete = errors.New("some inputs could not be scanned completely")

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
	case errors.Is(err, errFound):
		return ExitFindings
	case errors.Is(err, errIncomplete):
		return ExitError
	default:
		fmt.Fprintf(stderr, "dumpguard: %v\n", err)
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
	root.AddCommand(newScanCmd(s), newInspectCmd(s), newGateCmd(s), newRedactCmd(s), newVersionCmd(s))
	return root
}
