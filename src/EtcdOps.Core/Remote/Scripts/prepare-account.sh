#!/bin/sh
# Creates etcd's system group and user when missing, and the directories etcd must own (0700).
# Arguments: USER GROUP UID GID HOME DIR...
# Prints "changed: ..." for each thing it created or fixed. Reads no stdin: it runs in the same command
# as write-files.sh, whose file contents follow on stdin.
set -eu
user=$1 group=$2 uid=$3 gid=$4 home=$5
shift 5
if ! getent group "$group" >/dev/null; then groupadd --system -g "$gid" "$group"; echo "changed: group $group ($gid)"; fi
if ! id -u "$user" >/dev/null 2>&1; then
  useradd --system -u "$uid" -g "$group" -d "$home" -s /bin/false -M -c 'etcd user' "$user"
  echo "changed: user $user ($uid)"
fi
for d in "$@"; do
  if [ "$(stat -c '%a %U %G' "$d" 2>/dev/null)" != "700 $user $group" ]; then
    install -d -m 0700 -o "$user" -g "$group" "$d"
    echo "changed: directory $d"
  fi
done
