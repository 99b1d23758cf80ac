package detectors

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"dumpguard/internal/keys"
)

// derOf returns the DER inside a test key's PEM file.
func derOf(t testing.TB, k testKey) []byte {
	t.Helper()
	p, _ := pem.Decode(k.pem)
	if p == nil {
		t.Fatalf("%s: no PEM block", k.file)
	}
	return p.Bytes
}

// derCase is what DER must make of one test key.
type derCase struct {
	file    string
	enc     string
	status  keys.Status
	typ     string
	bits    int
	noSPKI  bool        // the key carries nothing to fingerprint it by
	short   keys.Status // one byte short: Fragment, or 0 for no hit
	shortFP bool        // the fragment still names the key
}

var derCases = []derCase{
	{"rsa2048.pkcs1.pem", "der-pkcs1", keys.Validated, "rsa", 2048, false, keys.Fragment, true},
	{"rsa2048.pkcs8.pem", "der-pkcs8", keys.Validated, "rsa", 2048, false, keys.Fragment, true},
	{"rsa1024.pkcs8.pem", "der-pkcs8", keys.Validated, "rsa", 1024, false, keys.Fragment, true},
	{"rsapss1024.pkcs8.pem", "der-pkcs8", keys.Validated, "rsa-pss", 1024, false, keys.Fragment, true},
	{"p224.pkcs8.pem", "der-pkcs8", keys.Validated, "ec", 224, false, keys.Fragment, true},
	{"p256.pkcs8.pem", "der-pkcs8", keys.Validated, "ec", 256, false, keys.Fragment, true},
	{"p256.sec1.pem", "der-sec1", keys.Validated, "ec", 256, false, keys.Fragment, true},
	{"p384.sec1.pem", "der-sec1", keys.Validated, "ec", 384, false, keys.Fragment, true},
	{"p521.sec1.pem", "der-sec1", keys.Validated, "ec", 521, false, keys.Fragment, true},
	{"k256.sec1.pem", "der-sec1", keys.Validated, "ec", 256, false, keys.Fragment, true},
	{"ed25519.pkcs8.pem", "der-pkcs8", keys.Unverified, "ed25519", 256, false, 0, false},
	{"x25519.pkcs8.pem", "der-pkcs8", keys.Unverified, "x25519", 256, false, 0, false},
	{"ed448.pkcs8.pem", "der-pkcs8", keys.Unverified, "ed448", 456, true, 0, false},
	{"x448.pkcs8.pem", "der-pkcs8", keys.Unverified, "x448", 448, true, 0, false},
	{"dsa1024.pem", "der-dsa", keys.Validated, "dsa", 1024, false, keys.Fragment, true},
	{"dsa1024.pkcs8.pem", "der-pkcs8", keys.Unverified, "dsa", 1024, false, 0, false},
	{"rsa1024.enc-pkcs8.pem", "der-pkcs8-encrypted", keys.Encrypted, "", 0, true, keys.Fragment, false},
}

func TestDERKeys(t *testing.T) {
	tks := loadKeys(t)
	for _, tt := range derCases {
		k := tks[tt.file]
		der := derOf(t, k)
		want := k.spki
		if tt.noSPKI {
			want = ""
		}
		for _, form := range []struct {
			name string
			buf  []byte
			off  int
		}{
			{"after junk", plant(der, 1000, 1000+len(der)+500), 1000},
			{"after zeros", append(make([]byte, 4096), der...), 4096},
			{"at buffer start", append(bytes.Clone(der), junk(3, 100)...), 0},
			{"cut exactly at its end", plant(der, 777, 777+len(der)), 777},
		} {
			t.Run(tt.file+"/"+form.name, func(t *testing.T) {
				hits := DER{}.Detect(nil, form.buf)
				if len(hits) != 1 {
					t.Fatalf("Detect = %d hits %v, want 1", len(hits), hits)
				}
				h := hits[0]
				if h.Off != form.off || h.Len != len(der) || h.Encoding != tt.enc || h.Status != tt.status || h.Key.Type != tt.typ || h.Key.Bits != tt.bits {
					t.Errorf("Detect = %d+%d %s %v %s/%d (%s), want %d+%d %s %v %s/%d",
						h.Off, h.Len, h.Encoding, h.Status, h.Key.Type, h.Key.Bits, h.Key.Note,
						form.off, len(der), tt.enc, tt.status, tt.typ, tt.bits)
				}
				if got := h.Key.SPKI.String(); got != want {
					t.Errorf("SPKI = %q, want %q", got, want)
				}
			})
		}
		t.Run(tt.file+"/one byte short", func(t *testing.T) {
			buf := plant(der, 500, 500+len(der)-1)
			hits := DER{}.Detect(nil, buf)
			switch {
			case tt.short == 0 && len(hits) != 0:
				t.Fatalf("Detect = %v, want no hit", hits)
			case tt.short == 0:
				return
			case len(hits) != 1:
				t.Fatalf("Detect = %d hits %v, want 1", len(hits), hits)
			}
			h := hits[0]
			if h.Off != 500 || h.Len != len(der)-1 || h.Status != tt.short || h.Encoding != tt.enc {
				t.Errorf("Detect = %d+%d %s %v, want 500+%d %s %v", h.Off, h.Len, h.Encoding, h.Status, len(der)-1, tt.enc, tt.short)
			}
			if !strings.Contains(h.Key.Note, "cut off") {
				t.Errorf("Note = %q, want it to say cut off", h.Key.Note)
			}
			got, wantFP := h.Key.SPKI.String(), ""
			if tt.shortFP {
				wantFP = k.spki
			}
			if got != wantFP {
				t.Errorf("SPKI = %q, want %q", got, wantFP)
			}
		})
	}
}

