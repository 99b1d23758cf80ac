package cmd

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"dumpguard/internal/release"
)

// An input is one file to scan, or "-" for standard input.
type input struct {
	path string
	size int64
	err  error // the input could not even be listed
}

// listInputs expands directories recursively. Symbolic links named on the
// command line are followed; links met inside directories only with follow.
func listInputs(args []string, follow bool, warn func(string)) []input {
	var out []input
	seen := map[string]bool{} // directories already walked, against link cycles
	var walk, add func(string)
	// add lists a path through any symbolic link: a directory is walked.
	add = func(p string) {
		st, err := os.Stat(p)
		switch {
		case err != nil:
			out = append(out, input{path: p, err: release.Cause(err)})
		case st.IsDir():
			walk(p)
		case !st.Mode().IsRegular():
			// A pipe or device (/dev/stdin, <(zcat core.gz)) cannot be
			// mapped; standard input is read as a stream.
			out = append(out, input{path: p, err: errors.New("not a regular file (to scan a pipe, redirect it to standard input and name -)")})
		default:
			out = append(out, input{path: p, size: st.Size()})
		}
	}
	walk = func(dir string) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			if seen[real] {
				return
			}
			seen[real] = true
		}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				out = append(out, input{path: p, err: release.Cause(err)})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			switch t := d.Type(); {
			case t&fs.ModeSymlink != 0:
				if !follow {
					warn(fmt.Sprintf("%s: symbolic link not followed (use --follow-symlinks)", p))
					return nil
				}
				add(p)
			case d.IsDir():
				return nil
			case t.IsRegular():
				info, err := d.Info()
				if err != nil {
					out = append(out, input{path: p, err: release.Cause(err)})
					return nil
				}
				out = append(out, input{path: p, size: info.Size()})
			default:
				warn(fmt.Sprintf("%s: not a regular file, skipped", p))
			}
			return nil
		})
		if err != nil {
			out = append(out, input{path: dir, err: release.Cause(err)})
		}
	}
	for _, a := range args {
		if a == "-" {
			out = append(out, input{path: "-", size: -1})
			continue
		}
		add(a)
	}
	return out
}

// A shard is the I-th of N stable subsets of the inputs ("--shard 2/8").
type shard struct{ i, n uint64 }

func parseShard(s string) (shard, error) {
	if s == "" {
		return shard{0, 1}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.ParseUint(is, 10, 32)
	n, err2 := strconv.ParseUint(ns, 10, 32)
	if !ok || err1 != nil || err2 != nil || n == 0 || i >= n {
		return shard{}, fmt.Errorf("--shard %q: want I/N with 0 <= I < N, e.g. 0/4", s)
	}
	return shard{i, n}, nil
}

// holds reports whether the shard scans path: by a hash of the path as listed,
// so every copy of a sharded job agrees without talking to the others.
func (s shard) holds(path string) bool {
	if s.n == 1 {
		return true
	}
	h := sha256.Sum256([]byte(path))
	return binary.BigEndian.Uint64(h[:8])%s.n == s.i
}
