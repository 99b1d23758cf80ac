package keys

import (
	"crypto/sha512"
	_ "embed"
)

// Ed25519 public keys from seeds by a fixed-base comb whose table is
// committed, not built. crypto/ed25519 builds its base-point table on first
// use, one field inversion per point: 0.8 to 1.3 ms of CPU in every process,
// the largest single cost of scanning a small dump. ed25519_table.bin holds
// v·16^j·B for every 4-bit digit v = 1..15 and position j = 0..63 (960
// points, 90 KiB), so s·B is at most 64 mixed additions and one inversion:
// 9.8 µs a key against crypto/ed25519's 13.7 µs once its table is built,
// and 20 to 30 µs for a process's first, which faults in the table's pages.
// Like comb.go it is not constant-time: it derives the public halves of
// numbers read from a dump, and never signs. TestEd25519Public and
// FuzzEd25519Public check it against crypto/ed25519.
//
// Each point is affine (x, y) stored as y + x, y − x and 2d·x·y, 32
// little-endian bytes each, below p: the three values the mixed addition in
// addPre needs, read from the embedded bytes as they are. The file is made
// by the package's own code (TestEd25519Table fails if it differs, and
// TestEd25519TableBig checks every entry with math/big); to make it again:
//
//	go test ./internal/keys -run '^TestEd25519Table$' -update

//go:embed ed25519_table.bin
var ed25519Table []byte

const (
	edPointSize = 3 * 32
	edRowSize   = 15 * edPointSize
)

// edPoint is a point of edwards25519 (−x² + y² = 1 + d·x²·y²) in extended
// coordinates: x = X/Z, y = Y/Z, x·y = T/Z.
type edPoint struct{ x, y, z, t edElt }

// addPre sets q = q + P for the table entry b of P. The a = −1 addition of
// Hisil, Wong, Carter and Dawson (2008) with Z₂ = 1: seven multiplications,
// and complete, so q may be the identity or P itself.
func (q *edPoint) addPre(b []byte) {
	var ypx, ymx, t2d, a, bb, c, d, e, f, g, h edElt
	edLoad(&ypx, b[0:])
	edLoad(&ymx, b[32:])
	edLoad(&t2d, b[64:])
	edSub(&a, &q.y, &q.x)
	edMul(&a, &a, &ymx)
	edAdd(&bb, &q.y, &q.x)
	edMul(&bb, &bb, &ypx)
	edMul(&c, &q.t, &t2d)
	edAdd(&d, &q.z, &q.z)
	edSub(&e, &bb, &a)
	edSub(&f, &d, &c)
	edAdd(&g, &d, &c)
	edAdd(&h, &bb, &a)
	edMul(&q.x, &e, &f)
	edMul(&q.y, &g, &h)
	edMul(&q.t, &e, &h)
	edMul(&q.z, &f, &g)
}

// Ed25519PublicFromSeed returns the public key of an Ed25519 private key
// given by its 32-byte seed, as crypto/ed25519.NewKeyFromSeed(seed)[32:]
// would, or false if seed is not 32 bytes (RFC 8032, section 5.1.5).
func Ed25519PublicFromSeed(seed []byte) ([]byte, bool) {
	if len(seed) != 32 {
		return nil, false
	}
	h := sha512.Sum512(seed)
	// The scalar s: the low half little-endian, its three low bits cleared,
	// bit 255 cleared and bit 254 set.
	h[0] &= 248
	h[31] &= 127
	h[31] |= 64
	// s·B as the sum of the table's s_j·16^j·B over s's hex digits s_j.
	q := edPoint{y: edElt{1}, z: edElt{1}}
	for j := range 64 {
		if v := int(h[j/2] >> (4 * (j & 1)) & 15); v != 0 {
			off := j*edRowSize + (v-1)*edPointSize
			q.addPre(ed25519Table[off : off+edPointSize])
		}
	}
	// Encoded as y, with x's low bit in the top bit.
	var zi, x, y edElt
	edInvert(&zi, &q.z)
	edMul(&x, &q.x, &zi)
	edMul(&y, &q.y, &zi)
	pub := make([]byte, 32)
	edPut(pub, &y)
	edCanon(&x, &x)
	pub[31] |= byte(x[0]&1) << 7
	return pub, true
}
