package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"dumpguard/scanner"
)

// A render writes a whole report.
type render func(w io.Writer, r *scanner.Report, p scanner.Policy) error

func renderer(format string) (render, error) {
	switch format {
	case "text":
		return writeText, nil
	case "json":
		return writeJSON, nil
	case "jsonl":
		return writeJSONLSummary, nil
	case "sarif":
		return writeSARIF, nil
	}
	return nil, fmt.Errorf("--format %q: want text, json, jsonl or sarif", format)
}

func writeJSON(w io.Writer, r *scanner.Report, _ scanner.Policy) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeJSONLFile writes one line per finding of a file as soon as it is done,
// and a line for a file that failed, so a sweep's output can be tailed.
func writeJSONLFile(w io.Writer, fr scanner.FileReport) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, f := range fr.Findings {
		f.Path = fr.Path
		enc.Encode(f)
	}
	if len(fr.Errors) > 0 {
		enc.Encode(struct {
			Path   string   `json:"path"`
			Member string   `json:"member,omitempty"`
			Errors []string `json:"errors"`
		}{fr.Path, fr.Member, fr.Errors})
	}
}

// writeJSONLSummary ends a JSON Lines stream with its summary.
func writeJSONLSummary(w io.Writer, r *scanner.Report, _ scanner.Policy) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Summary scanner.Summary `json:"summary"`
	}{r.Summary})
}

// writeText writes one tab-separated line per finding, then a summary:
//
//	pem	0x3e8	SHA256:6df3…	validated	rsa-2048	pem	core.1234	va=0x55d0c2a0 heap
func writeText(w io.Writer, r *scanner.Report, p scanner.Policy) error {
	for _, fr := range r.Files {
		for _, f := range fr.Findings {
			fp := "SHA256:" + f.Fingerprint()
			if f.SPKI == nil {
				fp = "SHA256:unknown"
			}
			key := f.KeyType
			if f.Curve != "" {
				key += "-" + f.Curve
			} else if f.Bits > 0 {
				key += fmt.Sprintf("-%d", f.Bits)
			}
			where := f.Region.Kind.String()
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
			if !p.Blocks(&f) {
				tags = append(tags, "not-blocking")
			}
			extra := ""
			if len(tags) > 0 {
				extra = "\t" + strings.Join(tags, ",")
			}
			fmt.Fprintf(w, "%s\t%#x\t%s\t%s\t%s\t%s\t%s\t%s%s\n", f.Detector, f.Offset, fp, f.Status, key, f.Encoding, displayName(fr), where, extra)
		}
	}
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
	_, err := fmt.Fprintf(w, "%s: %d files, %s scanned, %d findings%s, %d distinct keys, %d errors\n",
		strings.ToUpper(s.Verdict), s.Files, humanBytes(s.Bytes), s.Findings, detail, len(s.Keys), s.Errors)
	return err
}

func humanBytes(n int64) string {
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
