package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"dumpguard/internal/dumpio"
	"dumpguard/internal/keys"
	"dumpguard/internal/policy"
	"dumpguard/internal/testpath"
	"dumpguard/scanner"
)

// sarifSchema compiles the official SARIF 2.1.0 schema, formats asserted.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(testpath.Join(t, "sarif", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// checkSARIF validates a log against the schema and the rules GitHub code
// scanning adds: every rule has a fullDescription (GH2012), artifact
// locations are URIs, not bare absolute paths (SARIF1004), and the tool's
// informationUri is real.
func checkSARIF(t *testing.T, sch *jsonschema.Schema, name string, b []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s does not validate against SARIF 2.1.0: %v", name, err)
	}
	var log SARIFLog
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, run := range log.Runs {
		d := run.Tool.Driver
		if d.Version == "" || d.InformationURI != InformationURI {
			t.Errorf("%s: driver %q version %q informationUri %q", name, d.Name, d.Version, d.InformationURI)
		}
		for _, r := range d.Rules {
			if r.FullDescription.Text == "" {
				t.Errorf("%s: rule %s has no fullDescription", name, r.ID)
			}
		}
		var uris []string
		for _, res := range run.Results {
			for _, l := range res.Locations {
				uris = append(uris, l.PhysicalLocation.ArtifactLocation.URI)
			}
		}
		for _, n := range run.Invocations[0].Notifications {
			for _, l := range n.Locations {
				uris = append(uris, l.PhysicalLocation.ArtifactLocation.URI)
			}
		}
		for _, u := range uris {
			if strings.HasPrefix(u, "/") || strings.Contains(u, `\`) {
				t.Errorf("%s: artifact location %q is a path, not a URI", name, u)
			}
		}
	}
}

// TestSARIFGolden validates every SARIF golden report of cmd.
func TestSARIFGolden(t *testing.T) {
	sch := sarifSchema(t)
	golden, _ := filepath.Glob(filepath.Join(testpath.Root(t), "cmd", "testdata", "golden", "*.sarif"))
	if len(golden) == 0 {
		t.Fatal("no SARIF golden files")
	}
	for _, g := range golden {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		checkSARIF(t, sch, filepath.Base(g), b)
	}
}

// TestSARIFShapes renders what the golden files do not hold (absolute paths,
// archive members, inputs that failed) and validates it; a log that breaks
// the schema is caught.
func TestSARIFShapes(t *testing.T) {
	sch := sarifSchema(t)
	fp := keys.Fingerprint{1, 2, 3}
	r := New([]scanner.FileReport{
		{Path: "/var/crash/core.1234", Format: "elf-core", Findings: []scanner.Finding{{Detector: "pem", Encoding: "pem", KeyType: "rsa", Bits: 2048, Status: keys.Validated, SPKI: fp, VA: scanner.Address{Addr: 0x1000, Known: true}, Region: scanner.RegionRef{Kind: dumpio.Heap}}}},
		{Path: "/var/crash/sweep.tar.gz", Member: "sweep.tar.gz!/a b.dmp", Format: "minidump", Findings: []scanner.Finding{{Detector: "ec-cng", Encoding: "cng-blob", KeyType: "ec", Curve: keys.P256, Status: keys.Encrypted}}},
		{Path: "relative/broken.dmp", Format: "raw", Errors: []string{"minidump: bad header"}},
	}, &policy.Policy{FailOn: keys.Fragment}, false)
	var b bytes.Buffer
	if err := SARIF(&b, r, Options{Version: "v1.2.3"}); err != nil {
		t.Fatal(err)
	}
	checkSARIF(t, sch, "rendered", b.Bytes())
	if !strings.Contains(b.String(), `"uri": "file:///var/crash/core.1234"`) || !strings.Contains(b.String(), `"version": "v1.2.3"`) {
		t.Errorf("rendered SARIF:\n%s", b.String())
	}

	// The schema check can fail: a log without its version does not validate.
	var doc map[string]any
	json.Unmarshal(b.Bytes(), &doc)
	delete(doc, "version")
	bad, _ := json.Marshal(doc)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if sch.Validate(v) == nil {
		t.Error("a SARIF log without version validated")
	}
}

func TestArtifactURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"testdata/planted.bin", "testdata/planted.bin"},
		{"dumps/a b#1.dmp", "dumps/a%20b%231.dmp"},
		{"/tmp/core.1234", "file:///tmp/core.1234"},
		{"/var/crash/a b.dmp", "file:///var/crash/a%20b.dmp"},
		{"C:/CrashDumps/app.dmp", "file:///C:/CrashDumps/app.dmp"},
		{"c:/x", "file:///c:/x"},
		{"//server/share/app.dmp", "file://server/share/app.dmp"},
		{"-", "-"},
	}
	for _, tt := range tests {
		if got := slashURI(tt.in); got != tt.want {
			t.Errorf("slashURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPathURI: Windows paths, drive letters and UNC shares become file URIs
// whatever platform the test runs on; elsewhere a backslash is part of a name.
func TestPathURI(t *testing.T) {
	tests := []struct {
		in      string
		windows bool
		want    string
	}{
		{`C:\dumps\a b.dmp`, true, "file:///C:/dumps/a%20b.dmp"},
		{`c:\CrashDumps\app.exe.1234.dmp`, true, "file:///c:/CrashDumps/app.exe.1234.dmp"},
		{`C:/dumps/mixed\sep.dmp`, true, "file:///C:/dumps/mixed/sep.dmp"},
		{`\\server\share\x`, true, "file://server/share/x"},
		{`\\server\share\dir\a#b%.dmp`, true, "file://server/share/dir/a%23b%25.dmp"},
		{`dumps\rel.dmp`, true, "dumps/rel.dmp"},
		{`C:\dumps\a b.dmp`, false, "./C:%5Cdumps%5Ca%20b.dmp"},
		{`/tmp/odd\name`, false, "file:///tmp/odd%5Cname"},
		{"/var/crash/a b.dmp", false, "file:///var/crash/a%20b.dmp"},
	}
	for _, tt := range tests {
		if got := pathURI(tt.in, tt.windows); got != tt.want {
			t.Errorf("pathURI(%q, windows=%v) = %q, want %q", tt.in, tt.windows, got, tt.want)
		}
	}
}
