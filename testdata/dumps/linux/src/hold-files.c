/* hold-files: read each named file into its own malloc'd buffer and sleep.
 * Usage: hold-files READY FILE...   (READY gets "path va size" lines, then "ready").
 * Files are read with open/read, not stdio, so no stdio buffer holds a copy.
 * Used for the pem-heap (private keys as PEM text) and clean-cert-only dumps. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slurp.h"

int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: hold-files READY FILE...\n"); return 2; }
	char *bufs[64];
	size_t lens[64];
	int n = argc - 2 > 64 ? 64 : argc - 2;
	for (int i = 0; i < n; i++) bufs[i] = slurp(argv[i + 2], &lens[i]);
	FILE *ready = fopen(argv[1], "w");
	for (int i = 0; i < n; i++) fprintf(ready, "%s %p %zu\n", argv[i + 2], (void *)bufs[i], lens[i]);
	fprintf(ready, "ready\n");
	fclose(ready);
	for (;;) pause();
}
