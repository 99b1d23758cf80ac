// Candrate prints how often the detectors' anchors occur in files: the
// offsets per MiB that the one prefilter pass of detectors.Set hands to the
// detectors (each costs a decode attempt), for `make bench`.
package main

import (
	"fmt"
	"io"
	"os"

	"dumpguard/detectors"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: candrate FILE...")
		os.Exit(2)
	}
	s := detectors.NewSet(detectors.All())
	buf := make([]byte, 2<<20)
	for _, name := range os.Args[1:] {
		n, size, err := count(s, name, buf)
		if err != nil {
			fmt.Fprintln(os.Stderr, "candrate:", err)
			os.Exit(1)
		}
		fmt.Printf("%s: %d candidates in %.1f MiB: %.2f per MiB\n", name, n, float64(size)/(1<<20), float64(n)/max(1, float64(size)/(1<<20)))
	}
}

// count reads name in windows of len(buf) bytes; an anchor cut by a window
// edge is not counted, which changes the rate by less than its precision.
func count(s *detectors.Set, name string, buf []byte) (n int, size int64, err error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	for {
		m, err := io.ReadFull(f, buf)
		n += s.Candidates(buf[:m])
		size += int64(m)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return n, size, nil
		}
		if err != nil {
			return n, size, err
		}
	}
}
