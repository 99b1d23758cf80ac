#!/usr/bin/env bash
# Whole-binary benchmark: dumpguard's throughput as a ratio to a baseline
# measured in the same run on the same file, and its peak memory.
#   BENCHSIZE  size of the generated input in MiB (default 1024)
#   RUNS       timed runs of each command; the best is reported (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${BENCHSIZE:-1024}
runs=${RUNS:-3}
data=bench/data-${size}M.bin

need() { # need CMD PACKAGE: install from Debian's packages when missing
	command -v "$1" >/dev/null && return
	echo "bench: installing $2" >&2
	if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; else sudo apt-get install -y -qq "$2" >/dev/null; fi
}
need rg ripgrep
need zstd zstd
[ -x /usr/bin/time ] || need /usr/bin/time time

[ -f dumpguard ] || go build -o dumpguard .
[ -f "$data" ] || go run ./tools/benchgen -size "$size" -out "$data" -hunt "bench/pubkeys-${size}M"
cat "$data" >/dev/null # into the page cache, for every command alike

# best WALL SECONDS of runs of a command
best() {
	local b=
	for _ in $(seq "${RUNS_ONE:-$runs}"); do
		local s e
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		e=$(date +%s.%N)
		b=$(echo "$s $e ${b:-999999}" | awk '{d=$2-$1; print (d<$3)?d:$3}')
	done
	echo "$b"
}
peak() { # peak resident set of one run, in MiB
	{ /usr/bin/time -v "$@" 2>&1 >/dev/null || true; } | awk '/Maximum resident/ {printf "%.0f", $6/1024}'
}
peakanon() { # peak anonymous resident memory (what is not the mapped file), in MiB
	"$@" >/dev/null 2>&1 &
	local pid=$! m=0 a
	while kill -0 "$pid" 2>/dev/null; do
		a=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null)
		[ -n "$a" ] && [ "$a" -gt "$m" ] && m=$a
		sleep 0.02
	done
	wait "$pid" || true
	echo $((m / 1024))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
mbps() { awk -v s="$size" -v t="$1" 'BEGIN{printf "%.0f", s/t}'; }

echo "input: $data ($size MiB), $(nproc) cores, best of $runs runs"
t_rg=$(best rg -a -c 'PRIVATE KEY' "$data")
t_dg=$(best ./dumpguard scan -q --no-hunt "$data")
m_dg=$(peak ./dumpguard scan -q --no-hunt "$data")
a_dg=$(peakanon ./dumpguard scan -q --no-hunt "$data")
echo "rg -a -c 'PRIVATE KEY'      ${t_rg}s  $(mbps "$t_rg") MiB/s"
echo "dumpguard scan --no-hunt    ${t_dg}s  $(mbps "$t_dg") MiB/s  peak RSS ${m_dg} MiB (anonymous ${a_dg} MiB)  ratio to rg $(ratio "$t_dg" "$t_rg") (goal <= 2)"

# The same ratios as medians of runs alternating with rg, which load from
# other processes shifts less than a best-of: on 256 MiB of random bytes
# (the prefilter's worst case: every 2-byte literal would stop 16 times a
# MiB) with the benchgen keys planted, and on a real ELF core of a process
# holding 256 MiB of random bytes and a PEM key (made with gcore when gdb is
# installed). Candidates per MiB are the offsets the detectors' one
# prefilter pass hands to them.
median_vs() { # median_vs BASELINE-CMD CANDIDATE-CMD: median wall seconds of each, alternating
	local i s e a=() b=()
	for i in $(seq "$runs"); do
		s=$(date +%s.%N); eval "$1" >/dev/null 2>&1 || true; e=$(date +%s.%N); a+=("$(echo "$s $e" | awk '{print $2-$1}')")
		s=$(date +%s.%N); eval "$2" >/dev/null 2>&1 || true; e=$(date +%s.%N); b+=("$(echo "$s $e" | awk '{print $2-$1}')")
	done
	printf '%s\n' "${a[@]}" | sort -g | awk '{v[NR]=$1} END{printf "%s ", v[int((NR+1)/2)]}'
	printf '%s\n' "${b[@]}" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'
}
rdata=bench/random-256M.bin
[ -f "$rdata" ] || go run ./tools/benchgen -random -size 256 -out "$rdata"
# dump_of CORE CMD...: runs CMD, which prints "ready" once it holds what it
# holds, and dumps it with gcore to CORE (when gdb is installed).
dump_of() {
	local out=$1 pid
	shift
	[ -f "$out" ] && return
	command -v gcore >/dev/null || return 0
	"$@" > bench/core.ready &
	pid=$!
	for _ in $(seq 60); do grep -q ready bench/core.ready 2>/dev/null && break; sleep 0.5; done
	gcore -o bench/core "$pid" >/dev/null 2>&1 && mv "bench/core.$pid" "$out"
	kill "$pid" 2>/dev/null || true
	rm -f bench/core.ready
}
core=bench/core-256M
dump_of "$core" python3 -c 'import os, sys, time
b = bytearray(os.urandom(256 << 20))
k = open("detectors/testdata/keys/p256.sec1.pem", "rb").read()
b[100 << 20:(100 << 20) + len(k)] = k
print("ready", flush=True)
time.sleep(60)'
# The same process holding 1 MiB (what the hunt of its interpreter costs
# alone), and a C process holding 256 MiB of random bytes with almost no heap.
core_idle=bench/core-python-idle
dump_of "$core_idle" python3 -c 'import os, time
b = bytearray(os.urandom(1 << 20))
print("ready", flush=True)
time.sleep(60)'
core_c=bench/core-256M-c
if [ ! -f "$core_c" ] && command -v cc >/dev/null; then
	cat > bench/hold.c <<'CEOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/random.h>
