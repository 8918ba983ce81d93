#!/usr/bin/env bash
# Builds etcd release archives (the layout of the official releases, with SHA256SUMS) from Debian's
# etcd packages, so tests run the real download-and-verify path without internet access.
# Usage: get-etcd.sh [CACHE_DIR]   -> CACHE_DIR/releases/v<ver>/etcd-v<ver>-linux-amd64.tar.gz
#                                    CACHE_DIR/etcd/<ver>/{etcd,etcdctl,etcdutl}
# Fetching never touches the machine's own apt state: a private sources/lists/cache directory is used.
set -euo pipefail
CACHE="${1:-${ETCDOPS_CACHE:-$(cd "$(dirname "$0")/../.." && pwd)/.cache}}"
WORK="$CACHE/apt"
declare -A SUITES=([3.4.23]=bookworm [3.5.16]=trixie [3.5.30]=sid)

mkdir -p "$WORK/sources" "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/debs"
for suite in bookworm trixie sid; do
  cat > "$WORK/sources/$suite.sources" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
done
APT=(-o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$WORK/sources"
     -o "Dir::State::Lists=$WORK/lists" -o "Dir::Cache=$WORK/cache" -o Debug::NoLocking=1)

need_update=1
for ver in "${!SUITES[@]}"; do
  [ -x "$CACHE/etcd/$ver/etcd" ] && [ -f "$CACHE/releases/v$ver/SHA256SUMS" ] && continue
  if [ $need_update = 1 ]; then apt-get "${APT[@]}" -qq update; need_update=0; fi
  suite=${SUITES[$ver]}
  rm -rf "$WORK/debs/$ver" && mkdir -p "$WORK/debs/$ver"
  for pkg in etcd-server etcd-client; do
    full=$(apt-cache "${APT[@]}" madison "$pkg" | awk -v v="$ver" -v s="$suite" '$3 ~ "^"v && $0 ~ s {print $3; exit}')
    [ -n "$full" ] || { echo "get-etcd: $pkg $ver not found in Debian $suite" >&2; exit 1; }
    (cd "$WORK/debs/$ver" && chmod 0777 . && apt-get "${APT[@]}" -qq download "$pkg=$full")
  done
  root="$WORK/debs/$ver/root"; mkdir -p "$root"
  for deb in "$WORK/debs/$ver"/*.deb; do dpkg-deb -x "$deb" "$root"; done
  name="etcd-v$ver-linux-amd64"
  stage="$WORK/debs/$ver/$name"; mkdir -p "$stage" "$CACHE/etcd/$ver" "$CACHE/releases/v$ver"
  for bin in etcd etcdctl etcdutl; do
    src="$root/usr/bin/$bin"
    [ -x "$src" ] || continue   # etcdutl does not exist before 3.5
    install -m 0755 "$src" "$stage/$bin"; install -m 0755 "$src" "$CACHE/etcd/$ver/$bin"
  done
  tar -C "$WORK/debs/$ver" -czf "$CACHE/releases/v$ver/$name.tar.gz" "$name"
  (cd "$CACHE/releases/v$ver" && sha256sum "$name.tar.gz" > SHA256SUMS)
  echo "get-etcd: etcd $ver ready in $CACHE/releases/v$ver"
done
