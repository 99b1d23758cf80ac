// Package report gives scan results the shapes dumpguard promises: it builds
// the wire report from the scanner's typed findings and the policy's
// annotations ([New]), renders it as JSON, JSON Lines, SARIF 2.1.0 or text,
// and passes every string that came from an input or a file name through
// [dumpio.Escape] on its way to a terminal. It imports scanner, keys, dumpio
// and policy (whose decisions it records), and nothing that reads files.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"dumpguard/internal/dumpio"
)

// Options are what a renderer needs beside the report.
type Options struct {
	Version string // the tool's version, for JSON, JSON Lines and SARIF
}

// A Render writes a whole report.
type Render func(w io.Writer, r *Report, o Options) error

// A Format renders a report. A streaming format (text, JSON Lines) has a
// File, which writes one file's part as soon as the file is done, and an
// End that writes the summary; the others write everything in End.
type Format struct {
	File func(w io.Writer, fr FileReport) error // nil: nothing before End
	End  Render
}

// For returns the format of a name: text, json, jsonl or sarif.
func For(format string) (Format, error) {
	switch format {
	case "text":
		return Format{TextFile, TextSummary}, nil
	case "json":
		return Format{nil, JSON}, nil
	case "jsonl":
		return Format{JSONLFile, JSONLSummary}, nil
	case "sarif":
		return Format{nil, SARIF}, nil
	}
	return Format{}, fmt.Errorf("--format %q: want text, json, jsonl or sarif", format)
}

// Formats are the names [For] knows.
func Formats() []string { return []string{"text", "json", "jsonl", "sarif"} }

// JSON writes the report as indented JSON.
func JSON(w io.Writer, r *Report, o Options) error {
	c := *r
	c.Tool = o.Version
	return Indented(w, &c)
}

// Indented writes v as indented JSON, HTML characters unescaped.
func Indented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Name is how a file is named in text: its archive member, else its path.
func Name(fr FileReport) string {
	if fr.Member != "" {
		return fr.Member
	}
	return fr.Path
}

// JSONLFile writes one line per finding of a file as soon as it is done,
// and a line for a file that failed, so a sweep's output can be tailed.
func JSONLFile(w io.Writer, fr FileReport) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, f := range fr.Findings {
		f.Path = fr.Path
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	if len(fr.Errors) > 0 {
		return enc.Encode(struct {
			Path   string   `json:"path"`
			Member string   `json:"member,omitempty"`
			Errors []string `json:"errors"`
		}{fr.Path, fr.Member, fr.Errors})
	}
	return nil
}

// JSONLSummary ends a JSON Lines stream with its summary.
func JSONLSummary(w io.Writer, r *Report, o Options) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Policy  *PolicyFile `json:"policy,omitempty"`
		Summary Summary     `json:"summary"`
		Version int         `json:"version"`
		Tool    string      `json:"tool,omitempty"`
	}{r.Policy, r.Summary, SchemaVersion, o.Version})
}

// Text writes one tab-separated line per finding, then a summary:
//
//	pem	0x3e8	SHA256:6df3…	validated	rsa-2048	pem	core.1234	va=0x55d0c2a0 heap
//	BLOCKED: 1 files, 2.0 MiB scanned, 1 findings (1 validated), 1 blocking, 1 distinct keys, 0 errors
//
// Every string from the input (file and member names, module names) is
// escaped. It is [TextFile] for each file, then [TextSummary].
func Text(w io.Writer, r *Report, o Options) error {
	for _, fr := range r.Files {
		if err := TextFile(w, fr); err != nil {
			return err
		}
	}
	return TextSummary(w, r, o)
}

// TextFile writes the lines of one file's findings, as soon as the file is
// done.
func TextFile(w io.Writer, fr FileReport) error {
	var b strings.Builder
	for _, f := range fr.Findings {
		fp := "SHA256:" + f.fingerprint()
		if f.SPKI == nil {
			fp = "SHA256:unknown"
		}
		key := f.KeyType
		if f.Curve != "" {
			key += "-" + f.Curve
		} else if f.Bits > 0 {
			key += fmt.Sprintf("-%d", f.Bits)
		}
		where := f.Region.Kind
		if f.Region.Module != "" {
			where += ":" + f.Region.Module
		}
		if f.Region.Thread != 0 {
			where += fmt.Sprintf(" thread=%d", f.Region.Thread)
		}
		if f.VA != nil {
			where = "va=" + *f.VA + " " + where
		}
		var tags []string
		if f.Protected {
			tags = append(tags, "protected")
		}
		if f.KnownTestKey {
			tags = append(tags, "known-test-key")
		}
		if f.Allowed != "" {
			tags = append(tags, "allowed")
		}
		if f.AllowExpired != "" {
			tags = append(tags, "allow-expired")
		}
		if !f.blocks {
			tags = append(tags, "not-blocking")
		}
		extra := ""
		if len(tags) > 0 {
			extra = "\t" + strings.Join(tags, ",")
		}
		fmt.Fprintf(&b, "%s\t%#x\t%s\t%s\t%s\t%s\t%s\t%s%s\n", dumpio.Escape(f.Detector), f.Offset, fp, f.Status, dumpio.Escape(key), dumpio.Escape(f.Encoding), dumpio.Escape(Name(fr)), dumpio.Escape(where), extra)
	}
	_, err := io.WriteString(w, b.String()) // one write: a file's lines stay together
	return err
}

// TextSummary writes the summary line: the verdict, what was scanned, the
// findings by status, how many of them block, and why the others do not
// (known test keys, allowed keys).
func TextSummary(w io.Writer, r *Report, _ Options) error {
	s := r.Summary
	var st []string
	for _, name := range []string{"validated", "unverified", "encrypted", "fragment"} {
		if n := s.ByStatus[name]; n > 0 {
			st = append(st, fmt.Sprintf("%d %s", n, name))
		}
	}
	detail := ""
	if len(st) > 0 {
		detail = " (" + strings.Join(st, ", ") + ")"
	}
	test, allowed := 0, 0
	for _, fr := range r.Files {
		for _, f := range fr.Findings {
			if f.KnownTestKey {
				test++
			}
			if f.Allowed != "" {
				allowed++
			}
		}
	}
	why := ""
	if test > 0 {
		why += fmt.Sprintf(", %d known test keys", test)
	}
	if allowed > 0 {
		why += fmt.Sprintf(", %d allowed", allowed)
	}
	_, err := fmt.Fprintf(w, "%s: %d files, %s scanned, %d findings%s, %d blocking%s, %d distinct keys, %d errors\n",
		strings.ToUpper(s.Verdict), s.Files, HumanBytes(s.Bytes), s.Findings, detail, s.Blocking, why, len(s.Keys), s.Errors)
	return err
}

// HumanBytes is n in B, KiB, MiB...
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