// TestDERStartCutOff cuts the first two bytes off each key, as a buffer
// that starts inside it does: the key belongs to the window before, which
// sees it whole. The SEC1 or PKCS#1 key nested in a PKCS#8 one is whole here
// and is found on its own; the scanner hands each window the 256 bytes before
// it as well, so it sees the PKCS#8 prefix (26 to 36 bytes) and reports the
// key once.
func TestDERStartCutOff(t *testing.T) {
	tks := loadKeys(t)
	nested := map[string]string{
		"rsa2048.pkcs8.pem":    "der-pkcs1",
		"rsa1024.pkcs8.pem":    "der-pkcs1",
		"rsapss1024.pkcs8.pem": "der-pkcs1",
		"p224.pkcs8.pem":       "der-sec1",
		"p256.pkcs8.pem":       "der-sec1",
	}
	for _, tt := range derCases {
		t.Run(tt.file, func(t *testing.T) {
			der := derOf(t, tks[tt.file])
			buf := append(bytes.Clone(der[2:]), junk(4, 64)...)
			hits := DER{}.Detect(nil, buf)
			want := nested[tt.file]
			switch {
			case want == "" && len(hits) != 0:
				t.Errorf("Detect = %v, want no hit", hits)
			case want != "" && (len(hits) != 1 || hits[0].Encoding != want || hits[0].Off == 0):
				t.Errorf("Detect = %v, want the nested %s key", hits, want)
			}
		})
	}
}

// TestDERCutAnywhere cuts each key at every length (every seventh for long
// ones): what DER reports of a cut key is a Fragment, or nothing.
func TestDERCutAnywhere(t *testing.T) {
	tks := loadKeys(t)
	for _, tt := range derCases {
		t.Run(tt.file, func(t *testing.T) {
			der := derOf(t, tks[tt.file])
			step := 1 + len(der)/150
			fragments := 0
			for n := 1; n < len(der); n += step {
				buf := append(junk(8, 40), der[:n]...)
				for _, h := range (DER{}).Detect(nil, buf) {
					if h.Status != keys.Fragment || h.Off != 40 || h.Len != n {
						t.Fatalf("cut at %d: %d+%d %s %v, want a fragment at 40+%d", n, h.Off, h.Len, h.Encoding, h.Status, n)
					}
					fragments++
				}
			}
			if tt.short == keys.Fragment && fragments == 0 {
				t.Errorf("no cut made a fragment")
			}
		})
	}
}

// TestDERFlippedBit flips one bit (bit i mod 8) of every byte i of each
// key's numbers in turn: the result may be a lesser hit or none, never
// Validated. (encoding/asn1 reads
// some damaged headers leniently, and a header is not key material, so
// headers, OIDs and versions are left alone.)
func TestDERFlippedBit(t *testing.T) {
	tks := loadKeys(t)
	for _, tt := range derCases {
		if tt.status != keys.Validated {
			continue
		}
		t.Run(tt.file, func(t *testing.T) {
			der := derOf(t, tks[tt.file])
			step := 1
			if len(der) > 400 {
				step = len(der) / 50 // RSA: a sample of the bytes
			}
			flips := 0
			for _, i := range keyMaterial(der) {
				if i%step != 0 {
					continue
				}
				b := plant(der, 64, 64+len(der)+64)
				b[64+i] ^= 1 << (i % 8)
				flips++
				for _, h := range (DER{}).Detect(nil, b) {
					if h.Status == keys.Validated {
						t.Fatalf("bit %d of byte %d flipped: still validated (%s %s)", i%8, i, h.Encoding, h.Key.Proof)
					}
				}
			}
			if flips < 20 {
				t.Fatalf("only %d bits flipped", flips)
			}
		})
	}
}

