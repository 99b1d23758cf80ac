package detectors

import (
	"bytes"
	"encoding/asn1"
	"strings"
	"testing"

	"dumpguard/internal/keys"
)

func TestPKCS12Files(t *testing.T) {
	tks := loadKeys(t)
	tests := []struct {
		file   string
		status keys.Status
		typ    string
		scheme string
		noSPKI bool
		cutDER string // what DER finds in the file cut one byte short
	}{
		{"p256.plain.p12", keys.Validated, "ec", "", false, "der-pkcs8"},
		{"rsa1024.p12", keys.Encrypted, "", "pbes2-pbkdf2-aes256-cbc", true, "der-pkcs8-encrypted"},
		{"p256.legacy.p12", keys.Encrypted, "", "pkcs12-sha1-3des-cbc", true, "der-pkcs8-encrypted"},
	}
	for _, tt := range tests {
		k := tks[tt.file]
		want := k.spki
		if tt.noSPKI {
			want = ""
		}
		for _, form := range []struct {
			name string
			buf  []byte
			off  int
		}{
			{"after junk", plant(k.pem, 1000, 1000+len(k.pem)+500), 1000},
			{"cut exactly at its end", plant(k.pem, 99, 99+len(k.pem)), 99},
		} {
			t.Run(tt.file+"/"+form.name, func(t *testing.T) {
				hits := PKCS12{}.Detect(nil, form.buf)
				if len(hits) != 1 {
					t.Fatalf("Detect = %d hits %v, want 1", len(hits), hits)
				}
				h := hits[0]
				if h.Off != form.off || h.Len != len(k.pem) || h.Encoding != "pkcs12" || h.Status != tt.status || h.Key.Type != tt.typ || h.Key.Scheme.String() != tt.scheme {
					t.Errorf("Detect = %d+%d %s %v %s %q (%s), want %d+%d pkcs12 %v %s %q",
						h.Off, h.Len, h.Encoding, h.Status, h.Key.Type, h.Key.Scheme, h.Key.Note,
						form.off, len(k.pem), tt.status, tt.typ, tt.scheme)
				}
				if got := h.Key.SPKI.String(); got != want {
					t.Errorf("SPKI = %q, want %q", got, want)
				}
				if hits := (DER{}).Detect(nil, form.buf); len(hits) != 0 {
					t.Errorf("DER.Detect = %v, want no hit: the PFX is PKCS12's", hits)
				}
			})
		}
		t.Run(tt.file+"/one byte short", func(t *testing.T) {
			buf := plant(k.pem, 99, 99+len(k.pem)-1)
			if hits := (PKCS12{}).Detect(nil, buf); len(hits) != 0 {
				t.Errorf("Detect = %v, want no hit", hits)
			}
			// The key inside is whole: DER reports it on its own.
			hits := DER{}.Detect(nil, buf)
			if len(hits) != 1 || hits[0].Encoding != tt.cutDER || hits[0].Status != tt.status {
				t.Errorf("DER.Detect = %v, want one %s %v", hits, tt.cutDER, tt.status)
			}
		})
	}
}

// DER builders for synthetic PFX files.

func tlvOf(tag byte, parts ...[]byte) []byte {
	c := bytes.Join(parts, nil)
	var h []byte
	switch n := len(c); {
	case n < 0x80:
		h = []byte{tag, byte(n)}
	case n < 0x100:
		h = []byte{tag, 0x81, byte(n)}
	default:
		h = []byte{tag, 0x82, byte(n >> 8), byte(n)}
	}
	return append(h, c...)
}

func oidOf(o asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(o)
	if err != nil {
		panic(err)
	}
	return b
}

func pfxOf(infos ...[]byte) []byte {
	auth := tlvOf(0x30, infos...)
	return tlvOf(0x30, []byte{2, 1, 3}, tlvOf(0x30, oidOf(oidData), tlvOf(0xa0, tlvOf(0x04, auth))))
}

func dataInfoOf(bags ...[]byte) []byte {
	return tlvOf(0x30, oidOf(oidData), tlvOf(0xa0, tlvOf(0x04, tlvOf(0x30, bags...))))
}

func bagOf(id asn1.ObjectIdentifier, value []byte) []byte {
	return tlvOf(0x30, oidOf(id), tlvOf(0xa0, value))
}

