package scanner

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"dumpguard/detectors"
	"dumpguard/internal/hunt"
	"dumpguard/internal/keys"
)

// needle is a fake detector: it reports every "KEY!" followed by maxLen-4 bytes.
type needle struct{ maxLen int }

func (needle) Name() string  { return "needle" }
func (n needle) MaxLen() int { return n.maxLen }
func (n needle) Detect(dst []detectors.Hit, buf []byte) []detectors.Hit {
	for at := 0; ; {
		i := bytes.Index(buf[at:], []byte("KEY!"))
		if i < 0 {
			return dst
		}
		at += i
		if len(buf)-at >= n.maxLen {
			dst = append(dst, detectors.Hit{Off: at, Len: n.maxLen, Encoding: "test", Status: keys.Validated})
		}
		at++
	}
}

func noise(seed uint64, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)}).Read(b)
	// The fake detector's marker must not occur by chance.
	for i := range b {
		if b[i] == 'K' {
			b[i] = 'k'
		}
	}
	return b
}

// scanBoth runs Scan and ScanStream over b and returns both results.
func scanBoth(t *testing.T, p *Pool, b []byte, opt *Options) (mapped, streamed []Finding) {
	t.Helper()
	mapped, err := p.Scan(context.Background(), bytes.NewReader(b), int64(len(b)), RawLayout(int64(len(b))), opt)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	// A reader that returns one byte at a time exercises short reads.
	res, err := p.ScanStream(context.Background(), iotest.HalfReader(bytes.NewReader(b)), 0, nil, opt)
	if err != nil {
		t.Fatalf("ScanStream: %v", err)
	}
	if res.Size != int64(len(b)) {
		t.Fatalf("ScanStream read %d bytes, want %d", res.Size, len(b))
	}
	return mapped, res.Findings
}

func TestWindowEdges(t *testing.T) {
	p := NewPool(3)
	defer p.Close()
	const window, maxLen = 4096, 64
	tests := []struct {
		name string
		size int
		at   []int
	}{
		{"start", 20000, []int{0}},
		{"end", 20000, []int{20000 - maxLen}},
		{"straddles first edge", 20000, []int{window + lookback - 10}},
		{"straddles later edge", 20000, []int{3*window + lookback - 1}},
		{"exactly at edge", 20000, []int{2*window + lookback}},
		{"one before edge", 20000, []int{2*window + lookback - 1}},
		{"many", 50000, []int{5, 4000, 4100, 4200, 4300, 8188, 8192, 8196, 30000, 50000 - maxLen}},
		{"tiny file", maxLen, []int{0}},
		{"too short to report", maxLen - 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := noise(uint64(tt.size), tt.size)
			for _, at := range tt.at {
				copy(b[at:], "KEY!")
			}
			opt := &Options{Detectors: []detectors.Detector{needle{maxLen}}, Window: window}
			mapped, streamed := scanBoth(t, p, b, opt)
			for name, got := range map[string][]Finding{"Scan": mapped, "ScanStream": streamed} {
				var offs []int
				for _, f := range got {
					offs = append(offs, int(f.Offset))
				}
				if len(offs) != len(tt.at) {
					t.Fatalf("%s found %v, want %v", name, offs, tt.at)
				}
				for i := range offs {
					if offs[i] != tt.at[i] {
						t.Errorf("%s found %v, want %v", name, offs, tt.at)
						break
					}
				}
			}
		})
	}
}

func FuzzWindows(f *testing.F) {
	f.Add(uint32(1000), uint32(37), uint16(100), uint8(16))
	f.Add(uint32(65536), uint32(4096+lookback-2), uint16(4096), uint8(200))
	p := NewPool(2)
	f.Fuzz(func(t *testing.T, size, at uint32, window uint16, maxLen uint8) {
		size %= 1 << 18
		ml := int(maxLen)%200 + 4
		if int(size) < ml {
			return
		}
		at %= size - uint32(ml) + 1
		b := noise(uint64(size), int(size))
		if w := int(size) / 3 &^ 7; w+8 <= int(at) || w >= int(at)+ml {
			b[w] = 0x40 // a small word (and zeros) for the word map to find
			clear(b[w+1 : min(len(b), w+8)])
		}
		copy(b[at:], "KEY!")
		opt := &Options{Detectors: []detectors.Detector{needle{ml}}, Window: int(window)%8192 + 1}
		// The memory a harvest sees is the file's, and its word map (a
		// mapped file's, read in pieces) tells what the bytes do.
		var visits atomic.Int64
		opt.VisitMemory = func(buf []byte, m hunt.WordMap, off int64, owned int) bool {
			visits.Add(1)
			if !bytes.Equal(buf, b[off:off+int64(len(buf))]) {
				t.Errorf("VisitMemory at %d: %d bytes that are not the file's", off, len(buf))
			}
			if hunt.Structured(buf, m) != hunt.Structured(buf, hunt.WordMap{}) {
				t.Errorf("VisitMemory at %d: the word map says structured %v", off, hunt.Structured(buf, m))
			}
			return false
		}
		mapped, streamed := scanBoth(t, p, b, opt)
		if visits.Load() == 0 {
			t.Fatalf("VisitMemory was never called")
		}
		for name, got := range map[string][]Finding{"Scan": mapped, "ScanStream": streamed} {
			if len(got) != 1 || got[0].Offset != int64(at) {
				t.Fatalf("%s(size %d, window %d, maxLen %d) = %d findings (first %v), want one at %d",
					name, size, opt.Window, ml, len(got), got, at)
			}
		}
	})
}

func TestScanReadError(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	b := noise(1, 10000)
	// The reader claims 20000 bytes but holds 10000: a truncated mapping.
	_, err := p.Scan(context.Background(), bytes.NewReader(b), 20000, RawLayout(20000), &Options{Detectors: []detectors.Detector{needle{8}}, Window: 1024})
	if err == nil {
		t.Fatal("Scan of a short reader returned no error")
	}
	_, err = p.ScanStream(context.Background(), iotest.TimeoutReader(bytes.NewReader(b)), 0, nil, &Options{Detectors: []detectors.Detector{needle{8}}, Window: 1 << 20})
	if err == nil {
		t.Fatal("ScanStream of a failing reader returned no error")
	}
}

// faultReader panics like a read from a mapping whose file shrank.
type faultReader struct{ size int64 }

func (f faultReader) ReadAt(b []byte, off int64) (int, error) {
	if off+int64(len(b)) > f.size/2 {
		panic("unexpected fault address")
	}
	clear(b)
	return len(b), nil
}

func TestScanFaultIsAnError(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	const size = 1 << 20
	_, err := p.Scan(context.Background(), faultReader{size}, size, RawLayout(size), &Options{Detectors: []detectors.Detector{needle{8}}, Window: 64 << 10})
	if err == nil || !strings.Contains(err.Error(), "memory fault") {
		t.Fatalf("Scan over a faulting mapping = %v, want a memory fault error", err)
	}
}
