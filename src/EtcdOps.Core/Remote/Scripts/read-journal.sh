#!/bin/sh
# Prints a unit's journal in journalctl's short-iso format: the last LINES entries, since SINCE when given.
# Arguments: UNIT LINES [SINCE]   (SINCE as journalctl --since takes it)
set -eu
if [ -n "${3:-}" ]; then exec journalctl -u "$1" --no-pager -o short-iso -n "$2" --since "$3"; fi
exec journalctl -u "$1" --no-pager -o short-iso -n "$2"
