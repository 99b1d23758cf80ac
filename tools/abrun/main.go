// Command abrun compares the wall time of commands by running them in turn,
// one run of each per round, so that a shared machine's load shifts all of
// them alike, and prints each one's median and first quartile and its median
// as a ratio to the first command's:
//
//	go run ./tools/abrun 40 'before=/tmp/dg-old scan -q core' 'now=./dumpguard scan -q --no-config core'
//
// A command is label=program args…; leading NAME=VALUE words set its
// environment. Its output is discarded and its exit status ignored (a scan
// that finds keys exits 1).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

type command struct {
	label string
	argv  []string
	env   []string
	ms    []float64
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: abrun ROUNDS label=command ...")
		os.Exit(2)
	}
	rounds, err := strconv.Atoi(os.Args[1])
	if err != nil || rounds < 1 {
		fmt.Fprintln(os.Stderr, "abrun: ROUNDS must be a positive number")
		os.Exit(2)
	}
	var cmds []*command
	for _, a := range os.Args[2:] {
		label, line, ok := strings.Cut(a, "=")
		f := strings.Fields(line)
		c := &command{label: label}
		for len(f) > 0 && strings.Contains(f[0], "=") {
			c.env, f = append(c.env, f[0]), f[1:]
		}
		if !ok || len(f) == 0 {
			fmt.Fprintf(os.Stderr, "abrun: %q is not label=command\n", a)
			os.Exit(2)
		}
		c.argv = f
		cmds = append(cmds, c)
	}
	for range rounds {
		for _, c := range cmds {
			cmd := exec.Command(c.argv[0], c.argv[1:]...)
			cmd.Env = append(os.Environ(), c.env...)
			start := time.Now()
			if err := cmd.Run(); err != nil {
				if _, exited := err.(*exec.ExitError); !exited {
					fmt.Fprintf(os.Stderr, "abrun: %s: %v\n", c.label, err)
					os.Exit(2)
				}
			}
			c.ms = append(c.ms, float64(time.Since(start).Microseconds())/1000)
		}
	}
	var base float64
	for i, c := range cmds {
		slices.Sort(c.ms)
		med, q1 := c.ms[len(c.ms)/2], c.ms[len(c.ms)/4]
		if i == 0 {
			base = med
		}
		fmt.Printf("%-12s median %8.2f ms  q1 %8.2f ms  ratio %.3f\n", c.label, med, q1, med/base)
	}
}
