package keys

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// secp256k1 multiples of G from the SEC 2 generator, independent of the
// library that computes them.
const (
	k1Gx  = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	k1Gy  = "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
	k1G2x = "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
	k1G2y = "1ae168fea63dc339a3c58419466ceaeef7f632653266d0e1236431a950cfe52a"
	k1G3x = "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"
	k1G3y = "388f7b0f632de8140fe337e62a37f3566500a99934c2231b6cb9fd7584b8e672"
	k1N   = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
	k1NM1 = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"
	// −G = (Gx, p − Gy).
	k1NegGy = "b7c52588d95c3b9aa25b0403f1eef75702e84bb7597aabe663b82f6f04ef2777"
)

func TestSecp256k1Public(t *testing.T) {
	for _, tt := range []struct {
		name, d, want string // want "" means rejected
	}{
		{"1·G", "01", "04" + k1Gx + k1Gy},
		{"2·G", "02", "04" + k1G2x + k1G2y},
		{"3·G padded", "0000000000000000000000000000000000000000000000000000000000000000000003", "04" + k1G3x + k1G3y},
		{"(n−1)·G", k1NM1, "04" + k1Gx + k1NegGy},
		{"zero", "00", ""},
		{"n", k1N, ""},
		{"too long", "01" + k1NM1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Secp256k1.Public(unhex(t, tt.d))
			if ok != (tt.want != "") || ok && hex.EncodeToString(got) != tt.want {
				t.Errorf("Secp256k1.Public(%s) = %x, %v, want %s", tt.d, got, ok, tt.want)
			}
		})
	}
}

