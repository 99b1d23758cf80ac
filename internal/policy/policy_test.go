package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dumpguard/internal/testpath"
)

func TestNewPolicy(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	fp := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		pf      File
		wantErr string
		allowed bool
		expired bool
	}{
		{"live", File{Allowlist: []AllowEntry{{SPKI: fp, Reason: "r", Expires: "2026-11-22"}}}, "", true, false},
		{"expired yesterday", File{Allowlist: []AllowEntry{{SPKI: fp, Reason: "r", Expires: "2026-11-21"}}}, "", false, true},
		{"no expiry", File{Allowlist: []AllowEntry{{SPKI: "SHA256:" + strings.ToUpper(fp), Reason: "r"}}}, "", true, false},
		{"no reason", File{Allowlist: []AllowEntry{{SPKI: fp}}}, "reason is required", false, false},
		{"bad date", File{Allowlist: []AllowEntry{{SPKI: fp, Reason: "r", Expires: "31/01/2027"}}}, "want YYYY-MM-DD", false, false},
		{"short fingerprint", File{Allowlist: []AllowEntry{{SPKI: "abcd", Reason: "r"}}}, "want 64 hex digits", false, false},
		{"twice", File{Allowlist: []AllowEntry{{SPKI: fp, Reason: "r"}, {SPKI: fp, Reason: "s"}}}, "listed twice", false, false},
		{"test key without source", File{TestKeys: []TestKey{{SPKI: fp}}}, "source is required", false, false},
		{"zero limit", File{Limits: &Limits{MaxDepth: new(int)}}, "at least 1", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warned []string
			p, err := newPolicy("", tt.pf, now, func(s string) { warned = append(warned, s) })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("newPolicy() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, allowed := p.allow[fp]
			_, expired := p.expired[fp]
			if allowed != tt.allowed || expired != tt.expired || (len(warned) > 0) != tt.expired {
				t.Errorf("allowed %v, expired %v, warnings %q; want %v, %v", allowed, expired, warned, tt.allowed, tt.expired)
			}
		})
	}
}

// TestKnownTestKeys checks the built-in list's shape.
func TestKnownTestKeys(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range KnownTestKeys() {
		if _, err := normalFingerprint(k.SPKI); err != nil || k.SPKI != strings.ToLower(k.SPKI) || k.Source == "" || seen[k.SPKI] {
			t.Errorf("test key %+v: bad or duplicate entry", k)
		}
		seen[k.SPKI] = true
	}
}

// FuzzDecodePolicy: any bytes give a policy or an error that names a line and
// column inside the file, never a panic.
func FuzzDecodePolicy(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(testpath.Root(f), "cmd", "testdata", "policy", "*.json"))
	for _, s := range seeds {
		b, _ := os.ReadFile(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pf, err := decodePolicy("p.json", b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "p.json:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		newPolicy("p.json", pf, time.Now(), func(string) {})
	})
}

// TestLoad: which file applies, and a discovered file that other users could
// have written is refused.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	body := []byte(`{"fail_on": "validated"}`)
	write := func(name string, mode os.FileMode) string {
		os.WriteFile(name, body, 0o600)
		os.Chmod(name, mode)
		return name
	}
	sum := sha256.Sum256(body)
	env := write(filepath.Join(dir, "env.json"), 0o644)
	explicit := write(filepath.Join(dir, "explicit.json"), 0o664)
	loose := write(filepath.Join(dir, "loose.json"), 0o666)
	tests := []struct {
		name     string
		local    os.FileMode // mode of ./.dumpguard.json; 0: none
		src      Source
		wantPath string
		wantErr  string
	}{
		{"nothing", 0, Source{}, "", ""},
		{"discovered", 0o644, Source{}, Name, ""},
		{"discovered, group-writable", 0o664, Source{}, "", "writable by group or others"},
		{"discovered, world-writable", 0o646, Source{}, "", "writable by group or others"},
		{"--no-config", 0o664, Source{NoConfig: true}, "", ""},
		{"--no-config and --config", 0, Source{NoConfig: true, Config: explicit}, "", "contradicts"},
		{"--config wins, trusted as named", 0o644, Source{Config: explicit, Env: env}, explicit, ""},
		{"environment wins over discovery", 0o644, Source{Env: env}, env, ""},
		{"environment, world-writable", 0, Source{Env: loose}, "", "writable by group or others"},
		{"environment, missing", 0, Source{Env: filepath.Join(dir, "nope.json")}, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(Name)
			if tt.local != 0 {
				write(Name, tt.local)
			}
			var warned []string
			p, err := Load(tt.src, time.Now(), func(s string) { warned = append(warned, s) })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Path != tt.wantPath {
				t.Errorf("applied %q, want %q", p.Path, tt.wantPath)
			}
			if tt.wantPath == "" {
				if len(warned) > 0 || p.SHA256 != "" {
					t.Errorf("no policy, but warnings %q, sha %q", warned, p.SHA256)
				}
				return
			}
			if p.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256 = %q", p.SHA256)
			}
			if len(warned) != 1 || !strings.Contains(warned[0], "applied "+tt.wantPath) || !strings.Contains(warned[0], p.SHA256) {
				t.Errorf("announcement %q", warned)
			}
		})
	}
}

// TestExit: one decision for every command.
func TestExit(t *testing.T) {
	tests := []struct {
		o    Outcome
		want int
	}{
		{Outcome{Verdict: "clean"}, ExitClean},
		{Outcome{Verdict: "blocked"}, ExitFindings},
		{Outcome{Verdict: "error"}, ExitError},
		{Outcome{Verdict: "blocked", Interrupted: true}, ExitFindings}, // what was found still leaks
		{Outcome{Verdict: "blocked", Failed: true}, ExitFindings},
		{Outcome{Verdict: "clean", Interrupted: true}, ExitError},
		{Outcome{Verdict: "clean", Failed: true}, ExitError},
		{Outcome{Verdict: ""}, ExitError}, // unknown is never clean
	}
	for _, tt := range tests {
		if got := Exit(tt.o); got != tt.want {
			t.Errorf("Exit(%+v) = %d, want %d", tt.o, got, tt.want)
		}
	}
}

// TestLoadOtherOwner: a discovered policy file owned by another user is
// refused, as ssh refuses such a configuration (needs root to chown).
func TestLoadOtherOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root")
	}
	t.Chdir(t.TempDir())
	os.WriteFile(Name, []byte(`{}`), 0o644)
	if err := os.Chown(Name, 12345, 12345); err != nil {
		t.Skip(err)
	}
	if _, err := Load(Source{}, time.Now(), func(string) {}); err == nil || !strings.Contains(err.Error(), "owned by uid 12345") {
		t.Errorf("Load() error = %v, want a refusal", err)
	}
	// Named explicitly, it is trusted.
	if p, err := Load(Source{Config: Name}, time.Now(), func(string) {}); err != nil || p.Path != Name {
		t.Errorf("--config: %v", err)
	}
}
