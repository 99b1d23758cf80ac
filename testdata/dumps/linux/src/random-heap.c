/* random-heap: fill a 2 MiB brk-heap buffer with random bytes and sleep.
 * The clean-random dump: a scanner must report nothing in it. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc != 2) { fprintf(stderr, "usage: random-heap READY\n"); return 2; }
	size_t n = 2 << 20;
	mallopt(M_MMAP_THRESHOLD, 64 << 20); /* keep the buffer in the brk heap */
	unsigned char *buf = malloc(n);
	for (size_t i = 0; i < n;) {
		ssize_t r = getrandom(buf + i, n - i, 0);
		if (r <= 0) { perror("getrandom"); return 1; }
		i += (size_t)r;
	}
	FILE *ready = fopen(argv[1], "w");
	fprintf(ready, "random %p %zu\nready\n", (void *)buf, n);
	fclose(ready);
	for (;;) pause();
}