// keyMaterial returns the offsets of the content bytes of every INTEGER,
// OCTET STRING and BIT STRING in der, descending into constructed values and
// into OCTET STRINGs that hold DER; the one-byte versions are left out.
func keyMaterial(der []byte) []int {
	var out []int
	var walk func(off int, b []byte, emit bool) bool
	walk = func(off int, b []byte, emit bool) bool {
		for i := 0; i < len(b); {
			tag, hl, n, ok := tlv(b, i)
			if !ok || i+hl+n > len(b) {
				return false
			}
			c := i + hl
			switch {
			case tag&0x20 != 0: // constructed
				if !walk(off+c, b[c:c+n], emit) {
					return false
				}
			case tag == 0x04 && n > 2 && (b[c] == 0x30 || b[c] == 0x04) && walk(0, b[c:c+n], false):
				walk(off+c, b[c:c+n], emit)
			case tag == 0x02 && n > 1, tag == 0x04, tag == 0x03:
				first := c
				if tag == 0x03 {
					first++ // the unused-bits count
				}
				for j := first; j < c+n; j++ {
					if emit {
						out = append(out, off+j)
					}
				}
			}
			i = c + n
		}
		return true
	}
	walk(0, der, true)
	return out
}

// TestDERNested checks that a key is reported once however it is wrapped,
// and that the inner key is still found when the wrapper is broken.
func TestDERNested(t *testing.T) {
	tks := loadKeys(t)
	p256 := derOf(t, tks["p256.pkcs8.pem"])
	rsa := derOf(t, tks["rsa1024.pkcs8.pem"])
	broken := func(der []byte, oid string) []byte {
		i := bytes.Index(der, []byte(oid))
		b := bytes.Clone(der)
		b[i+len(oid)-1] ^= 0x40 // an unknown algorithm
		return b
	}
	tests := []struct {
		name string
		der  []byte
		off  int
		enc  string
	}{
		{"pkcs8 around sec1", p256, 0, "der-pkcs8"},
		{"pkcs8 around pkcs1", rsa, 0, "der-pkcs8"},
		{"broken pkcs8 around sec1", broken(p256, "\x2a\x86\x48\xce\x3d\x02\x01"), 29, "der-sec1"},
		{"broken pkcs8 around pkcs1", broken(rsa, "\x86\xf7\x0d\x01\x01\x01"), 26, "der-pkcs1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := plant(tt.der, 100, 100+len(tt.der)+100)
			hits := DER{}.Detect(nil, buf)
			if len(hits) != 1 {
				t.Fatalf("Detect = %d hits %v, want 1", len(hits), hits)
			}
			if h := hits[0]; h.Off != 100+tt.off || h.Encoding != tt.enc || h.Status != keys.Validated {
				t.Errorf("Detect = %d %s %v, want %d %s validated", h.Off, h.Encoding, h.Status, 100+tt.off, tt.enc)
			}
		})
	}
	t.Run("two keys back to back", func(t *testing.T) {
		buf := append(append(bytes.Clone(p256), rsa...), p256...)
		hits := DER{}.Detect(nil, buf)
		if len(hits) != 3 || hits[0].Off != 0 || hits[1].Off != len(p256) || hits[2].Off != len(p256)+len(rsa) {
			t.Errorf("Detect = %v, want 3 hits at 0, %d and %d", hits, len(p256), len(p256)+len(rsa))
		}
	})
}