int main(void) {
	size_t n = (size_t)256 << 20, i = 0;
	unsigned char *b = malloc(n);
	while (b && i < n) {
		ssize_t r = getrandom(b + i, n - i < (1 << 25) ? n - i : 1 << 25, 0);
		if (r < 0) return 1;
		i += (size_t)r;
	}
	printf("ready\n");
	fflush(stdout);
	sleep(60);
	return b ? b[12345] : 1;
}
CEOF
	cc -O2 -o bench/hold bench/hold.c && dump_of "$core_c" bench/hold
	rm -f bench/hold bench/hold.c
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); medians of $runs runs alternating with rg"
for f in "$data" "$rdata" "$core"; do
	[ -f "$f" ] || continue
	cat "$f" >/dev/null
	read -r r n < <(median_vs "rg -a -c 'PRIVATE KEY' '$f'" "./dumpguard scan -q --no-config --no-hunt '$f'")
	read -r r2 d < <(median_vs "rg -a -c 'PRIVATE KEY' '$f'" "./dumpguard scan -q --no-config '$f'")
	echo "$f: rg ${r}s  scan --no-hunt ${n}s (ratio $(ratio "$n" "$r"), goal <= 2)  scan ${d}s (ratio $(ratio "$d" "$r2"), goal <= 3)"
done
go run ./tools/candrate "$data" "$rdata" $([ -f "$core" ] && echo "$core")

# The hunt's cost over --no-hunt, run by run in turn (tools/abrun): the goal
# is 1.2 on random data and on a core full of it.
for f in "$rdata" "$core" "$core_c" "$core_idle"; do
	[ -f "$f" ] || continue
	echo "$f: default against --no-hunt"
	go run ./tools/abrun "$((runs * 3))" "no-hunt=./dumpguard scan -q --no-config --no-hunt $f" "default=./dumpguard scan -q --no-config $f"
done

# The hunt: 10 RSA-2048 moduli and 5 EC public keys given as --pubkeys, their
# factors and scalars planted as malloc'd little-endian limb arrays.
pub="bench/pubkeys-${size}M"
t_h=$(best ./dumpguard scan -q --pubkeys "$pub" "$data")
found=$(./dumpguard scan -q --format jsonl --pubkeys "$pub" "$data" | grep -c '"detector":"raw-hunt"' || true)
# --deep tries every byte offset with every curve: one run on a 1 MiB slice.
head -c $((1 << 20)) "$data" > "$data.1M"
t_p16=$(best ./dumpguard scan -q --no-hunt "$data.1M")
t_d=$(RUNS_ONE=1 best ./dumpguard scan -q --deep --pubkeys "$pub" "$data.1M")
m_h=$(peak ./dumpguard scan -q --pubkeys "$pub" "$data")
echo "dumpguard scan (hunt)       ${t_h}s  $(mbps "$t_h") MiB/s  peak RSS ${m_h} MiB  ratio to --no-hunt $(ratio "$t_h" "$t_dg") (goal <= 3)  raw keys found ${found}/15"
echo "dumpguard scan --deep (1 MiB slice) ${t_d}s  $(awk -v t="$t_d" 'BEGIN{printf "%.3f", 1/t}') MiB/s  ratio to --no-hunt on the slice $(ratio "$t_d" "$t_p16")"

zdata=$data.zst
[ -f "$zdata" ] || zstd -q -1 -T0 "$data" -o "$zdata"
cat "$zdata" >/dev/null
t_zd=$(best sh -c "zstd -d -c '$zdata' >/dev/null")
t_dz=$(best ./dumpguard scan -q --no-hunt "$zdata")
echo "zstd -d -c (baseline)       ${t_zd}s"
echo "dumpguard scan --no-hunt FILE.zst ${t_dz}s  ratio to zstd -d $(ratio "$t_dz" "$t_zd") (goal <= 1.5)"

# Memory does not grow with the input: a 4 GiB file (sparse: holes read as zeros).
big=bench/sparse-4G.bin
[ -f "$big" ] || truncate -s 4G "$big"
a_big=$(peakanon ./dumpguard scan -q --no-hunt "$big")
t_big=$(best ./dumpguard scan -q --no-hunt "$big")
echo "dumpguard scan 4 GiB sparse ${t_big}s  peak anonymous RSS ${a_big} MiB (goal < 64)"

# Linear in size: the input four times over (the same bytes, so the same
# work per byte) against the input, --no-hunt and the default scan, rg's
# ratio on the same two files as the baseline (a run's fixed costs make both
# below 4), and the anonymous memory of the larger.
# LINEARITY=0 leaves this out (it writes a file of 4 × BENCHSIZE MiB).
if [ "${LINEARITY:-1}" != 0 ]; then
	size4=$((size * 4))
	data4=bench/data-4x${size}M.bin
	[ -f "$data4" ] || cat "$data" "$data" "$data" "$data" > "$data4"
	cat "$data" "$data4" >/dev/null
	r1=$(best rg -a -c 'PRIVATE KEY' "$data")
	r4=$(best rg -a -c 'PRIVATE KEY' "$data4")
	echo "linearity rg: $size MiB ${r1}s, $size4 MiB ${r4}s, ratio $(ratio "$r4" "$r1")"
	for mode in --no-hunt ""; do
		t1=$(best ./dumpguard scan -q --no-config $mode "$data")
		t4=$(best ./dumpguard scan -q --no-config $mode "$data4")
		a4=$(peakanon ./dumpguard scan -q --no-config $mode "$data4")
		echo "linearity scan ${mode:-(default)}: $size MiB ${t1}s, $size4 MiB ${t4}s, ratio $(ratio "$t4" "$t1") (goal 4 within 10 %; rg's above)  peak anonymous RSS ${a4} MiB (goal < 64)"
	done
fi
