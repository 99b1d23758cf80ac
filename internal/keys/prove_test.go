package keys

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	mrand "math/rand/v2"
	"sync"
	"testing"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// testRSA is one 1024-bit key per test binary: RSA generation is slow.
func testRSA(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		rsaKey = k
	})
	return rsaKey
}

func spkiOf(t testing.TB, pub any) Fingerprint {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(der)
}

func plus(x *big.Int, d int64) *big.Int { return new(big.Int).Add(x, big.NewInt(d)) }

func TestProveRSA(t *testing.T) {
	k := testRSA(t)
	want := spkiOf(t, &k.PublicKey)
	e := big.NewInt(int64(k.E))
	p, q := k.Primes[0], k.Primes[1]
	full := RSA{N: k.N, E: e, D: k.D, P: p, Q: q, Dp: k.Precomputed.Dp, Dq: k.Precomputed.Dq, Qinv: k.Precomputed.Qinv}
	with := func(f func(*RSA)) RSA { r := full; f(&r); return r }
	for _, tt := range []struct {
		name string
		k    RSA
		want Status
		spki bool // the fingerprint is the key's
	}{
		{"valid", full, Validated, true},
		{"no CRT values", RSA{N: k.N, E: e, D: k.D, P: p, Q: q}, Validated, true},
		{"n flipped", with(func(r *RSA) { r.N = new(big.Int).Xor(k.N, big.NewInt(4)) }), Unverified, true},
		{"d wrong", with(func(r *RSA) { r.D = plus(k.D, 2) }), Unverified, true},
		{"dp wrong", with(func(r *RSA) { r.Dp = plus(r.Dp, 1) }), Unverified, true},
		{"qinv wrong", with(func(r *RSA) { r.Qinv = plus(r.Qinv, 1) }), Unverified, true},
		{"e missing", with(func(r *RSA) { r.E = nil }), Unverified, false},
		{"p not prime", with(func(r *RSA) { r.P = plus(p, 2) }), Fragment, true},
		{"no n", with(func(r *RSA) { r.N = nil }), Fragment, false},
		{"n too large", with(func(r *RSA) { r.N = new(big.Int).Lsh(big.NewInt(1), MaxRSABits) }), Fragment, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			info, st := ProveRSA(tt.k, "rsa")
			if st != tt.want || (info.SPKI == want) != tt.spki {
				t.Errorf("ProveRSA = %v, spki match %v (%s); want %v, %v", st, info.SPKI == want, info.Note, tt.want, tt.spki)
			}
			if st == Validated && (info.Proof == "" || info.Note != "" || info.Bits != 1024 || info.Type != "rsa") {
				t.Errorf("validated key info %+v", info)
			}
		})
	}
	if _, st := ProveRSAWithoutD(RSA{N: k.N, E: e, P: p, Q: q}, "rsa"); st != Validated {
		t.Errorf("ProveRSAWithoutD = %v, want validated", st)
	}
	if _, st := ProveRSAWithoutD(RSA{N: k.N, E: big.NewInt(4), P: p, Q: q}, "rsa"); st == Validated {
		t.Error("ProveRSAWithoutD validated an even e")
	}
	if info, st := ProveRSANoPrimes(k.N, e, k.D, "rsa"); st != Validated || info.SPKI != want {
		t.Errorf("ProveRSANoPrimes = %v %+v, want validated", st, info)
	}
	if _, st := ProveRSANoPrimes(k.N, e, plus(k.D, 2), "rsa"); st != Unverified {
		t.Errorf("ProveRSANoPrimes(wrong d) = %v, want unverified", st)
	}
	if info, st, ok := RSACutOff(k.N, e, p, "rsa"); !ok || st != Fragment || info.SPKI != want {
		t.Errorf("RSACutOff(p) = %v %v %+v", ok, st, info)
	}
	if _, _, ok := RSACutOff(k.N, e, plus(p, 2), "rsa"); ok {
		t.Error("RSACutOff accepted a number that does not divide n")
	}
	pss, _ := ProveRSA(full, "rsa-pss")
	if pss.SPKI == want || pss.Type != "rsa-pss" {
		t.Errorf("rsa-pss SPKI %s equals the rsaEncryption one", pss.SPKI)
	}
}

