#!/bin/sh
# Looks at a member's host without changing anything (one round trip, before Install-EtcdNode decides).
# Arguments: ETCD_BINARY UNIT MEMBER_DIR USER GROUP DIR_COUNT DIR... FILE...
#   MEMBER_DIR is the data dir's member/ (there once the member has joined a cluster); the DIR_COUNT
#   DIRs must be 0700 USER GROUP; the FILEs are the files to fingerprint, numbered from 0.
# Prints key=value lines: etcd (installed version), active, enabled, started, bootstrapped, arch,
# account, mbin, and fN (sha256 mode owner group) and mN (modification time) for each FILE that exists;
# for the last FILE (conf.yml) also fboot, the sha256 of its lines other than initial-cluster and
# initial-cluster-token (etcd reads those only at bootstrap), and token, its initial-cluster-token.
set -u
etcd=$1 unit=$2 member=$3 user=$4 group=$5 dirs=$6
shift 6
echo "etcd=$("$etcd" --version 2>/dev/null | sed -n 's/^etcd Version: //p')"
echo "active=$(systemctl is-active "$unit" 2>/dev/null)"
echo "enabled=$(systemctl is-enabled "$unit" 2>/dev/null)"
# Times are microseconds since the epoch: a process that started before its files were written missed a restart.
t=$(systemctl show "$unit" -p ExecMainStartTimestamp --value --timestamp=us+utc 2>/dev/null || true)
if [ -n "$t" ]; then echo "started=$(date -d "$t" +%s%6N 2>/dev/null)"; fi
if [ -d "$member" ]; then echo bootstrapped=yes; else echo bootstrapped=no; fi
echo "arch=$(uname -m)"
a=ok
if ! getent group "$group" >/dev/null || ! id -u "$user" >/dev/null 2>&1; then a=missing; fi
while [ "$dirs" -gt 0 ]; do
  [ "$(stat -c '%a %U %G' "$1" 2>/dev/null)" = "700 $user $group" ] || a=missing
  shift; dirs=$((dirs - 1))
done
echo "account=$a"
[ ! -e "$etcd" ] || echo "mbin=$(date -r "$etcd" +%s%6N)"
i=0
last=
for p in "$@"; do
  last=$p
  if [ -f "$p" ]; then echo "f$i=$(sha256sum < "$p" | cut -d' ' -f1) $(stat -c '%a %U %G' "$p")"; echo "m$i=$(date -r "$p" +%s%6N)"; fi
  i=$((i + 1))
done
if [ -n "$last" ] && [ -f "$last" ]; then
  echo "fboot=$(grep -v -e '^initial-cluster:' -e '^initial-cluster-token:' "$last" | sha256sum | cut -d' ' -f1)"
  echo "token=$(sed -n 's/^initial-cluster-token: *//p' "$last" | tr -d "\"'")"
fi
