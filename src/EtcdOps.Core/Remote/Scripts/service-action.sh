#!/bin/sh
# Starts, stops or restarts a systemd unit.
# Arguments: ACTION UNIT   (ACTION: start, stop, restart, or disable: stop it and keep it from starting at boot)
set -eu
case $1 in
  # Without waiting: with Type=notify a member blocks until quorum, so the members must start together.
  start) exec systemctl start --no-block "$2" ;;
  stop | restart) exec systemctl "$1" "$2" ;;
  disable) exec systemctl disable --now "$2" ;;
  *) echo "$0: unknown action '$1'" >&2; exit 2 ;;
esac
