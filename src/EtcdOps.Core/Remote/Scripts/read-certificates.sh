#!/bin/sh
# Prints certificate files (never keys: the caller names only cert-file and trusted-ca-file entries) for the
# workstation to inspect. Each file follows a line "--- <path>"; a file that cannot be read gets a line
# "!unreadable" instead of its content.
# Arguments: FILE...
for f in "$@"; do
  echo "--- $f"
  if [ -r "$f" ]; then cat "$f"; echo; else echo '!unreadable'; fi
done