// TestPublicNIST checks d·G on the NIST curves against crypto/ecdsa's keys.
func TestPublicNIST(t *testing.T) {
	for _, tt := range []struct {
		c   Curve
		std elliptic.Curve
	}{{P224, elliptic.P224()}, {P256, elliptic.P256()}, {P384, elliptic.P384()}, {P521, elliptic.P521()}} {
		t.Run(tt.c.String(), func(t *testing.T) {
			k, err := ecdsa.GenerateKey(tt.std, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := k.Bytes()
			want, _ := k.PublicKey.Bytes()
			if got, ok := tt.c.Public(d); !ok || !bytes.Equal(got, want) {
				t.Errorf("Public(d) = %x, %v, want %x", got, ok, want)
			}
			if got, ok := tt.c.Public(append([]byte{0, 0}, d...)); !ok || !bytes.Equal(got, want) {
				t.Errorf("Public(00 00 ‖ d) = %x, %v, want %x", got, ok, want)
			}
			if _, ok := tt.c.Public(make([]byte, tt.c.Size())); ok {
				t.Error("Public(0) accepted")
			}
			if !tt.c.OnCurve(want) {
				t.Error("OnCurve(d·G) = false")
			}
		})
	}
}

func TestOnCurve(t *testing.T) {
	g := unhex(t, "04"+k1Gx+k1Gy)
	flip := bytes.Clone(g)
	flip[40] ^= 1
	xp := unhex(t, "04"+"fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30"+k1Gy)
	p256, _ := P256.Public([]byte{1})
	for _, tt := range []struct {
		name  string
		c     Curve
		point []byte
		want  bool
	}{
		{"G", Secp256k1, g, true},
		{"flipped bit", Secp256k1, flip, false},
		{"x ≥ p", Secp256k1, xp, false},
		{"compressed", Secp256k1, g[:33], false},
		{"hybrid prefix", Secp256k1, append([]byte{6}, g[1:]...), false},
		{"P-256 G", P256, p256, true},
		{"P-256 G on secp256k1", Secp256k1, p256, false},
		{"unknown curve", UnknownCurve, g, false},
		{"no curve", NoCurve, g, false},
	} {
		if got := tt.c.OnCurve(tt.point); got != tt.want {
			t.Errorf("%s: %v.OnCurve = %v, want %v", tt.name, tt.c, got, tt.want)
		}
	}
}

func TestUncompressed(t *testing.T) {
	for _, c := range []Curve{P256, P384, P521, Secp256k1} {
		d := make([]byte, c.Size())
		rand.Read(d[1:])
		full, ok := c.Public(d)
		if !ok {
			t.Fatalf("%v: Public failed", c)
		}
		size := c.Size()
		comp := append([]byte{2 + full[len(full)-1]&1}, full[1:1+size]...)
		if got, ok := c.Uncompressed(comp); !ok || !bytes.Equal(got, full) {
			t.Errorf("%v: Uncompressed(compressed) = %x, %v, want %x", c, got, ok, full)
		}
		if got, ok := c.Uncompressed(full); !ok || !bytes.Equal(got, full) {
			t.Errorf("%v: Uncompressed(uncompressed) = %x, %v", c, got, ok)
		}
		bad := bytes.Clone(full)
		bad[size] ^= 1
		if _, ok := c.Uncompressed(bad); ok {
			t.Errorf("%v: Uncompressed accepted a point off the curve", c)
		}
	}
}

func TestCurveNames(t *testing.T) {
	for _, c := range Curves {
		if got := CurveByName(c.String()); got != c {
			t.Errorf("CurveByName(%q) = %v", c.String(), got)
		}
		if got := CurveByOID(c.OID()); got != c {
			t.Errorf("CurveByOID(%v) = %v, want %v", c.OID(), got, c)
		}
	}
	if P521.Bits() != 521 || P256.Bits() != 256 || Secp256k1.Size() != 32 {
		t.Errorf("Bits/Size wrong: %d %d %d", P521.Bits(), P256.Bits(), Secp256k1.Size())
	}
	for _, name := range []string{"", "p-256", "P-256 ", "\x1b[2J", "ZGVhZGJlZWZkZWFkYmVlZg"} {
		if got := CurveByName(name); got != UnknownCurve || got.String() != "unknown" {
			t.Errorf("CurveByName(%q) = %v (%q), want unknown", name, got, got.String())
		}
	}
	if NoCurve.String() != "" || Curve(200).String() != "unknown" || CurveByOID(nil) != UnknownCurve {
		t.Errorf("NoCurve %q, Curve(200) %q, CurveByOID(nil) %v", NoCurve.String(), Curve(200).String(), CurveByOID(nil))
	}
	if _, ok := UnknownCurve.Public([]byte{1}); ok {
		t.Error("UnknownCurve.Public accepted")
	}
}

// TestSecp256k1Comb: d·G by the comb (comb.go) equals decred's, for edge
// scalars and random ones.
func TestSecp256k1Comb(t *testing.T) {
	scalars := testScalars(32, 200, []byte{1}, []byte{2}, []byte{3}, []byte{15}, []byte{16}, []byte{17}, []byte{0xff},
		unhex(t, k1NM1), unhex(t, "8000000000000000000000000000000000000000000000000000000000000000"))
	for i, d := range scalars {
		var k secp256k1.ModNScalar
		if k.SetByteSlice(d) || k.IsZero() {
			continue
		}
		want := k256Public(&k)
		got, ok := k256Comb.public(d)
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("scalar %d: comb %x, %v; want %x", i, got, ok, want)
		}
		if pub, ok := Secp256k1.Public(d); !ok || !bytes.Equal(pub, want) {
			t.Fatalf("scalar %d: Public %x, %v; want %x", i, pub, ok, want)
		}
	}
}

// testScalars returns the edge scalars, left-padded with zeros to size
// bytes, then random ones.
func testScalars(size, random int, edges ...[]byte) [][]byte {
	var out [][]byte
	for _, d := range edges {
		out = append(out, append(make([]byte, size-len(d)), d...))
	}
	for range random {
		d := make([]byte, size)
		rand.Read(d)
		out = append(out, d)
	}
	return out
}

