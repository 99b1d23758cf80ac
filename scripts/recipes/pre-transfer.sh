#!/bin/sh
# dumpguard pre-transfer step: gate the dumps in the spool, then ship what was
# released. Dumps holding a private key are moved to the quarantine, each
# beside a JSON report, and never leave. Dumps that could not be scanned
# completely (still being written, truncated) stay in the spool for the next
# round. Only released dumps ever reach the outbox, so it is always safe to ship.
#
# Run it from cron or a timer on the host where dumps are written.
set -u

SPOOL=${SPOOL:-/var/crash/spool}
OUTBOX=${OUTBOX:-/var/crash/outbox}
QUARANTINE=${QUARANTINE:-/var/crash/quarantine}
# The policy is named, never picked up from the working directory; a site
# without one writes {} there (the defaults).
POLICY=${POLICY:-/etc/dumpguard/policy.json}
DEST=${DEST:-crash-collector.example.com:/srv/incoming/}

# Without rsync nothing could be shipped: say so before gating anything, so
# that the spool is left as it is and the exit status is plainly 2.
if ! command -v rsync >/dev/null 2>&1; then
	echo "pre-transfer: rsync not found in PATH; nothing gated or shipped" >&2
	exit 2
fi

status=0
dumpguard gate --quiet --config "$POLICY" --move --to "$OUTBOX" --quarantine "$QUARANTINE" "$SPOOL" || status=$?
case $status in
0) ;;
1) echo "pre-transfer: dumps holding private keys were quarantined in $QUARANTINE" >&2 ;;
*) echo "pre-transfer: dumpguard exit status $status; what it could not gate stays in $SPOOL" >&2 ;;
esac

# Hidden files in the outbox are copies gate is still writing: never ship them.
rsync -a --remove-source-files --exclude='.*' "$OUTBOX"/ "$DEST" || exit 2
exit "$status"
