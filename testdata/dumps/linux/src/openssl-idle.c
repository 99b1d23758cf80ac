/* openssl-idle: link libcrypto, initialise it and hash a string, never load a key.
 * The clean-openssl-markers dump: libcrypto's rodata holds "-----BEGIN %s-----"
 * and similar strings, which must not be reported as keys. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc != 2) { fprintf(stderr, "usage: openssl-idle READY\n"); return 2; }
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_Digest("dumpguard", 9, md, &mdlen, EVP_sha256(), NULL);
	FILE *ready = fopen(argv[1], "w");
	fprintf(ready, "%s ready\n", OpenSSL_version(OPENSSL_VERSION));
	fprintf(ready, "ready\n");
	fclose(ready);
	for (;;) pause();
}
