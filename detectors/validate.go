package detectors

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"sync"
)

// This file holds the validation math every detector shares. A detector parses;
// only these functions decide a hit's Status and its fingerprint.

// maxRSABits bounds the integers a hostile input can make us test for primality.
const maxRSABits = 16384

// rsaParts are the numbers of an RSA private key as found; nil means absent.
type rsaParts struct {
	N, E, D, P, Q *big.Int
	// Dp, Dq and Qinv are the CRT values when the encoding stores them; a
	// key whose stored ones are wrong is not Validated.
	Dp, Dq, Qinv *big.Int
}

var bigOne = big.NewInt(1)

func okInt(x *big.Int, maxBits int) bool { return x != nil && x.Sign() > 0 && x.BitLen() <= maxBits }

// checkRSA proves an RSA key. Validated needs p and q probable primes, p·q = n
// and e·d ≡ 1 (mod λ(n)). With primes that disagree with n or d the key is still a
// leak (Unverified, fingerprinted as p·q, the key the primes make); with neither
// it is a Fragment.
func checkRSA(k rsaParts, keyType string) (KeyInfo, Status) {
	// Primality tests of large primes take up to seconds, and the same key
	// turns up again and again: in every core of a program that embeds it (the
	// openssl tool carries RSA keys up to 15360 bits for its speed test), and
	// twice where two windows overlap. Remember recent results.
	id := rsaCacheKey(k, keyType)
	if r, ok := rsaCache.get(id); ok {
		return r.info, r.status
	}
	info, st := checkRSAUncached(k, keyType)
	rsaCache.put(id, rsaResult{info, st})
	return info, st
}

type rsaResult struct {
	info   KeyInfo
	status Status
}

// resultCache is a small bounded cache, emptied when full.
type resultCache struct {
	mu sync.Mutex
	m  map[[32]byte]rsaResult
}

const rsaCacheSize = 1024

var rsaCache = &resultCache{m: map[[32]byte]rsaResult{}}

func (c *resultCache) get(id [32]byte) (rsaResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[id]
	return r, ok
}

func (c *resultCache) put(id [32]byte, r rsaResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= rsaCacheSize {
		clear(c.m)
	}
	c.m[id] = r
}

// rsaCacheKey digests every number a verdict depends on.
func rsaCacheKey(k rsaParts, keyType string) [32]byte {
	h := sha256.New()
	h.Write([]byte(keyType))
	for _, x := range []*big.Int{k.N, k.E, k.D, k.P, k.Q, k.Dp, k.Dq, k.Qinv} {
		if x == nil {
			h.Write([]byte{0xff, 0xff, 0xff, 0xff})
			continue
		}
		b := x.Bytes()
		h.Write([]byte{byte(len(b) >> 24), byte(len(b) >> 16), byte(len(b) >> 8), byte(len(b))})
		h.Write(b)
	}
	var id [32]byte
	h.Sum(id[:0])
	return id
}

func checkRSAUncached(k rsaParts, keyType string) (KeyInfo, Status) {
	info := KeyInfo{Type: keyType}
	if !okInt(k.N, maxRSABits) {
		info.Note = "modulus missing or out of range"
		return info, Fragment
	}
	info.Bits = k.N.BitLen()
	e := k.E
	if !okInt(e, 64) || e.Bit(0) == 0 || e.Cmp(bigOne) == 0 {
		e = nil
	}
	// Cheap checks first: p and q in range, and their sizes adding up to n's
	// (a flipped bit in n keeps its size). Primality tests of a hostile
	// input's big numbers would otherwise cost a second each.
	sized := okInt(k.P, maxRSABits) && okInt(k.Q, maxRSABits) &&
		k.P.Cmp(bigOne) > 0 && k.Q.Cmp(bigOne) > 0 &&
		abs(k.P.BitLen()+k.Q.BitLen()-k.N.BitLen()) <= 1
	primes := sized && rsaPrimes(k)
	if !primes {
		info.Note = "p or q is not prime"
		if e != nil {
			info.SPKI = rsaSPKI(k.N, e, keyType)
		}
		return info, Fragment
	}
	pq := new(big.Int).Mul(k.P, k.Q)
	nOK := pq.Cmp(k.N) == 0
	dOK := false
	if e != nil && okInt(k.D, maxRSABits) {
		dOK = rsaExponentOK(e, k.D, k.P, k.Q)
	}
	info.Bits = pq.BitLen()
	if e != nil {
		info.SPKI = rsaSPKI(pq, e, keyType)
	}
	crtOK := rsaCRTOK(k)
	switch {
	case nOK && dOK && crtOK:
		info.Proof = "p·q=n, e·d≡1 mod λ(n), p and q prime" // and the stored CRT values, if any, agree
		if k.N.BitLen() > primeTestBits {
			info.Proof = "p·q=n, e·d≡1 mod λ(n) (no primality test above 8192 bits)"
		}
		return info, Validated
	case nOK && dOK:
		info.Note = "p·q=n and e·d≡1 mod λ(n) but the stored dp, dq or qinv is wrong"
	case !nOK:
		info.Note = "p and q are prime but p·q≠n"
	case e == nil:
		info.Note = "p·q=n but e is missing or invalid"
	default:
		info.Note = "p·q=n but e·d≢1 mod λ(n)"
	}
	return info, Unverified
}

