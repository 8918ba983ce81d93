#!/bin/sh
# Moves a member's data aside (a removed or replaced member, data of another cluster) and leaves an empty
# directory with the same owner and mode in its place, so etcd can start there as a new member.
# Arguments: SUFFIX DIR...   (each DIR that holds anything becomes DIR$SUFFIX)
# Prints "moved=DIR$SUFFIX" for each directory moved.
set -eu
suffix=$1
shift
for d in "$@"; do
  [ -d "$d" ] || continue
  [ -n "$(ls -A "$d")" ] || continue
  # Never into (or over) what an earlier move left there.
  [ ! -e "$d$suffix" ] || { echo "$d$suffix exists already; nothing was moved" >&2; exit 1; }
  mv "$d" "$d$suffix"
  mkdir -m 700 "$d"
  chown --reference="$d$suffix" "$d"
  echo "moved=$d$suffix"
done
