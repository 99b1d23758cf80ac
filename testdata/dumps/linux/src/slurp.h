/* slurp.h: read a whole file into one malloc'd buffer with open/read, not
 * stdio, so that no stdio buffer keeps a copy; shared by the test programs.
 * The buffer has a NUL after the file's bytes, which *len does not count. */
#ifndef SLURP_H
#define SLURP_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *slurp(const char *path, size_t *len) {
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) { perror(path); exit(1); }
	char *buf = malloc((size_t)st.st_size + 1);
	size_t n = 0;
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r <= 0) { perror(path); exit(1); }
		n += (size_t)r;
	}
	buf[n] = 0;
	close(fd);
	*len = n;
	return buf;
}

#endif
