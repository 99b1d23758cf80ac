package keys

// A Scheme is the encryption scheme of an encrypted key, from a fixed set of
// names: "pbes2-pbkdf2-aes256-cbc", "aes256-ctr+bcrypt", "pem-des-ede3-cbc".
// Detectors name a scheme with [SchemeByName]; a name outside the set is
// UnknownScheme, so text found in a dump (a PEM DEK-Info header, an OpenSSH
// cipher name) never reaches a report. The zero value, NoScheme, is "not
// encrypted".
type Scheme uint8

// The schemes that are not a name in the set.
const (
	NoScheme      Scheme = 0
	UnknownScheme Scheme = 1
)

// The parts the scheme names are made of, as each encoding spells them.
var (
	// PKCS#5 PBES1 and PKCS#12 password-based schemes (one OID each).
	pbes1Schemes = []string{
		"pbes1-md2-des-cbc", "pbes1-md5-des-cbc", "pbes1-md2-rc2-cbc", "pbes1-md5-rc2-cbc",
		"pbes1-sha1-rc2-cbc", "pbes1-sha1-des-cbc",
		"pkcs12-sha1-rc4-128", "pkcs12-sha1-rc4-40", "pkcs12-sha1-3des-cbc", "pkcs12-sha1-2des-cbc",
		"pkcs12-sha1-rc2-128-cbc", "pkcs12-sha1-rc2-40-cbc",
	}
	// PBES2: "pbes2-" kdf "-" cipher.
	pbes2KDFs    = []string{"pbkdf2", "scrypt", "unknown-kdf"}
	pbes2Ciphers = []string{
		"aes128-cbc", "aes192-cbc", "aes256-cbc", "aes128-gcm", "aes192-gcm", "aes256-gcm",
		"aes128-ccm", "aes192-ccm", "aes256-ccm", "des-ede3-cbc", "des-cbc", "rc2-cbc", "rc5-cbc",
		"sm4-cbc", "camellia128-cbc", "camellia192-cbc", "camellia256-cbc",
		"aria128-cbc", "aria192-cbc", "aria256-cbc", "unknown-cipher",
	}
	// Legacy PEM encryption: "pem-" and OpenSSL's DEK-Info cipher name, lower
	// case; "pem-unknown-cipher" when there is no DEK-Info.
	pemCiphers = []string{
		"aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "des-cbc", "des-ede-cbc", "des-ede3-cbc",
		"desx-cbc", "rc2-cbc", "rc2-40-cbc", "rc2-64-cbc", "bf-cbc", "cast5-cbc", "idea-cbc",
		"seed-cbc", "camellia-128-cbc", "camellia-192-cbc", "camellia-256-cbc",
		"aria-128-cbc", "aria-192-cbc", "aria-256-cbc", "sm4-cbc", "unknown-cipher",
	}
	// OpenSSH private keys: cipher "+" kdf.
	sshCiphers = []string{
		"3des-cbc", "aes128-cbc", "aes192-cbc", "aes256-cbc", "aes128-ctr", "aes192-ctr", "aes256-ctr",
		"aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com",
	}
	sshKDFs = []string{"bcrypt", "none"}
	// PuTTY PPK: the encryption alone (version 2) or "+" the Argon2 flavour (version 3).
	puttySchemes = []string{"aes256-cbc", "aes256-cbc+argon2id", "aes256-cbc+argon2i", "aes256-cbc+argon2d"}
	// PKCS#12 SafeContents in CMS EnvelopedData (public-key encrypted).
	cmsSchemes = []string{"cms-enveloped"}
	// OpenPGP secret keys: "openpgp-" cipher, "-s2k" when a string-to-key specifier protects it.
	pgpCiphers = []string{"idea", "3des", "cast5", "blowfish", "aes128", "aes192", "aes256", "twofish",
		"camellia128", "camellia192", "camellia256"}
)

var schemeNames, schemeIndex = buildSchemes()

func buildSchemes() ([]string, map[string]Scheme) {
	names := []string{NoScheme: "", UnknownScheme: "unknown"}
	names = append(names, pbes1Schemes...)
	for _, k := range pbes2KDFs {
		for _, c := range pbes2Ciphers {
			names = append(names, "pbes2-"+k+"-"+c)
		}
	}
	for _, c := range pemCiphers {
		names = append(names, "pem-"+c)
	}
	for _, c := range sshCiphers {
		for _, k := range sshKDFs {
			names = append(names, c+"+"+k)
		}
	}
	names = append(names, puttySchemes...)
	names = append(names, cmsSchemes...)
	for _, c := range pgpCiphers {
		names = append(names, "openpgp-"+c, "openpgp-"+c+"-s2k")
	}
	index := make(map[string]Scheme, len(names))
	for i, n := range names[UnknownScheme+1:] {
		if _, dup := index[n]; !dup {
			index[n] = Scheme(i) + UnknownScheme + 1
		}
	}
	return names, index
}

// SchemeByName returns the scheme called name, or UnknownScheme when name is
// not in the set (whatever it is: any length, any bytes).
func SchemeByName(name string) Scheme {
	if s, ok := schemeIndex[name]; ok {
		return s
	}
	return UnknownScheme
}

// String is the scheme's name, "" for NoScheme and "unknown" for
// UnknownScheme or a value outside the set.
func (s Scheme) String() string {
	if int(s) < len(schemeNames) {
		return schemeNames[s]
	}
	return "unknown"
}

// MarshalText is [Scheme.String].
func (s Scheme) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
