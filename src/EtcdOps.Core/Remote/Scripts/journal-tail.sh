#!/bin/sh
# Prints the last lines of a unit's journal (messages only), then whether the unit is active: enough to
# say why a member did not come up.
# Arguments: UNIT LINES
journalctl -u "$1" -n "$2" --no-pager -o cat 2>/dev/null
systemctl is-active "$1"
