package version

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestGet(t *testing.T) {
	goos := runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	stamped := &debug.BuildInfo{GoVersion: runtime.Version(), Main: debug.Module{Path: "dumpguard", Version: "v0.0.0-20261201203400-1a2b3c4d5e6f+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d"},
			{Key: "vcs.time", Value: "2026-12-01T20:34:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
		str                   string
	}{
		{"linker", "v1.2.0-3-g1a2b3c4-dirty", "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d", "2026-12-02T08:00:00Z", stamped,
			Info{Version: "v1.2.0-3-g1a2b3c4-dirty", Commit: "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d", Date: "2026-12-02T08:00:00Z", Modified: true},
			"v1.2.0-3-g1a2b3c4-dirty (commit 1a2b3c4d5e6f, built 2026-12-02T08:00:00Z, " + goos + ")"},
		{"build info", "", "", "", stamped,
			Info{Version: "v0.0.0-20261201203400-1a2b3c4d5e6f+dirty", Commit: "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d", Date: "2026-12-01T20:34:00Z", Modified: true},
			"v0.0.0-20261201203400-1a2b3c4d5e6f+dirty (commit 1a2b3c4d5e6f, built 2026-12-01T20:34:00Z, " + goos + ")"},
		{"linker version only", "v1.2.0", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			Info{Version: "v1.2.0"}, "v1.2.0 (" + goos + ")"},
		{"go run", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}},
			Info{Version: "(devel)", Modified: true}, "(devel) (modified, " + goos + ")"},
		{"no build info", "", "", "", nil, Info{Version: "(devel)"}, "(devel) (" + goos + ")"},
	}
	for _, tt := range tests {
		got := get(tt.version, tt.commit, tt.date, tt.bi)
		tt.want.GoVersion, tt.want.Platform = runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH
		if got != tt.want {
			t.Errorf("get(%s) = %+v, want %+v", tt.name, got, tt.want)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("get(%s).String() = %q, want %q", tt.name, s, tt.str)
		}
	}
}

func TestGetRunning(t *testing.T) {
	if i := Get(); i.Version == "" || i.GoVersion != runtime.Version() {
		t.Errorf("Get() = %+v, want a version and Go %s", i, runtime.Version())
	}
}
