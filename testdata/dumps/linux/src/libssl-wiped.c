/* libssl-wiped: load private keys into EVP_PKEYs, wipe every buffer that held
 * their PEM or DER text, keep the EVP_PKEYs, and sleep.
 * Usage: libssl-wiped READY RSA_KEY.pem EC_KEY.pem [RSA_CERT.pem]
 * With RSA_CERT the certificate is loaded into an X509 and kept too.
 *
 * OpenSSL 3's PEM and decoder paths copy the DER into buffers they free
 * without cleansing, so this program decodes the base64 itself and parses the
 * DER with d2i_RSAPrivateKey/d2i_ECPrivateKey, which build BIGNUMs straight
 * from the caller's buffer. The script checks the core for leftovers. */
#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slurp.h"

#include "pem2der.h"

static void wipe(void *p, size_t n) {
	OPENSSL_cleanse(p, n);
	free(p);
}

static EVP_PKEY *load(const char *path, int ec) {
	size_t plen, dlen;
	char *pem = slurp(path, &plen);
	unsigned char *der = pem2der(pem, &dlen);
	const unsigned char *q = der;
	EVP_PKEY *pk = EVP_PKEY_new();
	if (ec) {
		EC_KEY *k = d2i_ECPrivateKey(NULL, &q, (long)dlen);
		if (!k || !EVP_PKEY_assign_EC_KEY(pk, k)) { fprintf(stderr, "%s: bad EC key\n", path); exit(1); }
	} else {
		RSA *k = d2i_RSAPrivateKey(NULL, &q, (long)dlen);
		if (!k || !EVP_PKEY_assign_RSA(pk, k)) { fprintf(stderr, "%s: bad RSA key\n", path); exit(1); }
	}
	wipe(der, dlen);
	wipe(pem, plen);
	return pk;
}

int main(int argc, char **argv) {
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: libssl-wiped READY RSA_KEY EC_KEY [RSA_CERT]\n");
		return 2;
	}
	EVP_PKEY *rsa = load(argv[2], 0);
	EVP_PKEY *ec = load(argv[3], 1);
	X509 *cert = NULL;
	if (argc == 5) {
		size_t clen;
		char *pem = slurp(argv[4], &clen);
		BIO *b = BIO_new_mem_buf(pem, (int)clen);
		cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
		free(pem);
		if (!cert || X509_check_private_key(cert, rsa) != 1) { fprintf(stderr, "bad certificate\n"); return 1; }
	}
	FILE *ready = fopen(argv[1], "w");
	fprintf(ready, "rsa_evp_pkey %p\nec_evp_pkey %p\n", (void *)rsa, (void *)ec);
	if (cert) fprintf(ready, "x509 %p\n", (void *)cert);
	fprintf(ready, "ready\n");
	fclose(ready);
	for (;;) pause();
}
