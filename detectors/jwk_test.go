package detectors

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"dumpguard/internal/keys"
)

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func b64i(x *big.Int) string { return b64u(x.Bytes()) }

// jwkMembers returns the members of a private JWK for a test key, in RFC 7638
// order (the order the thumbprint uses; "d" comes first).
func jwkMembers(k rawKey) [][2]string {
	switch {
	case k.rsa != nil:
		r := k.rsa
		return [][2]string{{"d", b64i(r.D)}, {"dp", b64i(r.Dp)}, {"dq", b64i(r.Dq)}, {"e", b64i(r.E)},
			{"kty", "RSA"}, {"n", b64i(r.N)}, {"p", b64i(r.P)}, {"q", b64i(r.Q)}, {"qi", b64i(r.Qinv)}}
	case k.ec != keys.NoCurve:
		crv := k.ec.String()
		return [][2]string{{"crv", crv}, {"d", b64u(k.d)}, {"kty", "EC"},
			{"x", b64u(k.point[1 : 1+k.ec.Size()])}, {"y", b64u(k.point[1+k.ec.Size():])}}
	case k.okp != "":
		crv := map[string]string{"ed25519": "Ed25519", "x25519": "X25519"}[k.okp]
		return [][2]string{{"crv", crv}, {"d", b64u(k.d)}, {"kty", "OKP"}, {"x", b64u(k.point)}}
	}
	return nil
}

// jwkText renders members as a JSON object; sep goes after each ':' and ','.
func jwkText(members [][2]string, sep string) string {
	var sb strings.Builder
	sb.WriteString("{")
	for i, m := range members {
		if i > 0 {
			sb.WriteString("," + sep)
		}
		sb.WriteString(`"` + m[0] + `":` + sep + `"` + m[1] + `"`)
	}
	sb.WriteString("}")
	return sb.String()
}

func without(members [][2]string, names ...string) [][2]string {
	var out [][2]string
	for _, m := range members {
		keep := true
		for _, n := range names {
			keep = keep && m[0] != n
		}
		if keep {
			out = append(out, m)
		}
	}
	return out
}

// mapValues rewrites the base64url values (not kty or crv) with r.
func mapValues(members [][2]string, r *strings.Replacer) [][2]string {
	out := append([][2]string(nil), members...)
	for i := range out {
		if out[i][0] != "kty" && out[i][0] != "crv" {
			out[i][1] = r.Replace(out[i][1])
		}
	}
	return out
}

