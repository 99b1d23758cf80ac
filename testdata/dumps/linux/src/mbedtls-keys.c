/* mbedtls-keys READY KEY.pem...: a token-signing service on mbedTLS 2.28.
 * Each key is read into a malloc'd buffer, parsed with mbedtls_pk_parse_key,
 * and the buffer zeroed and freed, so the process holds the key only as
 * mbedtls_mpi limbs (little-endian, each number in its own calloc'd chunk)
 * and no certificate. It signs once with each key, writes READY (its pid,
 * then "ready") and waits in pause(). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>

#include "slurp.h"

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: mbedtls-keys READY KEY.pem...\n"); return 2; }
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0) != 0) return 1;
	static mbedtls_pk_context keys[8];
	for (int i = 2; i < argc && i < 10; i++) {
		size_t n;
		unsigned char *pem = (unsigned char *)slurp(argv[i], &n);
		n++; /* mbedtls_pk_parse_key wants the NUL for PEM */
		mbedtls_pk_context *pk = &keys[i - 2];
		mbedtls_pk_init(pk);
		if (mbedtls_pk_parse_key(pk, pem, n, NULL, 0) != 0) { fprintf(stderr, "%s: parse failed\n", argv[i]); return 1; }
		mbedtls_platform_zeroize(pem, n);
		free(pem);
		unsigned char hash[32] = {1}, sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
		size_t siglen;
		if (mbedtls_pk_sign(pk, MBEDTLS_MD_SHA256, hash, 32, sig, &siglen, mbedtls_ctr_drbg_random, &drbg) != 0) return 1;
	}
	FILE *f = fopen(argv[1], "w");
	fprintf(f, "pid %d\nready\n", getpid());
	fclose(f);
	pause();
	return 0;
}
