#!/usr/bin/env bash
# make-runtime-dumps.sh: make the runtime cores in testdata/dumps/linux/:
# token-signing services as Node.js and Python (pyca/cryptography) run them,
# and as small C programs on mbedTLS and GnuTLS, and a Java one, each holding
# throwaway keys loaded once from a PEM file whose bytes it then wiped, with
# no certificate: the key is only numbers inside the crypto library.
#
# Every key is a THROWAWAY key generated here, for tests only. Writes
# linux/keys/{node,pyca,mbedtls,java,gnutls}-*.pem (+ .pub.pem),
# linux/keys/runtime-keys.json, linux/{node,pyca,mbedtls,java,gnutls}-keys.core.zst
# and linux/runtimes.json. The other
# dumps and their manifests are left alone; make-linux-dumps.sh runs this
# script at its end.
#
#   make-runtime-dumps.sh [node] [pyca] [mbedtls] [java] [gnutls]   (default: all five)
#
# makes only the dumps named, and keeps the manifest entries of the others.
#
# Prerequisites: gdb, openssl, zstd, gcc, go (for src/coretrim), node (20),
# python3 with pyca/cryptography (Debian: apt-get install python3-cryptography),
# mbedTLS 2.28 (apt-get install libmbedtls-dev), a JDK 17 (java, javac) and
# GnuTLS 3.7 (apt-get install libgnutls28-dev).
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
die() { echo "make-runtime-dumps: $*" >&2; exit 1; }
want=${*:-node pyca mbedtls java gnutls}
wants() { [[ " $want " == *" $1 "* ]]; }
for c in gdb gcore openssl go gcc zstd sha256sum node python3 java javac; do
	command -v "$c" >/dev/null || die "missing $c"
done
python3 -c 'import cryptography' 2>/dev/null || die "missing pyca/cryptography for python3"
mkdir -p "$keys"
(cd "$src" && go build -trimpath -o "$work/coretrim" ./coretrim)

entries=()
newkey() { # newkey NAME rsa|p256|p384|ed25519
	local name=$1 f=$keys/$1.pem size
	case $2 in
	rsa) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$f"; size='"type": "rsa", "bits": 2048' ;;
	p256) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$f"; size='"type": "ec", "curve": "P-256"' ;;
	p384) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve -out "$f"; size='"type": "ec", "curve": "P-384"' ;;
	ed25519) openssl genpkey -quiet -algorithm ED25519 -out "$f"; size='"type": "ed25519", "curve": "Ed25519"' ;;
	esac
	openssl pkey -in "$f" -pubout -out "$keys/$name.pub.pem"
	local spki
	spki=$(openssl pkey -in "$f" -pubout -outform DER | sha256sum | cut -d' ' -f1)
	entries+=("{\"file\": \"$name.pem\", $size, \"pem_type\": \"PRIVATE KEY\", \"public_file\": \"$name.pub.pem\", \"spki_sha256\": \"$spki\"}")
}
if wants node; then newkey node-rsa2048 rsa; newkey node-p256 p256; newkey node-ed25519 ed25519; fi
if wants pyca; then newkey pyca-rsa2048 rsa; newkey pyca-p384 p384; fi
if wants mbedtls; then newkey mbedtls-rsa2048 rsa; newkey mbedtls-p256 p256; fi
if wants java; then newkey java-rsa2048 rsa; newkey java-p256 p256; fi
if wants gnutls; then newkey gnutls-rsa2048 rsa; newkey gnutls-p256 p256; fi

# merge FILE KEYFIELD ENTRY...: replace in the JSON list FILE the entries
# whose KEYFIELD matches a new one, keeping the others, in a stable order.
merge() {
	local file=$1 field=$2
	shift 2
	python3 - "$file" "$field" "$@" <<'PY'
import json, os, sys
file, field, new = sys.argv[1], sys.argv[2], [json.loads(e) for e in sys.argv[3:]]
old = json.load(open(file)) if os.path.exists(file) else []
names = {e[field] for e in new}
out = [e for e in old if e[field] not in names] + new
out.sort(key=lambda e: e[field])
with open(file, "w") as f:
    f.write("[\n" + ",\n".join("  " + json.dumps(e) for e in out) + "\n]\n")
PY
}
merge "$keys/runtime-keys.json" file "${entries[@]}"

waitready() {
	for _ in $(seq 300); do
		grep -qx ready "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	die "timed out waiting for $1"
}

