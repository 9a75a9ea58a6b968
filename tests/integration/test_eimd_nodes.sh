#!/usr/bin/env bash
# Three eimd nodes on one PostgreSQL (a throwaway server, scripts/pg-test.sh),
# two smdpd nodes on the same server (eimd nodes 1 and 3 relay to the first,
# node 2 to the second: a download's ES9+ calls reach both), 300 simulated devices (half HTTPS, half
# CoAP/DTLS) that reach a node at random at every exchange, as behind DNS
# round robin: a download campaign over the fleet, with the node that
# forwards notifications killed -9 midway (its lease passes to another),
# then a PSMO campaign. Checks: every operation done exactly once (each
# eUICC's counterValue moved by one, no operation failed or twice), every
# installation result reached the SM-DP+ (at most the one in flight at the
# kill twice: a receiver tells a repeat by its sequence number), nothing
# left unforwarded, the audit chain intact.
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/daemon_conf.sh"
. "$here/../../scripts/wait.sh"
eimd=$1 smdpd=$2 fleetsim=$3 pkigen=$4
n=${IOTRSP_NODES_DEVICES:-300}
tmp=$(mktemp -d)
pg=$(mktemp -d /tmp/iotrsp-pg-XXXXXX)   # right under /tmp: the server's user must reach it
pids=()
cleanup() {
  touch "$tmp/stop"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$here/../../scripts/pg-test.sh" stop "$pg"
  rm -rf "$tmp"
}
trap cleanup EXIT
url=$("$here/../../scripts/pg-test.sh" start "$pg")
sql() { "$here/../../scripts/pg-test.sh" psql "$pg" -Atc "$1"; }
sql "CREATE SCHEMA smdp" >/dev/null

"$pkigen" --out "$tmp/pki" --curve nist --smdp-host smdp.iotrsp.test \
  --eid-range 890490321234512345123456780000 "$n" >/dev/null
p=$tmp/pki/nist
mapfile -t eids < <(ls "$p/euicc" | grep '\.key$' | sort | cut -c1-32)

# the SM-DP+, on the same PostgreSQL (a schema of its own): a profile ordered for each device
{ smdpd_conf "$p" "$tmp" | grep -v '^store = '; echo "store = $url&options=-csearch_path%3Dsmdp"
  echo "es2-client = operator-a:token-a"; } >"$tmp/smdpd.conf"
head -c 4096 /dev/urandom >"$tmp/upp"
"$smdpd" --config "$tmp/smdpd.conf" --import "$tmp/upp" --iccid 8944000000000000001 --count "$n" \
  --owner operator-a --spn "Operator A" --name "A IoT" --notify smdp.iotrsp.test >/dev/null 2>&1
for j in 1 2; do "$smdpd" --config "$tmp/smdpd.conf" 2>"$tmp/smdpd$j.log" & pids+=($!); done
declare -A sport
for j in 1 2; do sport[$j]=$(wait_port "$tmp/smdpd$j.log" port); done
: >"$tmp/es2.curl"
for j in $(seq 1 "$n"); do   # the orders through both SM-DP+ nodes
  es2_order "$tmp/es2.curl" "$p" "${sport[$((j % 2 + 1))]}" token-a "$(printf '8944%015d' "$j")" "${eids[$((j - 1))]}"
done
[ "$(curl -s -K "$tmp/es2.curl" | grep -c 'Executed-Success')" = $((2 * n)) ]

# three eimd nodes, one store; a dead node's leases pass on after 2 s
for i in 1 2 3; do
  { eimd_conf "$p" "$tmp" | grep -v '^store = '; cat <<CONF
store = $url
smdp-ca = $p/ci.pem
connect = smdp.iotrsp.test:443:127.0.0.1:${sport[$((i % 2 + 1))]}
api-key = operator:ops:op-secret
api-key = auditor:audit:audit-secret
threads = 2
lease-ms = 2000
CONF
  } >"$tmp/eimd$i.conf"
done
"$eimd" --config "$tmp/eimd1.conf" --initial-eim "$tmp/initial.der"
declare -A pid hport cport
for i in 1 2 3; do
  "$eimd" --config "$tmp/eimd$i.conf" 2>"$tmp/eimd$i.log" & pid[$i]=$!; pids+=($!)
done
for i in 1 2 3; do
  hport[$i]=$(wait_port "$tmp/eimd$i.log" https_port)
  cport[$i]=$(wait_port "$tmp/eimd$i.log" coaps_port)
