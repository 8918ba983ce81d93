#!/bin/sh
# Makes systemd read a unit file that was just written, and enables the unit unless it is enabled.
# Arguments: UNIT RELOAD   (RELOAD: "reload" when the unit file was written, else "no-reload")
# Prints "changed: service enabled" when it enabled the unit.
set -eu
unit=$1
# enable reloads systemd itself once it has made its links: a second reload would only cost time.
if ! systemctl is-enabled --quiet "$unit"; then
  systemctl enable --quiet "$unit"
  echo 'changed: service enabled'
elif [ "$2" = reload ]; then
  systemctl daemon-reload
fi
