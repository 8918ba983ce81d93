#!/bin/sh
# Describes the snapshot files (*.db) in a directory, for the workstation to judge by etcd's rules.
# Arguments: SERVICE_UNIT DEFAULT_DIR [DIR]
#   The directory is DIR when given, else the one the snapshot service may write (its ReadWritePaths=),
#   else DEFAULT_DIR (the schedule was never enabled, or was disabled: its files stay). Prints "dir=DIR" first.
# For each file: a line "--- PATH", then size, time (modification, seconds since the epoch), sha256 (the
# whole file), and for files of 32 bytes or more data (the SHA-256 of all
# but the last 32 bytes) and trailer (those 32 bytes in hex); meta is PATH.json in base64 when it exists.
# Nothing more when the directory does not exist.
set -u
dir=${3:-}
[ -n "$dir" ] || dir=$(sed -n 's/^ReadWritePaths=//p' "$1" 2>/dev/null | head -n 1)
[ -n "$dir" ] || dir=$2
echo "dir=$dir"
[ -d "$dir" ] || exit 0
for f in "$dir"/*.db; do
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  echo "--- $f"
  echo "size=$size"
  echo "time=$(date -r "$f" +%s)"
  echo "sha256=$(sha256sum < "$f" | cut -d' ' -f1)"
  if [ "$size" -ge 32 ]; then
    echo "data=$(head -c $((size - 32)) "$f" | sha256sum | cut -d' ' -f1)"
    echo "trailer=$(tail -c 32 "$f" | od -An -v -tx1 | tr -d ' \n')"
  fi
  [ ! -f "$f.json" ] || echo "meta=$(base64 -w 0 < "$f.json")"
done
