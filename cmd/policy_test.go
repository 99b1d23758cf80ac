package cmd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dumpguard/internal/policy"
	"dumpguard/internal/report"
)

func TestPolicyFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	small := write("small.json", `{"limits": {"max_total": 1024}}`)
	smallUnit := write("small-unit.json", `{"limits": {"max_total": "1K"}}`)
	badUnit := write("bad-unit.json", `{"limits": {"max_total": "1Q"}}`)
	strict := write("strict.json", `{"strict": true}`)
	tests := []struct {
		name       string
		args       []string
		want       int
		wantStderr string
	}{
		{"allowlisted", []string{"--config", "testdata/policy/allow.json", planted}, ExitClean, ""},
		{"expired", []string{"--config", "testdata/policy/expired.json", planted}, ExitFindings, "expired on 2020-01-31 and no longer allows"},
		{"unknown field", []string{"--config", "testdata/policy/unknown.json", planted}, ExitError, "unknown.json:3:3: policy: unknown field \"alowlist\""},
		{"bad json", []string{"--config", "testdata/policy/bad.json", planted}, ExitError, "bad.json:4:89: policy: invalid character"},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.json"), planted}, ExitError, "no such file"},
		{"test key listed by the policy", []string{"--config", "testdata/policy/full.json", "--fail-on", "validated", testKeyBin}, ExitClean, ""},
		{"fail_on from the file", []string{"--config", "testdata/policy/full.json", planted}, ExitFindings, ""},
		{"limits from the file", []string{"--config", small, cleanCore}, ExitError, "decompression limit exceeded"},
		{"limits flag wins", []string{"--config", small, "--max-total", "1099511627776", cleanCore}, ExitClean, ""},
		{"limits with a unit", []string{"--config", smallUnit, cleanCore}, ExitError, "decompression limit exceeded"},
		{"limits flag with a unit wins", []string{"--config", smallUnit, "--max-total", "1T", cleanCore}, ExitClean, ""},
		{"limits with a bad unit", []string{"--config", badUnit, cleanCore}, ExitError, `bad-unit.json:1:13: policy: limits.max_total "1Q": unknown unit "Q"; want bytes`},
		{"built-in test key", []string{testKeyBin}, ExitClean, ""},
		{"built-in test key, --strict", []string{"--strict", testKeyBin}, ExitFindings, ""},
		{"built-in test key, strict policy", []string{"--config", strict, testKeyBin}, ExitFindings, ""},
		{"strict policy, --strict=false wins", []string{"--config", strict, "--strict=false", testKeyBin}, ExitClean, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", append([]string{"scan", "-q"}, tt.args...)...)
			if code != tt.want {
				t.Errorf("exit status = %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantStderr)
			}
		})
	}
}

