#!/bin/sh
# Finds where etcd is installed: the first systemd unit in UNIT_DIR (etcd.service first) that runs
# etcd --config-file=..., and that conf.yml. Prints "unit=<path>", "exec=<its ExecStart line>", then a
# line "--- conf" and the file; nothing on a host without such a unit.
# Arguments: UNIT_DIR
dir=$1
for f in "$dir/etcd.service" "$dir"/*.service; do
  [ -f "$f" ] || continue
  e=$(grep -m1 '^ExecStart=.*etcd .*--config-file=' "$f" 2>/dev/null) || continue
  echo "unit=$f"; echo "exec=$e"
  c=$(echo "$e" | sed -n 's/.*--config-file=\([^ ]*\).*/\1/p')
  echo '--- conf'; [ ! -f "$c" ] || cat "$c"
  break
done
