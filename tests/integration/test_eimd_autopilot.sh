#!/usr/bin/env bash
# The autopilot against a fleetsim fleet of 40 devices (libipa and a software
# eUICC each) polling eimd every 300 ms: a staged campaign enables an
# operator profile (with rollbackFlag) that has no coverage in the north
# (a quarter of the fleet). The canary's northern devices go silent, then
# roll back (libipa, ES10b.ProfileRollback); the autopilot finds the silence,
# halts the campaign in its canary stage, blocks the profile in the north
# and sends enables there with rollbackFlag, each a change of its own. A
# device whose results an attacker replays is quarantined until an admin
# releases it. Every alert reaches a webhook receiver, its HMAC verified,
# after the receiver failed twice. Everything is audited, the chain intact.
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/../../scripts/daemon_conf.sh"
. "$(dirname "$0")/../../scripts/wait.sh"
eimd=$1 fleetsim=$2 pkigen=$3 sink=$4 eimctl=$5
tmp=$(mktemp -d)
eimd_pid= sink_pid= sim_pid=
trap 'for p in $sim_pid $eimd_pid $sink_pid; do kill $p 2>/dev/null; done; wait 2>/dev/null || true; [ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"' EXIT
"$pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 40 >/dev/null
p=$tmp/pki/nist
key=hook-secret-0123456789abcdef
"$sink" --cert "$p/eim-tls.pem" --key "$p/eim-tls.key" --hmac-key "$key" --out "$tmp/hooks" --fail-first 2 \
  >"$tmp/sink.out" &
sink_pid=$!
wait_grep 'port=' "$tmp/sink.out"
sport=$(sed -n 's/port=//p' "$tmp/sink.out")
{ eimd_conf "$p" "$tmp"; cat <<CONF
api-key = operator:ops:op-secret
api-key = admin:root:admin-secret
webhook = https://eim.iotrsp.test:$sport/hook $key
webhook-ca = $p/ci.pem
connect = eim.iotrsp.test:$sport:127.0.0.1:$sport
autopilot-period-ms = 200
CONF
} >"$tmp/eimd.conf"
"$eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
"$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
eimd_pid=$!
wait_grep 'msg="listening"' "$tmp/eimd.log"
hport=$(sed -n 's/.*https_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
api() {   # METHOD PATH [BODY] [TOKEN]
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer ${4:-op-secret}" -H "Content-Type: application/json" ${3:+-d "$3"} \
    "https://eim.iotrsp.test$2"
}
# the fleet's rhythm, as an operator would set it
api PUT /api/v1/autopilot '{"expectedIntervalMs": 300}' admin-secret | has '"expectedIntervalMs":300'
"$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" --connect-address 127.0.0.1 \
  --ca "$p/ci.pem" --devices 40 --threads 4 --until "$tmp/stop" --interval-ms 300 --timeout-ms 1000 \
  --operator-profile 8988247 --no-coverage 8988247:25 --rollback-after-ms 6000 --replay 8 \
  --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key op-secret >"$tmp/sim.out" 2>&1 &
sim_pid=$!
# every first contact done, and each device's rhythm learned
learned() { api GET /api/v1/fleet/summary | has '"learned":40'; }
wait_until learned
sleep 1.5
# the switch to the operator: a canary of ten, then the rest
out=$(api POST /api/v1/campaigns '{"name":"to operator","label":"fleet=sim","maxInFlight":40,
  "stages":[10,40],"psmos":[{"enable":{"iccid":"89882470000000000001","rollback":true}}]}')
echo "campaign: $out"
camp=$(sed 's/.*"id":\([0-9]*\).*/\1/' <<<"$out")
# found and acted on: the campaign halted in its canary stage
halted() { api GET /api/v1/campaigns/$camp | has '"state":"halted"'; }
wait_until halted
api GET /api/v1/campaigns/$camp
api GET /api/v1/campaigns/$camp | has '"stage":1,'
# the canary's northern devices come back through their rollback (6 s)
rolled() { api GET /api/v1/autopilot/marks | has '"cohort":"region=north","held":0,"failed":[2-9],"silent":[0-9]*,"rolledBack":[2-9]'; }
wait_until rolled
alerts=$(api GET /api/v1/alerts)
echo "alerts: $alerts"
grep -q '"signal":"profile-failure","cohort":"fleet","subject":"8988247"' <<<"$alerts"
grep -q '"signal":"profile-failure-cohort","cohort":"region=north","subject":"8988247"' <<<"$alerts"
! grep -q '"cohort":"region=south"' <<<"$alerts"
marks=$(api GET /api/v1/autopilot/marks)
echo "marks: $marks"
grep -q '"iin":"8988247","cohort":"region=north","kind":"blocked"' <<<"$marks"
grep -q '"iin":"8988247","cohort":"region=north","kind":"at-risk"' <<<"$marks"
# the replaying attacker: its device quarantined
eid0=$(ls "$p/euicc" | sed -n 1p | cut -c1-32)
quarantined() { api GET /api/v1/euiccs/$eid0/health | has '"quarantined":true'; }
wait_until quarantined
api GET /api/v1/alerts?signal=replayed-results | has "\"subject\":\"$eid0\",.*\"state\":\"acted\""
# every automatic action a change of the autopilot's, applied under the policy
changes=$(api GET '/api/v1/changes?requester=autopilot')
for a in halt-campaign block-profile rollback-enable quarantine; do
  grep -q "\"action\":\"$a\"" <<<"$changes" || { echo "no $a change: $changes"; exit 1; }
done
! grep -q '"state":"refused"' <<<"$changes"
# a person releases the device: an operator may not, an admin may
api POST /api/v1/euiccs/$eid0/release '{"reason":"reflashed"}' | has 'an admin'
ctl() { "$eimctl" --url "https://eim.iotrsp.test:$hport" --ca "$p/ci.pem" \
  --connect "eim.iotrsp.test:$hport:127.0.0.1:$hport" "$@"; }
ctl --key op-secret alerts | has "replayed-results .*$eid0 .* acted"
ctl --key admin-secret --reason reflashed release $eid0 | has '^state  *applied'
api GET /api/v1/euiccs/$eid0/health | has '"quarantined":false'
# alerts reached the webhook, signed, after two refusals
hooked() { [ "$(grep -c '^ok ' "$tmp/hooks" 2>/dev/null)" -ge 3 ]; }
wait_until hooked
! grep -q '^bad-signature' "$tmp/hooks"
grep '^ok ' "$tmp/hooks" | has '"signal":"profile-failure"'
grep '^ok ' "$tmp/hooks" | has '"signal":"replayed-results"'
grep -q 'webhook not delivered: tried again later' "$tmp/eimd.log"
# metrics for alerts and actions
curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -H "Authorization: Bearer op-secret" \
  https://eim.iotrsp.test/metrics | has 'eim_autopilot_alerts_total{signal="profile-failure"} 1'
touch "$tmp/stop"
wait $sim_pid || true
sim_pid=
cat "$tmp/sim.out"
grep -q 'rollbacks [1-9]' "$tmp/sim.out"
# the audit chain intact, the automatic actions in it
api GET /api/v1/audit/verify | has '"intact":true'
api GET '/api/v1/audit?limit=500' | has '"action":"halt"'
echo "autopilot: bad profile halted and blocked in its region, devices rolled back, replayer quarantined, webhooks signed: ok"
