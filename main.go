// Dumpguard finds private keys in crash dumps before the dumps leave production.
//
// It reads Windows minidumps, Linux ELF core files (compressed or not, bare or
// inside archives) and any other file as raw bytes; finds private keys in every
// encoding they take in memory; proves each one by arithmetic; and reports where
// in the crashed process it was, naming the key only by the SHA-256 of its public
// half. It never prints a key.
//
// Exit status: 0 when nothing blocks, 1 when a blocking key was found, 2 on a
// usage error or when any input could not be scanned completely.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"dumpguard/cmd"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// The heap is mostly the window buffers, reused for the whole run: at
		// the default 100 the first collections start while they are filled,
		// and cost a small dump's scan half its time again (a 1.8 MiB core:
		// 11 ms of CPU at 200, 17 to 39 ms at 100). The anonymous memory of
		// a 4 GiB scan stays far under 64 MiB.
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