# core NAME PID: gcore PID (coredump_filter 0x33), then coretrim drops the
# pages that are all zeros (V8 and CPython map far more than they touch: the
# Node core is 800 MB raw before, 16 MB after), then zstd -19.
dumps=()
core() {
	echo 0x33 >"/proc/$2/coredump_filter"
	gcore -o "$work/$1" "$2" >"$work/$1.gcore.log" 2>&1 || { cat "$work/$1.gcore.log"; die "gcore $1 failed"; }
	kill "$2"
	wait "$2" 2>/dev/null || true
	local raw
	raw=$(stat -c %s "$work/$1.$2")
	"$work/coretrim" "$work/$1.$2" "$work/$1.core"
	zstd -q -19 -f "$work/$1.core" -o "$out/$1.core.zst"
	echo "made $1.core.zst ($raw bytes from gcore, $(stat -c %s "$work/$1.core") trimmed, $(stat -c %s "$out/$1.core.zst") compressed)"
	dumps+=("{\"dump\": \"$1.core.zst\", \"process\": \"$3\", \"made_with\": \"gcore+coretrim\", \"gcore_bytes\": $raw, \"core_bytes\": $(stat -c %s "$work/$1.core"), \"expect\": \"findings\", \"note\": \"$4\", \"keys\": [$5]}")
}

cd "$work"
if wants node; then
node --max-old-space-size=8 --max-semi-space-size=1 --expose-gc "$src/node-keys.js" "$work/node.ready" \
	"$keys/node-rsa2048.pem" "$keys/node-p256.pem" "$keys/node-ed25519.pem" &
pid=$!; pids+=("$pid"); waitready "$work/node.ready"
core node-keys "$pid" "node $(node --version)" \
	"crypto.createPrivateKey from DER decoded without JavaScript strings; the PEM and DER buffers zeroed; one signature each; no certificate" \
	'{"file": "node-rsa2048.pem", "form": "evp-pkey"}, {"file": "node-p256.pem", "form": "evp-pkey"}, {"file": "node-ed25519.pem", "form": "evp-pkey"}'
fi

if wants pyca; then
python3 "$src/pyca-keys.py" "$work/pyca.ready" "$keys/pyca-rsa2048.pem" "$keys/pyca-p384.pem" &
pid=$!; pids+=("$pid"); waitready "$work/pyca.ready"
core pyca-keys "$pid" "python3 $(python3 -c 'import sys, cryptography; print("%d.%d" % sys.version_info[:2], "cryptography", cryptography.__version__)')" \
	"load_pem_private_key from a bytearray then zeroed; one signature each; no certificate" \
	'{"file": "pyca-rsa2048.pem", "form": "evp-pkey"}, {"file": "pyca-p384.pem", "form": "evp-pkey"}'
fi

if wants mbedtls; then
gcc -O1 -g0 -Wall -o "$work/mbedtls-keys" "$src/mbedtls-keys.c" -lmbedcrypto
"$work/mbedtls-keys" "$work/mbedtls.ready" "$keys/mbedtls-rsa2048.pem" "$keys/mbedtls-p256.pem" &
pid=$!; pids+=("$pid"); waitready "$work/mbedtls.ready"
core mbedtls-keys "$pid" "src/mbedtls-keys.c, mbedTLS $(dpkg-query -W -f '${Version}' libmbedtls-dev 2>/dev/null || echo 2.28)" \
	"mbedtls_pk_parse_key from a malloc'd PEM buffer then zeroized and freed; one signature each; no certificate" \
	'{"file": "mbedtls-rsa2048.pem", "form": "raw-numbers"}, {"file": "mbedtls-p256.pem", "form": "raw-numbers"}'
fi

if wants java; then
javac -d "$work" "$src/JavaKeys.java"
java -cp "$work" -Xmx16m -Xms16m -XX:+UseSerialGC -XX:-UsePerfData -Xshare:off JavaKeys "$work/java.ready" \
	"$keys/java-rsa2048.pem" "$keys/java-p256.pem" &
pid=$!; pids+=("$pid"); waitready "$work/java.ready"
core java-keys "$pid" "$(java -version 2>&1 | head -1 | tr -d '"')" \
	"KeyFactory.generatePrivate(PKCS8EncodedKeySpec) from DER decoded without a String; the PEM and DER arrays zeroed; one signature each; no certificate. The JDK's key objects keep their own DER encodings" \
	'{"file": "java-rsa2048.pem", "form": "evp-pkey"}, {"file": "java-p256.pem", "form": "evp-pkey"}'
fi

if wants gnutls; then
gcc -O1 -g0 -Wall -o "$work/gnutls-keys" "$src/gnutls-keys.c" -lgnutls
"$work/gnutls-keys" "$work/gnutls.ready" "$keys/gnutls-rsa2048.pem" "$keys/gnutls-p256.pem" &
pid=$!; pids+=("$pid"); waitready "$work/gnutls.ready"
core gnutls-keys "$pid" "src/gnutls-keys.c, GnuTLS $(dpkg-query -W -f '${Version}' libgnutls28-dev 2>/dev/null || echo 3.7)" \
	"gnutls_privkey_import_x509_raw from DER the program decoded from a malloc'd PEM buffer, both then zeroed and freed; one signature each; no certificate" \
	'{"file": "gnutls-rsa2048.pem", "form": "raw-numbers"}, {"file": "gnutls-p256.pem", "form": "raw-numbers"}'
fi

merge "$out/runtimes.json" dump "${dumps[@]}"