// rsaCRTOK reports whether the stored CRT values, those present, are
// dp = d mod (p−1), dq = d mod (q−1) and qinv·q ≡ 1 (mod p).
func rsaCRTOK(k rsaParts) bool {
	if k.D == nil || k.P == nil || k.Q == nil || k.P.Cmp(bigOne) <= 0 || k.Q.Cmp(bigOne) <= 0 {
		return true // nothing to check against; checkRSA judges d, p and q
	}
	t := new(big.Int)
	if k.Dp != nil && k.Dp.Cmp(t.Mod(k.D, t.Sub(k.P, bigOne))) != 0 {
		return false
	}
	if k.Dq != nil && k.Dq.Cmp(t.Mod(k.D, t.Sub(k.Q, bigOne))) != 0 {
		return false
	}
	if k.Qinv != nil && t.Mul(k.Qinv, k.Q).Mod(t, k.P).Cmp(bigOne) != 0 {
		return false
	}
	return true
}

// primeTestBits is the largest modulus whose factors are tested for
// primality. Above it (keys of 8192 bits and more, such as the test keys the
// openssl tool carries), p·q = n and e·d ≡ 1 mod λ(n) must hold and stand in
// for the primality tests, which cost seconds there.
const primeTestBits = 8192

// rsaPrimes reports whether p and q are probable primes, or, for a modulus
// above primeTestBits, whether p·q = n and e·d ≡ 1 mod λ(n), which composite
// numbers found in memory do not satisfy by accident.
func rsaPrimes(k rsaParts) bool {
	if k.N.BitLen() <= primeTestBits {
		return k.P.ProbablyPrime(0) && k.Q.ProbablyPrime(0)
	}
	if new(big.Int).Mul(k.P, k.Q).Cmp(k.N) != 0 || !okInt(k.E, 64) || !okInt(k.D, maxRSABits) {
		return false
	}
	return rsaExponentOK(k.E, k.D, k.P, k.Q)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// rsaExponentOK reports whether e·d ≡ 1 (mod λ(p·q)), λ = lcm(p−1, q−1).
func rsaExponentOK(e, d, p, q *big.Int) bool {
	p1 := new(big.Int).Sub(p, bigOne)
	q1 := new(big.Int).Sub(q, bigOne)
	g := new(big.Int).GCD(nil, nil, p1, q1)
	if g.Sign() == 0 {
		return false
	}
	lambda := p1.Mul(p1, q1)
	lambda.Div(lambda, g)
	ed := new(big.Int).Mul(e, d)
	return ed.Mod(ed, lambda).Cmp(bigOne) == 0
}

// A curve is an elliptic curve a detector may meet, with what its SPKI needs.
type curve struct {
	Name string
	OID  asn1.ObjectIdentifier
	Size int            // bytes of a scalar and of a coordinate
	std  elliptic.Curve // nil for curves the standard library lacks
}

// Curves lists the short-Weierstrass curves known to the detectors, by name.
var curves = []*curve{
	{"P-224", asn1.ObjectIdentifier{1, 3, 132, 0, 33}, 28, elliptic.P224()},
	{"P-256", asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}, 32, elliptic.P256()},
	{"P-384", asn1.ObjectIdentifier{1, 3, 132, 0, 34}, 48, elliptic.P384()},
	{"P-521", asn1.ObjectIdentifier{1, 3, 132, 0, 35}, 66, elliptic.P521()},
	{"secp256k1", asn1.ObjectIdentifier{1, 3, 132, 0, 10}, 32, nil},
}

