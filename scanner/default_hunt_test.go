package scanner

import (
	"slices"
	"testing"

	"dumpguard/detectors"
	"dumpguard/internal/keys"
	"dumpguard/internal/testpath"
)

// TestDefaultScanFindsNumbers scans real cores the way `dumpguard scan` does
// with no --pubkeys: every key a process held only as numbers, with no
// certificate or public key encoding in its memory, must be validated, and the
// clean dumps must stay clean.
func TestDefaultScanFindsNumbers(t *testing.T) {
	tests := []struct {
		dump string
		want []string // SPKI SHA-256 of every key the process held
	}{
		{"libssl-wiped-nocert.core.zst", []string{
			"edb04a36e8f01692accbb2238f0795c7dd5c683a9a9743eabceb034522a33d5f", // nocert-rsa2048: modulus, p, q, d as BIGNUM limbs
			"27aeaf034dc5a0e007e9f7288229a36e4e973c382962569430f29d70282ebf8c", // nocert-p256: point in Montgomery form
		}},
		{"libssl-wiped.core.zst", []string{
			"b9f238e1e696e7b214126449b83be5cdb37ddf028357ee7050d702019c2d7174", // wiped-rsa2048 (its certificate is there too)
			"286bf56e9e730bd9e117592b9df4f38c7b5a065614e7bbbac81e7d292ee36d88", // wiped-p256: no certificate
		}},
		{"node-keys.core.zst", []string{ // Node.js 20 crypto.createPrivateKey
			"e0aed518dc6144316215cf6cdb37f251cb4c1eea5e416f28586f0e841b6e5442", // node-rsa2048
			"ec6c69cd4d503460200bf127addc6342d8e644dac4551d1070f421028f4af529", // node-p256
			"3f4bf952b7d66e5951511645a09be79a255ad38bad1f39daf676c4812fa17d66", // node-ed25519: seed, its public key elsewhere
		}},
		{"pyca-keys.core.zst", []string{ // Python 3.11, pyca/cryptography 48
			"25b457e4399a1581e89b1863f877b52f13f17d732323b9c6467cd3dc6d96da4f", // pyca-rsa2048
			"53f382b2f968f3018e6f18aaacb962a68f6aed300ce8cb94ff8884d97145ba60", // pyca-p384 (a DER copy pyca leaves)
		}},
		{"mbedtls-keys.core.zst", []string{ // mbedTLS 2.28 mbedtls_pk_parse_key
			"2a916e2192d99a01b77cc123f736b1b0a7dc93b30a58f75e1a7692ceb8116391", // mbedtls-rsa2048
			"90ddabbf1c1c59e2edf774e7bc99d01a3e17a1d5488069ff71709694ce6413eb", // mbedtls-p256: X grown to six limbs
		}},
		{"gnutls-keys.core.zst", []string{ // GnuTLS 3.7.9 gnutls_privkey_import_x509_raw from DER
			"13033ece742befde16dcfce1cf521f56b1c42e98d8bd3b35f453392507e80479", // gnutls-rsa2048: GMP limbs after chunk headers
			"dccd7a0b24791cd5a1fe959bc784a52167174b50bc523fcf6fee5fdc8c76e832", // gnutls-p256: d after a 0x31 header, the point from X and Y limbs
		}},
		{"go-keys.core.zst", []string{
			"e03e01b79afca70c315ac08c45abbdea09ccd0642f4be478a42f6c65cda3dab5", // go-rsa2048: its DER, and its big.Int words (raw)
			"f6b22054df36696a4bc42cbf1cccc30a6da84ebd77a62076f9ef1024d8c2e1b7", // go-p256: D's words, X in the 04‖X‖Y and fiat limbs
		}},
		{"java-keys.core.zst", []string{ // OpenJDK 17 KeyFactory: the key objects keep their DER
			"79aa531dad3ddf0936ea86d4515b65c74c7eb12df507ac8b4b37c9c65464d367", // java-rsa2048
			"cd2fbc7efad6ccf836589876347a183211e3a71a2a5320b684551b689cec8c8f", // java-p256
		}},
		{"clean-cert-only.core.zst", nil},
		{"clean-random.core.zst", nil},
		{"clean-openssl-markers.core.zst", nil},
	}
	p := NewPool(0)
	defer p.Close()
	for _, tt := range tests {
		t.Run(tt.dump, func(t *testing.T) {
			opt := &FileOptions{Options: Options{Detectors: detectors.All()}, Hunt: &HuntConfig{Harvest: true}}
			fr := scanDump(t, p, testpath.Join(t, "dumps", "linux", tt.dump), opt)
			var got []string
			for _, f := range fr.Findings {
				if f.Status == keys.Validated {
					got = append(got, f.Fingerprint())
				}
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("key %s not validated; validated %v", w[:12], got)
				}
			}
			if tt.want == nil && len(got) > 0 {
				t.Errorf("clean dump: validated %v", got)
			}
			if tt.dump == "go-keys.core.zst" && !slices.ContainsFunc(fr.Findings, func(f Finding) bool {
				return f.Detector == "raw-hunt" && f.Fingerprint() == tt.want[0]
			}) {
				t.Error("the raw copy of the RSA key a detector found as DER was not hunted")
			}
			if tt.dump == "go-keys.core.zst" && !slices.ContainsFunc(fr.Findings, func(f Finding) bool {
				return f.Detector == "raw-hunt" && f.Fingerprint() == tt.want[1] && len(f.Components) > 0 && f.Components[0].What == "d"
			}) {
				t.Error("the P-256 key's scalar was not found by the public point derived from it")
			}
			if tt.dump == "gnutls-keys.core.zst" {
				// Every copy, also the big-endian ones of GnuTLS's libtasn1
				// tree after their DER length (unaligned), so redact removes each.
				for _, w := range []struct {
					key, what string
					mod       int64
				}{{tt.want[0], "p", 3}, {tt.want[1], "d", 1}} {
					if !slices.ContainsFunc(fr.Findings, func(f Finding) bool {
						return f.Fingerprint() == w.key && slices.ContainsFunc(f.Components, func(c Component) bool { return c.What == w.what && c.Offset%8 == w.mod })
					}) {
						t.Errorf("%s: the %s after its DER length (offset ≡ %d mod 8) is not a component", w.key[:12], w.what, w.mod)
					}
				}
			}
			if slices.Contains(fr.Warnings, cutWarning) {
				t.Errorf("the budget cut a real dump's hunt short")
			}
		})
	}
}
