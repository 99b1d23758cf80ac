package detectors

import (
	"encoding/binary"
	"math/big"
	"testing"

	"dumpguard/internal/keys"
)

// The builders below lay keys out as bcrypt.h and wincrypt.h document them:
// CNG headers are little-endian ULONGs followed by big-endian numbers; CAPI
// blobs are a BLOBHEADER, an RSAPUBKEY or DSSPUBKEY, then little-endian numbers.

func le32(v ...uint32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	return b
}

// cngRSABlob builds a BCRYPT_RSA{PUBLIC,PRIVATE,FULLPRIVATE}_BLOB.
func cngRSABlob(k *pkcs1, magic string) []byte {
	bits := k.N.BitLen()
	cbN, cbP := (bits+7)/8, (bits/2+7)/8
	e := k.E.Bytes()
	priv := magic != magicRSAPublic
	var cbPrime uint32
	if priv {
		cbPrime = uint32(cbP)
	}
	b := append([]byte(magic), le32(uint32(bits), uint32(len(e)), uint32(cbN), cbPrime, cbPrime)...)
	b = append(b, e...)
	b = append(b, fixed(k.N, cbN)...)
	if priv {
		b = append(b, fixed(k.P, cbP)...)
		b = append(b, fixed(k.Q, cbP)...)
	}
	if magic == magicRSAFull {
		for _, x := range []*big.Int{k.Dp, k.Dq, k.Qinv} {
			b = append(b, fixed(x, cbP)...)
		}
		b = append(b, fixed(k.D, cbN)...)
	}
	return b
}

// cngECBlob builds a BCRYPT_ECCKEY_BLOB: magic, cbKey, X, Y and (private) d.
func cngECBlob(k rawKey, magic string, private bool) []byte {
	b := append([]byte(magic), le32(uint32(k.ec.Size()))...)
	b = append(b, k.point[1:]...)
	if private {
		b = append(b, k.d...)
	}
	return b
}

// capiRSABlob builds a PRIVATEKEYBLOB (or PUBLICKEYBLOB) for CALG_RSA_KEYX.
func capiRSABlob(k *pkcs1, public bool) []byte {
	bits := k.N.BitLen()
	b := []byte{capiPrivateKeyBlob, capiBlobVersion, 0, 0, 0x00, 0xa4, 0, 0}
	magic := magicRSAPrivate
	if public {
		b[0], magic = capiPublicKeyBlob, magicRSAPublic
	}
	b = append(b, magic...)
	b = append(b, le32(uint32(bits), uint32(k.E.Int64()))...)
	b = append(b, fixedLE(k.N, bits/8)...)
	if public {
		return b
	}
	for _, x := range []*big.Int{k.P, k.Q, k.Dp, k.Dq, k.Qinv} {
		b = append(b, fixedLE(x, bits/16)...)
	}
	return append(b, fixedLE(k.D, bits/8)...)
}

// capiDSSBlob builds a version 2 DSS PRIVATEKEYBLOB with no seed.
func capiDSSBlob(k *opensslDSA) []byte {
	bits := k.P.BitLen()
	b := []byte{capiPrivateKeyBlob, capiBlobVersion, 0, 0, 0x00, 0x22, 0, 0}
	b = append(b, magicDSSPrivate...)
	b = append(b, le32(uint32(bits))...)
	b = append(b, fixedLE(k.P, bits/8)...)
	b = append(b, fixedLE(k.Q, 20)...)
	b = append(b, fixedLE(k.G, bits/8)...)
	b = append(b, fixedLE(k.X, 20)...)
	b = append(b, le32(0xffffffff)...) // DSSSEED.counter: no seed
	return append(b, make([]byte, 20)...)
}

type blobCase struct {
	name    string
	det     Detector
	blob    []byte
	status  keys.Status
	spki    string
	flip    int         // byte to flip; negative counts from the end
	flipped keys.Status // status after the flip; 0 means no hit
	short   keys.Status // status one byte short; 0 means no hit
	half    keys.Status // status cut off halfway; 0 means no hit
}

