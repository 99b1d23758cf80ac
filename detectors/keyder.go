package detectors

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"

	"dumpguard/internal/keys"
)

// This file decodes the DER structures a private key is kept in: PKCS#1
// RSAPrivateKey, PKCS#8 PrivateKeyInfo/OneAsymmetricKey, SEC1 ECPrivateKey,
// PKCS#8 EncryptedPrivateKeyInfo and the OpenSSL DSA structure. encoding/asn1 is
// bounded by its input and does not panic on malformed data; these decoders only
// parse, and leave every judgement to package keys.

// A decoded key is the outcome of one decoder: the encoding it was found in, and
// what validation made of it.
type decoded struct {
	Encoding string
	Key      keys.KeyInfo
	Status   keys.Status
	Len      int // bytes of DER consumed
}

type pkcs1 struct {
	Version         int
	N, E, D, P, Q   *big.Int
	Dp, Dq, Qinv    *big.Int
	OtherPrimeInfos asn1.RawValue `asn1:"optional"`
}

type pkcs8 struct {
	Version int
	Algo    pkix.AlgorithmIdentifier
	Key     []byte
	Attrs   asn1.RawValue  `asn1:"optional,tag:0"`
	Pub     asn1.BitString `asn1:"optional,tag:1"`
}

type sec1 struct {
	Version int
	Key     []byte
	Curve   asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	Pub     asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

type encryptedPKCS8 struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type opensslDSA struct {
	Version       int
	P, Q, G, Y, X *big.Int
}

// Algorithm identifiers of PKCS#8 keys.
var (
	oidPBES2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidScrypt  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	cipherOIDs = map[string]string{
		"2.16.840.1.101.3.4.1.2":    "aes128-cbc",
		"2.16.840.1.101.3.4.1.22":   "aes192-cbc",
		"2.16.840.1.101.3.4.1.42":   "aes256-cbc",
		"2.16.840.1.101.3.4.1.6":    "aes128-gcm",
		"2.16.840.1.101.3.4.1.46":   "aes256-gcm",
		"1.2.840.113549.3.7":        "des-ede3-cbc",
		"1.3.14.3.2.7":              "des-cbc",
		"1.2.840.113549.3.2":        "rc2-cbc",
		"1.2.156.10197.1.104.2":     "sm4-cbc",
		"2.16.840.1.101.3.4.1.26":   "aes192-gcm",
		"2.16.840.1.101.3.4.1.7":    "aes128-ccm",
		"2.16.840.1.101.3.4.1.27":   "aes192-ccm",
		"2.16.840.1.101.3.4.1.47":   "aes256-ccm",
		"1.2.840.113549.3.9":        "rc5-cbc",
		"1.2.392.200011.61.1.1.1.2": "camellia128-cbc",
		"1.2.392.200011.61.1.1.1.3": "camellia192-cbc",
		"1.2.392.200011.61.1.1.1.4": "camellia256-cbc",
		"1.2.410.200046.1.1.2":      "aria128-cbc",
		"1.2.410.200046.1.1.7":      "aria192-cbc",
		"1.2.410.200046.1.1.12":     "aria256-cbc",
	}
	pbes1OIDs = map[string]string{
		"1.2.840.113549.1.5.1":    "pbes1-md2-des-cbc",
		"1.2.840.113549.1.5.3":    "pbes1-md5-des-cbc",
		"1.2.840.113549.1.5.4":    "pbes1-md2-rc2-cbc",
		"1.2.840.113549.1.5.6":    "pbes1-md5-rc2-cbc",
		"1.2.840.113549.1.5.11":   "pbes1-sha1-rc2-cbc",
		"1.2.840.113549.1.5.10":   "pbes1-sha1-des-cbc",
		"1.2.840.113549.1.12.1.1": "pkcs12-sha1-rc4-128",
		"1.2.840.113549.1.12.1.2": "pkcs12-sha1-rc4-40",
		"1.2.840.113549.1.12.1.3": "pkcs12-sha1-3des-cbc",
		"1.2.840.113549.1.12.1.4": "pkcs12-sha1-2des-cbc",
		"1.2.840.113549.1.12.1.5": "pkcs12-sha1-rc2-128-cbc",
		"1.2.840.113549.1.12.1.6": "pkcs12-sha1-rc2-40-cbc",
	}
)

// decodePKCS1 decodes an RSAPrivateKey.
func decodePKCS1(der []byte) (decoded, bool) {
	var k pkcs1
	rest, err := asn1.Unmarshal(der, &k)
	if err != nil || (k.Version != 0 && k.Version != 1) {
		return decoded{}, false
	}
	info, st := keys.ProveRSA(keys.RSA{N: k.N, E: k.E, D: k.D, P: k.P, Q: k.Q, Dp: k.Dp, Dq: k.Dq, Qinv: k.Qinv}, "rsa")
	return decoded{"der-pkcs1", info, st, len(der) - len(rest)}, true
}

// decodeSEC1 decodes an ECPrivateKey; curve names it when the structure does not.
// With neither, a stored public point names the curve it proves the key on.
func decodeSEC1(der []byte, c keys.Curve) (decoded, bool) {
	d, _, ok := sec1Key(der, c)
	return d, ok
}

// sec1Key is decodeSEC1 that also says whether the key is weak: a secret that
// nothing could check (no public half stored) and that does not look random,
// as a DER template or placeholder in a library's read-only data does not.
// Detectors without other evidence (a PEM label, say) drop weak keys.
func sec1Key(der []byte, c keys.Curve) (d decoded, weak, ok bool) {
	var k sec1
	rest, err := asn1.Unmarshal(der, &k)
	if err != nil || k.Version != 1 || len(k.Key) == 0 {
		return decoded{}, false, false
	}
	if len(k.Curve) > 0 {
		c = keys.CurveByOID(k.Curve)
	}
	pub := k.Pub.RightAlign()
	if !c.Known() && len(k.Curve) == 0 {
		for _, cc := range keys.Curves {
			if len(pub) != 1+2*cc.Size() && len(pub) != 1+cc.Size() {
				continue
			}
			if info, st := keys.ProveEC(cc, k.Key, pub); st == keys.Validated {
				return decoded{Encoding: "der-sec1", Key: info, Status: st, Len: len(der) - len(rest)}, false, true
			}
		}
	}
	if !c.Known() {
		return decoded{}, false, false
	}
	info, st := keys.ProveEC(c, k.Key, pub)
	weak = len(pub) == 0 && !keys.LooksRandom(k.Key)
	return decoded{Encoding: "der-sec1", Key: info, Status: st, Len: len(der) - len(rest)}, weak, true
}

// decodePKCS8 decodes a PrivateKeyInfo or OneAsymmetricKey.
func decodePKCS8(der []byte) (decoded, bool) {
	d, _, ok := pkcs8Key(der)
	return d, ok
}

// pkcs8Key is decodePKCS8 that also says whether the key is weak (see sec1Key).
func pkcs8Key(der []byte) (d decoded, weak, ok bool) {
	var k pkcs8
	rest, err := asn1.Unmarshal(der, &k)
	if err != nil || (k.Version != 0 && k.Version != 1) {
		return decoded{}, false, false
	}
	d = decoded{Encoding: "der-pkcs8", Len: len(der) - len(rest)}
	pub := k.Pub.RightAlign()
	alg := k.Algo.Algorithm
	switch {
	case alg.Equal(keys.OIDRSA) || alg.Equal(keys.OIDRSAPSS):
		var r pkcs1
		if _, err := asn1.Unmarshal(k.Key, &r); err != nil {
			return decoded{}, false, false
		}
		typ := "rsa"
		if alg.Equal(keys.OIDRSAPSS) {
			typ = "rsa-pss"
		}
		d.Key, d.Status = keys.ProveRSA(keys.RSA{N: r.N, E: r.E, D: r.D, P: r.P, Q: r.Q, Dp: r.Dp, Dq: r.Dq, Qinv: r.Qinv}, typ)
	case alg.Equal(keys.OIDECPublic):
		var curveOID asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(k.Algo.Parameters.FullBytes, &curveOID); err != nil {
			return decoded{}, false, false
		}
		c := keys.CurveByOID(curveOID)
		if !c.Known() {
			return decoded{}, false, false
		}
		s, w, ok := sec1Key(k.Key, c)
		if !ok {
			return decoded{}, false, false
		}
		d.Key, d.Status, weak = s.Key, s.Status, w
	case alg.Equal(keys.OIDEd25519), alg.Equal(keys.OIDX25519):
		var seed []byte
		if _, err := asn1.Unmarshal(k.Key, &seed); err != nil {
			return decoded{}, false, false
		}
		if alg.Equal(keys.OIDEd25519) {
			d.Key, d.Status = keys.ProveEd25519(seed, pub)
		} else {
			d.Key, d.Status = keys.ProveX25519(seed, pub)
		}
		weak = len(pub) == 0 && !keys.LooksRandom(seed)
	case alg.Equal(keys.OIDEd448), alg.Equal(keys.OIDX448):
		var priv []byte
		if _, err := asn1.Unmarshal(k.Key, &priv); err != nil || (len(priv) != 57 && len(priv) != 56) {
			return decoded{}, false, false
		}
		// No Ed448/X448 arithmetic in the standard library: the key is well
		// formed but cannot be checked.
		d.Key = keys.KeyInfo{Type: "ed448", Bits: 456, Note: "no Ed448 arithmetic to check the key with"}
		if alg.Equal(keys.OIDX448) {
			d.Key = keys.KeyInfo{Type: "x448", Bits: 448, Note: "no X448 arithmetic to check the key with"}
		}
		if len(pub) > 0 {
			d.Key.SPKI = keys.OKPSPKI(alg, pub)
		}
		d.Status = keys.Unverified
		weak = len(pub) == 0 && !keys.LooksRandom(priv)
	case alg.Equal(keys.OIDDSA):
		var params struct{ P, Q, G *big.Int }
		var x *big.Int
		if _, err := asn1.Unmarshal(k.Algo.Parameters.FullBytes, &params); err != nil {
			return decoded{}, false, false
		}
		if _, err := asn1.Unmarshal(k.Key, &x); err != nil {
			return decoded{}, false, false
		}
		d.Key, d.Status = keys.ProveDSA(keys.DSA{P: params.P, Q: params.Q, G: params.G, X: x})
	default:
		return decoded{}, false, false
	}
	return d, weak, true
}

// decodeEncryptedPKCS8 decodes an EncryptedPrivateKeyInfo and names its scheme.
func decodeEncryptedPKCS8(der []byte) (decoded, bool) {
	var k encryptedPKCS8
	rest, err := asn1.Unmarshal(der, &k)
	if err != nil || len(k.Data) < 8 {
		return decoded{}, false
	}
	scheme, ok := encryptionScheme(k.Algo)
	if !ok {
		return decoded{}, false
	}
	info := keys.KeyInfo{Scheme: scheme, Note: "encrypted: key type unknown until decrypted"}
	return decoded{"der-pkcs8-encrypted", info, keys.Encrypted, len(der) - len(rest)}, true
}

// encryptionScheme names a PBES1/PBES2/PKCS#12 encryption algorithm.
func encryptionScheme(a pkix.AlgorithmIdentifier) (keys.Scheme, bool) {
	if name, ok := pbes1OIDs[a.Algorithm.String()]; ok {
		return keys.SchemeByName(name), true
	}
	if !a.Algorithm.Equal(oidPBES2) {
		return keys.NoScheme, false
	}
	var p struct{ KDF, Cipher pkix.AlgorithmIdentifier }
	if _, err := asn1.Unmarshal(a.Parameters.FullBytes, &p); err != nil {
		return keys.NoScheme, false
	}
	kdf := "unknown-kdf"
	switch {
	case p.KDF.Algorithm.Equal(oidPBKDF2):
		kdf = "pbkdf2"
	case p.KDF.Algorithm.Equal(oidScrypt):
		kdf = "scrypt"
	}
	cipher, ok := cipherOIDs[p.Cipher.Algorithm.String()]
	if !ok {
		cipher = "unknown-cipher"
	}
	return keys.SchemeByName("pbes2-" + kdf + "-" + cipher), true
}

// decodeOpenSSLDSA decodes OpenSSL's traditional DSA private key structure.
func decodeOpenSSLDSA(der []byte) (decoded, bool) {
	var k opensslDSA
	rest, err := asn1.Unmarshal(der, &k)
	if err != nil || k.Version != 0 {
		return decoded{}, false
	}
	info, st := keys.ProveDSA(keys.DSA{P: k.P, Q: k.Q, G: k.G, Y: k.Y, X: k.X})
	return decoded{"der-dsa", info, st, len(der) - len(rest)}, true
}

// decodeAnyDER tries every private-key structure in turn.
func decodeAnyDER(der []byte) (decoded, bool) {
	for _, dec := range []func([]byte) (decoded, bool){
		decodePKCS8, decodePKCS1, decodeEncryptedPKCS8, decodeOpenSSLDSA,
		func(b []byte) (decoded, bool) { return decodeSEC1(b, keys.NoCurve) },
	} {
		if d, ok := dec(der); ok {
			return d, true
		}
	}
	return decoded{}, false
}
