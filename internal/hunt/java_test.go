package hunt

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"dumpguard/detectors"
)

// putJava writes v as a Java BigInteger magnitude (int[]) at an 8-aligned
// offset at or after at, behind a 64-bit HotSpot array header (mark word,
// compressed klass, 32-bit length), and returns the data's offset and length.
func putJava(buf []byte, at int, v *big.Int) (int, int) {
	at = (at + 7) &^ 7
	w := javaWords(v.Bytes())
	binary.LittleEndian.PutUint64(buf[at-16:], 1) // mark word: unlocked
	binary.LittleEndian.PutUint32(buf[at-8:], 0x00068c38)
	binary.LittleEndian.PutUint32(buf[at-4:], uint32(len(w)/4))
	copy(buf[at:], w)
	return at, len(w)
}

func TestJavaWords(t *testing.T) {
	v, _ := new(big.Int).SetString("0102030405060708090a", 16)
	got := javaWords(v.Bytes())
	want := []byte{2, 1, 0, 0, 6, 5, 4, 3, 10, 9, 8, 7}
	if !slices.Equal(got, want) {
		t.Fatalf("javaWords = %x, want %x", got, want)
	}
	if back := new(big.Int).SetBytes(javaToBE(nil, got)); back.Cmp(v) != 0 {
		t.Fatalf("javaToBE(javaWords(v)) = %x", back)
	}
	if n := (number{off: 0, size: len(got), order: orderJava}).value(got); n.Cmp(v) != 0 {
		t.Fatalf("value = %x", n)
	}
}

// TestHuntJava finds an RSA key whose p, q, d, dP and dQ are BigInteger
// magnitudes behind Java array headers in random bytes, with no allocator
// header: the length word before each is its count of 32-bit words.
func TestHuntJava(t *testing.T) {
	s := testSecrets(t)[0]
	k, err := x509.ParsePKCS8PrivateKey(mustPEM(t, keyFile(t, "rsa2048.pkcs8.pem")))
	if err != nil {
		t.Fatal(err)
	}
	rk := k.(*rsa.PrivateKey)
	h := New([]detectors.PublicKey{s.pub}, Options{})
	buf := junk(21, 64<<10)
	var want []string
	at := 8000
	for _, c := range []struct {
		what string
		v    *big.Int
	}{{"p", rk.Primes[0]}, {"d", rk.D}, {"q", rk.Primes[1]}, {"dp", rk.Precomputed.Dp}, {"dq", rk.Precomputed.Dq}} {
		off, n := putJava(buf, at, c.v)
		want = append(want, fmt.Sprintf("%s@%d", c.what, off))
		at = off + n + 40
	}
	hits := h.Hunt(nil, buf)
	if len(hits) != 1 {
		t.Fatalf("Hunt = %d hits, want 1", len(hits))
	}
	var got []string
	for _, p := range hits[0].Parts {
		got = append(got, fmt.Sprintf("%s@%d", p.What, p.Off))
	}
	if !slices.Equal(got, want) || hits[0].Encoding != "raw-java" {
		t.Errorf("Parts = %v (%s), want %v (raw-java)", got, hits[0].Encoding, want)
	}
	if !strings.Contains(hits[0].Key.Proof, "d = e⁻¹") {
		t.Errorf("Proof = %q, want the d check", hits[0].Key.Proof)
	}

	// One bit flipped in each factor: nothing.
	flipped := slices.Clone(buf)
	p0, _ := putJava(flipped, 8000, rk.Primes[0])
	flipped[p0+70] ^= 2
	q0 := 0
	for _, p := range hits[0].Parts {
		if p.What == "q" {
			q0 = p.Off
		}
	}
	flipped[q0+9] ^= 0x10
	if hits := h.Hunt(nil, flipped); len(hits) != 0 {
		t.Errorf("p and q with a bit flipped: Hunt = %+v, want none", hits)
	}
	// Without the length words, no default candidate: the header is what
	// picks Java numbers out of random bytes.
	bare := slices.Clone(buf)
	for _, p := range hits[0].Parts {
		binary.LittleEndian.PutUint32(bare[p.Off-4:], 0x5a5a5a5a)
	}
	if hits := h.Hunt(nil, bare); len(hits) != 0 {
		t.Errorf("no length words: Hunt = %d hits, want none", len(hits))
	}
}