func blobCases(t *testing.T) []blobCase {
	tks := rawKeys(t)
	rsa2048, rsa1024 := tks["rsa2048.pkcs1.pem"], tks["rsa1024.pkcs8.pem"]
	p256, p384, p521, k256 := tks["p256.sec1.pem"], tks["p384.sec1.pem"], tks["p521.sec1.pem"], tks["k256.sec1.pem"]
	dsa := tks["dsa1024-q160.pem"]
	cng, capi := CNGBlob{}, CAPIBlob{}
	return []blobCase{
		// RSA2: flipping the low bit of q makes it even; p still factors n.
		{"rsa2048/RSA2", cng, cngRSABlob(rsa2048.rsa, "RSA2"), keys.Validated, rsa2048.spki, -1, keys.Fragment, keys.Fragment, 0},
		{"rsa1024/RSA2", cng, cngRSABlob(rsa1024.rsa, "RSA2"), keys.Validated, rsa1024.spki, -1, keys.Fragment, keys.Fragment, 0},
		{"rsa2048/RSA3", cng, cngRSABlob(rsa2048.rsa, "RSA3"), keys.Validated, rsa2048.spki, -1, keys.Unverified, keys.Fragment, keys.Fragment},
		{"rsa1024/RSA3", cng, cngRSABlob(rsa1024.rsa, "RSA3"), keys.Validated, rsa1024.spki, -1, keys.Unverified, keys.Fragment, keys.Fragment},
		{"p256/ECS2", cng, cngECBlob(p256, "ECS2", true), keys.Validated, p256.spki, -1, keys.Unverified, 0, 0},
		{"p256/ECK2", cng, cngECBlob(p256, "ECK2", true), keys.Validated, p256.spki, -1, keys.Unverified, 0, 0},
		{"p256/ECDV", cng, cngECBlob(p256, "ECDV", true), keys.Validated, p256.spki, -1, keys.Unverified, 0, 0},
		{"p384/ECS4", cng, cngECBlob(p384, "ECS4", true), keys.Validated, p384.spki, -1, keys.Unverified, 0, 0},
		{"p521/ECK6", cng, cngECBlob(p521, "ECK6", true), keys.Validated, p521.spki, -1, keys.Unverified, 0, 0},
		{"k256/ECKV", cng, cngECBlob(k256, "ECKV", true), keys.Validated, k256.spki, -1, keys.Unverified, 0, 0},
		// Flipping in the point (X) leaves it off the curve: nothing to believe.
		{"p256/ECS2 point", cng, cngECBlob(p256, "ECS2", true), keys.Validated, p256.spki, 8, 0, 0, 0},
		// CAPI RSA: the last byte is the top of d (little-endian).
		{"rsa2048/capi", capi, capiRSABlob(rsa2048.rsa, false), keys.Validated, rsa2048.spki, -1, keys.Unverified, keys.Fragment, keys.Fragment},
		{"rsa1024/capi", capi, capiRSABlob(rsa1024.rsa, false), keys.Validated, rsa1024.spki, -1, keys.Unverified, keys.Fragment, keys.Fragment},
		// Flipping the low bit of p (little-endian: its first byte) makes it even.
		{"rsa2048/capi p", capi, capiRSABlob(rsa2048.rsa, false), keys.Validated, rsa2048.spki, 20 + 256, keys.Fragment, keys.Fragment, keys.Fragment},
		// A flip in dp (little-endian: its low byte) breaks only the CRT values.
		{"rsa2048/capi dp", capi, capiRSABlob(rsa2048.rsa, false), keys.Validated, rsa2048.spki, 20 + 256 + 2*128, keys.Unverified, keys.Fragment, keys.Fragment},
		// CNG RSA3: qinv sits before d; its last byte is qinv's low byte.
		{"rsa2048/RSA3 qinv", cng, cngRSABlob(rsa2048.rsa, "RSA3"), keys.Validated, rsa2048.spki, -257, keys.Unverified, keys.Fragment, keys.Fragment},
		// DSS2 stores no y: Unverified at best. A flip in g breaks the domain.
		{"dsa1024/capi", capi, capiDSSBlob(dsa.dsa), keys.Unverified, dsa.spki, 16 + 128 + 20 + 5, 0, 0, 0},
	}
}

func TestBlobKeys(t *testing.T) {
	for _, tt := range blobCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			buf := plant(tt.blob, 1000, 1000+len(tt.blob)+300)
			hits := tt.det.Detect(nil, buf)
			checkBlobHits(t, hits, len(buf), 1, 1000, tt.det.Name(), tt.status, tt.spki)
			if hits[0].Len != len(tt.blob) {
				t.Errorf("Len = %d, want %d", hits[0].Len, len(tt.blob))
			}
			// At the very start of the buffer, and alone.
			checkBlobHits(t, tt.det.Detect(nil, tt.blob), len(tt.blob), 1, 0, tt.det.Name(), tt.status, tt.spki)
			// Twice in a row: both found.
			two := append(append(junk(3, 100), tt.blob...), tt.blob...)
			if got := len(tt.det.Detect(nil, two)); got != 2 {
				t.Errorf("Detect(two blobs) = %d hits, want 2", got)
			}
		})
	}
}

