#!/usr/bin/env bash
# make-linux-dumps.sh: make the small real Linux core dumps in testdata/dumps/linux/.
#
# Every key is a THROWAWAY key generated here, for tests only. The script
# starts small real processes that hold those keys (or hold none, for the
# clean dumps), takes a core of each with gdb's gcore, compresses it with
# `zstd -19`, and writes keys/keys.json and dumps.json describing the result.
#
# Prerequisites (the script installs nothing; CI never runs it):
#   Debian 12 or similar, run as root or with ptrace rights over own children:
#   apt-get install gdb openssl libssl-dev gcc zstd golang (Go >= 1.26)
# Run from anywhere:  testdata/dumps/make-linux-dumps.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$here/linux
keys=$out/keys
src=$out/src
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

die() { echo "make-linux-dumps: $*" >&2; exit 1; }
for c in gdb gcore openssl gcc go zstd sha256sum; do
	command -v "$c" >/dev/null || die "missing $c (see the prerequisites at the top of this script)"
done
[ -f /usr/include/openssl/evp.h ] || die "missing libssl-dev headers"

rm -rf "$keys" "$out"/*.zst "$out/dumps.json"
mkdir -p "$keys"

# ---- throwaway keys ------------------------------------------------------
# keyjson FILE TYPE SIZE_FIELD: one keys.json entry; spki_sha256 is the
# SHA-256 of the DER SubjectPublicKeyInfo.
keyentries=()
newkey() { # newkey NAME rsa|p256|ed25519 [traditional]
	local name=$1 kind=$2 f=$keys/$1.pem
	case $kind in
	rsa) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$f" ;;
	p256) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$f" ;;
	ed25519) openssl genpkey -quiet -algorithm ED25519 -out "$f" ;;
	esac
	if [ "${3:-}" = traditional ]; then # "RSA PRIVATE KEY" / "EC PRIVATE KEY" (SEC1)
		openssl pkey -in "$f" -traditional -out "$f.tmp" && mv "$f.tmp" "$f"
	fi
	openssl pkey -in "$f" -pubout -out "$keys/$name.pub.pem"
	local spki
	spki=$(openssl pkey -in "$f" -pubout -outform DER | sha256sum | cut -d' ' -f1)
	local size
	case $kind in
	rsa) size='"type": "rsa", "bits": 2048' ;;
	p256) size='"type": "ec", "curve": "P-256"' ;;
	ed25519) size='"type": "ed25519", "curve": "Ed25519"' ;;
	esac
	local pemtype
	pemtype=$(head -1 "$f" | sed 's/-----BEGIN \(.*\)-----/\1/')
	keyentries+=("{\"file\": \"$name.pem\", $size, \"pem_type\": \"$pemtype\", \"public_file\": \"$name.pub.pem\", \"spki_sha256\": \"$spki\"}")
}
selfsign() { # selfsign NAME: certificate for keys/NAME.pem
	openssl req -new -x509 -key "$keys/$1.pem" -subj "/CN=dumpguard throwaway $1" -days 3650 -out "$keys/$1.crt" 2>/dev/null
}

newkey pem-heap-rsa2048 rsa
newkey pem-heap-p256 p256 traditional
newkey s-server-rsa2048 rsa
newkey s-server-ed25519 ed25519
newkey s-server-p256 p256
for k in s-server-rsa2048 s-server-ed25519 s-server-p256; do selfsign "$k"; done
newkey wiped-rsa2048 rsa traditional
newkey wiped-p256 p256 traditional
selfsign wiped-rsa2048
newkey nocert-rsa2048 rsa traditional
newkey nocert-p256 p256 traditional
newkey go-rsa2048 rsa
newkey go-p256 p256 traditional
newkey cert-only-rsa2048 rsa
selfsign cert-only-rsa2048
{
	echo "["
	for i in "${!keyentries[@]}"; do
		sep=,; [ "$i" -eq $((${#keyentries[@]} - 1)) ] && sep=
		echo "  ${keyentries[$i]}$sep"
	done
	echo "]"
} >"$keys/keys.json"

# ---- programs --------------------------------------------------------------
cflags="-O1 -g0 -Wall -Wno-deprecated-declarations"
gcc $cflags -o "$work/hold-files" "$src/hold-files.c"
gcc $cflags -o "$work/random-heap" "$src/random-heap.c"
gcc $cflags -o "$work/openssl-idle" "$src/openssl-idle.c" -lcrypto
gcc $cflags -o "$work/libssl-wiped" "$src/libssl-wiped.c" -lssl -lcrypto
(cd "$src" && CGO_ENABLED=0 go build -trimpath -o "$work/gokeys" ./gokeys && go build -trimpath -o "$work/coregrep" ./coregrep)

# ---- helpers ---------------------------------------------------------------
# waitready FILE: wait up to 20 s for the program's "ready" line.
waitready() {
	for _ in $(seq 200); do
		grep -qx ready "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	die "timed out waiting for $1"
}

# core NAME PID [FILTER]: gcore PID into $work/NAME.core, honouring the
# process's coredump_filter (default 0x33: anonymous memory plus ELF header
# pages; 0x37 adds private file mappings such as libcrypto's rodata).
core() {
	echo "${3:-0x33}" >"/proc/$2/coredump_filter"
	gcore -o "$work/$1" "$2" >"$work/$1.gcore.log" 2>&1 || { cat "$work/$1.gcore.log"; die "gcore $1 failed"; }
	mv "$work/$1.$2" "$work/$1.core"
	kill "$2"
	wait "$2" 2>/dev/null || true
}

# needles KEY: write the byte strings whose presence tells which forms of the
# private key a core holds: the first and a middle base64 line of its PEM body,
# and 48-byte prefixes of its DER in PKCS#8 and traditional form (which contain
# private-only header bytes, so the public key or certificate never matches).
needles() {
	local k=$keys/$1.pem d=$work/needles/$1
	mkdir -p "$d"
	sed -n '2p' "$k" | tr -d '\n' >"$d/pem-first-line"
	local n
	n=$(grep -vc -- '-----' "$k")
	sed -n "$((n / 2 + 1))p" "$k" | tr -d '\n' >"$d/pem-middle-line"
	# `openssl pkey -outform DER` writes the traditional form (PKCS#1, SEC1);
	# `openssl pkcs8 -topk8` writes PKCS#8. Ed25519 has only PKCS#8.
	openssl pkcs8 -topk8 -nocrypt -in "$k" -outform DER | head -c 48 >"$d/der-pkcs8-prefix"
	openssl pkey -in "$k" -outform DER >"$d/trad.der"
	if ! cmp -s <(head -c 48 "$d/trad.der") "$d/der-pkcs8-prefix"; then
		head -c 48 "$d/trad.der" >"$d/der-traditional-prefix"
	fi
	rm -f "$d/trad.der"
}

# found CORE KEY: JSON fields saying which needles of KEY the core holds.
found() {
	needles "$2"
	local d=$work/needles/$2 pem=false der=false list=
	while read -r count file; do
		[ "$count" -gt 0 ] || continue
		case $file in
		*pem-*) pem=true ;;
		*der-*) der=true ;;
		esac
		list="$list${list:+, }\"$(basename "$file")\""
	done < <("$work/coregrep" "$1" "$d"/*)
	echo "\"pem_text_in_core\": $pem, \"der_in_core\": $der, \"needles_found\": [$list]"
}

dumpentries=()
# record NAME PROCESS EXPECT NOTE KEYSJSON VASJSON: compress the core and add a
# dumps.json entry.
record() {
	local name=$1
	zstd -q -19 -f "$work/$name.core" -o "$out/$name.core.zst"
	local raw zsz
	raw=$(stat -c %s "$work/$name.core")
	zsz=$(stat -c %s "$out/$name.core.zst")
	dumpentries+=("{\"dump\": \"$name.core.zst\", \"process\": \"$2\", \"made_with\": \"${madewith:-gcore}\", \"core_bytes\": $raw, \"expect\": \"$3\", \"note\": \"$4\", \"keys\": [$5], \"buffers\": {$6}}")
	echo "made $name.core.zst ($raw bytes raw, $zsz compressed)"
}

# vas READY: "name": "0x..." pairs from a ready file (path va size lines).
vas() {
	grep -v '^ready$' "$1" | grep ' 0x' | awk '{n=$1; sub(".*/", "", n); printf "%s\"%s\": \"%s\"", (NR>1?", ":""), n, $2}'
}

