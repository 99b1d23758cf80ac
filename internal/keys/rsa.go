package keys

import (
	"crypto/sha256"
	"math/big"
	"sync"
)

// MaxRSABits bounds the integers a hostile input can make us test for primality.
const MaxRSABits = 16384

// RSA holds the numbers of an RSA private key as a detector found them; nil
// means absent.
type RSA struct {
	N, E, D, P, Q *big.Int
	// Dp, Dq and Qinv are the CRT values when the encoding stores them; a
	// key whose stored ones are wrong is not Validated.
	Dp, Dq, Qinv *big.Int
}

var bigOne = big.NewInt(1)

// IntOK reports whether x is present, positive and at most maxBits long: the
// range check every number read from a dump passes before any arithmetic.
func IntOK(x *big.Int, maxBits int) bool { return x != nil && x.Sign() > 0 && x.BitLen() <= maxBits }

// ProveRSA proves an RSA key of keyType ("rsa" or "rsa-pss", which names its
// SPKI algorithm). Validated needs p and q probable primes, p·q = n
// and e·d ≡ 1 (mod λ(n)). With primes that disagree with n or d the key is still a
// leak (Unverified, fingerprinted as p·q, the key the primes make); with neither
// it is a Fragment.
func ProveRSA(k RSA, keyType string) (KeyInfo, Status) {
	// Primality tests of large primes take up to seconds, and the same key
	// turns up again and again: in every core of a program that embeds it (the
	// openssl tool carries RSA keys up to 15360 bits for its speed test), and
	// twice where two windows overlap. Remember recent results.
	id := rsaCacheKey(k, keyType)
	if r, ok := rsaCache.get(id); ok {
		return r.info, r.status
	}
	info, st := proveRSAUncached(k, keyType)
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
func rsaCacheKey(k RSA, keyType string) [32]byte {
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

func proveRSAUncached(k RSA, keyType string) (KeyInfo, Status) {
	info := KeyInfo{Type: keyType}
	if !IntOK(k.N, MaxRSABits) {
		info.Note = "modulus missing or out of range"
		return info, Fragment
	}
	info.Bits = k.N.BitLen()
	e := k.E
	if !IntOK(e, 64) || e.Bit(0) == 0 || e.Cmp(bigOne) == 0 {
		e = nil
	}
	// Cheap checks first: p and q in range, and their sizes adding up to n's
	// (a flipped bit in n keeps its size). Primality tests of a hostile
	// input's big numbers would otherwise cost a second each.
	sized := IntOK(k.P, MaxRSABits) && IntOK(k.Q, MaxRSABits) &&
		k.P.Cmp(bigOne) > 0 && k.Q.Cmp(bigOne) > 0 &&
		abs(k.P.BitLen()+k.Q.BitLen()-k.N.BitLen()) <= 1
	primes := sized && rsaPrimes(k)
	if !primes {
		info.Note = "p or q is not prime"
		if e != nil {
			info.SPKI = RSASPKI(k.N, e, keyType)
		}
		return info, Fragment
	}
	pq := new(big.Int).Mul(k.P, k.Q)
	nOK := pq.Cmp(k.N) == 0
	dOK := false
	if e != nil && IntOK(k.D, MaxRSABits) {
		dOK = rsaExponentOK(e, k.D, k.P, k.Q)
	}
	info.Bits = pq.BitLen()
	if e != nil {
		info.SPKI = RSASPKI(pq, e, keyType)
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
func rsaCRTOK(k RSA) bool {
	if k.D == nil || k.P == nil || k.Q == nil || k.P.Cmp(bigOne) <= 0 || k.Q.Cmp(bigOne) <= 0 {
		return true // nothing to check against; ProveRSA judges d, p and q
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
func rsaPrimes(k RSA) bool {
	if k.N.BitLen() <= primeTestBits {
		return k.P.ProbablyPrime(0) && k.Q.ProbablyPrime(0)
	}
	if new(big.Int).Mul(k.P, k.Q).Cmp(k.N) != 0 || !IntOK(k.E, 64) || !IntOK(k.D, MaxRSABits) {
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

// ProveRSAWithoutD proves an RSA key that carries its primes but no private
// exponent (a CNG BCRYPT_RSAPRIVATE_BLOB): d is derived as e⁻¹ mod λ(p·q), which
// exists only when e is a valid exponent for these primes, and ProveRSA then
// proves p·q = n.
func ProveRSAWithoutD(k RSA, keyType string) (KeyInfo, Status) {
	if IntOK(k.E, 64) && IntOK(k.P, MaxRSABits) && IntOK(k.Q, MaxRSABits) &&
		k.P.Cmp(bigOne) > 0 && k.Q.Cmp(bigOne) > 0 {
		p1 := new(big.Int).Sub(k.P, bigOne)
		q1 := new(big.Int).Sub(k.Q, bigOne)
		g := new(big.Int).GCD(nil, nil, p1, q1)
		lambda := p1.Mul(p1, q1)
		lambda.Div(lambda, g)
		k.D = new(big.Int).ModInverse(k.E, lambda) // nil when gcd(e, λ) ≠ 1
	}
	info, st := ProveRSA(k, keyType)
	if st == Validated {
		info.Proof = "p·q=n, p and q prime, e invertible mod λ(n) (no d stored)"
	}
	return info, st
}

// RSACutOff judges an RSA key cut off after its first prime: a prime p
// that divides the stored n factors the key, so the leak is real even though the
// rest is missing.
func RSACutOff(n, e, p *big.Int, keyType string) (KeyInfo, Status, bool) {
	if !IntOK(n, MaxRSABits) || !IntOK(p, MaxRSABits) || p.Cmp(bigOne) <= 0 || p.Cmp(n) >= 0 ||
		new(big.Int).Mod(n, p).Sign() != 0 || !p.ProbablyPrime(0) { // the cheap test first
		return KeyInfo{}, 0, false
	}
	info := KeyInfo{Type: keyType, Bits: n.BitLen(), Note: "cut off after the first prime, which divides n"}
	if IntOK(e, 64) && e.Bit(0) == 1 && e.Cmp(bigOne) != 0 {
		info.SPKI = RSASPKI(n, e, keyType)
	}
	return info, Fragment, true
}

// ProveRSANoPrimes proves an RSA key stored as n, e, d alone (a JWK may omit
// the primes) by recovering p and q from them: e·d − 1 is a multiple k of
// φ(n)/g with g = gcd(p−1, q−1), k follows from the sizes, φ(n) gives p + q,
// and p, q are the roots of x² − (p+q)·x + n. No modular exponentiation is
// needed, so junk that looks like a key costs microseconds; a d that is not
// the key's recovers nothing.
func ProveRSANoPrimes(n, e, d *big.Int, keyType string) (KeyInfo, Status) {
	info := KeyInfo{Type: keyType}
	if !IntOK(n, MaxRSABits) || n.BitLen() < 256 || !IntOK(e, 64) || e.Bit(0) == 0 || e.Cmp(bigOne) == 0 ||
		!IntOK(d, MaxRSABits) || d.Cmp(n) >= 0 {
		info.Note = "n, e or d missing or out of range"
		return info, Fragment
	}
	if p, q, ok := rsaFactor(n, e, d); ok {
		info, st := ProveRSA(RSA{N: n, E: e, D: d, P: p, Q: q}, keyType)
		if st == Validated {
			info.Proof = "p, q recovered from n, e, d; " + info.Proof
		}
		return info, st
	}
	info.Bits, info.SPKI = n.BitLen(), RSASPKI(n, e, keyType)
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
