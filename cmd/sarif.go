package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"

	"dumpguard/internal/keys"
	"dumpguard/scanner"
)

// SARIF 2.1.0, the subset code-scanning dashboards read: one rule per key
// encoding, one result per finding with the dump (and archive member) as its
// location, and a notification per input that could not be scanned.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	ShortDescription sarifMessage `json:"shortDescription"`
	Help             sarifMessage `json:"help"`
	Properties       any          `json:"properties,omitempty"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	Level               string             `json:"level"`
	Message             sarifMessage       `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          scanner.Finding    `json:"properties"`
}

// A sarifSuppression says why a result does not count: dashboards show it as
// dismissed, with the justification.
type sarifSuppression struct {
	Kind          string `json:"kind"`   // "external": decided outside the scanned artifact
	Status        string `json:"status"` // "accepted"
	Justification string `json:"justification"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical     `json:"physicalLocation"`
	LogicalLocations []sarifLogicalLoc `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	ByteOffset int64 `json:"byteOffset"`
	ByteLength int64 `json:"byteLength"`
}

type sarifLogicalLoc struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// sarifLevel maps a finding to a SARIF level: proved or plausible keys are
// errors, encrypted keys and fragments warnings, and findings the policy does
// not block notes.
func sarifLevel(f *scanner.Finding, p scanner.Policy) string {
	switch {
	case !p.Blocks(f):
		return "note"
	case f.Status >= keys.Unverified:
		return "error"
	}
	return "warning"
}

func ruleID(encoding string) string { return "private-key/" + encoding }

func artifactURI(path string) string {
	return (&url.URL{Path: filepath.ToSlash(path)}).String()
}

func location(fr scanner.FileReport, region *sarifRegion) sarifLocation {
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: artifactURI(fr.Path)}, Region: region}}
	if fr.Member != "" {
		loc.PhysicalLocation.Region = nil // offsets are within the member, not the archive
		loc.LogicalLocations = []sarifLogicalLoc{{FullyQualifiedName: fr.Member, Kind: "member"}}
	}
	return loc
}

func writeSARIF(w io.Writer, r *scanner.Report, p scanner.Policy) error {
	run := sarifRun{
		Tool:        sarifTool{Driver: sarifDriver{Name: "dumpguard", Version: version(), InformationURI: "https://example.invalid/dumpguard", Rules: []sarifRule{}}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: r.Summary.Errors == 0, Notifications: []sarifNotification{}}},
		Results:     []sarifResult{},
	}
	rules := map[string]bool{}
	for _, fr := range r.Files {
		for _, e := range fr.Errors {
			run.Invocations[0].Notifications = append(run.Invocations[0].Notifications,
				sarifNotification{Level: "error", Message: sarifMessage{e}, Locations: []sarifLocation{location(fr, nil)}})
		}
		for _, f := range fr.Findings {
			rules[f.Encoding] = true
			msg := fmt.Sprintf("%s %s private key (%s) at offset %#x", f.Status, f.KeyType, f.Encoding, f.Offset)
			if f.VA != nil {
				msg += fmt.Sprintf(", address %s in %s memory", *f.VA, f.Region.Kind)
			}
			if f.SPKI != nil {
				msg += ", SPKI SHA-256 " + *f.SPKI
			}
			var sup []sarifSuppression
			switch {
			case f.Allowed != "":
				msg += "; allowed by policy: " + f.Allowed
				sup = append(sup, sarifSuppression{"external", "accepted", "allowlisted: " + f.Allowed})
			case f.AllowExpired != "":
				msg += "; its allowlist entry expired (" + f.AllowExpired + ")"
			}
			if f.KnownTestKey {
				msg += "; a published test key: " + f.TestKeyNote
				if !p.Strict && f.Allowed == "" {
					sup = append(sup, sarifSuppression{"external", "accepted", "known test key: " + f.TestKeyNote})
				}
			}
			res := sarifResult{
				RuleID:       ruleID(f.Encoding),
				Level:        sarifLevel(&f, p),
				Message:      sarifMessage{msg},
				Locations:    []sarifLocation{location(fr, &sarifRegion{ByteOffset: f.Offset, ByteLength: f.Length})},
				Suppressions: sup,
				Properties:   f,
			}
			if f.SPKI != nil {
				res.PartialFingerprints = map[string]string{"spkiSha256/v1": *f.SPKI}
			}
			run.Results = append(run.Results, res)
		}
	}
	var ids []string
	for enc := range rules {
		ids = append(ids, enc)
	}
	sort.Strings(ids)
	for _, enc := range ids {
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:               ruleID(enc),
			Name:             "PrivateKeyIn" + enc,
			ShortDescription: sarifMessage{"Private key material (" + enc + ") in a crash dump"},
			Help:             sarifMessage{"A crash dump holds a private key. Do not move the dump out of the production enclave; redact it with `dumpguard redact` or rotate the key."},
			Properties:       map[string]any{"tags": []string{"security", "secret", "private-key"}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}