func reversedMembers(members [][2]string) [][2]string {
	out := append([][2]string(nil), members...)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func TestJWKKeys(t *testing.T) {
	tks := rawKeys(t)
	tests := []struct {
		file   string
		typ    string
		status keys.Status
	}{
		{"rsa2048.pkcs1.pem", "rsa", keys.Validated},
		{"rsa1024.pkcs8.pem", "rsa", keys.Validated},
		{"p256.sec1.pem", "ec", keys.Validated},
		{"p384.sec1.pem", "ec", keys.Validated},
		{"p521.sec1.pem", "ec", keys.Validated},
		{"k256.sec1.pem", "ec", keys.Validated},
		{"ed25519.pkcs8.pem", "ed25519", keys.Validated},
		{"x25519.pkcs8.pem", "x25519", keys.Validated},
	}
	for _, tt := range tests {
		k := tks[tt.file]
		m := jwkMembers(k)
		escaped := jwkText(mapValues(m, strings.NewReplacer("-", `\u002d`, "_", `\u005F`)), "")
		std := jwkText(mapValues(m, strings.NewReplacer("-", "+", "_", `\/`)), "")
		jwks := `{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"},` + jwkText(m, "") + `]}`
		for _, form := range []struct {
			name, enc, text string
			off             int // of the object within text
		}{
			{"compact", "jwk", jwkText(m, ""), 0},
			{"pretty", "jwk", strings.ReplaceAll(jwkText(m, "\n  "), "{", "{\n  "), 0},
			{"reversed", "jwk", jwkText(reversedMembers(m), " "), 0},
			{"extra members", "jwk", jwkText(append([][2]string{{"kid", "k1"}, {"use", "sig"}}, m...), "")[:1] +
				`"key_ops":["sign", "verify"],"ext":true,"n1":-1.5e3,"obj":{"a":{"b":"c"}},` + jwkText(m, "")[1:], 0},
			{"escaped", "jwk", escaped, 0},
			{"standard alphabet", "jwk", std, 0},
			{"in jwks", "jwk", jwks, strings.Index(jwks, jwkText(m, ""))},
			{"json string", "jwk", `{"jwk":` + strconv.Quote(jwkText(m, "\n  ")) + `}`, 8},
			{"json string, standard alphabet", "jwk", `{"jwk":` + strconv.Quote(std) + `}`, 8},
			{"utf16le", "jwk-utf16le", string(utf16le(jwkText(reversedMembers(m), " "))), 0},
		} {
			t.Run(tt.file+"/"+form.name, func(t *testing.T) {
				buf := plant([]byte(form.text), 1000, 1000+len(form.text)+500)
				hits := JWK{}.Detect(nil, buf)
				want := 1000 + form.off
				if form.enc == "jwk-utf16le" {
					want = 1000 + 2*form.off
				}
				checkBlobHits(t, hits, len(buf), 1, want, form.enc, tt.status, k.spki)
				if hits[0].Key.Type != tt.typ {
					t.Errorf("Type = %s, want %s", hits[0].Key.Type, tt.typ)
				}
				if form.name == "compact" && hits[0].Len != len(form.text) {
					t.Errorf("Len = %d, want %d", hits[0].Len, len(form.text))
				}
				if want := len(form.text) - len(`{"jwk":"`) - len(`"}`); strings.HasPrefix(form.name, "json string") && hits[0].Len != want {
					t.Errorf("Len = %d, want %d", hits[0].Len, want) // the escaped text, in the buffer's bytes
				}
			})
		}
	}
}

func TestJWKSymmetric(t *testing.T) {
	secret, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	text := `{"kty":"oct","alg":"HS256","k":"` + b64u(secret) + `"}`
	hits := JWK{}.Detect(nil, plant([]byte(text), 10, 200))
	checkBlobHits(t, hits, 200, 1, 10, "jwk", keys.Unverified, "")
	want := sha256.Sum256([]byte(`{"k":"` + b64u(secret) + `","kty":"oct"}`))
	if h := hits[0]; h.Key.Type != "symmetric" || h.Key.Bits != 256 || keys.Fingerprint(want) != h.Key.Thumbprint || !h.Key.SPKI.IsZero() {
		t.Errorf("Detect = %s/%d thumbprint %s SPKI %s, want symmetric/256 thumbprint %x and no SPKI",
			h.Key.Type, h.Key.Bits, h.Key.Thumbprint, h.Key.SPKI, want)
	}
	// RFC 7638 section 3.5 gives no oct example; check the canonical form is
	// what we hash by recomputing it from the RFC 7517 A.3 example key.
	rfc := `{"kty":"oct","alg":"A128KW","k":"GawgguFyGrWKav7AX4VKUg"}`
	h := JWK{}.Detect(nil, []byte(rfc))
	if len(h) != 1 || h[0].Key.Thumbprint != sha256.Sum256([]byte(`{"k":"GawgguFyGrWKav7AX4VKUg","kty":"oct"}`)) {
		t.Errorf("Detect(RFC 7517 A.3) = %+v", h)
	}
}

// flipMember flips one bit of a middle character of a member's value; letters
// and digits stay in the base64url alphabet.
func flipMember(members [][2]string, name string) [][2]string {
	out := append([][2]string(nil), members...)
	for i := range out {
		if out[i][0] == name {
			v := []byte(out[i][1])
			v[len(v)/2] ^= 1
			out[i][1] = string(v)
		}
	}
	return out
}

// withD replaces the d member.
func withD(members [][2]string, d string) [][2]string {
	out := append([][2]string(nil), members...)
	for i := range out {
		if out[i][0] == "d" {
			out[i][1] = d
		}
	}
	return out
}

// dModLambda returns e⁻¹ mod lcm(p−1, q−1) in base64url: the other private
// exponent encoders use (the test keys have e⁻¹ mod (p−1)(q−1)).
func dModLambda(k *pkcs1) string {
	p1, q1 := new(big.Int).Sub(k.P, big.NewInt(1)), new(big.Int).Sub(k.Q, big.NewInt(1))
	g := new(big.Int).GCD(nil, nil, p1, q1)
	lambda := new(big.Int).Div(new(big.Int).Mul(p1, q1), g)
	return b64i(new(big.Int).ModInverse(k.E, lambda))
}

func TestJWKDamaged(t *testing.T) {
	tks := rawKeys(t)
	rsa := jwkMembers(tks["rsa2048.pkcs1.pem"])
	ec := jwkMembers(tks["p256.sec1.pem"])
	ed := jwkMembers(tks["ed25519.pkcs8.pem"])
	flipD := func(m [][2]string) [][2]string { return flipMember(m, "d") }
	dLast := func(m [][2]string) [][2]string {
		for _, v := range m {
			if v[0] == "d" {
				return append(without(m, "d"), v)
			}
		}
		return nil
	}
	rsaText, ecText := jwkText(dLast(rsa), ""), jwkText(dLast(ec), "")
	tests := []struct {
		name   string
		text   string
		want   int
		status keys.Status
	}{
		{"rsa flipped d", jwkText(flipD(rsa), ""), 1, keys.Unverified},
		{"rsa flipped dp", jwkText(flipMember(rsa, "dp"), ""), 1, keys.Unverified},
		{"rsa flipped qi", jwkText(flipMember(rsa, "qi"), ""), 1, keys.Unverified},
		{"ec flipped d", jwkText(flipD(ec), ""), 1, keys.Unverified},
		{"ed25519 flipped d", jwkText(flipD(ed), ""), 1, keys.Unverified},
		{"rsa no primes", jwkText(without(rsa, "p", "q", "dp", "dq", "qi"), ""), 1, keys.Validated},
		{"rsa no primes, d mod λ", jwkText(withD(without(rsa, "p", "q", "dp", "dq", "qi"), dModLambda(tks["rsa2048.pkcs1.pem"].rsa)), ""), 1, keys.Validated},
		{"rsa no primes flipped d", jwkText(without(flipD(rsa), "p", "q", "dp", "dq", "qi"), ""), 1, keys.Unverified},
		{"ec without public point", jwkText(without(ec, "x", "y"), ""), 1, keys.Unverified},
		{"rsa two bytes short", rsaText[:len(rsaText)-2], 1, keys.Fragment},                  // cuts the closing quote of d
		{"rsa missing brace", jwkText(rsa, "")[:len(jwkText(rsa, ""))-1], 1, keys.Validated}, // every member is there
		{"rsa cut in d", rsaText[:len(rsaText)-100], 1, keys.Fragment},
		{"ec cut in d", ecText[:len(ecText)-20], 1, keys.Fragment},
		{"ec cut early in d", ecText[:len(ecText)-35], 0, 0}, // 8 characters of d: too little
		{"rsa public", jwkText(without(rsa, "d", "p", "q", "dp", "dq", "qi"), ""), 0, 0},
		{"ec public", jwkText(without(ec, "d"), ""), 0, 0},
		{"kty alone", `"kty"`, 0, 0},
		{"kty value", `{"crit":["kty"],"d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, 0, 0},
		{"kty rsa with d junk", `{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, 1, keys.Fragment},
		{"short oct", `{"kty":"oct","k":"c2VjcmV0"}`, 0, 0},
		{"unknown kty", `{"kty":"XYZ","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := append(junk(1, 300), tt.text...)
			checkBlobHits(t, JWK{}.Detect(nil, buf), len(buf), tt.want, 300, "jwk", tt.status, "")
		})
	}
}

// A key whose opening brace lies before the buffer belongs to the previous
// window; one that runs past the end is judged on what is there.
func TestJWKWindowEdges(t *testing.T) {
	tks := rawKeys(t)
	text := jwkText(jwkMembers(tks["rsa2048.pkcs1.pem"]), "")
	kty := strings.Index(text, `"kty"`)
	if hits := (JWK{}).Detect(nil, []byte(text[1:])); len(hits) != 0 {
		t.Errorf("Detect(brace before the buffer) = %d hits, want 0", len(hits))
	}
	if hits := (JWK{}).Detect(nil, []byte(text[kty-3:])); len(hits) != 0 {
		t.Errorf("Detect(anchor near the start) = %d hits, want 0", len(hits))
	}
	cut := []byte(text[:kty+20])
	checkBlobHits(t, JWK{}.Detect(nil, cut), len(cut), 1, 0, "jwk", keys.Fragment, "")
	u := utf16le(text)
	cu := u[:len(u)/2]
	checkBlobHits(t, JWK{}.Detect(nil, cu), len(cu), 1, 0, "jwk-utf16le", keys.Fragment, "")
}

func TestJWKAllocatesNothingOnMiss(t *testing.T) {
	buf := junk(7, 1<<20)
	if allocs := testing.AllocsPerRun(10, func() { JWK{}.Detect(nil, buf) }); allocs != 0 {
		t.Errorf("Detect on random bytes allocated %v times, want 0", allocs)
	}
	pub := bytes.Repeat([]byte(`{"kty":"RSA","e":"AQAB","n":"`+strings.Repeat("A", 342)+`"} `), 100)
	if hits := (JWK{}).Detect(nil, pub); len(hits) != 0 {
		t.Errorf("Detect(public tks) = %d hits, want 0", len(hits))
	}
}

func FuzzJWK(f *testing.F) {
	for _, k := range rawKeys(f) {
		if m := jwkMembers(k); m != nil {
			f.Add([]byte(jwkText(m, " ")))
		}
	}
	f.Add([]byte(`{"kty":"oct","k":"\u002d\/AAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed448","d":"AA","x":"AA"},{"a":[{"}":"{"}],"kty":"EC"}]}`))
	f.Add(utf16le(`{"kty":"OKP","crv":"X25519","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, h := range (JWK{}).Detect(nil, b) {
			if h.Off < 0 || h.Len <= 0 || h.Off+h.Len > len(b) {
				t.Fatalf("hit %d+%d outside the %d-byte input", h.Off, h.Len, len(b))
			}
			if h.Status < keys.Fragment || h.Status > keys.Validated {
				t.Fatalf("bad status %v", h.Status)
			}
		}
	})
}

