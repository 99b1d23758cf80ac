#!/usr/bin/env bash
# make-windows-dumps.sh writes the Windows minidumps in testdata/dumps/windows/
# with MiniDumpWriteDump, run under Wine (its dbghelp.dll), from a process that
# holds THROWAWAY test keys. Tests never run this; they use the committed output.
#
# Needs: wine (64-bit), x86_64-w64-mingw32-gcc, openssl, zstd, go.
#   Debian 12: apt-get install -y wine wine64 mingw-w64 zstd openssl
# Usage: testdata/dumps/make-windows-dumps.sh [--new-keys]
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/testdata/dumps/windows
keys=$out/keys
work=$(mktemp -d)
holder=
cleanup() {
	[[ -n $holder ]] && kill "$holder" 2>/dev/null || true
	WINEPREFIX=$work/prefix wineserver -k 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

for t in wine x86_64-w64-mingw32-gcc openssl zstd go; do
	command -v "$t" >/dev/null || { echo "make-windows-dumps: $t not found" >&2; exit 1; }
done

# 1. Throwaway keys, made once and kept so keys.json stays stable.
mkdir -p "$keys"
if [[ ${1-} == --new-keys || ! -f $keys/rsa-cng.pem ]]; then
	openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$keys/rsa-cng.pem"
	openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$keys/ec-cng.pem"
	openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$keys/rsa-heap-pem.pem"
fi
fp() { openssl pkey -in "$1" -pubout -outform DER | sha256sum | cut -d' ' -f1; }
cat >"$keys/keys.json" <<JSON
[
  {"file": "rsa-cng.pem", "type": "rsa-2048", "spki_sha256": "$(fp "$keys/rsa-cng.pem")", "where": "imported with BCryptImportKeyPair as BCRYPT_RSAPRIVATE_BLOB (CNG key handle rsa_handle); the blob buffer stays in the process heap at rsa_blob_va"},
  {"file": "ec-cng.pem", "type": "ec-p256", "spki_sha256": "$(fp "$keys/ec-cng.pem")", "where": "imported with BCryptImportKeyPair as BCRYPT_ECCPRIVATE_BLOB (ECS2, CNG key handle ec_handle); the blob buffer stays in the process heap at ec_blob_va, and a copy of the blob is on the main thread's stack at ec_stack_va"},
  {"file": "rsa-heap-pem.pem", "type": "rsa-2048", "spki_sha256": "$(fp "$keys/rsa-heap-pem.pem")", "where": "PKCS#8 PEM text copied into a process-heap buffer at pem_va"}
]
JSON

# 2. The program and the CNG blobs it imports.
x86_64-w64-mingw32-gcc -O1 -Wall -o "$work/keyholder.exe" "$out/src/keyholder.c" -lbcrypt -ldbghelp
(cd "$repo" && go run ./testdata/dumps/windows/src/mkblobs \
	"$keys/rsa-cng.pem" "$work/rsa.blob" "$keys/ec-cng.pem" "$work/ec.blob")
cp "$keys/rsa-heap-pem.pem" "$work/key.pem"

# 3. Run the holder, dump it from a second process, then let it exit.
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cd "$work"
wineboot -i >/dev/null 2>&1 || true
wine keyholder.exe hold rsa.blob ec.blob key.pem info.txt quit.flag &
holder=$!
for _ in $(seq 600); do [[ -s info.txt ]] && break; sleep 0.1; done
[[ -s info.txt ]] || { echo "make-windows-dumps: keyholder did not start" >&2; exit 1; }
sleep 1
pid=$(sed -n 's/^pid=//p' info.txt)
# Full: MiniDumpWithFullMemory|WithHandleData|WithUnloadedModules|WithFullMemoryInfo|WithThreadInfo.
# Wine's dbghelp ignores WithFullMemoryInfo, so the dumper adds a MemoryInfoList
# (from VirtualQueryEx) as a user stream; MiniDumpWriteDump writes it.
wine keyholder.exe dump "$pid" 0x1826 full.dmp meminfo
# Normal: MiniDumpNormal|WithDataSegs|WithPrivateReadWriteMemory (MemoryList only).
wine keyholder.exe dump "$pid" 0x201 normal.dmp
touch quit.flag
wait "$holder"
holder=

# 4. Copy out, compressing what is large.
rm -f "$out"/keyholder-*.dmp "$out"/keyholder-*.dmp.zst
for k in full normal; do
	if (($(stat -c %s "$k.dmp") > 2 * 1024 * 1024)); then
		zstd -q -19 -o "$out/keyholder-$k.dmp.zst" "$k.dmp"
	else
		cp "$k.dmp" "$out/keyholder-$k.dmp"
	fi
done
cp info.txt "$out/keyholder-info.txt"
ls -l "$out"