// encryptedInfoOf is an EncryptedData ContentInfo under pbeWithSHAAnd40BitRC2-CBC.
func encryptedInfoOf() []byte {
	alg := tlvOf(0x30, oidOf(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}),
		tlvOf(0x30, tlvOf(0x04, junk(9, 8)), []byte{2, 2, 8, 0}))
	return tlvOf(0x30, oidOf(oidEncryptedData), tlvOf(0xa0,
		tlvOf(0x30, []byte{2, 1, 0}, tlvOf(0x30, oidOf(oidData), alg, tlvOf(0x80, junk(10, 200))))))
}

func TestPKCS12Synthetic(t *testing.T) {
	tks := loadKeys(t)
	p256 := derOf(t, tks["p256.pkcs8.pem"])
	enc := derOf(t, tks["rsa1024.enc-pkcs8.pem"])
	keyBag := bagOf(oidKeyBag, p256)
	nested := keyBag
	for range pfxMaxDepth + 2 {
		nested = bagOf(oidSafeContentsBag, tlvOf(0x30, nested))
	}
	weak := []byte("\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20" + strings.Repeat("\x00", 32))
	ber := pfxOf(dataInfoOf(keyBag))
	i := bytes.Index(ber, oidOf(oidData)) + len(oidOf(oidData)) // the authSafe's [0]
	_, hl, _, _ := tlv(ber, i)
	ber[i+hl] = 0x24 // a constructed OCTET STRING
	tests := []struct {
		name   string
		pfx    []byte
		status []keys.Status
		der    int // hits DER makes of it: 0 when PKCS12 owns it
	}{
		{"key bag", pfxOf(dataInfoOf(keyBag)), []keys.Status{keys.Validated}, 0},
		{"two key bags", pfxOf(dataInfoOf(keyBag), dataInfoOf(bagOf(oidShroudedKeyBag, enc))), []keys.Status{keys.Validated, keys.Encrypted}, 0},
		{"key bag in a safe contents bag", pfxOf(dataInfoOf(bagOf(oidSafeContentsBag, tlvOf(0x30, keyBag)))), []keys.Status{keys.Validated}, 0},
		{"only encrypted data", pfxOf(encryptedInfoOf()), []keys.Status{keys.Encrypted}, 0},
		{"key bag and encrypted data", pfxOf(encryptedInfoOf(), dataInfoOf(keyBag)), []keys.Status{keys.Validated}, 0},
		{"no bags", pfxOf(dataInfoOf()), nil, 0},
		{"weak key bag", pfxOf(dataInfoOf(bagOf(oidKeyBag, weak))), nil, 0},
		{"nested too deep", pfxOf(dataInfoOf(nested)), nil, 1},
		{"too many bags", pfxOf(dataInfoOf(bytes.Repeat(keyBag, pfxMaxBags+1))), nil, pfxMaxBags + 1},
		{"ber octet string", ber, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := plant(tt.pfx, 50, 50+len(tt.pfx)+50)
			hits := PKCS12{}.Detect(nil, buf)
			var got []keys.Status
			for _, h := range hits {
				got = append(got, h.Status)
				if h.Off != 50 || h.Len != len(tt.pfx) {
					t.Errorf("hit %d+%d, want 50+%d", h.Off, h.Len, len(tt.pfx))
				}
			}
			if !equalStatus(got, tt.status) {
				t.Errorf("Detect = %v, want %v", got, tt.status)
			}
			if tt.name == "only encrypted data" && len(hits) == 1 && (hits[0].Key.Scheme.String() != "pkcs12-sha1-rc2-40-cbc" || hits[0].Key.Note == "") {
				t.Errorf("scheme %q note %q, want pkcs12-sha1-rc2-40-cbc and a note", hits[0].Key.Scheme, hits[0].Key.Note)
			}
			if n := len(DER{}.Detect(nil, buf)); n != tt.der {
				t.Errorf("DER.Detect = %d hits, want %d", n, tt.der)
			}
		})
	}
}

func equalStatus(a, b []keys.Status) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzPKCS12(f *testing.F) {
	for _, k := range loadKeys(f) {
		if strings.HasSuffix(k.file, ".p12") {
			f.Add(k.pem)
		}
	}
	f.Add(pfxOf(encryptedInfoOf(), dataInfoOf(bagOf(oidSafeContentsBag, tlvOf(0x30)))))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkHits(t, PKCS12{}.Detect(nil, b), b, false)
		checkHits(t, DER{}.Detect(nil, b), b, true)
	})
}
