package dumpio

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

func TestSpan(t *testing.T) {
	tests := []struct {
		off, n uint64
		size   int64
		end    int64
		ok     bool
	}{
		{0, 0, 0, 0, true},
		{0, 10, 10, 10, true},
		{1, 10, 10, 11, false},
		{math.MaxUint64, 2, 100, 1, false}, // wraps
		{5, 5, -1, 10, false},
	}
	for _, tt := range tests {
		end, ok := Span(tt.off, tt.n, tt.size)
		if ok != tt.ok || ok && end != tt.end {
			t.Errorf("Span(%d, %d, %d) = %d, %v, want %d, %v", tt.off, tt.n, tt.size, end, ok, tt.end, tt.ok)
		}
	}
}

func TestClip(t *testing.T) {
	if got := Clip(8, 10, 12); got != 4 {
		t.Errorf("Clip(8, 10, 12) = %d, want 4", got)
	}
	if got := Clip(20, 10, 12); got != 0 {
		t.Errorf("Clip(20, 10, 12) = %d, want 0", got)
	}
}

type faulty struct{}

func (faulty) ReadAt(p []byte, off int64) (int, error) {
	var m map[int]int
	m[0] = 1 // a panic stands in for SIGBUS
	return 0, nil
}

func TestReadAtFault(t *testing.T) {
	_, err := ReadAt(faulty{}, make([]byte, 4), 16)
	if !errors.Is(err, ErrFault) {
		t.Fatalf("ReadAt(faulty) = %v, want ErrFault", err)
	}
	if err := ReadFull(bytes.NewReader([]byte("abc")), make([]byte, 4), 0); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadFull(short) = %v, want ErrUnexpectedEOF", err)
	}
	var w bytes.Buffer
	if _, err := Copy(&w, faulty{}, 0, 10); !errors.Is(err, ErrFault) {
		t.Errorf("Copy(faulty) = %v, want ErrFault", err)
	}
}

func TestWarningsCapped(t *testing.T) {
	var w Warnings
	for i := range MaxWarnings + 10 {
		w.Addf("w%d", i)
	}
	l := w.List()
	if len(l) != MaxWarnings+1 || !strings.HasPrefix(l[MaxWarnings], "10 further") {
		t.Errorf("List() has %d lines, last %q", len(l), l[len(l)-1])
	}
}

func TestProt(t *testing.T) {
	for _, s := range []string{"", "r--", "rw-", "r-x", "rwx", "---"} {
		if got := ParseProt(s).String(); got != s {
			t.Errorf("ParseProt(%q).String() = %q", s, got)
		}
	}
	if ParseProt("r--").MaybeWritable() || !ParseProt("").MaybeWritable() || !ParseProt("rw-p").MaybeWritable() {
		t.Error("MaybeWritable wrong")
	}
}

func TestKindText(t *testing.T) {
	for k := Unknown; k <= Vdso; k++ {
		b, _ := k.MarshalText()
		var got Kind
		if err := got.UnmarshalText(b); err != nil || got != k {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, got, err, k)
		}
	}
	var k Kind
	if err := k.UnmarshalText([]byte("bogus")); err == nil {
		t.Error("UnmarshalText(bogus) succeeded")
	}
}
