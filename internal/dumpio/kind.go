package dumpio

import "fmt"

// A Kind says what a region of a dump held in the process.
type Kind uint8

// Region kinds. The zero Kind is [Unknown].
const (
	Unknown  Kind = iota
	Raw           // a file of no known format: no addresses
	Metadata      // dump structure: headers, streams, notes
	Stack         // a thread's stack, and only that
	Heap          // an allocator's heap (glibc brk, Windows process heaps, Go's arenas)
	Private       // other private memory (Windows MEM_PRIVATE, Linux anonymous mappings in minidumps)
	Anon          // an anonymous mapping of an ELF core
	Image         // an executable or library image
	Mapped        // a mapped file other than an image
	Vdso          // the kernel's vDSO / vvar pages
)

var kindNames = [...]string{Unknown: "unknown", Raw: "raw", Metadata: "metadata", Stack: "stack", Heap: "heap",
	Private: "private", Anon: "anon", Image: "image", Mapped: "mapped", Vdso: "vdso"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText makes a Kind a JSON string.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a Kind back from its String form (a JSON report).
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("dumpio: unknown region kind %q", b)
}

// Writable reports whether memory of this kind is written by a program at run
// time (as opposed to code, mapped files and dump structure).
func (k Kind) Writable() bool {
	switch k {
	case Stack, Heap, Private, Anon, Raw, Unknown:
		return true
	}
	return false
}

// Prot is a region's protection; the zero value means unknown.
type Prot uint8

// Protection bits, and Known, set when the dump said what they are.
const (
	Read Prot = 1 << iota
	Write
	Exec
	Known
)

// ParseProt reads an "rwx"-style string ("r-x", "rw-p", "rw"); "" is unknown.
func ParseProt(s string) Prot {
	if s == "" {
		return 0
	}
	p := Known
	for i, c := range []byte(s) {
		switch {
		case i == 0 && c == 'r':
			p |= Read
		case i == 1 && c == 'w':
			p |= Write
		case i == 2 && c == 'x':
			p |= Exec
		}
	}
	return p
}

// String is "rwx"-style ("r-x"), or "" when unknown.
func (p Prot) String() string {
	if p&Known == 0 {
		return ""
	}
	b := []byte("---")
	if p&Read != 0 {
		b[0] = 'r'
	}
	if p&Write != 0 {
		b[1] = 'w'
	}
	if p&Exec != 0 {
		b[2] = 'x'
	}
	return string(b)
}

// MarshalText makes a Prot a JSON string ("r-x"); with omitempty, an unknown
// Prot (zero) is left out.
func (p Prot) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// MaybeWritable reports whether the region may be written: it is, or its
// protection is unknown.
func (p Prot) MaybeWritable() bool { return p&Known == 0 || p&Write != 0 }

// Why memory a dump's headers describe is not in the file.
type Why uint8

const (
	// NotDumped: the writer left it out on purpose (p_filesz < p_memsz, a filter).
	NotDumped Why = iota + 1
	// Truncated: the file ends before the memory it promises.
	Truncated
	// PastEOF: the memory's bytes would start past the end of the file.
	PastEOF
	// AddrOverflow: the memory's address range wraps the address space.
	AddrOverflow
)

func (w Why) String() string {
	switch w {
	case NotDumped:
		return "not dumped"
	case Truncated:
		return "truncated"
	case PastEOF:
		return "past eof"
	case AddrOverflow:
		return "address overflow"
	}
	return fmt.Sprintf("why(%d)", uint8(w))
}

// MarshalText makes a Why a JSON string.
func (w Why) MarshalText() ([]byte, error) { return []byte(w.String()), nil }
