#!/bin/sh
# Regenerates the bzip2 fixtures (the standard library has no bzip2 encoder).
# Run from container/testdata with bzip2 1.0.8 and GNU tar.
set -eu
printf 'hello from a bzip2 fixture\n' > hello.txt
bzip2 -9 -c hello.txt > hello.bz2
{ bzip2 -c hello.txt; printf 'second stream\n' | bzip2 -c; } > multi.bz2
head -c 104857600 /dev/zero | bzip2 -9 -c > zeros100m.bz2
mkdir -p tarbz2/dumps && printf 'tarred core\n' > tarbz2/dumps/core.1
tar --format=ustar --owner=0 --group=0 --numeric-owner --mtime=@0 -C tarbz2 -cf - dumps/core.1 | bzip2 -9 -c > sweep.tar.bz2
rm -r hello.txt tarbz2
