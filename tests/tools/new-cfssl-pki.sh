#!/usr/bin/env bash
# Makes a certificate set the way the manual guide does, with cfssl: ca, server, one peer per member, client.
# Used to prove that EtcdOps imports and checks sets it did not make itself.
# Usage: new-cfssl-pki.sh DIR name=ip [name=ip ...]
set -euo pipefail
dir=$1; shift
mkdir -p "$dir"; cd "$dir"
ips=(); names=()
for m in "$@"; do names+=("${m%%=*}"); ips+=("${m#*=}"); done
cat > ca-config.json <<'JSON'
{"signing":{"default":{"expiry":"8760h"},"profiles":{
 "server":{"expiry":"8760h","usages":["signing","key encipherment","server auth","client auth"]},
 "peer":{"expiry":"8760h","usages":["signing","key encipherment","server auth","client auth"]},
 "client":{"expiry":"8760h","usages":["signing","key encipherment","client auth"]}}}}
JSON
echo '{"CN":"etcd-ca","key":{"algo":"rsa","size":2048},"names":[{"O":"etcd"}]}' > ca-csr.json
cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca
hosts=$(printf '"%s",' "${ips[@]}" "${names[@]}")
echo "{\"CN\":\"etcd-server\",\"hosts\":[${hosts}\"localhost\",\"127.0.0.1\",\"::1\"],\"key\":{\"algo\":\"rsa\",\"size\":2048}}" > server.json
cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=server server.json 2>/dev/null | cfssljson -bare server
for i in "${!names[@]}"; do
  n=${names[$i]}; ip=${ips[$i]}
  echo "{\"CN\":\"$n\",\"hosts\":[\"$ip\",\"$n\",\"localhost\",\"127.0.0.1\"],\"key\":{\"algo\":\"rsa\",\"size\":2048}}" > "$n.json"
  cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=peer "$n.json" 2>/dev/null | cfssljson -bare "$n"
done
echo '{"CN":"client","hosts":[""],"key":{"algo":"rsa","size":2048}}' > client.json
cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=client client.json 2>/dev/null | cfssljson -bare client
rm -f ./*.csr ./*.json
chmod 0600 ./*-key.pem
