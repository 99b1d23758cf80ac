#!/usr/bin/env bash
# test-windows.sh runs the windows/amd64 build of dumpguard under Wine: scan
# and inspect of the Windows minidumps in testdata/dumps/windows, and gate over
# a spool named with a drive letter, backslashes and spaces, as the Windows
# Error Reporting recipe runs it. `make test-windows` runs it; `make test` does
# when wine and x86_64-w64-mingw32-gcc are installed.
#
# Needs: wine (64-bit), x86_64-w64-mingw32-gcc, go.
#   Debian 12: apt-get install -y wine wine64 mingw-w64
# Everything happens in a throwaway WINEPREFIX under a temporary directory;
# no display is needed. Wine 8 lacks bcryptprimitives.dll, whose ProcessPrng
# every Go program since 1.24 needs to start: scripts/wine/bcryptprimitives.c
# provides it, from RtlGenRandom.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-go}
for t in wine wineboot winepath wineserver x86_64-w64-mingw32-gcc "$GO"; do
	command -v "$t" >/dev/null || { echo "test-windows: $t not found" >&2; exit 1; }
done

work=$(mktemp -d)
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
holder=
cleanup() {
	[[ -n $holder ]] && kill "$holder" 2>/dev/null || true
	wineserver -k 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

checks=0 failed=0
ok() { checks=$((checks + 1)); echo "test-windows: ok   $*"; }
fail() {
	checks=$((checks + 1)) failed=$((failed + 1))
	echo "test-windows: FAIL $*"
	for f in "$work/stdout" "$work/stderr"; do
		[[ -s $f ]] && sed "s/^/    $(basename "$f"): /" "$f"
	done
	return 0
}
# dg WANT DESCRIPTION ARGS...: runs dumpguard.exe ARGS, wanting exit status WANT.
dg() {
	local want=$1 what=$2 got=0
	shift 2
	(cd "$work" && wine dumpguard.exe "$@") >"$work/stdout" 2>"$work/stderr" || got=$?
	if [[ $got == "$want" ]]; then ok "$what: exit $got"; else fail "$what: exit $got, want $want"; fi
}
# expect DESCRIPTION COMMAND...: a check that COMMAND succeeds.
expect() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}
out() { grep -q -F -e "$1" "$work/stdout"; }
err() { grep -q -F -e "$1" "$work/stderr"; }
win() { winepath -w "$1"; }

dumps=$repo/testdata/dumps/windows
# fp KEYFILE: the SHA-256 fingerprint keys.json gives the key.
fp() { sed -n "s/.*\"file\": \"$1\".*\"spki_sha256\": \"\([0-9a-f]*\)\".*/\1/p" "$dumps/keys/keys.json"; }
# info NAME: a value of keyholder-info.txt (the addresses in the dumps),
# which keyholder.exe wrote with CRLF line ends.
info() { sed -n "s/^$1=//p" "$dumps/keyholder-info.txt" | tr -d '\r'; }
rsa_cng=$(fp rsa-cng.pem) ec_cng=$(fp ec-cng.pem) rsa_pem=$(fp rsa-heap-pem.pem)
[[ -n $rsa_cng && -n $ec_cng && -n $rsa_pem && -n $(info pem_va) ]] ||
	{ echo "test-windows: cannot read $dumps/keys/keys.json or keyholder-info.txt" >&2; exit 1; }

