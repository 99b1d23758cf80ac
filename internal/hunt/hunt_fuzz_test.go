package hunt

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"dumpguard/internal/testpath"
)

func FuzzHarvest(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join(testpath.Root(f), "detectors", "testdata", "pubkeys", "*"))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\x30\x82\x01\x0a\x02\x82\x01\x01\x00"))
	f.Add([]byte("\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08"))
	f.Add([]byte("\x00\x00\x00\x13ecdsa-sha2-nistp256\x00\x00\x00\x08nistp256"))
	f.Add([]byte(`x {"kty":"RSA","n":"AQAB","e":"AQAB"} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5`))
	f.Add([]byte("\x31\x00\x00\x00\x00\x00\x00\x00" + "0123456789abcdef0123456789abcdef" + "\x91\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("RSA1\x00\x08\x00\x00\x03\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkHarvest(t, "fuzz input", b)
		for _, k := range Harvest(nil, b) {
			if k.SPKI.IsZero() || k.Protected || (k.N == nil && len(k.Point) == 0) {
				t.Fatalf("Harvest gave an unusable key %+v", k)
			}
		}
		// The vector skip of random words stops where the word loop does.
		for from := 8; from <= len(b)&^7 && from <= 64; from += 8 {
			want := from
			for ; want-8 < len(b)&^7; want += 8 {
				if maybeNumberWord(binary.LittleEndian.Uint64(b[want-8:])) {
					break
				}
			}
			if got := skipRandom(b[:len(b)&^7], from, &WordMap{}); got != want {
				t.Fatalf("skipRandom(%d) = %d, want %d", from, got, want)
			}
		}
		// With the map of a window holding b, the harvest, the data test and
		// the skip find what they do without it.
		plain, plainData := HarvestMemory(nil, b, NewBudget(int64(len(b)), false))
		for _, m := range mapsOf(b, 0, 8, 136) {
			got, data := HarvestMapped(nil, b, m, NewBudget(int64(len(b)), false))
			if !reflect.DeepEqual(got, plain) || data != plainData {
				t.Fatalf("map at %d: HarvestMapped = %d keys, data %v; HarvestMemory %d keys, data %v", m.Off, len(got), data, len(plain), plainData)
			}
			if isData(b, m) != IsData(b) {
				t.Fatalf("map at %d: isData = %v, IsData %v", m.Off, isData(b, m), IsData(b))
			}
			for from := 8; from <= len(b)&^7 && from <= 64; from += 8 {
				if got, want := skipRandom(b[:len(b)&^7], from, &m), skipRandom(b[:len(b)&^7], from, &WordMap{}); got != want {
					t.Fatalf("map at %d: skipRandom(%d) = %d, want %d", m.Off, from, got, want)
				}
			}
		}
		// The number harvest, with a budget: it must not panic, and every
		// key it gives is usable; an EC point lies on its curve.
		for _, k := range plain {
			if k.SPKI.IsZero() || (k.N == nil && len(k.Point) == 0) || k.Type == "ec" && !k.Curve.OnCurve(k.Point) ||
				k.Derived && (k.SeedAt < 0 || k.SeedAt+32 > int64(len(b))) {
				t.Fatalf("HarvestNumbers gave an unusable key %+v", k)
			}
		}
	})
}

// FuzzHunt runs the hunt over arbitrary bytes with the test keys: it must not
// panic, and it may report nothing (the input holds no test key's secret
// unless the fuzzer finds a factor, which would be news).
func FuzzHunt(f *testing.F) {
	f.Add(make([]byte, 300))
	f.Add([]byte("\x31\x00\x00\x00\x00\x00\x00\x00" + "0123456789abcdef0123456789abcdefXYZ"))
	var d *Hunter
	f.Fuzz(func(t *testing.T, b []byte) {
		if d == nil {
			d = New(allPublic(testSecrets(t)), Options{})
		}
		if hits := d.Hunt(nil, b); len(hits) != 0 {
			t.Fatalf("Detect = %+v", hits)
		}
		// With the map of a window holding b: the same (nothing).
		for _, m := range mapsOf(b, 0, 8) {
			if hits := d.HuntMapped(nil, b, m); len(hits) != 0 {
				t.Fatalf("map at %d: HuntMapped = %+v", m.Off, hits)
			}
		}
	})
}
