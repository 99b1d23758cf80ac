package cmd

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
	"dumpguard/scanner"
)

// loadPubkeys reads the --pubkeys files and directories: certificates, public
// keys, JWKS documents, authorized_keys files. A named file that holds no public
// key is an error; a file met in a directory that holds none is skipped with a
// warning.
func loadPubkeys(paths []string, warn func(string)) ([]detectors.PublicKey, error) {
	var pubs []detectors.PublicKey
	seen := map[keys.Fingerprint]bool{}
	add := func(name string, named bool) error {
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("--pubkeys: %w", err)
		}
		ks, err := detectors.LoadPublicKeys(name, b)
		if err != nil {
			if named {
				return fmt.Errorf("--pubkeys %s: %v", name, err)
			}
			warn(fmt.Sprintf("--pubkeys: %s skipped: %v", name, err))
			return nil
		}
		for _, k := range ks {
			if !seen[k.SPKI] {
				seen[k.SPKI] = true
				k.Source, k.Protected = name, true
				pubs = append(pubs, k)
			}
		}
		return nil
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("--pubkeys: %w", err)
		}
		if !st.IsDir() {
			if err := add(p, true); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				return add(q, false)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("--pubkeys: %w", err)
		}
	}
	return pubs, nil
}

// protectedSummary says which protected keys were looked for and found.
func protectedSummary(keys []detectors.PublicKey, files []scanner.FileReport) []scanner.Protected {
	found := map[string]bool{}
	for _, fr := range files {
		for _, f := range fr.Findings {
			if f.Protected {
				found[f.Fingerprint()] = true
			}
		}
	}
	var out []scanner.Protected
	for _, k := range keys {
		fp := k.SPKI.String()
		out = append(out, scanner.Protected{SPKI: fp, Source: k.Source, Found: found[fp]})
	}
	return out
}
