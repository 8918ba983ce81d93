#!/bin/sh
# Stops and disables a unit and removes its file, the etcd binaries, whole directories and single files.
# Arguments: UNIT UNIT_PATH BIN_DIR DIR_COUNT DIR... FILE...
#   The DIR_COUNT DIRs go whole (etcd's own directories, and the data when asked); the FILEs alone
#   (conf.yml and the certificates in a directory etcd shares with others). Which is which is decided
#   by the caller. Best effort: what cannot be removed does not keep the rest.
set -u
unit=$1 unit_path=$2 bin=$3 dirs=$4
shift 4
systemctl disable --now "$unit" 2>/dev/null || true
rm -f "$unit_path"
systemctl daemon-reload
rm -f "$bin/etcd" "$bin/etcdctl" "$bin/etcdutl"
while [ "$dirs" -gt 0 ]; do
  rm -rf "$1"
  shift; dirs=$((dirs - 1))
done
rm -f "$@"