// TestDERNotKeys plants things that look like keys to a byte search but are
// not: bare algorithm identifiers, OID tables and the DER templates that
// crypto libraries keep in read-only data, in the middle and at the very end
// of a buffer.
func TestDERNotKeys(t *testing.T) {
	ed25519Prefix := []byte("\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20")
	x25519Prefix := []byte("\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x6e\x04\x22\x04\x20")
	p256Template := []byte("\x30\x81\x87\x02\x01\x00\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07\x04\x6d\x30\x6b\x02\x01\x01\x04\x20\xa1\x44\x03\x42\x00")
	rsaAlg := []byte("\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00")
	pbes2 := []byte("\x30\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d")
	oidTable := []byte("\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0c\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x01\x03")
	text := []byte(strings.Repeat("the key is in the request body ", 4))
	cert, spki := testCertificate(t)
	tests := []struct {
		name string
		data []byte
	}{
		{"rsa algorithm identifier", rsaAlg},
		{"pbes2 algorithm identifier", pbes2},
		{"oid table", oidTable},
		{"ed25519 template then zeros", append(bytes.Clone(ed25519Prefix), make([]byte, 64)...)},
		{"ed25519 template then text", append(bytes.Clone(ed25519Prefix), text...)},
		{"ed25519 and x25519 templates then zeros", append(append(bytes.Clone(ed25519Prefix), x25519Prefix...), make([]byte, 48)...)},
		{"p256 template then zeros", append(bytes.Clone(p256Template), make([]byte, 160)...)},
		{"p256 template then text", append(bytes.Clone(p256Template), text...)},
		{"small integers", bytes.Repeat([]byte("\x30\x0c\x02\x01\x00\x02\x01\x01\x02\x01\x01\x04\x01\x00"), 8)},
		{"certificate", cert},
		{"subject public key info", spki},
		{"pfx version alone", []byte("\x30\x82\x02\xf4\x02\x01\x03\x30\x82\x02\xed\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01")},
	}
	for _, tt := range tests {
		for _, where := range []string{"middle", "end"} {
			t.Run(tt.name+"/"+where, func(t *testing.T) {
				buf := append(junk(5, 300), tt.data...)
				if where == "middle" {
					buf = append(buf, junk(6, 300)...)
				}
				for _, d := range []Detector{DER{}, PKCS12{}} {
					if hits := d.Detect(nil, buf); len(hits) != 0 {
						t.Errorf("%s.Detect = %v, want no hit", d.Name(), hits)
					}
				}
				// Whatever the buffer is cut at, still nothing.
				for cut := 300; cut < len(buf); cut += 5 {
					if hits := (DER{}).Detect(nil, buf[:cut]); len(hits) != 0 {
						t.Fatalf("Detect(cut at %d) = %v, want no hit", cut, hits)
					}
				}
			})
		}
	}
}

// testCertificate makes a self-signed P-256 certificate and its public key's SPKI.
func testCertificate(t *testing.T) (cert, spki []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "dumpguard-test"},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Unix(1<<31, 0),
	}
	cert, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	spki, err = x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return cert, spki
}

// TestDERGoKeys checks keys marshalled by the standard library, including
// curves and forms the fixtures lack.
func TestDERGoKeys(t *testing.T) {
	for _, c := range []elliptic.Curve{elliptic.P224(), elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		key, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		sec1, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		want := fingerprintOf(spki)
		for _, form := range []struct {
			enc, name string
			der       []byte
		}{
			{"der-sec1", "sec1", sec1},
			{"der-pkcs8", "pkcs8", pkcs8},
		} {
			t.Run(c.Params().Name+"/"+form.name, func(t *testing.T) {
				hits := DER{}.Detect(nil, plant(form.der, 33, 33+len(form.der)+33))
				if len(hits) != 1 || hits[0].Status != keys.Validated || hits[0].Encoding != form.enc || hits[0].Key.SPKI != want {
					t.Errorf("Detect = %v, want one validated %s with SPKI %s", hits, form.enc, want)
				}
			})
		}
	}
}

