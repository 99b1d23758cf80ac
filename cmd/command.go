package cmd

import (
	"os"

	"github.com/spf13/cobra"
)

// NewRootCommand returns dumpguard's command tree on the standard streams,
// for tools that document it (tools/gendoc writes the man pages and shell
// completions from it). Run is how the program itself executes commands.
func NewRootCommand() *cobra.Command {
	return newRoot(stdio{os.Stdin, os.Stdout, os.Stderr})
}