# ---- 1. pem-heap ---------------------------------------------------------------
"$work/hold-files" "$work/pem-heap.ready" "$keys/pem-heap-rsa2048.pem" "$keys/pem-heap-p256.pem" &
pid=$!; pids+=("$pid")
waitready "$work/pem-heap.ready"
pemheap_pid=$pid
core pem-heap "$pid"
record pem-heap hold-files findings "PEM text of both private keys in malloc'd brk-heap buffers; buffers gives their VAs" \
	"{\"file\": \"pem-heap-rsa2048.pem\", \"form\": \"pem-text\", $(found "$work/pem-heap.core" pem-heap-rsa2048)}, {\"file\": \"pem-heap-p256.pem\", \"form\": \"pem-text\", $(found "$work/pem-heap.core" pem-heap-p256)}" \
	"$(vas "$work/pem-heap.ready")"

# ---- 1b. pem-heap-kernel: the same program, core written by the kernel ----
# Only when core_pattern names a plain file in the process's directory (as
# "core" or "core.%p"); pipe handlers and absolute paths are left alone.
pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
"|"* | */* | "")
	echo "skipping pem-heap-kernel: core_pattern is '$pattern'"
	;;
*)
	mkdir -p "$work/kcore"
	(cd "$work/kcore" && ulimit -c unlimited && exec "$work/hold-files" "$work/kcore/ready" "$keys/pem-heap-rsa2048.pem" "$keys/pem-heap-p256.pem") &
	pid=$!; pids+=("$pid")
	waitready "$work/kcore/ready"
	echo 0x33 >"/proc/$pid/coredump_filter"
	kill -ABRT "$pid"
	wait "$pid" 2>/dev/null || true
	kc=$(find "$work/kcore" -maxdepth 1 -name 'core*' -newer "$work/kcore/ready" | head -1)
	[ -n "$kc" ] || die "pem-heap-kernel: the kernel wrote no core (core_pattern '$pattern')"
	mv "$kc" "$work/pem-heap-kernel.core"
	madewith=kernel record pem-heap-kernel hold-files findings "as pem-heap, but the core was written by the kernel (SIGABRT, ulimit -c unlimited, coredump_filter 0x33)" \
		"{\"file\": \"pem-heap-rsa2048.pem\", \"form\": \"pem-text\", $(found "$work/pem-heap-kernel.core" pem-heap-rsa2048)}, {\"file\": \"pem-heap-p256.pem\", \"form\": \"pem-text\", $(found "$work/pem-heap-kernel.core" pem-heap-p256)}" \
		"$(vas "$work/kcore/ready")"
	;;
esac

# ---- 2. openssl s_server ------------------------------------------------------
mkfifo "$work/stdin"
exec 3<>"$work/stdin"
for v in rsa2048:rsa ed25519:ed25519 p256:p256; do
	key=s-server-${v%%:*} name=openssl-s-server-${v##*:}
	log=$work/$name.log
	# stdin is a FIFO this script holds open, so s_server never sees EOF;
	# port 0 binds a free loopback port, which the ACCEPT line names.
	openssl s_server -accept 127.0.0.1:0 -key "$keys/$key.pem" -cert "$keys/$key.crt" -naccept 2 <&3 >"$log" 2>&1 &
	pid=$!; pids+=("$pid")
	for _ in $(seq 100); do grep -q '^ACCEPT' "$log" 2>/dev/null && break; sleep 0.1; done
	port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$log")
	[ -n "$port" ] || die "$name: no ACCEPT line: $(cat "$log")"
	# One handshake, so the key has been used as a server would.
	openssl s_client -connect "127.0.0.1:$port" </dev/null >"$work/$name.client" 2>&1 || true
	grep -q 'Server certificate' "$work/$name.client" || die "$name: handshake failed: $(cat "$work/$name.client")"
	core "$name" "$pid"
	record "$name" openssl findings "openssl s_server with a self-signed certificate after one loopback handshake; the key was loaded from PEM by OpenSSL $(openssl version | cut -d' ' -f2)" \
		"{\"file\": \"$key.pem\", \"form\": \"evp-pkey\", \"certificate\": \"$key.crt\", $(found "$work/$name.core" "$key")}" ""
done

# ---- 3. libssl-wiped ----------------------------------------------------------
"$work/libssl-wiped" "$work/libssl-wiped.ready" "$keys/wiped-rsa2048.pem" "$keys/wiped-p256.pem" "$keys/wiped-rsa2048.crt" &
pid=$!; pids+=("$pid"); waitready "$work/libssl-wiped.ready"; core libssl-wiped "$pid"
"$work/libssl-wiped" "$work/libssl-wiped-nocert.ready" "$keys/nocert-rsa2048.pem" "$keys/nocert-p256.pem" &
pid=$!; pids+=("$pid"); waitready "$work/libssl-wiped-nocert.ready"; core libssl-wiped-nocert "$pid"
for d in libssl-wiped:wiped libssl-wiped-nocert:nocert; do
	name=${d%%:*} p=${d##*:}
	for k in $p-rsa2048 $p-p256; do
		f=$(found "$work/$name.core" "$k")
		case $f in *true*) die "$name: PEM or DER of $k is still in the core ($f)" ;; esac
	done
done
record libssl-wiped libssl-wiped findings "keys parsed from DER into EVP_PKEYs (RSA and EC); every PEM/DER buffer OPENSSL_cleanse()d and freed; the X509 certificate of the RSA key is kept" \
	"{\"file\": \"wiped-rsa2048.pem\", \"form\": \"raw-numbers\", \"certificate\": \"wiped-rsa2048.crt\", $(found "$work/libssl-wiped.core" wiped-rsa2048)}, {\"file\": \"wiped-p256.pem\", \"form\": \"raw-numbers\", $(found "$work/libssl-wiped.core" wiped-p256)}" \
	"$(vas "$work/libssl-wiped.ready")"
record libssl-wiped-nocert libssl-wiped findings "as libssl-wiped but no certificate: public keys only from keys/nocert-*.pub.pem (--pubkeys)" \
	"{\"file\": \"nocert-rsa2048.pem\", \"form\": \"raw-numbers\", \"public_file\": \"nocert-rsa2048.pub.pem\", $(found "$work/libssl-wiped-nocert.core" nocert-rsa2048)}, {\"file\": \"nocert-p256.pem\", \"form\": \"raw-numbers\", \"public_file\": \"nocert-p256.pub.pem\", $(found "$work/libssl-wiped-nocert.core" nocert-p256)}" \
	"$(vas "$work/libssl-wiped-nocert.ready")"

# ---- 4. go-keys -----------------------------------------------------------------
"$work/gokeys" "$work/go-keys.ready" "$keys/go-rsa2048.pem" "$keys/go-p256.pem" &
pid=$!; pids+=("$pid"); waitready "$work/go-keys.ready"; core go-keys "$pid"
record go-keys gokeys findings "Go $(go env GOVERSION) program holding *rsa.PrivateKey and *ecdsa.PrivateKey parsed from PEM; file bytes and DER zeroed after parsing" \
	"{\"file\": \"go-rsa2048.pem\", \"form\": \"raw-numbers\", $(found "$work/go-keys.core" go-rsa2048)}, {\"file\": \"go-p256.pem\", \"form\": \"raw-numbers\", $(found "$work/go-keys.core" go-p256)}" \
	"$(vas "$work/go-keys.ready")"

# ---- 5. clean dumps -------------------------------------------------------------
"$work/hold-files" "$work/clean-cert-only.ready" "$keys/cert-only-rsa2048.crt" "$keys/cert-only-rsa2048.pub.pem" &
pid=$!; pids+=("$pid"); waitready "$work/clean-cert-only.ready"; core clean-cert-only "$pid"
f=$(found "$work/clean-cert-only.core" cert-only-rsa2048)
case $f in *true*) die "clean-cert-only holds private key bytes" ;; esac
record clean-cert-only hold-files clean "holds only a certificate and a public key PEM (keys/cert-only-rsa2048.crt, .pub.pem); the private key never entered the process" \
	"{\"file\": \"cert-only-rsa2048.pem\", \"form\": \"certificate-only\", \"certificate\": \"cert-only-rsa2048.crt\", $f}" \
	"$(vas "$work/clean-cert-only.ready")"

"$work/random-heap" "$work/clean-random.ready" &
pid=$!; pids+=("$pid"); waitready "$work/clean-random.ready"; core clean-random "$pid"
record clean-random random-heap clean "2 MiB of getrandom() bytes in a brk-heap buffer; no key" "" "$(vas "$work/clean-random.ready")"

"$work/openssl-idle" "$work/clean-openssl-markers.ready" &
pid=$!; pids+=("$pid"); waitready "$work/clean-openssl-markers.ready"; core clean-openssl-markers "$pid" 0x37
"$work/coregrep" "$work/clean-openssl-markers.core" <(printf -- '-----BEGIN %%s-----') | grep -qv '^0 ' ||
	die "clean-openssl-markers: libcrypto rodata marker not captured"
record clean-openssl-markers openssl-idle clean "links libcrypto, never loads a key; coredump_filter 0x37 captures libcrypto's rodata with its PEM marker format strings" "" ""

# ---- 6. systemd-coredump naming -------------------------------------------------
bootid=$(tr -d '-' </proc/sys/kernel/random/boot_id)
usec=$(date +%s%6N)
sdname=core.pem-heap.0.$bootid.$pemheap_pid.$usec.zst
zstd -q -19 -f "$work/pem-heap.core" -o "$out/$sdname"
dumpentries+=("{\"dump\": \"$sdname\", \"process\": \"hold-files\", \"made_with\": \"gcore\", \"core_bytes\": $(stat -c %s "$work/pem-heap.core"), \"expect\": \"findings\", \"note\": \"the pem-heap core under a systemd-coredump file name (core.COMM.UID.BOOTID.PID.USEC.zst); a plain zstd stream\", \"same_as\": \"pem-heap.core.zst\", \"keys\": [{\"file\": \"pem-heap-rsa2048.pem\", \"form\": \"pem-text\"}, {\"file\": \"pem-heap-p256.pem\", \"form\": \"pem-text\"}], \"buffers\": {$(vas "$work/pem-heap.ready")}}")

{
	echo "["
	for i in "${!dumpentries[@]}"; do
		sep=,; [ "$i" -eq $((${#dumpentries[@]} - 1)) ] && sep=
		echo "  ${dumpentries[$i]}$sep"
	done
	echo "]"
} >"$out/dumps.json"
ls -l "$out"

# ---- runtimes (Node.js, Python pyca/cryptography) --------------------------
"$here/make-runtime-dumps.sh"
