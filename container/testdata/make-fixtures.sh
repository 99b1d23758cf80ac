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

# Containers written by the reference tools (zstd 1.5.4, lz4 1.9.4,
# xz 5.4.1, gzip, Info-ZIP zip 3.0, GNU tar), each holding cli.txt.
printf 'core written by a reference tool\n' > cli.txt
zstd -q -19 --check -c < cli.txt > cli.zst      # from a pipe: no content size
lz4 -q -c < cli.txt > cli.lz4
xz -c cli.txt > cli.xz
gzip -9 -c cli.txt > cli.gz                       # header names the file
zip -q -X - - < cli.txt > cli-stream.zip          # streamed: a data descriptor
zip -q -X -P secret cli-encrypted.zip cli.txt     # traditional PKWARE encryption
mkdir -p cli/dir
cp cli.txt "cli/dir/$(printf 'long-name-%.0s' 1 2 3 4 5 6 7 8 9 10).txt"
ln -sf ../cli.txt cli/link
truncate -s 1M cli/sparse && printf 'after a hole\n' | dd of=cli/sparse bs=1 seek=1048576 conv=notrunc status=none
tar --format=gnu --sparse --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name -cf - cli | zstd -q -c > cli.tar.zst
rm -r cli.txt cli
