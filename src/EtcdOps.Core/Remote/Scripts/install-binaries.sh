#!/bin/sh
# Installs etcd, etcdctl and etcdutl from an etcd release archive's tar (unpacked from gzip on the workstation) read on stdin.
# Arguments: BIN_DIR VERSION TEMP_PARENT
#   VERSION is what the installed etcd --version must say; TEMP_PARENT holds the unpacked archive meanwhile.
# The archive was verified against SHA256SUMS on the workstation (SSH protects the tar in transit) and
# streams straight into tar; inflating it here would cost each host more CPU than the larger transfer. Each binary is swapped in by rename, so a running etcd keeps its old inode until it
# restarts. The final version check proves the right binaries arrived whole.
set -eu
bin=$1 version=$2
tmp=$(mktemp -d "$3/etcdops.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP PIPE
mkdir "$tmp/x" && tar -xf - -C "$tmp/x" --strip-components=1
mkdir -p "$bin"
for b in etcd etcdctl etcdutl; do
  [ -f "$tmp/x/$b" ] || continue
  # Owner and mode set where tar put it, then moved, not copied (a rename when both are on one file system).
  chown root:root "$tmp/x/$b" && chmod 0755 "$tmp/x/$b"
  mv -f "$tmp/x/$b" "$bin/.$b.etcdops-new"
  mv -f "$bin/.$b.etcdops-new" "$bin/$b"
done
v=$("$bin/etcd" --version | sed -n 's/^etcd Version: //p')
[ "$v" = "$version" ] || { echo "etcd --version says '$v', expected $version" >&2; exit 1; }
