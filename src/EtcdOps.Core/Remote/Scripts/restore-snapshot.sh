#!/bin/sh
# Restore-EtcdSnapshot's steps on one member's host. The first argument names the step:
#   inspect MARKER STAGED
#       Prints "marker.KEY=VALUE" for each line of the restore marker (there while a restore is unfinished) and
#       "staged=SHA256 SIZE" when a staged copy of a snapshot exists. Changes nothing.
#   check FILE
#       Prints "size=N", "sha256=HEX" and "trailer=ok|bad" for a snapshot file on this host (etcd's layout: a
#       multiple of 512 bytes, then the SHA-256 of those bytes). Changes nothing.
#   stage DEST SIZE SHA256 [SOURCE]
#       Puts the snapshot at DEST (owner root, 0600): copied from SOURCE (a file on this host) or read from stdin
#       (SIZE bytes), written to DEST.part, checked against SIZE and SHA256, then renamed. A DEST that is already
#       the wanted file is kept ("staged=kept"), so a re-run does not send it again.
#   export FILE
#       Prints FILE base64-encoded: the copy of a snapshot that lives on this host, for the other members.
#   restore TOOL BIN_DIR NAME INITIAL_CLUSTER TOKEN PEER_URL DATA_DIR WAL_DIR SNAPSHOT BUMP USER GROUP
#       TOOL is etcdutl (etcd 3.5+) or etcdctl (3.4); WAL_DIR is empty for a WAL under DATA_DIR; BUMP is 0 or the
#       revision bump (with --mark-compacted). The snapshot is restored into a scratch dir beside DATA_DIR, which
#       then becomes DATA_DIR by one rename (DATA_DIR must be empty or missing: the caller moved the old data
#       aside); a DATA_DIR that already holds member/ was restored by this restore and is kept
#       ("restored=already"). Owned USER:GROUP, 0700.
#   finish MARKER STAGED
#       Removes the restore marker and the staged copy (the snapshot holds every key: no copy stays behind).
set -eu
umask 077
step=$1
shift

sha_of() { sha256sum < "$1" | cut -d' ' -f1; }

case $step in
  inspect)
    marker=$1 staged=$2
    if [ -f "$marker" ]; then sed -n 's/^\([a-z-]*\)=/marker.\1=/p' "$marker"; fi
    if [ -f "$staged" ]; then echo "staged=$(sha_of "$staged") $(stat -c %s "$staged")"; fi
    ;;

  check)
    f=$1
    [ -f "$f" ] || { echo "missing=yes"; exit 0; }
    size=$(stat -c %s "$f")
    echo "size=$size"
    echo "sha256=$(sha_of "$f")"
    if [ "$size" -ge 32 ] && [ $(((size - 32) % 512)) -eq 0 ] &&
      [ "$(head -c $((size - 32)) "$f" | sha256sum | cut -d' ' -f1)" = "$(tail -c 32 "$f" | od -An -v -tx1 | tr -d ' \n')" ]; then
      echo "trailer=ok"
    else
      echo "trailer=bad"
    fi
    ;;

  stage)
    dest=$1 size=$2 sha=$3 source=${4:-}
    if [ -f "$dest" ] && [ "$(sha_of "$dest")" = "$sha" ]; then
      # Still read what was sent, so the sender's stream ends cleanly.
      [ -n "$source" ] || head -c "$size" > /dev/null
      echo "staged=kept"; exit 0
    fi
    part="$dest.part"
    trap 'rm -f "$part"' EXIT
    trap 'exit 1' INT TERM HUP PIPE
    mkdir -p "$(dirname "$dest")"
    if [ -n "$source" ]; then cp "$source" "$part"; else head -c "$size" > "$part"; fi
    [ "$(stat -c %s "$part")" = "$size" ] || { echo "$dest: $(stat -c %s "$part") bytes arrived, $size expected" >&2; exit 1; }
    [ "$(sha_of "$part")" = "$sha" ] || { echo "$dest: the copy's SHA-256 is not $sha: it arrived damaged" >&2; exit 1; }
    chmod 600 "$part"
    mv -f "$part" "$dest"
    trap - EXIT
    echo "staged=written"
    ;;

  export)
    base64 -w 0 "$1"
    ;;

  restore)
    tool=$1 bin=$2 name=$3 cluster=$4 token=$5 peer=$6 data=$7 wal=$8 snap=$9
    shift 9
    bump=$1 user=$2 group=$3
    if [ -d "$data/member" ]; then echo "restored=already"; exit 0; fi
    tmp="$data.restore-tmp"
    trap 'rm -rf "$tmp" "$tmp-wal"' EXIT
    trap 'exit 1' INT TERM HUP PIPE
    # Scratch of an interrupted run: only ever the snapshot's own data.
    rm -rf "$tmp" "$tmp-wal"
    mkdir -p "$(dirname "$data")"
    set -- snapshot restore "$snap" --name "$name" --initial-cluster "$cluster" --initial-cluster-token "$token" \
      --initial-advertise-peer-urls "$peer" --data-dir "$tmp"
    [ -z "$wal" ] || set -- "$@" --wal-dir "$tmp-wal"
    [ "$bump" = 0 ] || set -- "$@" --bump-revision "$bump" --mark-compacted
    case $tool in
      etcdutl) "$bin/etcdutl" "$@" > "$tmp.log" 2>&1 || { cat "$tmp.log" >&2; rm -f "$tmp.log"; exit 1; } ;;
      etcdctl) ETCDCTL_API=3 "$bin/etcdctl" "$@" > "$tmp.log" 2>&1 || { cat "$tmp.log" >&2; rm -f "$tmp.log"; exit 1; } ;;
      *) echo "$0: unknown restore tool '$tool'" >&2; exit 2 ;;
    esac
    rm -f "$tmp.log"
    chown -R "$user:$group" "$tmp"
    chmod 700 "$tmp"
    if [ -n "$wal" ]; then
      # The WAL goes in first: DATA_DIR/member appearing is what says the restore is complete. A WAL dir found
      # here without DATA_DIR/member is an interrupted run's copy of this snapshot (the caller moved the old
      # WAL aside before the marker was written), so it is replaced.
      rm -rf "$wal"
      mkdir -p "$(dirname "$wal")"
      chown -R "$user:$group" "$tmp-wal"
      chmod 700 "$tmp-wal"
      mv "$tmp-wal" "$wal"
    fi
    if [ -d "$data" ]; then
      [ -z "$(ls -A "$data")" ] || { echo "$data is not empty; it must have been moved aside first" >&2; exit 1; }
      rmdir "$data"
    fi
    mv "$tmp" "$data"
    trap - EXIT
    echo "restored=yes"
    ;;

  finish)
    rm -f "$1" "$2"
    ;;

  *)
    echo "$0: unknown step '$step'" >&2
    exit 2
    ;;
esac
