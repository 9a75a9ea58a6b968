#!/usr/bin/env bash
# Interoperability with lpac, the common open LPA (a third-party peer from
# ../shared/peers, built here in a temporary directory): euiccd is the card
# behind pcscd and vpcd, smdpd the SM-DP+ at its address (a private
# /etc/hosts, port 443, in a private network namespace). lpac reads the
# chip, downloads a profile ordered over ES2+, lists, enables, sends its
# notifications to smdpd, disables and deletes it. Skipped when the peer,
# root, pcscd/vpcd or lpac's build dependencies are missing.
set -euo pipefail
euiccd=$1 pkigen=$2 smdpd=$3 peers=$4
src=$peers/lpac-src.tar.gz
if [ ! -f "$src" ]; then echo "skipped: no lpac in $peers (../shared/peers is optional)"; exit 0; fi
for need in cmake pkg-config; do
  command -v $need >/dev/null || { echo "skipped: $need is needed to build lpac"; exit 0; }
done
if ! pkg-config --exists libcjson libcurl libpcsclite; then
  echo "skipped: lpac's build wants libcjson-dev, libcurl4-openssl-dev and libpcsclite-dev"; exit 0
fi
. "$(dirname "$0")/pcscd_ns.sh"
# lpac from its source, as its README says (Debian 12's CMake lacks policy CMP0177)
mkdir "$tmp/lpac-src"
tar xzf "$src" -C "$tmp/lpac-src"
sed -i 's/^\(\s*cmake_policy(SET CMP0177 NEW)\)/# \1/' "$tmp/lpac-src/lpac/CMakeLists.txt"
if ! { cmake -S "$tmp/lpac-src/lpac" -B "$tmp/lpac-build" -DUSE_SYSTEM_DEPS=ON -DSTANDALONE_MODE=ON \
         -DCMAKE_BUILD_TYPE=Release && cmake --build "$tmp/lpac-build" -j2; } >"$tmp/lpac-build.log" 2>&1; then
  tail -20 "$tmp/lpac-build.log"; echo "lpac did not build"; exit 1
fi
lpac=$tmp/lpac-build/src/lpac
# smdpd with the same test PKI, a 12 KB profile imported, ES2+ for operator-a
cat >"$tmp/smdpd.conf" <<CONF
address = smdp.iotrsp.test
listen = 127.0.0.1
port = 443
tls-cert = $d/smdp-tls.pem
tls-key = $d/smdp-tls.key
store = sqlite:$tmp/smdp.db
ci = $d/ci.pem
dp-auth-cert = $d/smdp-auth.pem
dp-auth-key = $d/smdp-auth.key
dp-pb-cert = $d/smdp-pb.pem
dp-pb-key = $d/smdp-pb.key
es2-client = operator-a:secret-a
CONF
head -c 12288 /dev/urandom >"$tmp/upp.der"
"$smdpd" --config "$tmp/smdpd.conf" --import "$tmp/upp.der" --iccid 8949449999999990031 --owner operator-a \
  --spn "Operator A" --name "IoT" --notify smdp.iotrsp.test >/dev/null
echo "127.0.0.1 localhost smdp.iotrsp.test" >"$tmp/hosts"
export lpac smdpd
run_in_pcscd_ns '
  mount --bind "$tmp/hosts" /etc/hosts
  "$smdpd" --config "$tmp/smdpd.conf" 2>"$tmp/smdpd.log" &
  smdpd_pid=$!
  trap "kill -TERM $smdpd_pid 2>/dev/null; wait $smdpd_pid 2>/dev/null || true" EXIT
  export LPAC_APDU=pcsc LPAC_HTTP=curl
  ok() { echo "$1" | tail -1 | has "\"code\":0" || { echo "lpac failed: $1"; exit 1; }; }
  wait_until eval "\"\$lpac\" chip info >\"\$tmp/chip.json\" 2>&1 && grep -q \"\\\"code\\\":0\" \"\$tmp/chip.json\""
  grep -q "\"eidValue\":\"$eid\"" "$tmp/chip.json"
  # ES2+: the order, confirmed and released with a MatchingID
  hdr="\"header\":{\"functionRequesterIdentifier\":\"it\",\"functionCallIdentifier\":\"1\"}"
  es2() { curl -s -k -H "X-Admin-Protocol: gsma/rsp/v2.5.0" -H "Content-Type: application/json" \
            -H "Authorization: Bearer secret-a" -d "$2" "https://smdp.iotrsp.test/gsma/rsp2/es2plus/$1"; }
  wait_until eval "curl -s -k https://smdp.iotrsp.test/health | has ok"
  es2 downloadOrder "{$hdr,\"iccid\":\"8949449999999990031\"}" | has Executed-Success
  es2 confirmOrder "{$hdr,\"iccid\":\"8949449999999990031\",\"matchingId\":\"LPAC-1\",\"releaseFlag\":true}" |
    grep -q Executed-Success
  out=$("$lpac" profile download -s smdp.iotrsp.test -m LPAC-1 2>&1); ok "$out"
  out=$("$lpac" profile list 2>&1); ok "$out"
  echo "$out" | tail -1 | has "\"iccid\":\"8949449999999990031\""
  out=$("$lpac" profile enable 8949449999999990031 2>&1); ok "$out"
  out=$("$lpac" notification process -a -r 2>&1); ok "$out"
  out=$("$lpac" profile disable 8949449999999990031 2>&1); ok "$out"
  out=$("$lpac" profile delete 8949449999999990031 2>&1); ok "$out"
  out=$("$lpac" notification process -a -r 2>&1); ok "$out"
  out=$("$lpac" notification list 2>&1); ok "$out"
  echo "$out" | tail -1 | has "\"data\":\[\]"
  # smdpd: the BPP bound, the signed installation result, the enable, disable and delete notifications
  grep -q "msg=\"BPP bound\" iccid=989444999999990930F1 eid=$eid" "$tmp/smdpd.log"
  grep -q "msg=\"installation result\" iccid=989444999999990930F1 eid=$eid result=success" "$tmp/smdpd.log"
  [ "$(grep -c "msg=\"notification\" eid=$eid iccid=989444999999990930F1" "$tmp/smdpd.log")" = 3 ] ||
    { grep -v level=debug "$tmp/smdpd.log"; exit 1; }
'
echo "lpac against euiccd (pcscd + vpcd) and smdpd: ok"
