#!/usr/bin/env bash
# A campaign over 100 simulated devices (fleetsim: libipa + a software eUICC
# each) against eimd over HTTPS and over CoAP/DTLS, with eimd killed -9 in
# the middle and restarted, while the devices lose exchanges and power:
# every operation completes exactly once (each eUICC's counterValue moves by
# one), single operations go before the campaign's, and the campaign's
# progress counts add up.
set -euo pipefail
# a failure names its line: a run that fails once under load can be read afterwards
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/../../scripts/daemon_conf.sh"
. "$(dirname "$0")/../../scripts/wait.sh"
eimd=$1 fleetsim=$2 pkigen=$3
tmp=$(mktemp -d)
eimd_pid=
trap '[ -n "$eimd_pid" ] && kill $eimd_pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 100 >/dev/null
p=$tmp/pki/nist
{ eimd_conf "$p" "$tmp"; cat <<CONF
api-key = operator:ops:op-secret
threads = 4
CONF
} >"$tmp/eimd.conf"
start_eimd() {
  : >"$tmp/eimd.log"
  "$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
  eimd_pid=$!
  wait_grep 'msg="listening"' "$tmp/eimd.log"
  hport=$(sed -n 's/.*https_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
  cport=$(sed -n 's/.*coaps_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
  # the same ports after a restart
  sed -i "s/^port = .*/port = $hport/; s/^coaps-port = .*/coaps-port = $cport/" "$tmp/eimd.conf"
}
api() {
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" ${3:+-d "$3"} "https://eim.iotrsp.test$2"
}
"$eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
start_eimd
sim() {   # TRANSPORT ARGS...
  local port=$hport t=$1; shift
  [ "$t" = coaps ] && port=$cport
  "$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$port" --connect-address 127.0.0.1 \
    --ca "$p/ci.pem" $([ "$t" = coaps ] && echo --coaps) "$@"
}
for t in https coaps; do
  echo "== $t"
  rm -f "$tmp/sim.out"
  # first contact for the fleet (registered over REST), then a campaign over all of it
  # while the devices keep polling, about 30 ms apart, until it is through
  if [ "$t" = https ]; then
    out=$(api POST /api/v1/campaigns \
      '{"name":"nobody","label":"fleet=sim","maxInFlight":10,"psmos":[{"listProfileInfo":{}}]}')
    [ "$(sed 's/.*"operations":\([0-9]*\).*/\1/' <<<"$out")" = 0 ]   # nobody registered yet
    sim https --devices 100 --threads 4 --rounds 1 --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" \
      --api-key op-secret >"$tmp/first.out"
    # each device's first poll carried the eIM's request for its data, and fleetsim counts it so
    grep -q "^polls that executed packages or requests: 100, 1.0 each;" "$tmp/first.out"
  fi
  out=$(api POST /api/v1/campaigns \
    '{"name":"inventory","label":"fleet=sim","maxInFlight":10,"psmos":[{"listProfileInfo":{}}]}')
  echo "campaign: $out"
  camp=$(sed 's/.*"id":\([0-9]*\).*/\1/' <<<"$out")
  [ "$(sed 's/.*"operations":\([0-9]*\).*/\1/' <<<"$out")" = 100 ]
  # one device also gets an operation of its own, after the campaign: it goes first
  eid=$(ls "$p/euicc" | sed -n 1p | cut -c1-32)
  single=$(api POST /api/v1/euiccs/$eid/operations '{"psmos":[{"getRAT":{}}]}' | sed 's/.*"id":\([0-9]*\).*/\1/')
  # devices that misbehave as in the field: 10 % of exchanges lost (before
  # or after the eIM), 5 % of polls cut by a power loss, intervals jittered
  rm -f "$tmp/stop"
  sim $t --devices 100 --threads 4 --until "$tmp/stop" --interval-ms 30 --jitter 50 --timeout-ms 1500 \
    --network-loss 10 --power-loss 5 --progress 2 >"$tmp/sim.out" 2>&1 &
  sim_pid=$!
  # kill -9 when part of the campaign is through
  done_n() { api GET /api/v1/campaigns/$camp | sed 's/.*"done":\([0-9]*\).*/\1/'; }
  some_done() { local n; n=$(done_n); [ "${n:-0}" -ge 20 ]; }
  wait_until some_done
  done_n=$(done_n)
  kill -9 $eimd_pid; wait $eimd_pid 2>/dev/null || true
  echo "killed eimd with $done_n of 100 done"
  sleep 0.3
  start_eimd
  all_done() { grep -q '"done":100,' <<<"$(api GET /api/v1/campaigns/$camp)"; }
  single_done() { grep -q '"state":"done"' <<<"$(api GET /api/v1/operations/$single)"; }
  wait_until all_done
  wait_until single_done
  touch "$tmp/stop"
  wait $sim_pid || true   # polls failed while eimd was down, and by design
  cat "$tmp/sim.out"
  grep -q 'power cuts [1-9]' "$tmp/sim.out"
  out=$(api GET /api/v1/campaigns/$camp)
  echo "after: $out"
  # the fleet's summary knows which transport each device last polled over
  api GET /api/v1/fleet/summary | has "\"euiccs\":100,.*\"coaps\":$([ $t = coaps ] && echo 100 || echo 0)"
  grep -q '"total":100,"states":{"pending":0,"sent":0,"done":100,"failed":0' <<<"$out"
  # and device by device
  [ "$(api GET /api/v1/campaigns/$camp/operations | grep -o '"state":"done"' | wc -l)" = 100 ]
  # exactly once: one counterValue per signed operation, for every eUICC
  want=$([ $t = https ] && echo 1 || echo 2)
  api GET /api/v1/euiccs | tr '{' '\n' | grep '"eid"' >"$tmp/euiccs"
  [ "$(wc -l <"$tmp/euiccs")" = 100 ]
  bad=$(grep -v "\"counter\":$want," "$tmp/euiccs" | grep -v "\"eid\":\"$eid\"" || true)
  [ -z "$bad" ] || { echo "counters off: $bad"; exit 1; }
  op=$(api GET /api/v1/operations/$single)
  grep -q '"state":"done"' <<<"$op"
  # the single operation was signed before the device's campaign operation
  grep -q "\"counterValue\":$((want * 2 - 1))" <<<"$op"
done
echo "campaign over 100 devices with eimd killed -9 midway, HTTPS and CoAP/DTLS: ok"
