#!/bin/sh
# The snapshot etcd-snapshot.service takes (installed by Enable-EtcdSnapshotSchedule; runs as the etcd user):
# one snapshot of the LOCAL member with the client certificate on the host, checked, named as
# Save-EtcdSnapshot names them, with the same metadata file beside it; then only the newest KEEP are kept.
# Arguments: ETCDCTL ETCDUTL ENDPOINT CACERT CERT KEY DIR KEEP PREFIX
#   ETCDUTL may be missing (etcd 3.4 has none: etcdctl reads the file then). Files are DIR/PREFIX-<UTC
#   yyyyMMddTHHmmssZ>-r<revision>.db and <that>.json; only files of that pattern are pruned.
# Nothing half-written ever carries a final name: etcdctl writes <temp>.part and renames it to <temp>; the
# file is checked (size, SHA-256 trailer) and renamed to its final name after its metadata; an interrupted
# run leaves no temp file behind.
set -eu
etcdctl=$1 etcdutl=$2 endpoint=$3 cacert=$4 cert=$5 key=$6 dir=$7 keep=$8 prefix=$9
umask 077
export ETCDCTL_API=3
tmp="$dir/.$prefix-snapshot.$$"
trap 'rm -f "$tmp" "$tmp.part" "$tmp.json"' EXIT
trap 'exit 1' INT TERM HUP PIPE

ctl() { "$etcdctl" --endpoints="$endpoint" --cacert="$cacert" --cert="$cert" --key="$key" --dial-timeout=10s "$@"; }
# The first "NAME":<digits> or "NAME":"<text>" of a JSON text.
number() { printf '%s\n' "$2" | sed -n "s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p" | head -n 1; }
text() { printf '%s\n' "$2" | sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -n 1; }

status=$(ctl --command-timeout=30s endpoint status -w json)
cluster_id=$(number cluster_id "$status")
member_id=$(number member_id "$status")
version=$(text version "$status")
[ -n "$member_id" ] || { echo "$0: $endpoint did not say its member ID: $status" >&2; exit 1; }

ctl --command-timeout=3600s snapshot save "$tmp" >/dev/null

# etcd's layout: the data (a multiple of 512 bytes), then the SHA-256 of the data (32 bytes).
size=$(stat -c %s "$tmp")
if [ "$size" -lt 32 ] || [ $(((size - 32) % 512)) -ne 0 ]; then
  echo "$0: $size bytes is not an etcd snapshot's size: the snapshot is cut short" >&2; exit 1
fi
data=$(head -c $((size - 32)) "$tmp" | sha256sum | cut -d' ' -f1)
trailer=$(tail -c 32 "$tmp" | od -An -v -tx1 | tr -d ' \n')
[ "$data" = "$trailer" ] || { echo "$0: the SHA-256 trailer does not match the data: the snapshot is corrupt" >&2; exit 1; }
sha=$(sha256sum < "$tmp" | cut -d' ' -f1)

if [ -x "$etcdutl" ]; then st=$("$etcdutl" snapshot status "$tmp" -w json); else st=$("$etcdctl" snapshot status "$tmp" -w json); fi
revision=$(number revision "$st")
[ -n "$revision" ] || { echo "$0: no revision in the snapshot's status: $st" >&2; exit 1; }

# Named by the time it is named; a second snapshot within the same second waits for the next one.
while :; do
  now=$(date -u +%s)
  final="$dir/$prefix-$(date -u -d "@$now" +%Y%m%dT%H%M%SZ)-r$revision.db"
  [ -e "$final" ] || break
  sleep 1
done
cat > "$tmp.json" <<JSON
{
  "Size": $size,
  "Sha256": "$sha",
  "Revision": $revision,
  "ClusterID": "$(printf '%x' "${cluster_id:-0}")",
  "MemberID": "$(printf '%x' "$member_id")",
  "Endpoint": "$endpoint",
  "EtcdVersion": "$version",
  "Created": "$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)"
}
JSON
sync "$tmp" "$tmp.json"
mv "$tmp.json" "$final.json"
mv "$tmp" "$final"
echo "saved $final ($size bytes, revision $revision, sha256 $sha)"

# Keep the newest KEEP (the names sort by time); metadata without its snapshot goes too.
n=0
for f in "$dir/$prefix"-[0-9]*T*Z-r*.db; do [ -f "$f" ] && n=$((n + 1)); done
for f in "$dir/$prefix"-[0-9]*T*Z-r*.db; do
  [ "$n" -gt "$keep" ] || break
  [ -f "$f" ] || continue
  rm -f "$f" "$f.json"; n=$((n - 1))
  echo "removed $f"
done
for j in "$dir/$prefix"-[0-9]*T*Z-r*.db.json; do
  [ -f "$j" ] && [ ! -e "${j%.json}" ] && rm -f "$j"
done
exit 0
