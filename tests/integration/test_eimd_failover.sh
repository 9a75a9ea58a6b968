#!/usr/bin/env bash
# Failover: two eimd nodes on a PostgreSQL primary with a synchronous
# streaming standby (throwaway servers, scripts/pg-test.sh), the store URL
# naming both (target_session_attrs=read-write). 100 simulated devices
# (half CoAP/DTLS) reach either node; mid-campaign the primary crashes
# (immediate stop, as at a power cut) and the standby is promoted. The
# nodes reconnect by themselves, the campaign finishes: every operation
# done exactly once (each eUICC's counterValue moved by one), nothing that
# was acknowledged lost, the audit chain intact.
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/daemon_conf.sh"
. "$here/../../scripts/wait.sh"
pgt=$here/../../scripts/pg-test.sh
eimd=$1 fleetsim=$2 pkigen=$3
n=100
tmp=$(mktemp -d)
a=$(mktemp -d /tmp/iotrsp-pga-XXXXXX) b=$(mktemp -d /tmp/iotrsp-pgb-XXXXXX)
pids=()
cleanup() {
  touch "$tmp/stop"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$pgt" stop "$a"
  "$pgt" stop "$b"
  rm -rf "$tmp"
}
trap cleanup EXIT
"$pgt" start "$a" >/dev/null
"$pgt" replica "$a" "$b"
db=$a
sql() { "$pgt" psql "$db" -Atc "$1"; }
# from now on a commit is acknowledged once the standby has it too (synchronous replication)
sql "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
sync_standby() { [ "$(sql "SELECT COUNT(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ]; }
wait_until sync_standby
url="postgresql:///iotrsp?host=$a,$b&port=5432,5432&user=iotrsp&target_session_attrs=read-write"

"$pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 "$n" >/dev/null
p=$tmp/pki/nist
for i in 1 2; do
  { eimd_conf "$p" "$tmp" | grep -v '^store = '; cat <<CONF
store = $url
api-key = operator:ops:op-secret
threads = 2
lease-ms = 2000
CONF
  } >"$tmp/eimd$i.conf"
done
"$eimd" --config "$tmp/eimd1.conf" --initial-eim "$tmp/initial.der"
declare -A hport cport
for i in 1 2; do
  "$eimd" --config "$tmp/eimd$i.conf" 2>"$tmp/eimd$i.log" & pids+=($!)
done
for i in 1 2; do
  hport[$i]=$(wait_port "$tmp/eimd$i.log" https_port)
  cport[$i]=$(wait_port "$tmp/eimd$i.log" coaps_port)
done
api() {   # METHOD PATH [BODY], through either node
  local i=$((RANDOM % 2 + 1))
  printf '%s' "${3:-}" | curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:${hport[$i]}" \
    -X "$1" -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" ${3:+--data-binary @-} \
    "https://eim.iotrsp.test$2"
}
"$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim eim.iotrsp.test:443 --connect-address 127.0.0.1 \
  --ca "$p/ci.pem" --coaps-share 50 --devices "$n" --threads 2 --interval-ms 100 --jitter 30 \
  --timeout-ms 3000 --until "$tmp/stop" --progress 5 \
  --node "${hport[1]}:${cport[1]}" --node "${hport[2]}:${cport[2]}" \
  --register "https://eim.iotrsp.test:${hport[1]}/api/v1/euiccs" --api-key op-secret >"$tmp/sim.out" 2>&1 &
sim=$!; pids+=($sim)
learned() { [ "$(sql "SELECT COUNT(*) FROM euicc WHERE token IS NOT NULL")" = "$n" ]; }
wait_until learned

camp=$(api POST /api/v1/campaigns '{"name":"inventory","label":"fleet=sim","maxInFlight":5,"psmos":[{"listProfileInfo":{}}]}' |
  sed 's/.*"id":\([0-9]*\).*/\1/')
done_n() { sql "SELECT COUNT(*) FROM operation WHERE campaign = $camp AND state >= 2"; }
some_done() { [ "$(done_n)" -ge $((n / 4)) ]; }
wait_until some_done
before=$(done_n)
"$pgt" crash "$a"
"$pgt" promote "$b"
db=$b
echo "primary crashed with $before of $n done (acknowledged), standby promoted with $(done_n)"
# what the primary acknowledged is on the standby
[ "$(done_n)" -ge "$before" ]
all_done() { [ "$(done_n)" = "$n" ]; }
wait_until all_done
touch "$tmp/stop"
wait $sim || true
cat "$tmp/sim.out"
# the nodes saw the primary go (the first time each did); no `| head`: with pipefail, grep
# killed by SIGPIPE once head had its lines failed the test whenever the nodes logged past 4 kB of it
grep -h -m1 'connection lost' "$tmp"/eimd?.log
[ "$(sql "SELECT state, COUNT(*) FROM operation WHERE campaign = $camp GROUP BY state")" = "2|$n" ]
[ "$(sql "SELECT counter, COUNT(*) FROM euicc GROUP BY counter")" = "1|$n" ]
[ "$(sql "SELECT COUNT(*) FROM operation WHERE campaign = $camp AND counter = 1")" = "$n" ]
"$eimd" --config "$tmp/eimd1.conf" --audit-verify
echo "failover of PostgreSQL mid-campaign under two eimd nodes: ok"
