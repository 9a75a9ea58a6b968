#!/usr/bin/env bash
# eimd killed -9 twice under 64 concurrent devices (fleetsim: 128 devices on
# 64 connections polling as fast as they can, HTTPS) in the middle of a
# campaign to all of them, restarted each time: no counterValue used twice
# (each eUICC's moved by exactly one), no result lost (every operation done,
# none failed), no operation run twice (exactly one audited result each).
# Group commit (lib/store) shares fsyncs among concurrent commits: what a
# device or an operator was answered must still survive the kill.
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/../../scripts/daemon_conf.sh"
. "$(dirname "$0")/../../scripts/wait.sh"
eimd=$1 fleetsim=$2 pkigen=$3
n=128
tmp=$(mktemp -d)
eimd_pid= sim_pid=
trap '[ -n "$eimd_pid" ] && kill $eimd_pid 2>/dev/null; [ -n "$sim_pid" ] && kill $sim_pid 2>/dev/null;
      wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 $n >/dev/null
p=$tmp/pki/nist
{ eimd_conf "$p" "$tmp"; echo "api-key = operator:ops:op-secret"; echo "threads = 8"; } >"$tmp/eimd.conf"
start_eimd() {
  : >"$tmp/eimd.log"
  "$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
  eimd_pid=$!
  hport=$(wait_port "$tmp/eimd.log" https_port)
  sed -i "s/^port = .*/port = $hport/" "$tmp/eimd.conf"      # the same port after a restart
}
api() {
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" ${3:+-d "$3"} "https://eim.iotrsp.test$2"
}
sim() {
  "$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" --connect-address 127.0.0.1 \
    --ca "$p/ci.pem" --devices $n "$@"
}
"$eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
start_eimd
sim --threads 8 --rounds 1 --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key op-secret >/dev/null
# the counters after first contact, eUICC by eUICC
counters() { api GET "/api/v1/euiccs?limit=500" | tr '{' '\n' | sed -n 's/.*"eid":"\([0-9]*\)".*"counter":\([0-9]*\).*/\1 \2/p' | sort; }
counters >"$tmp/before"
[ "$(wc -l <"$tmp/before")" = $n ]
out=$(api POST /api/v1/campaigns "{\"name\":\"load\",\"label\":\"fleet=sim\",\"maxInFlight\":$n,\"psmos\":[{\"getRAT\":{}}]}")
camp=$(sed 's/.*"id":\([0-9]*\).*/\1/' <<<"$out")
[ "$(sed 's/.*"operations":\([0-9]*\).*/\1/' <<<"$out")" = $n ]
sim --threads 64 --until "$tmp/stop" --interval-ms 0 --timeout-ms 2000 >"$tmp/sim.out" 2>&1 &
sim_pid=$!
done_n() { api GET /api/v1/campaigns/$camp | sed -n 's/.*"done":\([0-9]*\).*/\1/p'; }
at_least() { local d; d=$(done_n); [ "${d:-0}" -ge "$1" ]; }
for k in 20 70; do
  wait_until at_least $k
  kill -9 $eimd_pid; wait $eimd_pid 2>/dev/null || true
  echo "killed eimd -9 with $(grep -c 'msg="operation finished"' "$tmp/eimd.log" || true) results recorded by this run"
  start_eimd
done
wait_until at_least $n
touch "$tmp/stop"
wait $sim_pid || true   # exchanges failed while eimd was down, by design
sim_pid=
cat "$tmp/sim.out"
out=$(api GET /api/v1/campaigns/$camp)
echo "after: $out"
grep -q "\"total\":$n,\"states\":{\"pending\":0,\"sent\":0,\"done\":$n,\"failed\":0" <<<"$out"
# no counterValue reused: each eUICC signed for exactly once more
counters >"$tmp/after"
join "$tmp/before" "$tmp/after" | awk '$3 != $2 + 1 { print "counter of " $1 ": " $2 " -> " $3; bad = 1 } END { exit bad }'
# no operation run twice: one audited result each
api GET /api/v1/campaigns/$camp/operations | tr '{' '\n' | sed -n 's/.*"id":\([0-9]*\).*/\1/p' | sort -u >"$tmp/ops"
[ "$(wc -l <"$tmp/ops")" = $n ]
while read -r id; do
  c=$(api GET "/api/v1/audit?subject=operation:$id&limit=10" | grep -o '"action":"result"' | wc -l)
  [ "$c" = 1 ] || { echo "operation $id: $c results audited"; exit 1; }
done <"$tmp/ops"
echo "eimd killed -9 twice under 64 concurrent devices: no counter reused, no result lost, none run twice: ok"
