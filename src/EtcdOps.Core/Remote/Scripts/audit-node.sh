#!/bin/sh
# Gathers the facts Test-EtcdNode judges (it judges nothing itself), in one round trip: the systemd unit in
# UNIT_DIR that runs etcd --config-file=... (etcd.service first), the running process, the mode and owner of every
# file and directory conf.yml names, the private keys lying next to them, and conf.yml itself.
# Arguments: UNIT_DIR
# Prints key=value lines (a value runs to the end of its line, so paths may hold spaces):
#   unit, exec (its ExecStart line), config (the conf.yml that line names), now, started (the unit's
#   ExecMainStartTimestamp) and confmtime in microseconds since the epoch, active, pid, cmdconfig (the
#   --config-file of the running process), stat (mode user group path, or "missing path") for conf.yml and each
#   named path, pkey (a file holding a private key, with its stat) for each file next to them; where openssl is installed also
#   capub (the SHA-256 of each trusted-ca-file certificate's public key) and pkeypub (hash path, the same for each
#   private key: a key whose public half is a CA's is that CA's key); then a line "--- conf" and conf.yml.
# Nothing but "unit=" lines on a host without such a unit.
set -u
dir=$1
unit='' exec=''
for f in "$dir/etcd.service" "$dir"/*.service; do
  [ -f "$f" ] || continue
  e=$(grep -m1 '^ExecStart=.*etcd .*--config-file=' "$f" 2>/dev/null) || continue
  unit=$f exec=$e
  break
done
echo "unit=$unit"
[ -n "$unit" ] || exit 0
echo "exec=$exec"
# systemd's quoting: "--config-file=/a b/conf.yml", --config-file="/a b/conf.yml", or a plain word.
conf=$(printf '%s\n' "$exec" | sed -n 's/.*"--config-file=\([^"]*\)".*/\1/p')
[ -n "$conf" ] || conf=$(printf '%s\n' "$exec" | sed -n 's/.*--config-file="\([^"]*\)".*/\1/p')
[ -n "$conf" ] || conf=$(printf '%s\n' "$exec" | sed -n 's/.*--config-file=\([^ ]*\).*/\1/p')
echo "config=$conf"
name=$(basename "$unit" .service)
echo "now=$(date +%s%6N)"
echo "active=$(systemctl is-active "$name" 2>/dev/null)"
t=$(systemctl show "$name" -p ExecMainStartTimestamp --value --timestamp=us+utc 2>/dev/null || true)
if [ -n "$t" ]; then echo "started=$(date -d "$t" +%s%6N 2>/dev/null)"; fi
pid=$(systemctl show "$name" -p MainPID --value 2>/dev/null || true)
echo "pid=$pid"
if [ -n "$pid" ] && [ "$pid" != 0 ] && [ -r "/proc/$pid/cmdline" ]; then
  echo "cmdconfig=$(tr '\0' '\n' < "/proc/$pid/cmdline" | sed -n 's/^--*config-file=//p' | head -n 1)"
fi
[ ! -f "$conf" ] || echo "confmtime=$(date -r "$conf" +%s%6N)"

stat_line() {
  if [ -e "$1" ]; then echo "stat=$(stat -c '%a %U %G' "$1") $1"; else echo "stat=missing $1"; fi
}
stat_line "$conf"
# The values of conf.yml's KEYS (a sed alternation), quotes and trailing blanks removed, one path a line.
named() {
  sed -n "s/^[[:space:]]*\\($1\\):[[:space:]]*//p" "$conf" 2>/dev/null |
    sed -e 's/[[:space:]]*$//' -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/" | sort -u
}
named 'cert-file\|key-file\|trusted-ca-file\|data-dir\|wal-dir' | while IFS= read -r p; do
  [ -z "$p" ] || stat_line "$p"
done
# Private keys in the directories of conf.yml and of its certificate files: etcd's own, and any other (a CA key).
keys=$({
  dirname "$conf"
  named 'cert-file\|key-file\|trusted-ca-file' | while IFS= read -r p; do dirname "$p"; done
} | sort -u | while IFS= read -r d; do
  for f in "$d"/*; do
    [ -f "$f" ] || continue
    if grep -q -e '-----BEGIN .*PRIVATE KEY-----' "$f" 2>/dev/null; then echo "$f"; fi
  done
done)
printf '%s\n' "$keys" | while IFS= read -r k; do
  [ -z "$k" ] || { echo "pkey=$k"; stat_line "$k"; }
done
# The SHA-256 of a public key (PEM on stdin, as openssl writes it again); nothing when openssl cannot read it.
pubhash() {
  v=$(openssl pkey -pubin 2>/dev/null) || return 0
  [ -z "$v" ] || printf '%s\n' "$v" | sha256sum | cut -d' ' -f1
}
if command -v openssl >/dev/null 2>&1; then
  echo "openssl=yes"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  named 'trusted-ca-file' | while IFS= read -r ca; do
    [ -f "$ca" ] || continue
    # A CA file may hold several certificates (old and new during a rotation): each one's public key.
    rm -f "$tmp"/c*.pem
    awk -v d="$tmp" '/-----BEGIN CERTIFICATE-----/ { n++ } n { print > (d "/c" n ".pem") }' "$ca"
    for c in "$tmp"/c*.pem; do
      [ -f "$c" ] || continue
      echo "capub=$(openssl x509 -in "$c" -noout -pubkey 2>/dev/null | pubhash)"
    done
  done
  printf '%s\n' "$keys" | while IFS= read -r k; do
    [ -z "$k" ] || echo "pkeypub=$(openssl pkey -in "$k" -passin pass: -pubout 2>/dev/null | pubhash) $k"
  done
fi
echo '--- conf'
[ ! -f "$conf" ] || cat "$conf"
