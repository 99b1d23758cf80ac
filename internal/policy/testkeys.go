package policy

// A TestKey is a private key published with a program, such as the RSA keys
// compiled into the openssl binary for "openssl speed". A dump that holds one
// leaks nothing secret, so it is reported as a known test key and blocks
// only under --strict. Sites add their own through the policy file's
// "test_keys".
type TestKey struct {
	SPKI   string `json:"spki_sha256"` // SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex
	Source string `json:"source"`      // where the key is published
}

// KnownTestKeys returns the built-in list. It was made by searching the
// read-only data of /usr/bin/openssl (Debian 12, OpenSSL 3.0.19) for DER
// RSAPrivateKey structures (30 82 .. .. 02 01 00 02 82), parsing each with
// x509.ParsePKCS1PrivateKey and hashing the DER of its public half; the keys
// are the arrays of OpenSSL's apps/testrsa.h, which every OpenSSL 1.x and 3.x
// build of the openssl tool carries. See the README for how to extend it.
func KnownTestKeys() []TestKey {
	const speed = "OpenSSL apps/testrsa.h (openssl speed): "
	return []TestKey{
		{"7055066ee3969c25d66c1b891c252e83db653ae6834cd60e49250a4af73a97fe", speed + "test512, RSA-512, compiled into the openssl binary"},
		{"0ea7caf9dd07fd79fe22ceb5efbbd7d4445d231e92ee1bf3b2a022eaffb00495", speed + "test1024, RSA-1024, compiled into the openssl binary"},
		{"a6fdc2c6d07aa877e3ac360c2ce5efb69ab7dce2fd8df3c1bce0564b17114bc2", speed + "test2048, RSA-2048, compiled into the openssl binary"},
		{"01e67e56244b43b668e2b9a697daaafcfb501fa78de2fcc4aa32bdae6dd94af6", speed + "test3072, RSA-3072, compiled into the openssl binary"},
		{"adadc3246bb4830551c6da143d7462727967bda53059ae6f152323b0aba69595", speed + "test4096, RSA-4096, compiled into the openssl binary"},
		{"d2d8c7d1de1e118e810c15eb7f8d9560a433e15cd55eac52aade81d6669cf133", speed + "test7680, RSA-7680, compiled into the openssl binary"},
		{"cebf59a465ccd9c42a7f7f6a789cc741d43cacbc502587ed1c5f0f4e445f1c39", speed + "test15360, RSA-15360, compiled into the openssl binary"},
	}
}