func TestProveEC(t *testing.T) {
	for _, tt := range []struct {
		c   Curve
		std elliptic.Curve
	}{{P224, elliptic.P224()}, {P256, elliptic.P256()}, {P384, elliptic.P384()}, {P521, elliptic.P521()}} {
		k, err := ecdsa.GenerateKey(tt.std, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := k.Bytes()
		pub, _ := k.PublicKey.Bytes()
		want := spkiOf(t, &k.PublicKey)
		size := tt.c.Size()
		comp := append([]byte{2 + pub[len(pub)-1]&1}, pub[1:1+size]...)
		wrong := bytes.Clone(pub)
		wrong[1] ^= 1
		for _, c := range []struct {
			name     string
			d, point []byte
			want     Status
		}{
			{"valid", d, pub, Validated},
			{"compressed point", d, comp, Validated},
			{"no point", d, nil, Unverified},
			{"other point", d, wrong, Unverified},
			{"zero scalar", make([]byte, size), pub, Fragment},
		} {
			t.Run(tt.c.String()+"/"+c.name, func(t *testing.T) {
				info, st := ProveEC(tt.c, c.d, c.point)
				if st != c.want || info.SPKI != want || info.Curve != tt.c || info.Bits != tt.std.Params().BitSize {
					t.Errorf("ProveEC = %v %+v, want %v with SPKI %s", st, info, c.want, want)
				}
			})
		}
	}
}

func TestProveOKP(t *testing.T) {
	seed := make([]byte, 32)
	rand.Read(seed)
	edPub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	xk, _ := ecdh.X25519().NewPrivateKey(seed)
	xPub := xk.PublicKey().Bytes()
	for _, tt := range []struct {
		name  string
		prove func(priv, pub []byte) (KeyInfo, Status)
		priv  []byte
		pub   []byte
		want  Status
		spki  Fingerprint
	}{
		{"ed25519", ProveEd25519, seed, edPub, Validated, spkiOf(t, edPub)},
		{"ed25519 no public", ProveEd25519, seed, nil, Unverified, spkiOf(t, edPub)},
		{"ed25519 other public", ProveEd25519, seed, xPub, Unverified, spkiOf(t, edPub)},
		{"ed25519 short seed", ProveEd25519, seed[:31], edPub, Fragment, Fingerprint{}},
		{"x25519", ProveX25519, seed, xPub, Validated, spkiOf(t, xk.PublicKey())},
		{"x25519 other public", ProveX25519, seed, edPub, Unverified, spkiOf(t, xk.PublicKey())},
		{"x25519 short", ProveX25519, seed[:31], xPub, Fragment, Fingerprint{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			info, st := tt.prove(tt.priv, tt.pub)
			if st != tt.want || info.SPKI != tt.spki {
				t.Errorf("prove = %v %+v, want %v %s", st, info, tt.want, tt.spki)
			}
		})
	}
}

func TestProveDSA(t *testing.T) {
	// A toy domain: q = 11 divides p−1 = 22, and g = 4 has order 11 mod 23.
	p, q, g := big.NewInt(23), big.NewInt(11), big.NewInt(4)
	for _, tt := range []struct {
		name string
		k    DSA
		want Status
	}{
		{"valid", DSA{P: p, Q: q, G: g, X: big.NewInt(3), Y: big.NewInt(18)}, Validated},
		{"no y", DSA{P: p, Q: q, G: g, X: big.NewInt(3)}, Unverified},
		{"wrong y", DSA{P: p, Q: q, G: g, X: big.NewInt(3), Y: big.NewInt(17)}, Unverified},
		{"g not of order q", DSA{P: p, Q: q, G: big.NewInt(5), X: big.NewInt(3), Y: big.NewInt(10)}, Unverified},
		{"x ≥ q", DSA{P: p, Q: q, G: g, X: big.NewInt(11), Y: big.NewInt(1)}, Fragment},
		{"no p", DSA{Q: q, G: g, X: big.NewInt(3)}, Fragment},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, st := ProveDSA(tt.k); st != tt.want {
				t.Errorf("ProveDSA = %v, want %v", st, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		p, q, g int64
		want    bool
	}{{23, 11, 4, true}, {23, 11, 5, false}, {23, 11, 1, false}, {23, 7, 4, false}, {25, 11, 4, false}} {
		if got := DSADomainOK(big.NewInt(tt.p), big.NewInt(tt.q), big.NewInt(tt.g)); got != tt.want {
			t.Errorf("DSADomainOK(%d, %d, %d) = %v, want %v", tt.p, tt.q, tt.g, got, tt.want)
		}
	}
}

// TestSPKI checks the fingerprints against crypto/x509's encoding.
func TestSPKI(t *testing.T) {
	k := testRSA(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	point, _ := ec.PublicKey.Bytes()
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	for _, tt := range []struct {
		name      string
		got, want Fingerprint
	}{
		{"rsa", RSASPKI(k.N, big.NewInt(int64(k.E)), "rsa"), spkiOf(t, &k.PublicKey)},
		{"ec", ECSPKI(P384, point), spkiOf(t, &ec.PublicKey)},
		{"ed25519", OKPSPKI(OIDEd25519, edPub), spkiOf(t, edPub)},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: SPKI %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

// TestLooksRandom measures the entropy filter on random scalars: it may drop
// almost none of them, and must drop repetitive bytes.
func TestLooksRandom(t *testing.T) {
	r := mrand.NewChaCha8([32]byte{1})
	for _, n := range []int{16, 32, 48, 57, 66} { // the sizes of scalars and seeds
		miss := 0
		const tries = 20000
		b := make([]byte, n)
		for range tries {
			r.Read(b)
			if !LooksRandom(b) {
				miss++
			}
		}
		if miss > tries/1000 {
			t.Errorf("LooksRandom drops %d of %d random %d-byte strings, want under 0.1%%", miss, tries, n)
		}
	}
	for _, w := range [][]byte{
		make([]byte, 32), bytes.Repeat([]byte("abcdefgh"), 4), []byte("0123456789abcdef0123456789abcdef"),
		make([]byte, 15), make([]byte, 129),
	} {
		if LooksRandom(w) {
			t.Errorf("LooksRandom(%q) = true", w)
		}
	}
}
