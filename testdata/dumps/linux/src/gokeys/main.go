// Command gokeys holds an *rsa.PrivateKey and an *ecdsa.PrivateKey parsed
// from PEM files, zeroes the PEM and DER bytes, and blocks until a signal.
// It makes the go-keys dump. Usage: gokeys READY RSA_PKCS8.pem EC_SEC1.pem
//
// The Go runtime reserves about a gigabyte of address space, which gdb's
// gcore writes out as zeros. Before it reports ready, gokeys therefore marks
// every never-touched page of its anonymous mappings MADV_DONTDUMP (found
// with mincore: a non-resident anonymous page has never been written, so it
// holds only zeros). The keys are on touched pages and stay in the core.
package main

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

const (
	madvDoDump   = 17
	madvDontDump = 16
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: gokeys READY RSA_PKCS8.pem EC_SEC1.pem")
		os.Exit(2)
	}
	k, err := load(os.Args[2], func(der []byte) (any, error) { return x509.ParsePKCS8PrivateKey(der) })
	check(err)
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		check(fmt.Errorf("%s: not an RSA key", os.Args[2]))
	}
	k, err = load(os.Args[3], func(der []byte) (any, error) { return x509.ParseECPrivateKey(der) })
	check(err)
	ek := k.(*ecdsa.PrivateKey)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	runtime.GC()
	// Threads may start or touch new stack pages after the first pass; the
	// second pass takes back every page that became resident meanwhile.
	check(advise(false, madvDontDump))
	time.Sleep(200 * time.Millisecond)
	check(advise(true, madvDoDump))
	ready := fmt.Sprintf("rsa_private_key %p\nrsa_d_words %p\necdsa_private_key %p\nready\n", rk, &rk.D.Bits()[0], ek)
	check(os.WriteFile(os.Args[1], []byte(ready), 0o644))
	<-sig
	runtime.KeepAlive(rk)
	runtime.KeepAlive(ek)
}

// load parses the first PEM block of name with parse, then zeroes the file
// bytes and the decoded DER.
func load(name string, parse func([]byte) (any, error)) (any, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", name)
	}
	defer clear(blk.Bytes)
	return parse(blk.Bytes)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gokeys:", err)
		os.Exit(1)
	}
}

// advise applies madvise advice to every run of pages of the anonymous
// mappings whose residency (mincore) equals resident.
func advise(resident bool, advice uintptr) error {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return err
	}
	const page = 4096
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 || f[4] != "0" { // anonymous: inode 0 and no name
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		vec := make([]byte, (end-start)/page)
		if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(start), uintptr(end-start), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
			return fmt.Errorf("mincore %s: %v", f[0], e)
		}
		for i := 0; i < len(vec); {
			if (vec[i]&1 != 0) != resident {
				i++
				continue
			}
			j := i
			for j < len(vec) && (vec[j]&1 != 0) == resident {
				j++
			}
			a := uintptr(start) + uintptr(i)*page
			if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, a, uintptr(j-i)*page, advice); e != 0 {
				return fmt.Errorf("madvise %#x: %v", a, e)
			}
			i = j
		}
	}
	return nil
}
