// Command coregrep counts occurrences of byte strings in a file.
// Usage: coregrep FILE NEEDLE_FILE... prints "count needle_file" per needle.
// The dump script uses it to check which forms of a key a core holds
// (grep cannot search for arbitrary binary strings that contain newlines).
package main

import (
	"bytes"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: coregrep FILE NEEDLE_FILE...")
		os.Exit(2)
	}
	hay, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "coregrep:", err)
		os.Exit(2)
	}
	for _, n := range os.Args[2:] {
		needle, err := os.ReadFile(n)
		if err != nil || len(needle) == 0 {
			fmt.Fprintln(os.Stderr, "coregrep: bad needle", n, err)
			os.Exit(2)
		}
		fmt.Println(bytes.Count(hay, needle), n)
	}
}