// TestHarvestNumbersJava finds an RSA public key from its modulus, a factor
// and d as BigInteger magnitudes behind Java array headers, and rejects a
// flipped bit and a missing d.
func TestHarvestNumbersJava(t *testing.T) {
	s := secret(t, "rsa2048.pkcs8.pem")
	for _, tt := range []struct {
		name     string
		flip, nd bool
		want     bool
	}{{"n, q, d", false, false, true}, {"flipped bit in n", true, false, false}, {"no d", false, true, false}} {
		t.Run(tt.name, func(t *testing.T) {
			buf := junk(22, 64<<10)
			nOff, _ := putJava(buf, 4000, s.pub.N)
			putJava(buf, 6000, s.q)
			if !tt.nd {
				putJava(buf, 9000, s.d)
			}
			if tt.flip {
				buf[nOff+100] ^= 8
			}
			got := harvested(HarvestNumbers(nil, buf, NewBudget(int64(len(buf)), false)))
			if found := slices.Contains(got, s.spki); found != tt.want {
				t.Errorf("harvested %v; want %s: %v", got, s.spki[:12], tt.want)
			}
			if !tt.want && len(got) != 0 {
				t.Errorf("harvested %d keys from numbers that prove none", len(got))
			}
		})
	}
}

// TestHarvestJavaScalars: an EC scalar in a HotSpot array yields its derived
// public key, in the order Java keeps it: a byte[32] little-endian
// (ECPrivateKeyImpl.arrayS) at either 16-byte phase, a BigInteger's int[8]
// magnitude; an Ed25519 seed in a byte[32]. The first 32 bytes of an array
// of another length (an int[16]: 64 bytes) are no candidate, nor those of a
// byte[32] whose random bytes go on (an int[32]), nor a big-endian EC scalar
// in a byte[32], which HotSpot does not keep.
func TestHarvestJavaScalars(t *testing.T) {
	s, ed := secret(t, "p256.sec1.pem"), secret(t, "ed25519.pkcs8.pem")
	le := slices.Clone(s.scalar)
	slices.Reverse(le)
	for _, tt := range []struct {
		name   string
		key    testSecret
		at     int
		data   []byte
		length uint32
		want   string // the derived key's encoding, "" for none
	}{
		{"byte[32] little-endian", s, 4096, le, 32, "raw-le"},
		{"byte[32] little-endian, 8 bytes on", s, 4104, le, 32, "raw-le"},
		{"int[8]", s, 4104, javaWords(s.scalar), 8, "raw-java"},
		{"Ed25519 seed in a byte[32]", ed, 4104, ed.scalar, 32, "raw-be"},
		{"int[16]", s, 4096, append(slices.Clone(le), junk(3, 32)...), 16, ""},
		{"int[32]", s, 4096, append(slices.Clone(le), junk(4, 96)...), 32, ""},
		{"byte[32] big-endian", s, 4096, s.scalar, 32, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.key
			buf := junk(23, 64<<10)
			binary.LittleEndian.PutUint64(buf[tt.at-16:], 1) // mark word: unlocked
			binary.LittleEndian.PutUint32(buf[tt.at-8:], 0x00068c38)
			binary.LittleEndian.PutUint32(buf[tt.at-4:], tt.length)
			copy(buf[tt.at:], tt.data)
			binary.LittleEndian.PutUint64(buf[tt.at+len(tt.data):], 1) // the next object's mark word
			var got []string
			for _, k := range HarvestNumbers(nil, buf, nil) {
				if k.Derived && k.SPKI == s.pub.SPKI && k.SeedAt == int64(tt.at) {
					got = append(got, k.SeedEncoding)
				}
			}
			var want []string
			if tt.want != "" {
				want = []string{tt.want}
			}
			if !slices.Equal(got, want) {
				t.Errorf("derived the key at %d as %v, want %v", tt.at, got, want)
			}
		})
	}
}
