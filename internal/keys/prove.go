package keys

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"math/big"
)

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

// ProveEC proves an EC key on c: 0 < d < order, and d·G equals the stored
// public point (uncompressed or compressed) when there is one. Without a
// stored point the key is Unverified: any d in range is a key, so there is
// nothing to check it against.
func ProveEC(c Curve, d, storedPub []byte) (KeyInfo, Status) {
	info := KeyInfo{Type: "ec", Curve: c, Bits: c.Bits()}
	pub, ok := c.Public(d)
	if !ok {
		info.Note = "scalar is zero or not below the group order"
		if len(storedPub) > 0 && storedPub[0] == 4 && len(storedPub) == 1+2*c.Size() {
			info.SPKI = ECSPKI(c, storedPub)
		}
		return info, Fragment
	}
	info.SPKI = ECSPKI(c, pub)
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

// ProveEd25519 proves an Ed25519 seed against a stored public key.
func ProveEd25519(seed, storedPub []byte) (KeyInfo, Status) {
	info := KeyInfo{Type: "ed25519", Bits: 256}
	if len(seed) != ed25519.SeedSize {
		info.Note = "seed is not 32 bytes"
		return info, Fragment
	}
	pub, _ := Ed25519PublicFromSeed(seed)
	info.SPKI = OKPSPKI(OIDEd25519, pub)
	return matchDerived(info, pub, storedPub, "the seed")
}

// ProveX25519 proves an X25519 private key against a stored public key.
func ProveX25519(priv, storedPub []byte) (KeyInfo, Status) {
	info := KeyInfo{Type: "x25519", Bits: 256}
	k, err := ecdh.X25519().NewPrivateKey(priv)
	if err != nil {
		info.Note = "private key is not 32 bytes"
		return info, Fragment
	}
	pub := k.PublicKey().Bytes()
	info.SPKI = OKPSPKI(OIDX25519, pub)
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

// DSA holds the numbers of a DSA private key as a detector found them; nil
// means absent.
type DSA struct{ P, Q, G, Y, X *big.Int }

// ProveDSA proves a DSA key: 0 < x < q, g of order q (g^q mod p = 1) and y = g^x mod p.
func ProveDSA(k DSA) (KeyInfo, Status) {
	info := KeyInfo{Type: "dsa"}
	if !IntOK(k.P, MaxRSABits) || !IntOK(k.Q, 512) || !IntOK(k.G, MaxRSABits) || !IntOK(k.X, 512) || k.X.Cmp(k.Q) >= 0 {
		info.Note = "domain parameters or x out of range"
		return info, Fragment
	}
	info.Bits = k.P.BitLen()
	y := new(big.Int).Exp(k.G, k.X, k.P)
	info.SPKI = DSASPKI(k.P, k.Q, k.G, y)
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

// DSADomainOK reports whether p, q, g are a DSA domain: q prime, q | p−1, p
// prime and 1 < g < p with g^q ≡ 1 (mod p). A detector uses it when a blob stores
// no y to prove x against, so that bytes after a magic are not taken for a key.
func DSADomainOK(p, q, g *big.Int) bool {
	if !IntOK(p, MaxRSABits) || !IntOK(q, 512) || !IntOK(g, MaxRSABits) || g.Cmp(bigOne) <= 0 || g.Cmp(p) >= 0 {
		return false
	}
	if new(big.Int).Mod(new(big.Int).Sub(p, bigOne), q).Sign() != 0 || !q.ProbablyPrime(0) || !p.ProbablyPrime(0) {
		return false
	}
	return new(big.Int).Exp(g, q, p).Cmp(bigOne) == 0
}
