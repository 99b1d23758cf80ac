package elfcore

import (
	"dumpguard/internal/dumpio"
	"dumpguard/internal/testpath"

	"bytes"
	"compress/bzip2"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json")

var (
	realDir  = testpath.Path("realdumps")
	linuxDir = testpath.Path("dumps", "linux")
)

const maxCore = 64 << 20 // no test core decompresses to more

var cache sync.Map // path -> []byte

// load returns the bytes of a test core, decompressing .bz2 and .zst in memory.
func load(t testing.TB, name string) []byte {
	t.Helper()
	if b, ok := cache.Load(name); ok {
		return b.([]byte)
	}
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader
	switch {
	case strings.HasSuffix(name, ".bz2"):
		r = bzip2.NewReader(bytes.NewReader(raw))
	case strings.HasSuffix(name, ".zst"):
		zr, err := zstd.NewReader(bytes.NewReader(raw), zstd.WithDecoderMaxMemory(maxCore), zstd.WithDecoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	if r != nil {
		raw, err = io.ReadAll(io.LimitReader(r, maxCore+1))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(raw) > maxCore {
			t.Fatalf("%s: decompresses to more than %d bytes", name, maxCore)
		}
	}
	cache.Store(name, raw)
	return raw
}

// realCores lists every ELF core in the shared real dumps and in
// testdata/dumps/linux.
func realCores(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, pat := range []string{"*.core", "*.elf", "golang-debug__core", "*core*.bz2", "*.core.bz2"} {
		m, err := filepath.Glob(filepath.Join(realDir, pat))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m...)
	}
	m, err := filepath.Glob(filepath.Join(linuxDir, "*.zst"))
	if err != nil {
		t.Fatal(err)
	}
	names = append(names, m...)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) < 30 {
		t.Fatalf("found only %d real cores (%s, %s)", len(names), realDir, linuxDir)
	}
	return names
}

func parseReal(t *testing.T, name string) (*File, []byte) {
	t.Helper()
	b := load(t, name)
	f, err := NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("NewFile(%s): %v", filepath.Base(name), err)
	}
	return f, b
}

var kinds = map[string]bool{"stack": true, "heap": true, "anon": true, "image": true, "mapped": true, "vdso": true, "unknown": true}

