package cmd

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	buildinfo "dumpguard/internal/version"
)

type versionFlags struct {
	format string
}

func newVersionCmd(s stdio) *cobra.Command {
	var f versionFlags
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version of this binary",
		Long: `version prints what --version prints: the version (git describe of the
release build, else the module version the Go toolchain recorded), the commit,
whether the checkout had uncommitted changes, the build date (else the
commit's), and the Go version and platform. --format json prints them as an
object.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return f.run(c.OutOrStdout()) },
	}
	c.Flags().StringVarP(&f.format, "format", "f", "text", "output format: text or json")
	return c
}

func (f *versionFlags) run(w io.Writer) error {
	i := buildinfo.Get()
	switch f.format {
	case "text":
		_, err := fmt.Fprintf(w, "dumpguard version %s\n", i)
		return err
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(i)
	}
	return fmt.Errorf("--format %q: want text or json", f.format)
}

// version is the version alone, as reports name it: "v1.2.0", "(devel)".
func version() string { return buildinfo.Get().Version }

// versionLine is what --version prints after "dumpguard version ".
func versionLine() string { return buildinfo.Get().String() }
