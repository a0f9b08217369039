#!/bin/bash
# Runs a command with a private systemd-journald and dumps what earshotd logged as JSON lines.
# Usage (as root): [DURING='shell command'] [AFTER='shell command'] unshare -m bash private-journal.sh OUT.json COMMAND [ARGS...]
# The mount namespace keeps the tmpfs mounts (and this journald) away from the host's journal.
set -euo pipefail
out="$1"; shift
mount --make-rprivate / 2>/dev/null || true
for d in /run/systemd /run/log /var/log/journal; do
    mkdir -p "$d"
    mount -t tmpfs tmpfs "$d"
done
mkdir -p /run/systemd/journal
# journald is a Type=notify service itself: without this it would send its own READY=1 to earshotd's NOTIFY_SOCKET
env -u NOTIFY_SOCKET -u WATCHDOG_USEC /lib/systemd/systemd-journald &
jpid=$!
for _ in $(seq 1 200); do
    [ -S /run/systemd/journal/socket ] && break
    sleep 0.05
done
[ -S /run/systemd/journal/socket ] || { echo "private-journal.sh: journald did not start" >&2; kill "$jpid"; exit 90; }
set +e
# DURING: a shell command run beside the command, against the same journal (e.g. earshot test-alert while earshotd runs)
if [ -n "${DURING:-}" ]; then bash -c "$DURING" & dpid=$!; fi
"$@"
rc=$?
if [ -n "${DURING:-}" ]; then wait "$dpid" || rc=$((rc ? rc : 92)); fi
set -e
journalctl --sync 2>/dev/null || sleep 0.5
journalctl -o json --no-pager SYSLOG_IDENTIFIER=earshotd > "$out" || true
# AFTER: a shell command run against the same journal once the command is done (e.g. earshot incidents)
if [ -n "${AFTER:-}" ]; then bash -c "$AFTER" || rc=$((rc ? rc : 91)); fi
kill "$jpid" 2>/dev/null || true
wait "$jpid" 2>/dev/null || true
exit "$rc"
