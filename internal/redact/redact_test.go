package redact

import (
	"bytes"
	"slices"
	"testing"

	"dumpguard/scanner"
)

func TestPlan(t *testing.T) {
	f := func(spans ...[2]int64) scanner.Finding {
		var fd scanner.Finding
		for _, s := range spans {
			fd.Components = append(fd.Components, scanner.Component{Offset: s[0], Length: s[1] - s[0]})
		}
		return fd
	}
	tests := []struct {
		name    string
		fs      []scanner.Finding
		want    [][2]int64
		wantErr bool
	}{
		{"none", nil, nil, false},
		{"plain", []scanner.Finding{{Offset: 10, Length: 5}}, [][2]int64{{10, 15}}, false},
		{"components", []scanner.Finding{f([2]int64{60, 70}, [2]int64{20, 30})}, [][2]int64{{20, 30}, {60, 70}}, false},
		{"overlap and touch", []scanner.Finding{{Offset: 10, Length: 10}, {Offset: 15, Length: 10}, {Offset: 25, Length: 1}}, [][2]int64{{10, 26}}, false},
		{"past the end", []scanner.Finding{{Offset: 95, Length: 10}}, nil, true},
		{"negative", []scanner.Finding{{Offset: -1, Length: 2}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Plan(tt.fs, 100)
			if (err != nil) != tt.wantErr || !tt.wantErr && !slices.Equal(got, tt.want) {
				t.Errorf("Plan() = %v, %v; want %v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestWriter(t *testing.T) {
	src := bytes.Repeat([]byte("abcdefghij"), 10)
	for _, chunk := range []int{1, 3, 7, 100} {
		var out bytes.Buffer
		rw := NewWriter(&out, [][2]int64{{2, 5}, {9, 23}, {99, 100}}, []byte("XY"))
		for i := 0; i < len(src); i += chunk {
			rw.Write(src[i:min(i+chunk, len(src))])
		}
		want := slices.Clone(src)
		copy(want[2:5], "XYX")
		copy(want[9:23], "XYXYXYXYXYXYXY")
		want[99] = 'X'
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("chunk %d: got %q, want %q", chunk, out.Bytes(), want)
		}
		if !bytes.Equal(src, bytes.Repeat([]byte("abcdefghij"), 10)) {
			t.Fatalf("chunk %d: the input was modified", chunk)
		}
	}
}

// FuzzWriter compares the streaming redaction, fed in chunks of any
// size, with overwriting the whole buffer at once.
func FuzzWriter(f *testing.F) {
	f.Add([]byte("abcdefghijklmnopqrstuvwxyz"), uint8(3), []byte("XY"), []byte{2, 5, 9, 23})
	f.Fuzz(func(t *testing.T, src []byte, chunk uint8, fill []byte, cuts []byte) {
		size := int64(len(src))
		var fs []scanner.Finding
		for i := 0; i+1 < len(cuts); i += 2 {
			a, b := int64(cuts[i]), int64(cuts[i+1])
			fs = append(fs, scanner.Finding{Offset: a, Length: b - a})
		}
		spans, err := Plan(fs, size)
		if err != nil {
			return
		}
		if len(fill) == 0 {
			fill = nil
		}
		want := slices.Clone(src)
		for _, f := range fs {
			for i := f.Offset; i < f.Offset+f.Length; i++ {
				want[i] = 0
			}
		}
		if fill != nil {
			for _, sp := range spans {
				for i := sp[0]; i < sp[1]; i++ {
					want[i] = fill[(i-sp[0])%int64(len(fill))]
				}
			}
		}
		var out bytes.Buffer
		rw := NewWriter(&out, spans, fill)
		n := max(int(chunk), 1)
		for i := 0; i < len(src); i += n {
			rw.Write(src[i:min(i+n, len(src))])
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("got %q, want %q", out.Bytes(), want)
		}
	})
}
