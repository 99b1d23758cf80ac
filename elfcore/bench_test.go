package elfcore

import (
	"bytes"
	"path/filepath"
	"testing"
)

func BenchmarkNewFile(b *testing.B) {
	for _, name := range []string{"lldb__linux-x86_64.core", "lldb__thread_crash_linux-x86_64.core", "golang-debug__core"} {
		raw := load(b, filepath.Join(realDir, name))
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := NewFile(bytes.NewReader(raw), int64(len(raw))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