// TestJWKBracesInStrings checks that a brace inside a string member before
// "kty" does not hide the key's object.
func TestJWKBracesInStrings(t *testing.T) {
	m := jwkMembers(rawKeys(t)["p256.sec1.pem"])
	for _, kid := range []string{`a}b`, `{{`, `}}}`, `a\"}\"b`, `x\\`} {
		text := `{"kid":"` + kid + `",` + jwkText(m, "")[1:]
		buf := append(junk(3, 200), text...)
		hits := JWK{}.Detect(nil, buf)
		if len(hits) != 1 || hits[0].Off != 200 || hits[0].Status != keys.Validated {
			t.Errorf("kid %q: hits %+v, want one validated at 200", kid, hits)
		}
	}
}

// TestJWKCurveVocabulary checks that a JWK's curve in a hit is one of keys'
// curves or "unknown", never the "crv" text of the dump, which can carry
// anything (here the base64url of a private scalar, or terminal escapes).
func TestJWKCurveVocabulary(t *testing.T) {
	p256 := rawKeys(t)["p256.sec1.pem"]
	secret := b64u(junk(9, 32))
	for _, tt := range []struct {
		name, crv string
		want      keys.Curve
		status    keys.Status
	}{
		{"P-256", "P-256", keys.P256, keys.Validated},
		{"base64url of a scalar", secret, keys.UnknownCurve, keys.Fragment},
		// A raw control byte ends a JWK's text: no key, so no curve either.
		{"escape bytes", "\x1b[2JP-256\x1b[0m", 0, 0},
		{"escaped escape", `P-256\u001b[2J`, keys.UnknownCurve, keys.Fragment},
		{"lower case", "p-256", keys.UnknownCurve, keys.Fragment},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := jwkMembers(p256)
			for i := range m {
				if m[i][0] == "crv" {
					m[i][1] = tt.crv
				}
			}
			buf := append(junk(3, 100), jwkText(m, "")...)
			hits := JWK{}.Detect(nil, buf)
			if want := min(int(tt.status), 1); len(hits) != want {
				t.Fatalf("Detect = %d hits, want %d", len(hits), want)
			}
			if len(hits) == 0 {
				return
			}
			h := hits[0]
			if h.Key.Curve != tt.want || h.Status != tt.status || h.Key.Type != "ec" {
				t.Errorf("hit = %s %v %v, want ec %v %v", h.Key.Type, h.Key.Curve, h.Status, tt.want, tt.status)
			}
			if c := h.Key.Curve.String(); c != "P-256" && c != "unknown" {
				t.Errorf("curve %q is not from the vocabulary", c)
			}
		})
	}
}