done
alive=(1 2 3)
api() {   # METHOD PATH [BODY], through a node still alive, a different one each time
  local i=${alive[$((RANDOM % ${#alive[@]}))]}
  printf '%s' "${3:-}" | curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:${hport[$i]}" \
    -X "$1" -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" ${3:+--data-binary @-} \
    "https://eim.iotrsp.test$2"
}

# the fleet: half on CoAP/DTLS, every exchange to a node at random
"$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim eim.iotrsp.test:443 --connect-address 127.0.0.1 \
  --ca "$p/ci.pem" --coaps-share 50 --devices "$n" --threads 2 --interval-ms 300 --jitter 30 \
  --timeout-ms 3000 --until "$tmp/stop" --progress 5 \
  --node "${hport[1]}:${cport[1]}" --node "${hport[2]}:${cport[2]}" --node "${hport[3]}:${cport[3]}" \
  --register "https://eim.iotrsp.test:${hport[1]}/api/v1/euiccs" --api-key op-secret >"$tmp/sim.out" 2>&1 &
sim=$!; pids+=($sim)
learned() { [ "$(sql "SELECT COUNT(*) FROM euicc WHERE token IS NOT NULL")" = "$n" ]; }
wait_until learned

campaign() {   # BODY: its id
  api POST /api/v1/campaigns "$1" | sed 's/.*"id":\([0-9]*\).*/\1/'
}
camp=$(campaign '{"name":"operator-a","label":"fleet=sim","maxInFlight":40,"download":{"activationCode":"1$smdp.iotrsp.test$"}}')
done_n() { sql "SELECT COUNT(*) FROM operation WHERE campaign = $camp AND state >= 2"; }
some_done() { [ "$(done_n)" -ge $((n / 4)) ]; }
wait_until some_done
# the node that forwards notifications now dies (its lease expires, another takes the work)
holder=$(sql "SELECT holder FROM store_lease WHERE name = 'forwarder'")
victim=
for i in 1 2 3; do if [ "$holder" != "${holder#*:${pid[$i]}:}" ]; then victim=$i; fi; done
[ -n "$victim" ] || { echo "no node holds the forwarder lease: $holder"; exit 1; }
kill -9 "${pid[$victim]}"
echo "killed node $victim (forwarding notifications) with $(done_n) of $n downloads through"
alive=($(for i in 1 2 3; do if [ $i != "$victim" ]; then echo $i; fi; done))
all_done() { [ "$(done_n)" = "$n" ]; }
wait_until all_done
taken() { h=$(sql "SELECT holder FROM store_lease WHERE name = 'forwarder' AND expires > 0"); [ "$h" != "$holder" ]; }
wait_until taken

camp2=$(campaign '{"name":"inventory","label":"fleet=sim","maxInFlight":40,"psmos":[{"listProfileInfo":{}}]}')
done2() { [ "$(sql "SELECT COUNT(*) FROM operation WHERE campaign = $camp2 AND state >= 2")" = "$n" ]; }
wait_until done2
forwarded() { [ "$(sql "SELECT COUNT(*) FROM notification WHERE forwarded = 0")" = 0 ]; }
wait_until forwarded
touch "$tmp/stop"
wait $sim || true
cat "$tmp/sim.out"

sql "SELECT 'campaign ' || campaign || ': ' || state || ' result ' || result_code || ' x' || COUNT(*) FROM operation
     WHERE campaign IS NOT NULL GROUP BY campaign, state, result_code ORDER BY 1"
# exactly once: each campaign's operations all done, none failed, none twice
for c in $camp $camp2; do
  [ "$(sql "SELECT state, COUNT(*) FROM operation WHERE campaign = $c GROUP BY state")" = "2|$n" ]
done
[ "$(sql "SELECT COUNT(*) FROM (SELECT eid FROM operation WHERE campaign = $camp2 GROUP BY eid HAVING COUNT(*) > 1) x")" = 0 ]
# one counterValue per signed package: every eUICC's counter moved by one, and its PSMO carried 1
[ "$(sql "SELECT counter, COUNT(*) FROM euicc GROUP BY counter")" = "1|$n" ]
[ "$(sql "SELECT COUNT(*) FROM operation WHERE campaign = $camp2 AND counter = 1")" = "$n" ]
# every installation result (the only notifications here) at the SM-DP+, and installed there;
# a repeat only for the one in flight at the kill
got=$(sql "SELECT COUNT(DISTINCT eid || ':' || seq) || ' ' || COUNT(*) FROM smdp.notification")
echo "SM-DP+ installation results: $got (distinct, received)"
[ "${got% *}" = "$n" ]
[ "${got#* }" -le $((n + 1)) ]
[ "$(sql "SELECT COUNT(*) FROM smdp.profile WHERE state = 6")" = "$n" ]
# each node served devices, each SM-DP+ node took part in the downloads
for i in 1 2 3; do grep -q 'eid=' "$tmp/eimd$i.log"; done
for j in 1 2; do grep -q 'BPP bound' "$tmp/smdpd$j.log"; done
# the audit chain, written by three nodes, is whole
"$eimd" --config "$tmp/eimd1.conf" --audit-verify
echo "300 devices on three eimd nodes over one PostgreSQL, one killed -9 midway: ok"