// TestPolicyReport checks what the JSON report says of allowed, expired and
// test keys, and that --fail-on overrides the file's fail_on.
func TestPolicyReport(t *testing.T) {
	_, out, _ := run(t, "", "scan", "-q", "--format", "json", "--config", "testdata/policy/expired.json", "--fail-on", "fragment", planted, testKeyBin)
	var rep struct {
		Files []struct {
			Findings []struct {
				SPKI         string `json:"spki_sha256"`
				Allowed      string `json:"allowed"`
				AllowExpired string `json:"allow_expired"`
				KnownTestKey bool   `json:"known_test_key"`
				TestKeyNote  string `json:"known_test_key_source"`
			}
		}
		Summary struct {
			FailOn   string `json:"fail_on"`
			Blocking int
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, fr := range rep.Files {
		for _, f := range fr.Findings {
			switch {
			case f.Allowed != "":
				got[f.SPKI[:8]] = "allowed: " + f.Allowed
			case f.AllowExpired != "":
				got[f.SPKI[:8]] = "expired: " + f.AllowExpired
			case f.KnownTestKey:
				got[f.SPKI[:8]] = "test key: " + f.TestKeyNote
			}
		}
	}
	want := map[string]string{
		"6e784aac": "expired: 2020-01-31: staging key, retired",
		"7a2a66a0": "allowed: throwaway test key",
		"b4ab757d": "allowed: throwaway test key",
		"a6fdc2c6": "test key: OpenSSL apps/testrsa.h (openssl speed): test2048, RSA-2048, compiled into the openssl binary",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("finding %s: %q, want %q", k, got[k], v)
		}
	}
	if rep.Summary.FailOn != "fragment" || rep.Summary.Blocking != 1 {
		t.Errorf("summary %+v, want fail_on fragment (the flag) and 1 blocking", rep.Summary)
	}
}

// TestPolicyInWorkingDirectory: without --config, ./.dumpguard.json applies,
// and says so on standard error and in the report; one that other users
// could have written is refused; --no-config and $DUMPGUARD_CONFIG choose.
func TestPolicyInWorkingDirectory(t *testing.T) {
	abs, _ := filepath.Abs(planted)
	allow, _ := os.ReadFile("testdata/policy/allow.json")
	sum := sha256.Sum256(allow)
	t.Chdir(t.TempDir())
	allowAbs := filepath.Join(t.TempDir(), "allow.json")
	os.WriteFile(allowAbs, allow, 0o600)
	if code, _, _ := run(t, "", "scan", "-q", abs); code != ExitFindings {
		t.Errorf("no policy: exit status %d, want %d", code, ExitFindings)
	}
	os.WriteFile(policy.Name, allow, 0o644)
	os.Chmod(policy.Name, 0o644)
	code, out, stderr := run(t, "", "scan", "-q", "--format", "json", abs)
	if code != ExitClean {
		t.Errorf("with %s: exit status %d, want %d; stderr:\n%s", policy.Name, code, ExitClean, stderr)
	}
	if want := "dumpguard: policy: applied " + policy.Name + " (SHA-256 " + hex.EncodeToString(sum[:]) + ")\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	var rep struct{ Policy *report.PolicyFile }
	if json.Unmarshal([]byte(out), &rep); rep.Policy == nil || rep.Policy.Path != policy.Name || rep.Policy.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("report's policy: %+v", rep.Policy)
	}
	if code, _, _ := run(t, "", "scan", "-q", "--no-config", abs); code != ExitFindings {
		t.Errorf("--no-config: exit status %d, want %d", code, ExitFindings)
	}
	os.Chmod(policy.Name, 0o664)
	if code, _, stderr := run(t, "", "scan", "-q", abs); code != ExitError || !strings.Contains(stderr, "writable by group or others") {
		t.Errorf("group-writable %s: exit status %d, stderr %q", policy.Name, code, stderr)
	}
	t.Setenv(policy.EnvName, allowAbs)
	if code, _, stderr := run(t, "", "scan", "-q", abs); code != ExitClean || !strings.Contains(stderr, "applied "+allowAbs) {
		t.Errorf("$%s: exit status %d, stderr %q", policy.EnvName, code, stderr)
	}
	t.Setenv(policy.EnvName, "")
	os.Chmod(policy.Name, 0o644)
	os.WriteFile(policy.Name, []byte("{"), 0o644)
	if code, _, stderr := run(t, "", "scan", "-q", abs); code != ExitError || !strings.Contains(stderr, policy.Name+":1:2:") {
		t.Errorf("bad %s: exit status %d, stderr %q", policy.Name, code, stderr)
	}
}

