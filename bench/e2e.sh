#!/usr/bin/env bash
# One device end to end on loopback, each role its own process — smdpd,
# eimd, euiccd and ipad — over HTTPS with P-256 and 12 KB profiles: the
# time from the operator's REST call for an indirect download to the
# profile installed and its result recorded at the eIM. Two devices' ways:
#  - woken: `ipad run` polling on its schedule, woken at once (SIGUSR1, as
#    a wake-up SMS or push would); the figure is the REST call (curl's own
#    time: a new TLS connection, its process start apart) plus the time
#    from the wake-up to the result recorded (seen in eimd's log);
#  - cold: `ipad poll`, a process of its own with new TLS sessions, between
#    two curl processes (REST call, then the operation read back), all counted.
# N downloads each, p50/p90/max. (Inject mode's REST call -> result latency
# is measured in-process by bench_esipa, in bench/ipa.sh.)
# Usage: bench/e2e.sh [BUILD_DIR] [N]
set -euo pipefail
. "$(dirname "$0")/../scripts/daemon_conf.sh"
. "$(dirname "$0")/../scripts/wait.sh"
build=${1:-build}
n=${2:-7}
# both ways' profiles stay installed: the eUICC's 16 slots, the bootstrap's one taken
[ "$n" -le 7 ] || { echo "e2e.sh: at most 7 downloads each (the eUICC holds 16 profiles)" >&2; n=7; }
tmp=$(mktemp -d)
pids=()
trap 'for q in "${pids[@]}"; do kill $q 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
eid=89049032123451234512345678901235
"$build/tools/pkigen" --out "$tmp/pki" --curve nist --smdp-host smdp.iotrsp.test --eid $eid >/dev/null
p=$tmp/pki/nist
{ smdpd_conf "$p" "$tmp"; echo "es2-client = operator-a:es2-token"; } >"$tmp/smdpd.conf"
for i in $(seq 1 $((2 * n))); do
  head -c 12288 /dev/urandom >"$tmp/upp"
  "$build/smdp/smdpd" --config "$tmp/smdpd.conf" --import "$tmp/upp" --iccid $((8949449999999990000 + i)) \
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
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" ${3:+-d "$3"} "${@:4}" "https://eim.iotrsp.test$2"
}
dev() {   # (DEV_EXEC=1: in place of the shell, for a device run in the background)
  ${DEV_EXEC:+exec} "$build/ipad/ipad" --card "socket:$tmp/euicc.sock" --state-dir "$tmp/ipad" --eim-ca "$p/ci.pem" --no-direct \
    --connect "eim.iotrsp.test:443:127.0.0.1:$hport" "$@"
}
dev add-initial-eim --request "$tmp/initial.der" >/dev/null
api POST /api/v1/euiccs "{\"eid\":\"$eid\"}" >/dev/null
dev poll >/dev/null                     # first contact
ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }
order() {   # I: an order for the I-th profile, released
  es2 downloadOrder "\"iccid\":\"$((8949449999999990000 + $1))\"" >/dev/null
  es2 confirmOrder "\"iccid\":\"$((8949449999999990000 + $1))\",\"matchingId\":\"E2E-$1\",\"releaseFlag\":true" >/dev/null
}
download() {   # I: the REST call for it; prints the operation's id, then curl's time (s)
  api POST /api/v1/euiccs/$eid/operations "{\"download\":{\"activationCode\":\"LPA:1\$smdp.iotrsp.test\$E2E-$1\"}}" \
    -w ' %{time_total}\n' | sed 's/.*"id":\([0-9]*\).* \([0-9.]*\)$/\1 \2/'
}
stats() {   # FILE N LABEL
  sort -n "$1" >"$1.sorted"
  echo "  $3: p50 $(sed -n "$(( ($2 + 1) / 2 ))p" "$1.sorted") ms, p90 $(sed -n "$(( ($2 * 9 + 9) / 10 ))p" "$1.sorted") ms," \
    "max $(sed -n "$2p" "$1.sorted") ms ($2 downloads; target p50 < 100 ms)"
}
# woken: the device's IPA runs, each download wakes it
DEV_EXEC=1 dev --poll-interval 86400 --verbose run 2>"$tmp/ipad.log" & ipad=$!; pids+=($ipad)
wait_grep running "$tmp/ipad.log"
: >"$tmp/woken"
for i in $(seq 1 "$n"); do
  order "$i"
  read -r id rest_s < <(download "$i")
  t0=$(ms)
  kill -USR1 $ipad
  # its result recorded: one grep a round (a few ms), no other process
  until line=$(grep -m1 "operation finished\" id=$id " "$tmp/eimd.log"); do
    [ $(( ${EPOCHREALTIME/./} / 1000 - t0 )) -lt ${E2E_WAIT_MS:-60000} ] ||
      { echo "download $i did not complete"; tail -n 20 "$tmp"/*.log >&2; exit 1; }
  done
  t1=$(ms)
  [[ $line == *state=done* ]] || { echo "download $i failed: $line"; exit 1; }
  echo $(( t1 - t0 + 10#${rest_s/./} / 1000 )) >>"$tmp/woken"
done
kill $ipad; wait $ipad 2>/dev/null || true
# cold: a process per poll
: >"$tmp/cold"
for i in $(seq $((n + 1)) $((2 * n))); do
  order "$i"
  t0=$(ms)
  read -r id rest_s < <(download "$i")
  dev poll >/dev/null
  api GET /api/v1/operations/$id | has '"state":"done"' || { echo "download $i did not complete"; tail -n 20 "$tmp"/*.log >&2; exit 1; }
  echo $(( $(ms) - t0 )) >>"$tmp/cold"
done
echo "== end to end on loopback (smdpd, eimd, euiccd, ipad as processes; HTTPS, P-256, 12 KB profile)"
echo "  indirect download, REST call -> installed and its result recorded"
stats "$tmp/woken" "$n" "woken device (ipad run, SIGUSR1)"
stats "$tmp/cold" "$n" "cold device (ipad poll, a process; curl processes counted)"
