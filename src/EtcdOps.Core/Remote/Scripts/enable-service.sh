#!/bin/sh
# Makes systemd read a unit file that was just written, and enables the unit unless it is enabled.
# Arguments: UNIT RELOAD   (RELOAD: "reload" when the unit file was written, else "no-reload")
# Prints "changed: service enabled" when it enabled the unit.
set -eu
unit=$1
[ "$2" != reload ] || systemctl daemon-reload
if ! systemctl is-enabled --quiet "$unit"; then systemctl enable --quiet "$unit"; echo 'changed: service enabled'; fi