func TestBlobDamaged(t *testing.T) {
	for _, tt := range blobCases(t) {
		at := tt.flip
		if at < 0 {
			at += len(tt.blob)
		}
		for _, c := range []struct {
			name string
			data []byte
			want keys.Status
		}{
			{"flipped", flipBit(tt.blob, at), tt.flipped},
			{"one byte short", tt.blob[:len(tt.blob)-1], tt.short},
			{"cut off halfway", tt.blob[:len(tt.blob)/2], tt.half},
		} {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				// The buffer ends where the data does: a window edge.
				buf := append(junk(5, 777), c.data...)
				hits := tt.det.Detect(nil, buf)
				n := 0
				if c.want != 0 {
					n = 1
				}
				checkBlobHits(t, hits, len(buf), n, 777, tt.det.Name(), c.want, "")
			})
		}
	}
}

func TestBlobMarkersAlone(t *testing.T) {
	tks := rawKeys(t)
	rsa2048, p256 := tks["rsa2048.pkcs1.pem"], tks["p256.sec1.pem"]
	tests := []struct {
		name string
		data []byte
	}{
		{"magic table", []byte("RSA1\x00RSA2\x00RSA3\x00ECS1ECS2ECS3ECS4ECS5ECS6ECK2ECDVDSS2\x00\x00\x00\x00")},
		{"rsa2 header then junk", append(append([]byte("RSA2"), le32(2048, 3, 256, 128, 128)...), junk(9, 700)...)},
		{"rsa3 header then zeros", append(append([]byte("RSA3"), le32(2048, 3, 256, 128, 128)...), make([]byte, 1300)...)},
		{"ecs2 header then junk", append([]byte("ECS2\x20\x00\x00\x00"), junk(10, 96)...)},
		{"ecs2 header then zeros", append([]byte("ECS2\x20\x00\x00\x00"), make([]byte, 96)...)},
		{"eckv header then junk", append([]byte("ECKV\x20\x00\x00\x00"), junk(11, 96)...)},
		{"capi header then junk", append([]byte{7, 2, 0, 0, 0, 0xa4, 0, 0, 'R', 'S', 'A', '2', 0, 4, 0, 0, 1, 0, 1, 0}, junk(12, 1200)...)},
		{"dss2 header then junk", append([]byte{7, 2, 0, 0, 0, 0x22, 0, 0, 'D', 'S', 'S', '2', 0, 4, 0, 0}, junk(13, 400)...)},
		{"cng public rsa", cngRSABlob(rsa2048.rsa, magicRSAPublic)},
		{"cng public ec", cngECBlob(p256, "ECS1", false)},
		{"capi public rsa", capiRSABlob(rsa2048.rsa, true)},
		{"rsa2 without blobheader", capiRSABlob(rsa2048.rsa, false)[8:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := append(junk(2, 333), tt.data...)
			for _, d := range []Detector{CNGBlob{}, CAPIBlob{}} {
				if hits := d.Detect(nil, buf); len(hits) != 0 {
					t.Errorf("%s.Detect = %d hits (%+v), want 0", d.Name(), len(hits), hits[0])
				}
			}
		})
	}
}