// TestP384Public: P-384's d·G before its table is built (variable-base) is
// crypto/ecdh's, and both reject zero and scalars not below n.
func TestP384Public(t *testing.T) {
	n := elliptic.P384().Params().N
	nm1 := new(big.Int).Sub(n, big.NewInt(1)).FillBytes(make([]byte, 48))
	scalars := testScalars(48, 20, []byte{1}, []byte{2}, nm1, n.Bytes(), nil, bytes.Repeat([]byte{0xff}, 48))
	for i, d := range scalars {
		got, ok := p384Public(d)
		var want []byte
		k, err := ecdh.P384().NewPrivateKey(d)
		if err == nil {
			want = k.PublicKey().Bytes()
		}
		if ok != (err == nil) || !bytes.Equal(got, want) {
			t.Fatalf("scalar %d: variable-base %x, %v; crypto/ecdh %x, %v", i, got, ok, want, err)
		}
	}
	// Once the table is built, Public uses it, and finds the same.
	WarmP384()
	for !p384Ready.Load() {
		time.Sleep(time.Millisecond)
	}
	for i, d := range scalars {
		want, wok := p384Public(d)
		if got, ok := P384.Public(d); ok != wok || !bytes.Equal(got, want) {
			t.Fatalf("scalar %d: with the table %x, %v; variable-base %x, %v", i, got, ok, want, wok)
		}
	}
}

// TestSecp256k1CombTable: the embedded points (k256comb.bin) are those build
// computes; with -update it writes them.
func TestSecp256k1CombTable(t *testing.T) {
	c := secp256k1.S256()
	table := new(comb[k256Elt]).build(k256Field, c.Gx, c.Gy)
	if *update {
		if err := os.WriteFile("k256comb.bin", table, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(k256CombTable, table) {
		t.Fatalf("k256comb.bin (%d bytes) is not the table build makes (%d bytes): run this test with -update", len(k256CombTable), len(table))
	}
	// The first point is G, the second 2·G.
	g := append(c.Gx.FillBytes(make([]byte, 32)), c.Gy.FillBytes(make([]byte, 32))...)
	g2, _ := Secp256k1.Public([]byte{2})
	if !bytes.Equal(table[:64], g) || !bytes.Equal(table[64:128], g2[1:]) {
		t.Fatalf("the table does not start with G, 2·G")
	}
}

var update = flag.Bool("update", false, "rewrite k256comb.bin or ed25519_table.bin")

// k256Public returns 04‖X‖Y of k·G by decred's ScalarMultNonConst with the
// generator, which the comb is checked against.
func k256Public(k *secp256k1.ModNScalar) []byte {
	var q secp256k1.JacobianPoint
	secp256k1.ScalarMultNonConst(k, &k256G, &q)
	q.ToAffine()
	return secp256k1.NewPublicKey(&q.X, &q.Y).SerializeUncompressed()
}

// k256G is secp256k1's generator, in the form ScalarMultNonConst takes.
var k256G = func() (g secp256k1.JacobianPoint) {
	g.X.SetByteSlice(secp256k1.S256().Gx.Bytes())
	g.Y.SetByteSlice(secp256k1.S256().Gy.Bytes())
	g.Z.SetInt(1)
	return g
}()

// FuzzSecp256k1Comb: for every scalar, the comb's d·G is decred's, and both
// reject the same scalars (zero, not below n).
func FuzzSecp256k1Comb(f *testing.F) {
	f.Add([]byte{1})
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Add(unhex(f, k1NM1))
	f.Fuzz(func(t *testing.T, d []byte) {
		if len(d) > 32 {
			return
		}
		d = append(make([]byte, 32-len(d)), d...)
		got, ok := k256Comb.public(d)
		var k secp256k1.ModNScalar
		if k.SetByteSlice(d) || k.IsZero() {
			if pub, ok := Secp256k1.Public(d); ok {
				t.Fatalf("Public accepted a scalar decred rejects: %x", pub)
			}
			return
		}
		want := k256Public(&k)
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("comb %x, %v; want %x", got, ok, want)
		}
	})
}
