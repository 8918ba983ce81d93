#!/bin/sh
# Makes files on the host exactly as wanted (content, mode, owner), replacing only those that differ.
# Arguments, seven per file: PATH MODE OWNER GROUP SIZE SHA256 KEEP_TIME
#   KEEP_TIME is "keep-time" to give a replaced file the old one's modification time, else "new-time".
# stdin: the files' bytes one after another, in argument order, SIZE bytes each. Content never travels
# in a command line: every user of the host can read those (ps -eo args), and these files include keys.
# Prints "changed-content: PATH" or "changed-meta: PATH" for each file it had to write.
set -eu
# Nothing this script creates is readable by others, even for a moment.
umask 077
# Interrupted (Ctrl+C ends the SSH command with a signal) or failed: never leave a temp file.
tmp=
trap '[ -z "$tmp" ] || rm -f "$tmp"' EXIT
trap 'exit 1' INT TERM HUP PIPE

while [ $# -gt 0 ]; do
  [ $# -ge 7 ] || { echo "$0: seven arguments per file, $# left" >&2; exit 2; }
  p=$1 mode=$2 owner=$3 group=$4 size=$5 sha=$6 keep=$7
  shift 7
  # Each file lands in a temp file in its own directory (0600 from the first byte) and is renamed over
  # the old one: a reader, or etcd restarting, never sees a half-written file.
  d=$(dirname "$p"); mkdir -p "$d"; tmp=$(mktemp "$d/.etcdops.XXXXXX")
  # Always read the file's bytes, even when the file is kept: the next file's bytes follow them.
  head -c "$size" > "$tmp"
  [ "$(sha256sum < "$tmp" | cut -d' ' -f1)" = "$sha" ] || { echo "$p: content arrived damaged" >&2; exit 1; }
  # As sha256sum and stat -c '%a %U %G' show the file when it is as wanted (stat prints no leading zeros).
  want="$sha ${mode#"${mode%%[!0]*}"} $owner $group"
  cur="$(sha256sum 2>/dev/null < "$p" | cut -d' ' -f1) $(stat -c '%a %U %G' "$p" 2>/dev/null || true)"
  if [ "$cur" = "$want" ]; then rm -f "$tmp"; tmp=
  else
    chown "$owner:$group" "$tmp"; chmod "$mode" "$tmp"
    if [ "$keep" = keep-time ] && [ -e "$p" ]; then touch -r "$p" "$tmp"; fi
    mv -f "$tmp" "$p"; tmp=
    case "$cur" in "$sha "*) echo "changed-meta: $p" ;; *) echo "changed-content: $p" ;; esac
  fi
done
