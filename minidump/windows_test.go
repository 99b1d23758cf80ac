package minidump

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"dumpguard/internal/dumpio"
)

// The dumps in testdata/dumps/windows were written by MiniDumpWriteDump
// (Wine's dbghelp) of keyholder.exe; see the README there.
const winDumps = "../testdata/dumps/windows"

// openWinDump opens name, decompressing name+".zst" into t.TempDir() when
// only that exists.
func openWinDump(t *testing.T, name string) *File {
	t.Helper()
	path := filepath.Join(winDumps, name)
	if _, err := os.Stat(path); err != nil {
		zf, err := os.Open(path + ".zst")
		if err != nil {
			t.Fatal(err)
		}
		defer zf.Close()
		zr, err := zstd.NewReader(zf, zstd.WithDecoderMaxMemory(256<<20))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		path = filepath.Join(t.TempDir(), name)
		out, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		const limit = 256 << 20
		n, err := io.Copy(out, io.LimitReader(zr, limit+1))
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil || n > limit {
			t.Fatalf("decompressing %s: %d bytes, %v", name, n, err)
		}
	}
	f, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	checkInvariants(t, f, f.Size())
	return f
}

// keyholderInfo reads keyholder-info.txt: "name=value" lines.
func keyholderInfo(t *testing.T) map[string]uint64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(winDumps, "keyholder-info.txt"))
	if err != nil {
		t.Fatal(err)
	}
	info := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(v, 0, 64)
		if err != nil {
			t.Fatalf("keyholder-info.txt: %q: %v", sc.Text(), err)
		}
		info[k] = n
	}
	for _, k := range []string{"pem_va", "pem_len", "rsa_blob_va", "rsa_blob_len", "ec_blob_va", "ec_blob_len", "ec_stack_va", "ec_stack_len"} {
		if info[k] == 0 {
			t.Fatalf("keyholder-info.txt lacks %s", k)
		}
	}
	return info
}

// readVA returns n bytes at va from the region holding them.
func readVA(t *testing.T, f *File, va, n uint64) (Region, []byte) {
	t.Helper()
	g, ok := f.RegionAt(va)
	if !ok {
		t.Fatalf("no region holds %#x", va)
	}
	if va+n > g.Addr+uint64(g.Size) {
		t.Fatalf("%#x+%d runs past region %+v", va, n, g)
	}
	b := make([]byte, n)
	if _, err := f.Memory(g).ReadAt(b, int64(va-g.Addr)); err != nil {
		t.Fatal(err)
	}
	return g, b
}

