#!/bin/sh
# Looks at a member's host before Enable-EtcdSnapshotSchedule decides (read-only, one round trip).
# Arguments: TIMER CALENDAR DIR USER GROUP ETCDCTL CLIENT_CERT SCRIPT_DIR FILE_COUNT FILE... NEED...
#   The FILE_COUNT FILEs are the schedule's own (script, service, timer), fingerprinted as fN (sha256 mode
#   owner group) when they exist, numbered from 0; each NEED (etcdctl, the CA, the client certificate and
#   key) must exist: those missing are printed as "missing=PATH PATH...".
# Prints key=value lines: calendar (ok, invalid or unchecked) and calendar_error, enabled and active (the
# timer's), next (its next run, seconds since the epoch), dir (ok when DIR is 0700 USER GROUP), sdir (ok
# when SCRIPT_DIR is 0755 root root),
# etcdctl (its version), fN, missing, and clientsha (the sha256 of CLIENT_CERT).
set -u
timer=$1 calendar=$2 dir=$3 user=$4 group=$5 etcdctl=$6 client=$7 sdir=$8 count=$9
shift 9
if command -v systemd-analyze >/dev/null 2>&1; then
  if e=$(systemd-analyze calendar "$calendar" 2>&1 >/dev/null); then echo calendar=ok
  else echo calendar=invalid; echo "calendar_error=$(printf '%s' "$e" | head -n 1)"; fi
else echo calendar=unchecked; fi
echo "enabled=$(systemctl is-enabled "$timer" 2>/dev/null)"
echo "active=$(systemctl is-active "$timer" 2>/dev/null)"
t=$(systemctl show "$timer" -p NextElapseUSecRealtime --value 2>/dev/null || true)
if [ -n "$t" ]; then echo "next=$(date -d "$t" +%s 2>/dev/null)"; fi
if [ "$(stat -c '%a %U %G' "$dir" 2>/dev/null)" = "700 $user $group" ]; then echo dir=ok; else echo dir=missing; fi
if [ "$(stat -c '%a %U %G' "$sdir" 2>/dev/null)" = "755 root root" ]; then echo sdir=ok; else echo sdir=missing; fi
echo "etcdctl=$("$etcdctl" version 2>/dev/null | sed -n 's/^etcdctl version: //p')"
i=0
while [ "$i" -lt "$count" ]; do
  if [ -f "$1" ]; then echo "f$i=$(sha256sum < "$1" | cut -d' ' -f1) $(stat -c '%a %U %G' "$1")"; fi
  shift; i=$((i + 1))
done
m=
for p in "$@"; do [ -f "$p" ] || m="$m $p"; done
[ -z "$m" ] || echo "missing=${m# }"
[ ! -f "$client" ] || echo "clientsha=$(sha256sum < "$client" | cut -d' ' -f1)"