// TestDEROneAsymmetricKey checks PKCS#8 v2 keys that carry their public
// key, which proves them, and the v1 ones that do not.
func TestDEROneAsymmetricKey(t *testing.T) {
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub := edPriv.Public().(ed25519.PublicKey)
	xPriv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edSPKI, _ := x509.MarshalPKIXPublicKey(edPub)
	xSPKI, _ := x509.MarshalPKIXPublicKey(xPriv.PublicKey())
	edV1, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	xV1, _ := x509.MarshalPKCS8PrivateKey(xPriv)
	v2 := func(oid byte, priv, pub []byte) []byte {
		return tlvOf(0x30, []byte{2, 1, 1}, []byte{0x30, 5, 6, 3, 0x2b, 0x65, oid},
			tlvOf(0x04, tlvOf(0x04, priv)), tlvOf(0x81, append([]byte{0}, pub...)))
	}
	wrongPub := bytes.Clone(edPub)
	wrongPub[3] ^= 1
	tests := []struct {
		name   string
		der    []byte
		status keys.Status
		spki   []byte
	}{
		{"ed25519 v2", v2(0x70, edPriv.Seed(), edPub), keys.Validated, edSPKI},
		{"ed25519 v2 wrong public key", v2(0x70, edPriv.Seed(), wrongPub), keys.Unverified, edSPKI},
		{"ed25519 v1", edV1, keys.Unverified, edSPKI},
		{"x25519 v2", v2(0x6e, xPriv.Bytes(), xPriv.PublicKey().Bytes()), keys.Validated, xSPKI},
		{"x25519 v1", xV1, keys.Unverified, xSPKI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := DER{}.Detect(nil, plant(tt.der, 10, 10+len(tt.der)+10))
			if len(hits) != 1 || hits[0].Off != 10 || hits[0].Len != len(tt.der) || hits[0].Status != tt.status || hits[0].Key.SPKI != fingerprintOf(tt.spki) {
				t.Errorf("Detect = %v, want one %v hit at 10 with SPKI %s", hits, tt.status, fingerprintOf(tt.spki))
			}
		})
	}
}

func TestDERAllocatesNothingOnMiss(t *testing.T) {
	for _, tt := range []struct {
		name string
		buf  []byte
	}{
		{"random", junk(7, 1<<20)},
		{"zeros", make([]byte, 1<<20)},
		{"text", bytes.Repeat([]byte("GET /api/v1/items HTTP/1.1\r\nContent-Length: 200\r\n"), 1<<14)},
	} {
		for _, d := range []Detector{DER{}, PKCS12{}} {
			if hits := d.Detect(nil, tt.buf); len(hits) != 0 {
				t.Errorf("%s.Detect(%s) = %v, want no hit", d.Name(), tt.name, hits)
			}
			if allocs := testing.AllocsPerRun(5, func() { d.Detect(nil, tt.buf) }); allocs != 0 {
				t.Errorf("%s.Detect(%s) allocated %v times, want 0", d.Name(), tt.name, allocs)
			}
		}
	}
}

// checkHits fails when a hit lies outside b, has no status, or overlaps
// the one before it.
func checkHits(t *testing.T, hits []Hit, b []byte, disjoint bool) {
	t.Helper()
	end := 0
	for _, h := range hits {
		if h.Off < 0 || h.Len <= 0 || h.Off+h.Len > len(b) {
			t.Fatalf("hit %d+%d outside the %d-byte input", h.Off, h.Len, len(b))
		}
		if h.Status < keys.Fragment || h.Status > keys.Validated {
			t.Fatalf("bad status %v", h.Status)
		}
		if disjoint && h.Off < end {
			t.Fatalf("hit at %d overlaps the one before, which ends at %d", h.Off, end)
		}
		end = h.Off + h.Len
	}
}

func FuzzDER(f *testing.F) {
	for _, k := range loadKeys(f) {
		b := k.pem
		if p, _ := pem.Decode(b); p != nil {
			b = p.Bytes
		}
		f.Add(b)
		f.Add(b[:len(b)*2/3])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkHits(t, DER{}.Detect(nil, b), b, true)
	})
}

func fingerprintOf(spki []byte) keys.Fingerprint { return sha256.Sum256(spki) }

// TestSchemeTablesInVocabulary checks that every scheme name the detectors'
// OID and cipher tables can produce is in keys' fixed set, so a known
// algorithm is never reported as "unknown".
func TestSchemeTablesInVocabulary(t *testing.T) {
	var names []string
	for _, n := range pbes1OIDs {
		names = append(names, n)
	}
	for _, kdf := range []string{"pbkdf2", "scrypt", "unknown-kdf"} {
		for _, c := range cipherOIDs {
			names = append(names, "pbes2-"+kdf+"-"+c)
		}
		names = append(names, "pbes2-"+kdf+"-unknown-cipher")
	}
	for _, c := range pgpSymmetric {
		names = append(names, "openpgp-"+c, "openpgp-"+c+"-s2k")
	}
	names = append(names, "pem-unknown-cipher", "cms-enveloped")
	for _, n := range names {
		if s := keys.SchemeByName(n); s.String() != n {
			t.Errorf("SchemeByName(%q) = %q", n, s)
		}
	}
}