echo "test-windows: building dumpguard.exe and the Wine helpers in $work"
(cd "$repo" && GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" build -trimpath -o "$work/dumpguard.exe" .)
x86_64-w64-mingw32-gcc -shared -O2 -Wall -o "$work/bcryptprimitives.dll" \
	"$repo/scripts/wine/bcryptprimitives.c" "$repo/scripts/wine/bcryptprimitives.def" -ladvapi32
x86_64-w64-mingw32-gcc -O2 -Wall -municode -o "$work/holdopen.exe" "$repo/scripts/wine/holdopen.c"
wineboot -i >/dev/null 2>&1
cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

dg 0 "version" version
expect "version: a windows/amd64 build" out "windows/amd64"

# scan: the normal dump holds the EC blob copy on the main thread's stack
# only (Wine leaves the heap out); the full one all three keys.
d=$(win "$dumps")
dg 1 "scan keyholder-normal.dmp" scan "$d\\keyholder-normal.dmp"
expect "scan normal: the EC CNG blob on the stack" out "SHA256:$ec_cng	validated	ec-P-256	cng-blob	$d\\keyholder-normal.dmp	va=$(info ec_stack_va) stack"
expect "scan normal: 1 finding" out "1 findings (1 validated), 1 blocking, 1 distinct keys, 0 errors"
dg 1 "scan keyholder-full.dmp.zst" scan "$d\\keyholder-full.dmp.zst"
expect "scan full: the RSA CNG blob in the heap" out "SHA256:$rsa_cng	validated	rsa-2048	cng-blob	$d\\keyholder-full.dmp.zst	va=$(info rsa_blob_va) heap"
expect "scan full: the EC CNG blob in the heap" out "SHA256:$ec_cng	validated	ec-P-256	cng-blob	$d\\keyholder-full.dmp.zst	va=$(info ec_blob_va) heap"
expect "scan full: the EC CNG blob on the stack" out "va=$(info ec_stack_va) stack"
expect "scan full: the PKCS#8 PEM in the heap" out "SHA256:$rsa_pem	validated	rsa-2048	pem	$d\\keyholder-full.dmp.zst	va=$(info pem_va) heap"
expect "scan full: 4 findings of 3 keys" out "4 findings (4 validated), 4 blocking, 3 distinct keys, 0 errors"

dg 0 "inspect keyholder-normal.dmp" inspect "$d\\keyholder-normal.dmp"
expect "inspect: a Windows minidump" out "os:       windows"
expect "inspect: its three threads" out "threads:  3"

# gate: a spool and destinations whose names have spaces, given as Z:\ paths.
g=$work/gate
mkdir -p "$g/spool dir" "$g/out box" "$g/quarantine"
clean=$repo/cmd/testdata/clean.bin
cp "$clean" "$g/spool dir/clean dump.dmp"
cp "$dumps/keyholder-normal.dmp" "$g/spool dir/key holder.dmp"
G=$(win "$g")
dg 1 "gate a clean and a dirty dump" gate --move --format json --output "$G\\report.json" \
	--to "$G\\out box" --quarantine "$G\\quarantine" "$G\\spool dir"
expect "gate: the clean dump released, byte for byte" cmp "$clean" "$g/out box/clean dump.dmp"
expect "gate: the dirty dump quarantined" cmp "$dumps/keyholder-normal.dmp" "$g/quarantine/key holder.dmp"
expect "gate: the quarantined dump's report, naming its key" grep -q "$ec_cng" "$g/quarantine/key holder.dmp.dumpguard.json"
expect "gate: the spool drained (--move)" test -z "$(ls -A "$g/spool dir")"
expect "gate: no temporary file left" test -z "$(find "$g/out box" "$g/quarantine" -name '.*' -type f)"
json() { printf '%s' "$1" | sed 's/\\/\\\\/g'; } # as JSON writes a string
expect "gate: the report's paths are Windows paths" grep -q -F \
	"\"path\": \"$(json "$G\\spool dir\\clean dump.dmp")\"" "$g/report.json"
expect "gate: the report says released" grep -q -F "\"dest\": \"$(json "$G\\out box\\clean dump.dmp")\"" "$g/report.json"
expect "gate: the report says quarantined" grep -q -F "\"dest\": \"$(json "$G\\quarantine\\key holder.dmp")\"" "$g/report.json"

# A rerun after an interrupted one finds its copy already there: success.
cp "$clean" "$g/spool dir/clean dump.dmp"
dg 0 "gate a dump already released" gate --move --to "$G\\out box" "$G\\spool dir"
expect "gate rerun: released, in the text report with Windows paths" \
	out "released	$G\\spool dir\\clean dump.dmp	$G\\out box\\clean dump.dmp"
expect "gate rerun: the source removed" test ! -e "$g/spool dir/clean dump.dmp"

# A different file of the same name: kept without --overwrite, replaced with
# it (a rename over the existing file).
echo "another dump, no keys" >"$g/spool dir/clean dump.dmp"
dg 2 "gate over a different file of the same name" gate --move --to "$G\\out box" "$G\\spool dir"
expect "gate without --overwrite: both kept" cmp "$clean" "$g/out box/clean dump.dmp"
expect "gate without --overwrite: the source kept" test -e "$g/spool dir/clean dump.dmp"
dg 0 "gate --overwrite" gate --overwrite --move --to "$G\\out box" "$G\\spool dir"
expect "gate --overwrite: replaced" grep -q "another dump" "$g/out box/clean dump.dmp"

# A dump its writer still holds open, sharing it with no one.
cp "$clean" "$g/spool dir/busy.dmp"
(cd "$work" && exec wine holdopen.exe "$G\\spool dir\\busy.dmp" "$G\\held.flag") &
holder=$!
for _ in $(seq 100); do [[ -e $g/held.flag ]] && break; sleep 0.1; done
expect "holdopen holds the dump" test -e "$g/held.flag"
dg 2 "gate a dump still open by its writer" gate --move --to "$G\\out box" "$G\\spool dir"
expect "gate busy: a sharing violation" err "Sharing violation"
expect "gate busy: the dump stays in the spool" test -e "$g/spool dir/busy.dmp"
expect "gate busy: nothing released" test ! -e "$g/out box/busy.dmp"
rm -f "$g/held.flag"
wait "$holder" || true
holder=

if ((failed > 0)); then
	echo "test-windows: $failed of $checks checks failed"
	exit 1
fi
echo "test-windows: PASS ($checks checks)"
