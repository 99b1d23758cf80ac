/* pem2der.h: the base64 decoding of a PEM file's first block, shared by the
 * test programs that import a key from DER they decode themselves (so that no
 * library keeps a copy of the PEM text or the decoded DER). */
#ifndef PEM2DER_H
#define PEM2DER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int b64val(int c) {
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* pem2der decodes the body of the first PEM block in pem into a new buffer. */
static unsigned char *pem2der(const char *pem, size_t *len) {
	const char *p = strstr(pem, "-----\n");
	const char *end = p ? strstr(p + 6, "-----END") : NULL;
	if (!p || !end) { fprintf(stderr, "not PEM\n"); exit(1); }
	p += 6;
	unsigned char *der = malloc((size_t)(end - p));
	size_t n = 0;
	unsigned int acc = 0;
	int bits = 0;
	for (; p < end; p++) {
		int v = b64val((unsigned char)*p);
		if (v < 0) continue; /* newlines and '=' padding */
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			der[n++] = (unsigned char)(acc >> bits);
		}
	}
	acc = 0;
	*len = n;
	return der;
}

#endif
