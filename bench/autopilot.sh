#!/usr/bin/env bash
# The autopilot's time to detect and time to correct, on a fleetsim fleet
# polling eimd every INTERVAL_MS: a staged campaign enables an operator
# profile (rollbackFlag) that has no coverage in a quarter of the fleet
# (region=north). Printed, in ms and in expected poll intervals:
#   detect   the first failed switch -> the alert (target: 3 intervals; silentIntervals 2)
#   correct  the first failed switch -> the campaign halted and the profile
#            blocked in the north (the autopilot's changes applied), and ->
#            the last northern device back on its old profile (rollback)
#            (target: 5 intervals)
# and a replaying attacker's quarantine. Usage:
#   bench/autopilot.sh [BUILD_DIR] [DEVICES] [INTERVAL_MS] [ROLLBACK_AFTER_MS]
set -euo pipefail
build=${1:-build}
devices=${2:-100}
interval=${3:-1000}
rollback=${4:-$((interval * 3))}
. "$(dirname "$0")/../scripts/daemon_conf.sh"
. "$(dirname "$0")/../scripts/wait.sh"
eimd=$build/eim/eimd fleetsim=$build/tools/fleetsim pkigen=$build/tools/pkigen
tmp=$(mktemp -d)
eimd_pid= sim_pid=
trap 'for p in $sim_pid $eimd_pid; do kill $p 2>/dev/null; done; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 "$devices" >/dev/null
p=$tmp/pki/nist
{ eimd_conf "$p" "$tmp"; cat <<CONF
api-key = admin:root:admin-secret
autopilot-period-ms = $((interval / 5 > 50 ? interval / 5 : 50))
threads = 4
CONF
} >"$tmp/eimd.conf"
"$eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
"$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
eimd_pid=$!
wait_grep 'msg="listening"' "$tmp/eimd.log"
hport=$(sed -n 's/.*https_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
api() {
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer admin-secret" -H "Content-Type: application/json" ${3:+-d "$3"} "https://eim.iotrsp.test$2"
}
api PUT /api/v1/autopilot "{\"expectedIntervalMs\": $interval}" >/dev/null
"$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" --connect-address 127.0.0.1 \
  --ca "$p/ci.pem" --devices "$devices" --threads 4 --until "$tmp/stop" --interval-ms "$interval" --jitter 10 \
  --timeout-ms "$interval" --operator-profile 8988247 --no-coverage 8988247:25 --rollback-after-ms "$rollback" \
  --replay 8 --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key admin-secret >"$tmp/sim.out" 2>&1 &
sim_pid=$!
learned() { api GET /api/v1/fleet/summary | has "\"learned\":$devices"; }
wait_until learned
sleep $(( (interval * 4 + 999) / 1000 ))
canary=$((devices / 5))
api POST /api/v1/campaigns "{\"name\":\"to operator\",\"label\":\"fleet=sim\",\"maxInFlight\":$devices,
  \"stages\":[$canary,$devices],\"psmos\":[{\"enable\":{\"iccid\":\"89882470000000000001\",\"rollback\":true}}]}" >/dev/null
north=$(( (canary + 3) / 4 ))
back() { api GET /api/v1/autopilot/marks | has "\"cohort\":\"region=north\",\"held\":0,\"failed\":[0-9]*,\"silent\":[0-9]*,\"rolledBack\":$north,"; }
wait_until back
alerts=$(api GET /api/v1/alerts)
marks=$(api GET /api/v1/autopilot/marks)
touch "$tmp/stop"
wait $sim_pid || true
sim_pid=
field() {   # JSON SPLIT FILTER FIELD: the first element (each begins with SPLIT) matching FILTER, its FIELD
  sed "s/$2/\n&/g" <<<"$1" | grep "$3" | head -1 | sed -n "s/.*\"$4\":\([0-9]*\).*/\1/p"
}
first=$(field "$alerts" '{"id":' '"signal":"profile-failure","cohort":"fleet"' firstSeen)
at=$(field "$alerts" '{"id":' '"signal":"profile-failure","cohort":"fleet"' at)
acted=$(field "$alerts" '{"id":' '"signal":"profile-failure-cohort","cohort":"region=north"' actedAt)
returned=$(field "$marks" '{"iin":' '"iin":"8988247","cohort":"region=north","held"' lastReturned)
q_first=$(field "$alerts" '{"id":' '"signal":"replayed-results"' firstSeen)
q_acted=$(field "$alerts" '{"id":' '"signal":"replayed-results"' actedAt)
iv() { awk -v ms="$1" -v i="$interval" 'BEGIN { printf "%.2f", ms / i }'; }
echo "== autopilot: $devices devices polling every $interval ms, rollback after $rollback ms,"
echo "   canary of $canary devices, $north of them without coverage"
printf '  detect   (first failed switch -> alert)                  %6d ms = %s intervals (target 3)\n' \
  $((at - first)) "$(iv $((at - first)))"
printf '  correct  (-> campaign halted, profile blocked in north)  %6d ms = %s intervals (target 5)\n' \
  $((acted - first)) "$(iv $((acted - first)))"
printf '  correct  (-> last northern device back, rolled back)     %6d ms = %s intervals\n' \
  $((returned - first)) "$(iv $((returned - first)))"
printf '  replaying attacker: quarantined after                   %6d ms\n' $((q_acted - q_first))
api GET /api/v1/campaigns/1 | grep -o '"state":"[a-z]*","stage":[0-9]*' | sed 's/^/  campaign /'
grep '^coverage' "$tmp/sim.out" | sed 's/^/  fleetsim /'