func TestWindowsFullDump(t *testing.T) {
	f := openWinDump(t, "keyholder-full.dmp")
	info := keyholderInfo(t)
	golden(t, f, "windows__keyholder-full")

	if f.Arch != "amd64" || !strings.HasPrefix(f.OS, "windows ") || f.Flags != 0x1826 {
		t.Errorf("Arch, OS, Flags = %q, %q, %#x, want amd64, windows, 0x1826", f.Arch, f.OS, f.Flags)
	}
	for _, typ := range []uint32{streamMemory64List, streamMemoryInfoList, streamThreadList, streamModuleList} {
		if !slices.ContainsFunc(f.Streams, func(s Stream) bool { return s.Type == typ }) {
			t.Errorf("no %s stream", streamName(typ))
		}
	}
	checkModulesAndThreads(t, f)

	// The PEM copy: in the process heap, and the bytes at its address are
	// the PEM file's (compared, never printed).
	pem, err := os.ReadFile(filepath.Join(winDumps, "keys", "rsa-heap-pem.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if info["pem_len"] != uint64(len(pem)) {
		t.Fatalf("pem_len = %d, keys/rsa-heap-pem.pem has %d bytes", info["pem_len"], len(pem))
	}
	g, got := readVA(t, f, info["pem_va"], info["pem_len"])
	if g.Kind != dumpio.Heap && g.Kind != dumpio.Private {
		t.Errorf("PEM buffer at %#x is in a %q region, want heap or private", info["pem_va"], g.Kind)
	}
	if !bytes.Equal(got, pem) {
		t.Errorf("bytes at pem_va %#x differ from keys/rsa-heap-pem.pem", info["pem_va"])
	}

	// The CNG blobs kept in the heap: magic and declared sizes.
	for _, c := range []struct {
		va, len string
		magic   string
	}{{"rsa_blob_va", "rsa_blob_len", "RSA2"}, {"ec_blob_va", "ec_blob_len", "ECS2"}} {
		g, b := readVA(t, f, info[c.va], info[c.len])
		if g.Kind != dumpio.Heap && g.Kind != dumpio.Private {
			t.Errorf("%s %#x is in a %q region, want heap or private", c.va, info[c.va], g.Kind)
		}
		if string(b[:4]) != c.magic {
			t.Errorf("%s %#x does not start with %s", c.va, info[c.va], c.magic)
		}
	}
	_, heapBlob := readVA(t, f, info["ec_blob_va"], info["ec_blob_len"])
	if stackBlob := checkStackBlob(t, f, info); !bytes.Equal(stackBlob, heapBlob) {
		t.Errorf("EC blob copy on the stack differs from the one in the heap")
	}
}

// checkStackBlob checks that the copy of the EC blob on the main thread's
// stack is in that thread's stack region, and returns it.
func checkStackBlob(t *testing.T, f *File, info map[string]uint64) []byte {
	t.Helper()
	g, b := readVA(t, f, info["ec_stack_va"], info["ec_stack_len"])
	if g.Kind != dumpio.Stack || g.Thread != f.Threads[0].ID {
		t.Errorf("ec_stack_va %#x is in region %+v, want the main thread's stack", info["ec_stack_va"], g)
	}
	if string(b[:4]) != "ECS2" {
		t.Errorf("ec_stack_va %#x does not start with ECS2", info["ec_stack_va"])
	}
	return b
}

func TestWindowsNormalDump(t *testing.T) {
	f := openWinDump(t, "keyholder-normal.dmp")
	golden(t, f, "windows__keyholder-normal")
	if f.Flags != 0x201 {
		t.Errorf("Flags = %#x, want 0x201", f.Flags)
	}
	if !slices.ContainsFunc(f.Streams, func(s Stream) bool { return s.Type == streamMemoryList }) ||
		slices.ContainsFunc(f.Streams, func(s Stream) bool { return s.Type == streamMemory64List }) {
		t.Errorf("want a MemoryList and no Memory64List: %+v", f.Streams)
	}
	checkModulesAndThreads(t, f)
	checkStackBlob(t, f, keyholderInfo(t))
	// Wine ignores WithPrivateReadWriteMemory: the heap is not captured.
	if g, ok := f.RegionAt(keyholderInfo(t)["pem_va"]); ok {
		t.Logf("PEM buffer captured in %+v", g)
	}
}

func checkModulesAndThreads(t *testing.T, f *File) {
	t.Helper()
	for _, want := range []string{"keyholder.exe", "ntdll.dll", "kernel32.dll", "bcrypt.dll", "dbghelp.dll"} {
		if !slices.ContainsFunc(f.Modules, func(m Module) bool { return strings.HasSuffix(strings.ToLower(m.Name), `\`+want) }) {
			t.Errorf("module %s not in Modules", want)
		}
	}
	if len(f.Threads) != 3 {
		t.Errorf("%d threads, want 3 (main and two waiters)", len(f.Threads))
	}
	for _, th := range f.Threads {
		if th.StackSize == 0 {
			t.Errorf("thread %d has no stack", th.ID)
			continue
		}
		g, ok := f.RegionAt(th.StackAddr)
		if !ok || g.Kind != dumpio.Stack || g.Thread != th.ID {
			t.Errorf("thread %d stack %#x is in region %+v, %v, want its stack", th.ID, th.StackAddr, g, ok)
		}
	}
}
