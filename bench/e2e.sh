#!/usr/bin/env bash
# One device end to end on loopback, each role its own process — smdpd,
# eimd, euiccd and ipad — over HTTPS with P-256 and 12 KB profiles: the
# time from the operator's REST call for an indirect download to the
# profile installed and its result recorded at the eIM, the device polling
# at once (`ipad poll`: a process of its own, new TLS sessions, as a device
# woken up). N downloads, p50/p90/max. (Inject mode's REST call -> result
# latency is measured in-process by bench_esipa, in bench/ipa.sh.)
# Usage: bench/e2e.sh [BUILD_DIR] [N]
set -euo pipefail
. "$(dirname "$0")/../scripts/daemon_conf.sh"
. "$(dirname "$0")/../scripts/wait.sh"
build=${1:-build}
n=${2:-10}
tmp=$(mktemp -d)
pids=()
trap 'for q in "${pids[@]}"; do kill $q 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
eid=89049032123451234512345678901235
"$build/tools/pkigen" --out "$tmp/pki" --curve nist --smdp-host smdp.iotrsp.test --eid $eid >/dev/null
p=$tmp/pki/nist
{ smdpd_conf "$p" "$tmp"; echo "es2-client = operator-a:es2-token"; } >"$tmp/smdpd.conf"
for i in $(seq -w 1 "$n"); do
  head -c 12288 /dev/urandom >"$tmp/upp"
  "$build/smdp/smdpd" --config "$tmp/smdpd.conf" --import "$tmp/upp" --iccid 89494499999999900$i \
    --owner operator-a --spn "Operator A" --name "IoT $i" 2>/dev/null >/dev/null
done
"$build/smdp/smdpd" --config "$tmp/smdpd.conf" 2>"$tmp/smdpd.log" & pids+=($!)
sport=$(wait_port "$tmp/smdpd.log" "port")
{ eimd_conf "$p" "$tmp"; cat <<CONF
smdp-ca = $p/ci.pem
connect = smdp.iotrsp.test:443:127.0.0.1:$sport
api-key = operator:ops:op-secret
CONF
} >"$tmp/eimd.conf"
"$build/eim/eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
"$build/eim/eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" & pids+=($!)
hport=$(wait_port "$tmp/eimd.log" "https_port")
"$build/euicc/euiccd" --state "$tmp/euicc.state" --key "$p/euicc/$eid.key" --cert "$p/euicc/$eid.pem" \
  --eum "$p/eum.pem" --ci "$p/ci.pem" --bootstrap 89049032000000000011 --socket "$tmp/euicc.sock" \
  2>"$tmp/euiccd.log" & pids+=($!)
wait_socket "$tmp/euicc.sock"
api() {
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" ${3:+-d "$3"} "https://eim.iotrsp.test$2"
}
dev() {
  "$build/ipad/ipad" --card "socket:$tmp/euicc.sock" --state-dir "$tmp/ipad" --eim-ca "$p/ci.pem" --no-direct \
    --connect "eim.iotrsp.test:443:127.0.0.1:$hport" "$@"
}
dev add-initial-eim --request "$tmp/initial.der" >/dev/null
api POST /api/v1/euiccs "{\"eid\":\"$eid\"}" >/dev/null
dev poll >/dev/null                     # first contact
ms() { echo $(( $(date +%s%N) / 1000000 )); }
: >"$tmp/times"
for i in $(seq -w 1 "$n"); do
  es2 downloadOrder "\"iccid\":\"89494499999999900$i\"" >/dev/null
  es2 confirmOrder "\"iccid\":\"89494499999999900$i\",\"matchingId\":\"E2E-$i\",\"releaseFlag\":true" >/dev/null
  t0=$(ms)
  id=$(api POST /api/v1/euiccs/$eid/operations "{\"download\":{\"activationCode\":\"LPA:1\$smdp.iotrsp.test\$E2E-$i\"}}" |
       sed 's/.*"id":\([0-9]*\).*/\1/')
  dev poll >/dev/null
  api GET /api/v1/operations/$id | grep -q '"state":"done"' || { echo "download $i did not complete"; exit 1; }
  echo $(( $(ms) - t0 )) >>"$tmp/times"
done
sort -n "$tmp/times" >"$tmp/sorted"
at() { sed -n "$1p" "$tmp/sorted"; }
p90=$(( (n * 9 + 9) / 10 ))
echo "== end to end on loopback (smdpd, eimd, euiccd, ipad as processes; HTTPS, P-256, 12 KB profile)"
echo "  indirect download, REST call -> installed and its result recorded: p50 $(at $(( (n + 1) / 2 ))) ms," \
  "p90 $(at $p90) ms, max $(at "$n") ms ($n downloads; target p50 < 100 ms)"
echo "  (each includes starting ipad, its TLS handshakes to the eIM, and the eIM's ES9+ relay to the SM-DP+)"
