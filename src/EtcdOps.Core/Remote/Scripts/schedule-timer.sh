#!/bin/sh
# The systemd side of Enable- and Disable-EtcdSnapshotSchedule.
# Arguments: prepare - SCRIPT_DIR
#   Makes the folder of the service's script 0755 root:root (the etcd user runs the script from there).
# Arguments: enable TIMER RELOAD RESTART
#   RELOAD "reload" when a unit file was just written (daemon-reload), RESTART "restart" when the timer's own
#   file was (so its new calendar holds now). Enables and starts the timer when it is not.
# Arguments: disable TIMER SERVICE SCRIPT_DIR FILE...
#   Stops and disables the timer, stops a snapshot that is running, removes the FILEs (units, script) and
#   SCRIPT_DIR when that leaves it empty, and makes systemd forget the units. The snapshots stay.
# Prints "changed: ..." for what it did.
set -eu
action=$1 timer=$2
shift 2
case $action in
  prepare)
    d=$1
    if [ "$(stat -c '%a %U %G' "$d" 2>/dev/null)" != "755 root root" ]; then install -d -m 0755 -o root -g root "$d"; echo "changed: directory $d"; fi
    ;;
  enable)
    [ "$1" != reload ] || systemctl daemon-reload
    if ! systemctl is-enabled --quiet "$timer"; then systemctl enable --quiet "$timer"; echo "changed: $timer enabled"; fi
    if ! systemctl is-active --quiet "$timer"; then systemctl start "$timer"; echo "changed: $timer started"
    elif [ "$2" = restart ]; then systemctl restart "$timer"; echo "changed: $timer restarted"; fi
    ;;
  disable)
    service=$1 sdir=$2
    shift 2
    if systemctl is-enabled --quiet "$timer" 2>/dev/null || systemctl is-active --quiet "$timer"; then
      systemctl disable --now --quiet "$timer"; echo "changed: $timer stopped and disabled"
    fi
    if systemctl is-active --quiet "$service"; then systemctl stop "$service"; echo "changed: the running $service stopped"; fi
    removed=
    for f in "$@"; do
      [ -e "$f" ] || continue
      rm -f "$f"; echo "changed: $f removed"; removed=yes
    done
    [ ! -d "$sdir" ] || rmdir "$sdir" 2>/dev/null || true
    [ -z "$removed" ] || systemctl daemon-reload
    systemctl reset-failed "$timer" "$service" 2>/dev/null || true
    ;;
  *) echo "$0: unknown action '$action'" >&2; exit 2 ;;
esac
