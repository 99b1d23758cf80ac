// Package version says which build of dumpguard is running: the version,
// commit and date the release build stamped into the binary, or else what
// the Go toolchain recorded of the module and its checkout.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set by the linker (make build, make release, the Containerfile):
//
//	-X dumpguard/internal/version.version=$(git describe --tags --always --dirty)
//	-X dumpguard/internal/version.commit=$(git rev-parse HEAD)
//	-X dumpguard/internal/version.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
var version, commit, date string

// Info describes a build. Fields not known are empty.
type Info struct {
	Version   string `json:"version"`    // "v1.2.0", "v1.2.0-3-g1a2b3c4-dirty", a pseudo-version, or "(devel)"
	Commit    string `json:"commit"`     // the full revision
	Date      string `json:"date"`       // UTC, RFC 3339: the build's, else the commit's
	Modified  bool   `json:"modified"`   // built from a checkout with uncommitted changes
	GoVersion string `json:"go_version"` // "go1.26.8"
	Platform  string `json:"platform"`   // "linux/amd64"
}

// Get returns the Info of the running binary.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return get(version, commit, date, bi)
}

// get fills Info from the linker's values, each falling back on the build
// information (nil if the binary has none).
func get(version, commit, date string, bi *debug.BuildInfo) Info {
	i := Info{Version: version, Commit: commit, Date: date, GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	i.Modified = strings.HasSuffix(version, "-dirty")
	if bi == nil {
		if i.Version == "" {
			i.Version = "(devel)"
		}
		return i
	}
	if bi.GoVersion != "" {
		i.GoVersion = bi.GoVersion
	}
	vcs := map[string]string{}
	for _, s := range bi.Settings {
		vcs[s.Key] = s.Value
	}
	if i.Version == "" {
		i.Version = bi.Main.Version
		i.Modified = vcs["vcs.modified"] == "true" || strings.HasSuffix(i.Version, "+dirty")
	}
	if i.Version == "" {
		i.Version = "(devel)"
	}
	if i.Commit == "" {
		i.Commit = vcs["vcs.revision"]
	}
	if i.Date == "" {
		i.Date = vcs["vcs.time"]
	}
	return i
}

// String returns the Info on one line:
// "v1.2.0 (commit 1a2b3c4d5e6f, built 2026-12-01T20:34:00Z, go1.26.8 linux/amd64)".
func (i Info) String() string {
	var b strings.Builder
	b.WriteString(i.Version)
	b.WriteString(" (")
	if c := i.Commit; c != "" {
		fmt.Fprintf(&b, "commit %s, ", c[:min(len(c), 12)])
	}
	if i.Modified && !strings.HasSuffix(i.Version, "dirty") {
		b.WriteString("modified, ")
	}
	if i.Date != "" {
		fmt.Fprintf(&b, "built %s, ", i.Date)
	}
	fmt.Fprintf(&b, "%s %s)", i.GoVersion, i.Platform)
	return b.String()
}
