#!/bin/sh
# Starts, stops or restarts a systemd unit.
# Arguments: ACTION UNIT   (ACTION: start, stop or restart)
set -eu
case $1 in
  # Without waiting: with Type=notify a member blocks until quorum, so the members must start together.
  start) exec systemctl start --no-block "$2" ;;
  stop | restart) exec systemctl "$1" "$2" ;;
  *) echo "$0: unknown action '$1'" >&2; exit 2 ;;
esac