// TestReal parses every real core and checks the invariants, and the
// PT_LOAD list against debug/elf.
func TestReal(t *testing.T) {
	for _, name := range realCores(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			f, b := parseReal(t, name)
			size := int64(len(b))
			for i, g := range f.Regions {
				if g.Off < 0 || g.Size <= 0 || g.Off+g.Size > size || !kinds[g.Kind.String()] {
					t.Errorf("Regions[%d] = %+v: outside the %d-byte file or bad kind", i, g, size)
				}
				if i > 0 && f.Regions[i-1].Addr+uint64(f.Regions[i-1].Size) > g.Addr {
					t.Errorf("Regions[%d] at %#x overlaps or is out of order", i, g.Addr)
				}
			}
			var sum int64
			for _, v := range f.Coverage() {
				sum += v
			}
			if sum != size {
				t.Errorf("Coverage sums to %d, want %d", sum, size)
			}
			if len(f.Warnings) != 0 {
				t.Errorf("Warnings = %q, want none on a real core", f.Warnings)
			}
			ef, err := elf.NewFile(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("debug/elf: %v", err)
			}
			var want []Segment
			for _, p := range ef.Progs {
				if p.Type == elf.PT_LOAD {
					want = append(want, Segment{Addr: p.Vaddr, MemSize: p.Memsz, Off: int64(p.Off), FileSize: int64(p.Filesz), Flags: flagProt(uint32(p.Flags))})
				}
			}
			var got []Segment
			for _, s := range f.Segments {
				got = append(got, Segment{Addr: s.Addr, MemSize: s.MemSize, Off: s.Off, FileSize: s.FileSize, Flags: s.Flags})
			}
			if !equalSlices(got, want) {
				t.Errorf("PT_LOADs differ from debug/elf:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestGolden pins each core's Summary in testdata/golden/NAME.json.
// go test ./elfcore -update rewrites them; a mismatch writes NAME.json.got.
func TestGolden(t *testing.T) {
	for _, name := range realCores(t) {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "core.") {
			continue // the systemd-named copy of pem-heap; its name changes per run
		}
		t.Run(base, func(t *testing.T) {
			f, _ := parseReal(t, name)
			got, err := json.MarshalIndent(f.Summary(), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			gold := filepath.Join("testdata", "golden", strings.TrimSuffix(strings.TrimSuffix(base, ".bz2"), ".zst")+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(gold), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(gold, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(gold)
			if err != nil {
				t.Fatalf("%v (run go test ./elfcore -update)", err)
			}
			if !bytes.Equal(got, want) {
				os.WriteFile(gold+".got", got, 0o644)
				t.Errorf("Summary differs from %s; wrote %s.got", gold, gold)
			}
		})
	}
}

// TestSourcesFacts checks facts recorded in realdumps/SOURCES.md and FORMATS.md.
func TestSourcesFacts(t *testing.T) {
	get := func(t *testing.T, base string) *File {
		f, _ := parseReal(t, filepath.Join(realDir, base))
		return f
	}
	t.Run("thread_crash", func(t *testing.T) {
		f := get(t, "lldb__thread_crash_linux-x86_64.core")
		zero := 0
		for _, s := range f.Segments {
			if s.FileSize == 0 {
				zero++
				if s.Off != 0x3000 {
					t.Errorf("filesz-0 segment at %#x has offset %#x, want 0x3000", s.Addr, s.Off)
				}
			}
		}
		if len(f.Segments) != 40 || zero != 37 || len(f.Threads) != 3 || len(f.Files) != 26 {
			t.Errorf("got %d PT_LOAD (%d filesz 0), %d threads, %d files; want 40 (37), 3, 26", len(f.Segments), zero, len(f.Threads), len(f.Files))
		}
		for _, th := range f.Threads {
			var in bool
			for _, s := range f.Segments {
				in = in || th.SP >= s.Addr && th.SP-s.Addr < s.MemSize && s.FileSize == 0
			}
			if !in {
				t.Errorf("thread %d SP %#x is not in a filesz-0 segment", th.ID, th.SP)
			}
		}
	})
	t.Run("mipsel NT_FILE 64-bit words", func(t *testing.T) {
		f := get(t, "lldb__linux-mipsel-gnuabio32.core")
		if f.Class != 32 || len(f.Files) != 1 || f.Files[0].Start != 0x400000 || f.Files[0].End != 0x401000 || f.Files[0].FileOff != 0 {
			t.Errorf("Class %d, Files %+v; want 32 and one 0x400000-0x401000 mapping", f.Class, f.Files)
		}
	})
	t.Run("m68k padding", func(t *testing.T) {
		f := get(t, "elfutils__testfile-m68k-core.bz2")
		var prstatus int64
		for _, n := range f.Notes {
			if n.Type == ntPrstatus && n.Owner == "CORE" {
				prstatus = n.Size
			}
		}
		if prstatus != 154 || len(f.Files) != 10 || f.ByteOrder.String() != "BigEndian" || f.Threads[0].ID != f.PID {
			t.Errorf("PRSTATUS %d bytes, %d files, %v, thread %d pid %d; want 154, 10 (notes after the odd-sized one parse), BigEndian, tid = pid", prstatus, len(f.Files), f.ByteOrder, f.Threads[0].ID, f.PID)
		}
	})
	t.Run("aarch64 trailing byte", func(t *testing.T) {
		f := get(t, "elfutils__testfile_aarch64_core.bz2")
		var last int64
		for _, s := range f.Segments {
			last = max(last, s.Off+s.FileSize)
		}
		if f.Size() != 786433 || last != f.Size()-1 || len(f.Missing) != 3 {
			t.Errorf("size %d, segments end at %d, %d gaps; want 786433, one byte before, 3 gaps", f.Size(), last, len(f.Missing))
		}
		if p, ok := f.PartAt(f.Size() - 1); p != "unattributed" || !ok {
			t.Errorf("PartAt(last byte) = %q, %v; want unattributed", p, ok)
		}
		for _, m := range f.Files {
			if m.FileOff%65536 != 0 {
				t.Errorf("NT_FILE %s offset %#x is not a multiple of 64 KiB pages", m.Path, m.FileOff)
			}
		}
	})
	t.Run("arm no memory", func(t *testing.T) {
		f := get(t, "lldb__linux-arm.core")
		if len(f.Segments) != 0 || len(f.Regions) != 0 || len(f.Threads) != 1 || f.Threads[0].SP != 0xd {
			t.Errorf("Segments %d, Regions %d, Threads %+v; want 0, 0, one with the test's sp 0xd", len(f.Segments), len(f.Regions), f.Threads)
		}
	})
	t.Run("x32", func(t *testing.T) {
		f := get(t, "elfutils__backtrace.x32.core.bz2")
		if f.Class != 32 || f.Machine != "x86_64" || len(f.Threads) != 2 {
			t.Errorf("Class %d, Machine %q, %d threads; want 32, x86_64, 2", f.Class, f.Machine, len(f.Threads))
		}
	})
	t.Run("golang 5 threads", func(t *testing.T) {
		f := get(t, "golang-debug__core")
		if len(f.Threads) != 5 || len(f.Files) != 3 || len(f.Segments) != 11 {
			t.Errorf("%d threads, %d files, %d segments; want 5, 3, 11", len(f.Threads), len(f.Files), len(f.Segments))
		}
	})
	t.Run("netbsd", func(t *testing.T) {
		f := get(t, "lldb__netbsd_1lwp_SIGSEGV.amd64.core")
		if f.OS != "netbsd" || len(f.Segments) != 21 || len(f.Threads) != 1 || f.Signal != 11 {
			t.Errorf("OS %q, %d segments, threads %+v, signal %d; want netbsd, 21, one, 11", f.OS, len(f.Segments), f.Threads, f.Signal)
		}
	})
	t.Run("aarch64 siginfo", func(t *testing.T) {
		f := get(t, "elfutils__backtrace.aarch64.core.bz2")
		if f.Signal != 6 || f.PID != 24043 || len(f.Threads) != 2 || len(f.Files) != 2 {
			t.Errorf("Signal %d, PID %d, %d threads, %d files; want 6, 24043, 2, 2", f.Signal, f.PID, len(f.Threads), len(f.Files))
		}
	})
}

// TestThreadSP checks that every thread's stack pointer lies in a PT_LOAD,
// which validates the per-machine NT_PRSTATUS offsets.
func TestThreadSP(t *testing.T) {
	skip := map[string]string{
		"lldb__gcore_linux-i386.core":   "gcore with coredump_filter 0: no stack segments",
		"lldb__gcore_linux-x86_64.core": "gcore with coredump_filter 0: no stack segments",
		"lldb__linux-arm.core":          "no PT_LOAD",
	}
	for _, name := range realCores(t) {
		base := filepath.Base(name)
		if skip[base] != "" {
			continue
		}
		t.Run(base, func(t *testing.T) {
			f, _ := parseReal(t, name)
			if len(f.Threads) == 0 {
				t.Fatalf("no threads")
			}
			for _, th := range f.Threads {
				in := false
				for _, s := range f.Segments {
					in = in || th.SP >= s.Addr && th.SP-s.Addr < s.MemSize
				}
				if !in {
					t.Errorf("thread %d: SP %#x is in no segment", th.ID, th.SP)
				}
			}
		})
	}
}

type manifestEntry struct {
	Dump    string            `json:"dump"`
	Buffers map[string]string `json:"buffers"`
}

func manifest(t *testing.T) map[string]manifestEntry {
	b, err := os.ReadFile(filepath.Join(linuxDir, "dumps.json"))
	if err != nil {
		t.Fatal(err)
	}
	var es []manifestEntry
	if err := json.Unmarshal(b, &es); err != nil {
		t.Fatal(err)
	}
	m := map[string]manifestEntry{}
	for _, e := range es {
		m[e.Dump] = e
	}
	return m
}

// TestLinuxDumps checks attribution on the project's own gcore dumps.
func TestLinuxDumps(t *testing.T) {
	man := manifest(t)
	for _, tt := range []struct {
		dump, exe string
		libs      []string
		prefix    string // what the buffers in the manifest start with
	}{
		{"pem-heap.core.zst", "/hold-files", []string{"libc.so.6", "ld-linux-x86-64.so.2"}, "-----BEGIN "},
		{"pem-heap-kernel.core.zst", "/hold-files", []string{"libc.so.6", "ld-linux-x86-64.so.2"}, "-----BEGIN "},
		{"clean-cert-only.core.zst", "/hold-files", []string{"libc.so.6"}, "-----BEGIN "},
		{"libssl-wiped.core.zst", "/libssl-wiped", []string{"libc.so.6", "libcrypto.so.3"}, ""},
		{"openssl-s-server-rsa.core.zst", "/openssl", []string{"libc.so.6", "libssl.so.3", "libcrypto.so.3"}, ""},
		{"go-keys.core.zst", "/gokeys", nil, ""},
		{"clean-random.core.zst", "/random-heap", []string{"libc.so.6"}, ""},
	} {
		t.Run(tt.dump, func(t *testing.T) {
			f, _ := parseReal(t, filepath.Join(linuxDir, tt.dump))
			if !strings.HasSuffix(f.Executable, tt.exe) {
				t.Errorf("Executable = %q, want .../%s", f.Executable, tt.exe)
			}
			images := map[string]bool{}
			for _, g := range f.Regions {
				if g.Kind == dumpio.Image {
					images[filepath.Base(g.Module)] = true
				}
			}
			for _, want := range append([]string{filepath.Base(tt.exe)}, tt.libs...) {
				if !images[want] {
					t.Errorf("no image region of %s; images: %v", want, images)
				}
			}
			goProg := strings.HasSuffix(tt.exe, "gokeys")
			for i, th := range f.Threads {
				g, ok := f.RegionAt(th.SP)
				switch {
				case goProg && i > 0:
					// A Go thread without cgo runs on a g0 stack allocated
					// from the Go heap: its SP is in a heap arena.
					if !ok || g.Kind != dumpio.Heap || g.Thread != 0 {
						t.Errorf("Go thread %d SP %#x: region %+v, %v; want heap, no thread", th.ID, th.SP, g, ok)
					}
				case !ok || g.Kind != dumpio.Stack || g.Thread != th.ID:
					t.Errorf("thread %d SP %#x: region %+v, %v; want its stack", th.ID, th.SP, g, ok)
				}
			}
			e, ok := man[tt.dump]
			if !ok {
				t.Fatalf("%s is not in dumps.json", tt.dump)
			}
			for what, hexva := range e.Buffers {
				va, err := strconv.ParseUint(strings.TrimPrefix(hexva, "0x"), 16, 64)
				if err != nil {
					t.Fatalf("buffer %s: %v", what, err)
				}
				g, ok := f.RegionAt(va)
				switch {
				case !ok:
					t.Errorf("buffer %s at %#x is in no region", what, va)
					continue
				case goProg:
					if g.Kind != dumpio.Heap {
						t.Errorf("buffer %s at %#x is in %+v, want the Go heap", what, va, g)
					}
				case g.Kind != dumpio.Heap:
					t.Errorf("buffer %s at %#x is in %+v, want the brk heap", what, va, g)
				}
				if tt.prefix != "" {
					head := make([]byte, len(tt.prefix))
					if _, err := f.Memory(g).ReadAt(head, int64(va-g.Addr)); err != nil || string(head) != tt.prefix {
						t.Errorf("bytes at buffer %s (%#x) = %q, %v; want %q", what, va, head, err, tt.prefix)
					}
				}
			}
		})
	}
}

// TestSystemdName checks the systemd-coredump copy is the pem-heap core.
func TestSystemdName(t *testing.T) {
	m, err := filepath.Glob(filepath.Join(linuxDir, "core.pem-heap.0.*.zst"))
	if err != nil || len(m) != 1 {
		t.Fatalf("systemd-named dumps: %v, %v; want one", m, err)
	}
	parts := strings.Split(filepath.Base(m[0]), ".")
	if len(parts) != 7 || len(parts[3]) != 32 {
		t.Errorf("name %s is not core.COMM.UID.BOOTID.PID.USEC.zst", filepath.Base(m[0]))
	}
	if !bytes.Equal(load(t, m[0]), load(t, filepath.Join(linuxDir, "pem-heap.core.zst"))) {
		t.Errorf("%s is not the pem-heap core", m[0])
	}
}

func ExampleFile_Summary() {
	b := typical(64, binary.LittleEndian).bytes()
	f, err := NewFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range f.Regions {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%#x %-6s %s %s", g.Addr, g.Kind, g.Protect, g.Module)))
	}
	// Output:
	// 0x400000 image  r-x /usr/bin/prog
	// 0x600000 heap   rw-
	// 0x7fe0000 vdso   r-x
	// 0x7ff0000 stack  rw-
	// 0x7f000000 image  r-- /lib/libc.so.6
	// 0x7f100000 mapped r-- /var/data.bin
	// 0x7f200000 anon   rw-
}

// TestKeysManifest checks keys/keys.json against the key files: every
// spki_sha256 is the SHA-256 of the key's DER SubjectPublicKeyInfo, and
// every dump in dumps.json names only listed keys.
func TestKeysManifest(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(linuxDir, "keys", "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	var keys []struct {
		File string `json:"file"`
		SPKI string `json:"spki_sha256"`
	}
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, k := range keys {
		listed[k.File] = true
		raw, err := os.ReadFile(filepath.Join(linuxDir, "keys", k.File))
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(raw)
		if blk == nil {
			t.Fatalf("%s: no PEM block", k.File)
		}
		var priv any
		switch blk.Type {
		case "PRIVATE KEY":
			priv, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
		case "RSA PRIVATE KEY":
			priv, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
		case "EC PRIVATE KEY":
			priv, err = x509.ParseECPrivateKey(blk.Bytes)
		default:
			t.Fatalf("%s: PEM type %q", k.File, blk.Type)
		}
		if err != nil {
			t.Fatalf("%s: %v", k.File, err)
		}
		der, err := x509.MarshalPKIXPublicKey(priv.(crypto.Signer).Public())
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(der)); got != k.SPKI {
			t.Errorf("%s: SPKI SHA-256 %s, keys.json says %s", k.File, got, k.SPKI)
		}
	}
	var dumps []struct {
		Dump string `json:"dump"`
		Keys []struct {
			File string `json:"file"`
		} `json:"keys"`
	}
	b, err = os.ReadFile(filepath.Join(linuxDir, "dumps.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dumps); err != nil {
		t.Fatal(err)
	}
	for _, d := range dumps {
		if _, err := os.Stat(filepath.Join(linuxDir, d.Dump)); err != nil {
			t.Errorf("dumps.json lists %s: %v", d.Dump, err)
		}
		for _, k := range d.Keys {
			if !listed[k.File] {
				t.Errorf("%s holds %s, which keys.json does not list", d.Dump, k.File)
			}
		}
	}
}
