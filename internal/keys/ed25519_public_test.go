package keys

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestEd25519Public checks the comb against RFC 8032's test vectors
// (section 7.1, TEST 1 to 3), then against crypto/ed25519 for edge and
// random seeds.
func TestEd25519Public(t *testing.T) {
	for _, tt := range []struct{ name, seed, want string }{
		{"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"},
		{"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"},
		{"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"},
	} {
		if got, ok := Ed25519PublicFromSeed(unhex(t, tt.seed)); !ok || hex.EncodeToString(got) != tt.want {
			t.Errorf("%s: Ed25519PublicFromSeed(%s) = %x, %v, want %s", tt.name, tt.seed, got, ok, tt.want)
		}
	}
	ramp := make([]byte, 32)
	for i := range ramp {
		ramp[i] = byte(i)
	}
	seeds := [][]byte{
		make([]byte, 32), bytes.Repeat([]byte{0xff}, 32), bytes.Repeat([]byte{0x80}, 32),
		bytes.Repeat([]byte{0x01}, 32), ramp,
	}
	r := rand.NewChaCha8([32]byte{8, 0, 3, 2})
	for range 3000 {
		s := make([]byte, 32)
		r.Read(s)
		seeds = append(seeds, s)
	}
	for _, seed := range seeds {
		want := ed25519.NewKeyFromSeed(seed)[32:]
		if got, ok := Ed25519PublicFromSeed(seed); !ok || !bytes.Equal(got, want) {
			t.Fatalf("Ed25519PublicFromSeed(%x) = %x, %v, want %x", seed, got, ok, want)
		}
	}
	for _, n := range []int{0, 1, 31, 33, 64} {
		if got, ok := Ed25519PublicFromSeed(make([]byte, n)); ok {
			t.Errorf("Ed25519PublicFromSeed(%d bytes) = %x, true, want false", n, got)
		}
	}
}

// FuzzEd25519Public compares with crypto/ed25519 for any seed: an input of
// another length must be refused, and is then tried cut or zero-padded to
// 32 bytes, so that every execution derives a key.
func FuzzEd25519Public(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) != 32 {
			if got, ok := Ed25519PublicFromSeed(b); ok {
				t.Fatalf("Ed25519PublicFromSeed(%d bytes) = %x, true, want false", len(b), got)
			}
			var s [32]byte
			copy(s[:], b)
			b = s[:]
		}
		want := ed25519.NewKeyFromSeed(b)[32:]
		if got, ok := Ed25519PublicFromSeed(b); !ok || !bytes.Equal(got, want) {
			t.Fatalf("Ed25519PublicFromSeed(%x) = %x, %v, want %x", b, got, ok, want)
		}
	})
}

// BenchmarkEd25519Public measures one derivation by the comb and by
// crypto/ed25519, whose table the first call has built.
func BenchmarkEd25519Public(b *testing.B) {
	r := rand.NewChaCha8([32]byte{7})
	seeds := make([][]byte, 256)
	for i := range seeds {
		seeds[i] = make([]byte, 32)
		r.Read(seeds[i])
	}
	b.Run("comb", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, ok := Ed25519PublicFromSeed(seeds[i%len(seeds)]); !ok {
				b.Fatal("Ed25519PublicFromSeed failed")
			}
			i++
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		ed25519.NewKeyFromSeed(seeds[0])
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			ed25519.NewKeyFromSeed(seeds[i%len(seeds)])
			i++
		}
	})
}

// TestEd25519FirstCall logs what the first and second derivations cost in
// a fresh process, by the comb and by crypto/ed25519 (which builds its
// table on the first). It asserts nothing: the figures are for reading.
func TestEd25519FirstCall(t *testing.T) {
	if os.Getenv("ED25519_FIRST_CALL") != "" {
		seed := make([]byte, 32)
		for _, d := range []struct {
			name   string
			derive func()
		}{
			{"comb", func() { Ed25519PublicFromSeed(seed) }},
			{"stdlib", func() { ed25519.NewKeyFromSeed(seed) }},
		} {
			var took [2]time.Duration
			for i := range took {
				seed[0]++
				start := time.Now()
				d.derive()
				took[i] = time.Since(start)
			}
			t.Logf("%s: first call %v, second %v", d.name, took[0], took[1])
		}
		return
	}
	if testing.Short() {
		t.Skip("runs the test binary again")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEd25519FirstCall$", "-test.v")
	cmd.Env = append(os.Environ(), "ED25519_FIRST_CALL=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "call") {
			t.Log(strings.TrimSpace(line))
		}
	}
}
