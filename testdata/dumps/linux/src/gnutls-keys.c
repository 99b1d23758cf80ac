/* gnutls-keys READY KEY.pem...: a token-signing service on GnuTLS 3.7.
 * Each PKCS#8 key is read into a malloc'd buffer, its base64 decoded here
 * into a second malloc'd buffer, imported from that DER with
 * gnutls_privkey_import_x509_raw, and both buffers zeroed and freed, so the
 * process holds the key only as GnuTLS's numbers (GMP mpz_t limbs,
 * little-endian, each number in its own malloc'd chunk, and the values of the
 * libtasn1 tree the gnutls_x509_privkey_t keeps) and no certificate. It signs
 * once with each key (SHA-256), writes READY (its pid, then "ready") and
 * waits in pause().
 *
 * GnuTLS 3.7.9's PEM path would leave copies: _gnutls_base64_decode frees its
 * newline-free copy of the base64 text, and gnutls_x509_privkey_import and
 * gnutls_x509_privkey_import_pkcs8 free the decoded PKCS#8 DER, with
 * gnutls_free and no zeroing. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "slurp.h"

#include "pem2der.h"

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: gnutls-keys READY KEY.pem...\n"); return 2; }
	if (gnutls_global_init() < 0) return 1;
	static gnutls_privkey_t keys[8];
	for (int i = 2; i < argc && i < 10; i++) {
		size_t n, dn;
		char *pem = slurp(argv[i], &n);
		unsigned char *der = pem2der(pem, &dn);
		gnutls_datum_t d = {der, (unsigned)dn};
		gnutls_privkey_t *k = &keys[i - 2];
		int r;
		if ((r = gnutls_privkey_init(k)) < 0 ||
		    (r = gnutls_privkey_import_x509_raw(*k, &d, GNUTLS_X509_FMT_DER, NULL, 0)) < 0) {
			fprintf(stderr, "%s: import failed: %s\n", argv[i], gnutls_strerror(r));
			return 1;
		}
		gnutls_memset(der, 0, dn);
		free(der);
		gnutls_memset(pem, 0, n + 1);
		free(pem);
		unsigned char msg[32] = {1};
		gnutls_datum_t data = {msg, sizeof msg}, sig;
		if ((r = gnutls_privkey_sign_data(*k, GNUTLS_DIG_SHA256, 0, &data, &sig)) < 0) {
			fprintf(stderr, "%s: sign failed: %s\n", argv[i], gnutls_strerror(r));
			return 1;
		}
		gnutls_free(sig.data);
	}
	FILE *f = fopen(argv[1], "w");
	fprintf(f, "pid %d\nready\n", getpid());
	fclose(f);
	pause();
	return 0;
}