func curveByOID(oid asn1.ObjectIdentifier) *curve {
	for _, c := range curves {
		if c.OID.Equal(oid) {
			return c
		}
	}
	return nil
}

func curveByName(name string) *curve {
	for _, c := range curves {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ecPublic returns the uncompressed point d·G, or false when d is not a valid
// scalar (zero, or not below the group order).
func (c *curve) ecPublic(d []byte) ([]byte, bool) {
	if len(d) > c.Size {
		// Leading zero bytes are allowed (ASN.1 INTEGER padding); anything else is out of range.
		for _, b := range d[:len(d)-c.Size] {
			if b != 0 {
				return nil, false
			}
		}
		d = d[len(d)-c.Size:]
	}
	if len(d) < c.Size {
		d = append(make([]byte, c.Size-len(d), c.Size), d...)
	}
	if c.std == nil {
		return secp256k1Public(d)
	}
	k, err := ecdsa.ParseRawPrivateKey(c.std, d)
	if err != nil {
		return nil, false
	}
	pub, err := k.PublicKey.Bytes()
	return pub, err == nil
}

// samePoint compares a computed uncompressed point with a stored one, which
// may be uncompressed (04‖X‖Y) or compressed (02/03‖X).
func samePoint(computed, stored []byte) bool {
	switch {
	case len(stored) == len(computed):
		return bytes.Equal(stored, computed)
	case len(stored) == 1+(len(computed)-1)/2 && (stored[0] == 2 || stored[0] == 3):
		size := (len(computed) - 1) / 2
		odd := computed[len(computed)-1]&1 == 1
		return bytes.Equal(stored[1:], computed[1:1+size]) && odd == (stored[0] == 3)
	}
	return false
}

// checkEC proves an EC key: 0 < d < order, and d·G equals the stored public
// point when there is one. Without a stored point the key is Unverified: any d in
// range is a key, so there is nothing to check it against.
func checkEC(c *curve, d, storedPub []byte) (KeyInfo, Status) {
	info := KeyInfo{Type: "ec", Curve: c.Name, Bits: c.Size * 8}
	if c.Name == "P-521" {
		info.Bits = 521
	}
	pub, ok := c.ecPublic(d)
	if !ok {
		info.Note = "scalar is zero or not below the group order"
		if len(storedPub) > 0 && storedPub[0] == 4 && len(storedPub) == 1+2*c.Size {
			info.SPKI = ecSPKI(c, storedPub)
		}
		return info, Fragment
	}
	info.SPKI = ecSPKI(c, pub)
	switch {
	case len(storedPub) == 0:
		info.Note = "no public point stored to check d·G against"
		return info, Unverified
	case samePoint(pub, storedPub):
		info.Proof = "d·G=Q, 0<d<n"
		return info, Validated
	}
	info.Note = "d·G differs from the stored public point"
	return info, Unverified
}

// checkEd25519 proves an Ed25519 seed against a stored public key.
func checkEd25519(seed, storedPub []byte) (KeyInfo, Status) {
	info := KeyInfo{Type: "ed25519", Bits: 256}
	if len(seed) != ed25519.SeedSize {
		info.Note = "seed is not 32 bytes"
		return info, Fragment
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	info.SPKI = okpSPKI(oidEd25519, pub)
	return matchDerived(info, pub, storedPub, "the seed")
}

// checkX25519 proves an X25519 private key against a stored public key.
func checkX25519(priv, storedPub []byte) (KeyInfo, Status) {
	info := KeyInfo{Type: "x25519", Bits: 256}
	k, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		info.Note = "private key is not 32 bytes"
		return info, Fragment
	}
	pub := k.PublicKey().Bytes()
	info.SPKI = okpSPKI(oidX25519, pub)
	return matchDerived(info, pub, storedPub, "the private key")
}

// matchDerived judges a key whose public half was derived from its private
// half (from): Validated when it equals the stored one, Unverified when there
// is none to compare or it differs.
func matchDerived(info KeyInfo, derived, stored []byte, from string) (KeyInfo, Status) {
	switch {
	case len(stored) == 0:
		info.Note = "no public key stored to check " + from + " against"
		return info, Unverified
	case bytes.Equal(derived, stored):
		info.Proof = "public key derived from " + from + " matches"
		return info, Validated
	}
	info.Note = "public key derived from " + from + " differs from the stored one"
	return info, Unverified
}

// dsaParts are the numbers of a DSA private key.
type dsaParts struct{ P, Q, G, Y, X *big.Int }

// checkDSA proves a DSA key: 0 < x < q, g of order q (g^q mod p = 1) and y = g^x mod p.
func checkDSA(k dsaParts) (KeyInfo, Status) {
	info := KeyInfo{Type: "dsa"}
	if !okInt(k.P, maxRSABits) || !okInt(k.Q, 512) || !okInt(k.G, maxRSABits) || !okInt(k.X, 512) || k.X.Cmp(k.Q) >= 0 {
		info.Note = "domain parameters or x out of range"
		return info, Fragment
	}
	info.Bits = k.P.BitLen()
	y := new(big.Int).Exp(k.G, k.X, k.P)
	info.SPKI = dsaSPKI(k.P, k.Q, k.G, y)
	switch {
	case new(big.Int).Exp(k.G, k.Q, k.P).Cmp(bigOne) != 0:
		info.Note = "g^q mod p ≠ 1: the domain parameters are wrong"
		return info, Unverified
	case k.Y == nil:
		info.Note = "no public value stored to check against"
		return info, Unverified
	case y.Cmp(k.Y) == 0:
		info.Proof = "g^x mod p = y, g^q mod p = 1, 0<x<q"
		return info, Validated
	}
	info.Note = "g^x mod p differs from the stored y"
	return info, Unverified
}

// Object identifiers of SubjectPublicKeyInfo algorithms.
var (
	oidRSA       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAPSS    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidECPublic  = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidDSA       = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	oidX25519    = asn1.ObjectIdentifier{1, 3, 101, 110}
	oidX448      = asn1.ObjectIdentifier{1, 3, 101, 111}
	oidEd25519   = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidEd448     = asn1.ObjectIdentifier{1, 3, 101, 113}
	asn1NullRawV = asn1.RawValue{Tag: asn1.TagNull}
)

type spki struct {
	Algorithm spkiAlg
	Key       asn1.BitString
}

type spkiAlg struct {
	OID    asn1.ObjectIdentifier
	Params asn1.RawValue `asn1:"optional"`
}

func spkiHash(alg spkiAlg, key []byte) Fingerprint {
	der, err := asn1.Marshal(spki{alg, asn1.BitString{Bytes: key, BitLength: 8 * len(key)}})
	if err != nil {
		return Fingerprint{}
	}
	return sha256.Sum256(der)
}

// rsaSPKI fingerprints an RSA public key as x509.MarshalPKIXPublicKey encodes
// it (rsaEncryption with NULL parameters); RSA-PSS keys use the PSS OID with no
// parameters.
func rsaSPKI(n, e *big.Int, keyType string) Fingerprint {
	pub, err := asn1.Marshal(struct{ N, E *big.Int }{n, e})
	if err != nil {
		return Fingerprint{}
	}
	if keyType == "rsa-pss" {
		return spkiHash(spkiAlg{OID: oidRSAPSS}, pub)
	}
	return spkiHash(spkiAlg{OID: oidRSA, Params: asn1NullRawV}, pub)
}

func ecSPKI(c *curve, point []byte) Fingerprint {
	params, err := asn1.Marshal(c.OID)
	if err != nil {
		return Fingerprint{}
	}
	return spkiHash(spkiAlg{OID: oidECPublic, Params: asn1.RawValue{FullBytes: params}}, point)
}

func okpSPKI(oid asn1.ObjectIdentifier, pub []byte) Fingerprint {
	return spkiHash(spkiAlg{OID: oid}, pub)
}

func dsaSPKI(p, q, g, y *big.Int) Fingerprint {
	params, err := asn1.Marshal(struct{ P, Q, G *big.Int }{p, q, g})
	if err != nil {
		return Fingerprint{}
	}
	pub, err := asn1.Marshal(y)
	if err != nil {
		return Fingerprint{}
	}
	return spkiHash(spkiAlg{OID: oidDSA, Params: asn1.RawValue{FullBytes: params}}, pub)
}

// looksRandom reports whether a secret of 16 to 128 bytes has as many distinct
// byte values as random bytes would: 32 random bytes show 30 on average, and
// fewer than 24 with odds below 1e-9, while a template, a placeholder or the
// rodata that follows a DER prefix repeats bytes (zeros, tags, lengths, ASCII).
// It is the only evidence for a key that carries no public half to check.
func looksRandom(b []byte) bool {
	if len(b) < 16 || len(b) > 128 {
		return false
	}
	var seen [256]bool
	distinct := 0
	for _, c := range b {
		if !seen[c] {
			seen[c] = true
			distinct++
		}
	}
	return 4*distinct >= 3*len(b)
}

// onCurve reports whether an uncompressed point 04‖X‖Y lies on the curve. A
// detector uses it to tell a stored public point from bytes that merely sit
// after a magic number.
func (c *curve) onCurve(point []byte) bool {
	if len(point) != 1+2*c.Size || point[0] != 4 {
		return false
	}
	if c.std != nil {
		_, err := ecdsa.ParseUncompressedPublicKey(c.std, point)
		return err == nil
	}
	// secp256k1: y² = x³ + 7 (mod p).
	x := new(big.Int).SetBytes(point[1 : 1+c.Size])
	y := new(big.Int).SetBytes(point[1+c.Size:])
	if x.Cmp(k1.P) >= 0 || y.Cmp(k1.P) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, k1.P)
	rhs := new(big.Int).Mul(x, x)
	rhs.Mul(rhs, x).Add(rhs, big.NewInt(7)).Mod(rhs, k1.P)
	return lhs.Cmp(rhs) == 0
}

// checkRSAWithoutD proves an RSA key that carries its primes but no private
// exponent (a CNG BCRYPT_RSAPRIVATE_BLOB): d is derived as e⁻¹ mod λ(p·q), which
// exists only when e is a valid exponent for these primes, and checkRSA then
// proves p·q = n.
func checkRSAWithoutD(k rsaParts, keyType string) (KeyInfo, Status) {
	if okInt(k.E, 64) && okInt(k.P, maxRSABits) && okInt(k.Q, maxRSABits) &&
		k.P.Cmp(bigOne) > 0 && k.Q.Cmp(bigOne) > 0 {
		p1 := new(big.Int).Sub(k.P, bigOne)
		q1 := new(big.Int).Sub(k.Q, bigOne)
		g := new(big.Int).GCD(nil, nil, p1, q1)
		lambda := p1.Mul(p1, q1)
		lambda.Div(lambda, g)
		k.D = new(big.Int).ModInverse(k.E, lambda) // nil when gcd(e, λ) ≠ 1
	}
	info, st := checkRSA(k, keyType)
	if st == Validated {
		info.Proof = "p·q=n, p and q prime, e invertible mod λ(n) (no d stored)"
	}
	return info, st
}

// checkRSACutOff judges an RSA key cut off after its first prime: a prime p
// that divides the stored n factors the key, so the leak is real even though the
// rest is missing.
func checkRSACutOff(n, e, p *big.Int, keyType string) (KeyInfo, Status, bool) {
	if !okInt(n, maxRSABits) || !okInt(p, maxRSABits) || p.Cmp(bigOne) <= 0 || p.Cmp(n) >= 0 ||
		new(big.Int).Mod(n, p).Sign() != 0 || !p.ProbablyPrime(0) { // the cheap test first
		return KeyInfo{}, 0, false
	}
	info := KeyInfo{Type: keyType, Bits: n.BitLen(), Note: "cut off after the first prime, which divides n"}
	if okInt(e, 64) && e.Bit(0) == 1 && e.Cmp(bigOne) != 0 {
		info.SPKI = rsaSPKI(n, e, keyType)
	}
	return info, Fragment, true
}

// dsaDomainOK reports whether p, q, g are a DSA domain: q prime, q | p−1, p
// prime and 1 < g < p with g^q ≡ 1 (mod p). A detector uses it when a blob stores
// no y to prove x against, so that bytes after a magic are not taken for a key.
func dsaDomainOK(p, q, g *big.Int) bool {
	if !okInt(p, maxRSABits) || !okInt(q, 512) || !okInt(g, maxRSABits) || g.Cmp(bigOne) <= 0 || g.Cmp(p) >= 0 {
		return false
	}
	if new(big.Int).Mod(new(big.Int).Sub(p, bigOne), q).Sign() != 0 || !q.ProbablyPrime(0) || !p.ProbablyPrime(0) {
		return false
	}
	return new(big.Int).Exp(g, q, p).Cmp(bigOne) == 0
}

// checkRSANoPrimes proves an RSA key stored as n, e, d alone (a JWK may omit
// the primes) by recovering p and q from them: e·d − 1 is a multiple k of
// φ(n)/g with g = gcd(p−1, q−1), k follows from the sizes, φ(n) gives p + q,
// and p, q are the roots of x² − (p+q)·x + n. No modular exponentiation is
// needed, so junk that looks like a key costs microseconds; a d that is not
// the key's recovers nothing.
func checkRSANoPrimes(n, e, d *big.Int, keyType string) (KeyInfo, Status) {
	info := KeyInfo{Type: keyType}
	if !okInt(n, maxRSABits) || n.BitLen() < 256 || !okInt(e, 64) || e.Bit(0) == 0 || e.Cmp(bigOne) == 0 ||
		!okInt(d, maxRSABits) || d.Cmp(n) >= 0 {
		info.Note = "n, e or d missing or out of range"
		return info, Fragment
	}
	if p, q, ok := rsaFactor(n, e, d); ok {
		info, st := checkRSA(rsaParts{N: n, E: e, D: d, P: p, Q: q}, keyType)
		if st == Validated {
			info.Proof = "p, q recovered from n, e, d; " + info.Proof
		}
		return info, st
	}
	info.Bits, info.SPKI = n.BitLen(), rsaSPKI(n, e, keyType)
	info.Note = "d does not factor n: it is not this key's private exponent"
	return info, Unverified
}

// rsaFactor recovers p and q from n, e and d when e·d ≡ 1 (mod φ(n)/g) for a
// small g (d reduced mod φ(n) has g = 1, mod λ(n) has g = gcd(p−1, q−1)).
// Since e·d − 1 = k·φ/g and n − 3√n < φ < n, k = ⌊g(e·d − 1)/n⌋ + 1 as long as
// n is much larger than (e·g)², which the callers' sizes ensure.
func rsaFactor(n, e, d *big.Int) (p, q *big.Int, ok bool) {
	edm1 := new(big.Int).Mul(e, d)
	edm1.Sub(edm1, bigOne)
	if n.BitLen() < 2*(e.BitLen()+8)+8 {
		return nil, nil, false
	}
	t, k, phi, rem := new(big.Int), new(big.Int), new(big.Int), new(big.Int)
	s, disc, r := new(big.Int), new(big.Int), new(big.Int)
	for g := int64(1); g <= 256; g++ {
		t.Mul(edm1, big.NewInt(g))
		k.Div(t, n)
		k.Add(k, bigOne)
		phi.QuoRem(t, k, rem)
		if rem.Sign() != 0 {
			continue
		}
		s.Sub(n, phi) // p + q = n − φ + 1
		s.Add(s, bigOne)
		disc.Mul(s, s) // (p − q)² = (p + q)² − 4n
		disc.Sub(disc, r.Lsh(n, 2))
		if disc.Sign() < 0 {
			continue
		}
		r.Sqrt(disc)
		if new(big.Int).Mul(r, r).Cmp(disc) != 0 {
			continue
		}
		p = new(big.Int).Sub(s, r)
		p.Rsh(p, 1)
		q = new(big.Int).Add(s, r)
		q.Rsh(q, 1)
		if p.Sign() > 0 && new(big.Int).Mul(p, q).Cmp(n) == 0 {
			return p, q, true
		}
	}
	return nil, nil, false
}