func TestParsePublicBlob(t *testing.T) {
	tks := rawKeys(t)
	rsa2048, rsa1024 := tks["rsa2048.pkcs1.pem"], tks["rsa1024.pkcs8.pem"]
	p256, p384, p521, k256 := tks["p256.sec1.pem"], tks["p384.sec1.pem"], tks["p521.sec1.pem"], tks["k256.sec1.pem"]
	tests := []struct {
		name  string
		blob  []byte
		ok    bool
		typ   string
		curve keys.Curve
		spki  string
	}{
		{"cng RSA1 2048", cngRSABlob(rsa2048.rsa, magicRSAPublic), true, "rsa", keys.NoCurve, rsa2048.spki},
		{"cng RSA1 1024", cngRSABlob(rsa1024.rsa, magicRSAPublic), true, "rsa", keys.NoCurve, rsa1024.spki},
		{"cng ECS1", cngECBlob(p256, "ECS1", false), true, "ec", keys.P256, p256.spki},
		{"cng ECS3", cngECBlob(p384, "ECS3", false), true, "ec", keys.P384, p384.spki},
		{"cng ECS5", cngECBlob(p521, "ECS5", false), true, "ec", keys.P521, p521.spki},
		{"cng ECK1", cngECBlob(p256, "ECK1", false), true, "ec", keys.P256, p256.spki},
		{"cng ECK3", cngECBlob(p384, "ECK3", false), true, "ec", keys.P384, p384.spki},
		{"cng ECK5", cngECBlob(p521, "ECK5", false), true, "ec", keys.P521, p521.spki},
		{"cng ECDP 384", cngECBlob(p384, "ECDP", false), true, "ec", keys.P384, p384.spki},
		{"capi PUBLICKEYBLOB 1024", capiRSABlob(rsa1024.rsa, true), true, "rsa", keys.NoCurve, rsa1024.spki},
		{"capi PUBLICKEYBLOB 2048", capiRSABlob(rsa2048.rsa, true), true, "rsa", keys.NoCurve, rsa2048.spki},
		// A generic magic with 32-byte coordinates names two curves.
		{"cng ECKP 256 ambiguous", cngECBlob(k256, "ECKP", false), false, "", 0, ""},
		{"cng ECS1 with a P-384 point", cngECBlob(p384, "ECS1", false), false, "", 0, ""},
		{"cng private rsa", cngRSABlob(rsa2048.rsa, magicRSAPrivate), false, "", 0, ""},
		{"cng private ec", cngECBlob(p256, "ECS2", true), false, "", 0, ""},
		{"capi private rsa", capiRSABlob(rsa1024.rsa, false), false, "", 0, ""},
		{"cng ECS1 off curve", flipBit(cngECBlob(p256, "ECS1", false), 20), false, "", 0, ""},
		{"cng RSA1 even modulus", flipBit(cngRSABlob(rsa2048.rsa, magicRSAPublic), 24+3+255), false, "", 0, ""},
		{"cng RSA1 cut off", cngRSABlob(rsa2048.rsa, magicRSAPublic)[:100], false, "", 0, ""},
		{"capi cut off", capiRSABlob(rsa1024.rsa, true)[:100], false, "", 0, ""},
		{"empty", nil, false, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// As the harvest meets it: the blob, then other bytes.
			buf := append(append([]byte(nil), tt.blob...), junk(1, 64)...)
			if !tt.ok {
				buf = tt.blob
			}
			pub, n, ok := ParsePublicBlob(buf)
			if ok != tt.ok {
				t.Fatalf("ParsePublicBlob ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if n != len(tt.blob) || pub.Type != tt.typ || pub.Curve != tt.curve || pub.SPKI.String() != tt.spki {
				t.Errorf("ParsePublicBlob = %s %v %s, n %d; want %s %v %s, n %d", pub.Type, pub.Curve, pub.SPKI, n, tt.typ, tt.curve, tt.spki, len(tt.blob))
			}
			if (pub.N != nil) == (pub.Point != nil) {
				t.Errorf("ParsePublicBlob: want exactly one of N (%v) and Point (%x)", pub.N, pub.Point)
			}
		})
	}
}

func TestBlobAllocatesNothingOnMiss(t *testing.T) {
	buf := junk(7, 1<<20)
	for _, d := range []Detector{CNGBlob{}, CAPIBlob{}} {
		if allocs := testing.AllocsPerRun(10, func() { d.Detect(nil, buf) }); allocs != 0 {
			t.Errorf("%s.Detect on random bytes allocated %v times, want 0", d.Name(), allocs)
		}
	}
}

func FuzzBlob(f *testing.F) {
	tks := rawKeys(f)
	rsa1024, p256, dsa := tks["rsa1024.pkcs8.pem"], tks["p256.sec1.pem"], tks["dsa1024-q160.pem"]
	f.Add(cngRSABlob(rsa1024.rsa, "RSA2"))
	f.Add(cngRSABlob(rsa1024.rsa, "RSA3"))
	f.Add(cngRSABlob(rsa1024.rsa, "RSA1"))
	f.Add(cngECBlob(p256, "ECS2", true))
	f.Add(cngECBlob(p256, "ECDV", true))
	f.Add(capiRSABlob(rsa1024.rsa, false))
	f.Add(capiRSABlob(rsa1024.rsa, true))
	f.Add(capiDSSBlob(dsa.dsa))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, d := range []Detector{CNGBlob{}, CAPIBlob{}} {
			for _, h := range d.Detect(nil, b) {
				if h.Off < 0 || h.Len <= 0 || h.Off+h.Len > len(b) {
					t.Fatalf("%s: hit %d+%d outside the %d-byte input", d.Name(), h.Off, h.Len, len(b))
				}
				if h.Status < keys.Fragment || h.Status > keys.Validated {
					t.Fatalf("%s: bad status %v", d.Name(), h.Status)
				}
			}
		}
		if pub, n, ok := ParsePublicBlob(b); ok && (n > len(b) || n <= 0 || pub.SPKI.IsZero()) {
			t.Fatalf("ParsePublicBlob = len %d, SPKI %s on a %d-byte input", n, pub.SPKI, len(b))
		}
	})
}