func TestProtectedKeysResolved(t *testing.T) {
	p, err := policy.Load(policy.Source{Config: "testdata/policy/full.json"}, time.Now(), func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join("..", "testdata", "dumps", "linux", "keys", "pem-heap-p256.pub.pem")}
	if !slices.Equal(p.ProtectedKeys, want) {
		t.Errorf("ProtectedKeys = %q, want %q", p.ProtectedKeys, want)
	}
	// The hunt gets them: the summary says the protected key was found.
	_, out, stderr := run(t, "", "scan", "-q", "--format", "json", "--config", "testdata/policy/full.json", pemHeap)
	var rep struct {
		Summary struct {
			ProtectedKeys []struct {
				Source string
				Found  bool
			} `json:"protected_keys"`
		}
	}
	json.Unmarshal([]byte(out), &rep)
	if pk := rep.Summary.ProtectedKeys; len(pk) != 1 || !pk[0].Found || !strings.HasSuffix(pk[0].Source, "pem-heap-p256.pub.pem") {
		t.Errorf("protected keys in the summary: %+v; stderr:\n%s", pk, stderr)
	}
	// A protected key file that does not exist is an error.
	dir := t.TempDir()
	bad := filepath.Join(dir, "p.json")
	os.WriteFile(bad, []byte(`{"protected_keys": ["nope.pub"]}`), 0o644)
	if code, _, _ := run(t, "", "scan", "-q", "--config", bad, planted); code != ExitError {
		t.Errorf("missing protected key file: exit status %d, want %d", code, ExitError)
	}
}

// TestKnownTestKeys checks the built-in list's shape, and that the key in
// testdata/testkey.bin (openssl's test2048) is on it.
func TestKnownTestKeys(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range policy.KnownTestKeys() {
		seen[k.SPKI] = true
	}
	_, out, _ := run(t, "", "scan", "-q", "--format", "json", testKeyBin)
	var rep struct {
		Files []struct {
			Findings []struct {
				SPKI string `json:"spki_sha256"`
				Test bool   `json:"known_test_key"`
			}
		}
	}
	json.Unmarshal([]byte(out), &rep)
	if len(rep.Files) != 1 || len(rep.Files[0].Findings) != 1 || !rep.Files[0].Findings[0].Test || !seen[rep.Files[0].Findings[0].SPKI] {
		t.Errorf("testkey.bin report: %s", out)
	}
}

func TestGoldenAllowedSARIF(t *testing.T) {
	_, out, _ := run(t, "", "scan", "-q", "--format", "sarif", "--config", "testdata/policy/expired.json", planted, testKeyBin)
	checkGolden(t, filepath.Join("testdata", "golden", "allowed.sarif"), out)
	var log report.SARIFLog
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	levels := map[string]int{}
	suppressed := 0
	for _, r := range log.Runs[0].Results {
		levels[r.Level]++
		if len(r.Suppressions) > 0 {
			suppressed++
		}
	}
	if levels["error"] != 1 || levels["note"] != 3 || suppressed != 3 {
		t.Errorf("levels %v, %d suppressed; want 1 error (expired entry), 3 suppressed notes", levels, suppressed)
	}
}

// TestPolicyRecorded: every report names the policy file applied and its
// SHA-256: JSON Lines' summary line, the gate's quarantine report and the
// redaction report.
func TestPolicyRecorded(t *testing.T) {
	const cfg = "testdata/policy/expired.json"
	b, _ := os.ReadFile(cfg)
	sum := sha256.Sum256(b)
	want := report.PolicyFile{Path: cfg, SHA256: hex.EncodeToString(sum[:])}
	check := func(what string, doc []byte) {
		t.Helper()
		var rep struct{ Policy *report.PolicyFile }
		if err := json.Unmarshal(doc, &rep); err != nil || rep.Policy == nil || *rep.Policy != want {
			t.Errorf("%s: policy %+v (%v), want %+v\n%s", what, rep.Policy, err, want, doc)
		}
	}
	_, out, _ := run(t, "", "scan", "-q", "--format", "jsonl", "--config", cfg, planted)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	check("jsonl summary", []byte(lines[len(lines)-1]))

	spool, to, q := gateDirs(t, planted)
	run(t, "", "gate", "-q", "--config", cfg, "--to", to, "--quarantine", q, spool)
	side, _ := os.ReadFile(filepath.Join(q, "planted.bin.dumpguard.json"))
	check("quarantine report", side)

	red := filepath.Join(t.TempDir(), "red.bin")
	if code, _, stderr := run(t, "", "redact", "-q", "--config", cfg, planted, "-o", red); code != ExitClean {
		t.Fatalf("redact: exit status %d: %s", code, stderr)
	}
	side, _ = os.ReadFile(red + ".redaction.json")
	check("redaction report", side)
}
