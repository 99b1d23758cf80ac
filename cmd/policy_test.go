package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPolicyFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	small := write("small.json", `{"limits": {"max_total": 1024}}`)
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

// TestPolicyInWorkingDirectory: without --config, ./.dumpguard.json applies.
func TestPolicyInWorkingDirectory(t *testing.T) {
	abs, _ := filepath.Abs(planted)
	allow, _ := os.ReadFile("testdata/policy/allow.json")
	t.Chdir(t.TempDir())
	if code, _, _ := run(t, "", "scan", "-q", abs); code != ExitFindings {
		t.Errorf("no policy: exit status %d, want %d", code, ExitFindings)
	}
	os.WriteFile(policyName, allow, 0o644)
	if code, _, stderr := run(t, "", "scan", "-q", abs); code != ExitClean {
		t.Errorf("with %s: exit status %d, want %d; stderr:\n%s", policyName, code, ExitClean, stderr)
	}
	os.WriteFile(policyName, []byte("{"), 0o644)
	if code, _, stderr := run(t, "", "scan", "-q", abs); code != ExitError || !strings.Contains(stderr, policyName+":1:2:") {
		t.Errorf("bad %s: exit status %d, stderr %q", policyName, code, stderr)
	}
}

func TestNewPolicy(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	fp := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		pf      policyFile
		wantErr string
		allowed bool
		expired bool
	}{
		{"live", policyFile{Allowlist: []allowEntry{{SPKI: fp, Reason: "r", Expires: "2026-11-22"}}}, "", true, false},
		{"expired yesterday", policyFile{Allowlist: []allowEntry{{SPKI: fp, Reason: "r", Expires: "2026-11-21"}}}, "", false, true},
		{"no expiry", policyFile{Allowlist: []allowEntry{{SPKI: "SHA256:" + strings.ToUpper(fp), Reason: "r"}}}, "", true, false},
		{"no reason", policyFile{Allowlist: []allowEntry{{SPKI: fp}}}, "reason is required", false, false},
		{"bad date", policyFile{Allowlist: []allowEntry{{SPKI: fp, Reason: "r", Expires: "31/01/2027"}}}, "want YYYY-MM-DD", false, false},
		{"short fingerprint", policyFile{Allowlist: []allowEntry{{SPKI: "abcd", Reason: "r"}}}, "want 64 hex digits", false, false},
		{"twice", policyFile{Allowlist: []allowEntry{{SPKI: fp, Reason: "r"}, {SPKI: fp, Reason: "s"}}}, "listed twice", false, false},
		{"test key without source", policyFile{TestKeys: []testKey{{SPKI: fp}}}, "source is required", false, false},
		{"zero limit", policyFile{Limits: &policyLimits{MaxDepth: new(int)}}, "at least 1", false, false},
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

func TestProtectedKeysResolved(t *testing.T) {
	p, err := loadPolicy("testdata/policy/full.json", time.Now(), func(string) {})
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
	for _, k := range knownTestKeys() {
		if _, err := normalFingerprint(k.SPKI); err != nil || k.SPKI != strings.ToLower(k.SPKI) || k.Source == "" || seen[k.SPKI] {
			t.Errorf("test key %+v: bad or duplicate entry", k)
		}
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
	var log sarifLog
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

// FuzzDecodePolicy: any bytes give a policy or an error that names a line and
// column inside the file, never a panic.
func FuzzDecodePolicy(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/policy/*.json")
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
