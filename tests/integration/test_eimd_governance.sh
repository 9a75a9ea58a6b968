#!/usr/bin/env bash
# Governance over 10 simulated devices (fleetsim): the built-in safety rules
# refuse the dangerous change and allow the safe one; a maintenance window
# defers work until the policy (reloaded on SIGHUP) opens it; a change above
# threshold waits for a second key, bound to its hash, and expires; a staged
# campaign enabling a profile the devices lack halts after its canary with
# the rest untouched and rollbacks queued; pause, resume and abort; the
# audit export verifies offline and a removed, edited or cut line does not.
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/../../scripts/daemon_conf.sh"
. "$(dirname "$0")/../../scripts/wait.sh"
eimd=$1 fleetsim=$2 pkigen=$3
tmp=$(mktemp -d)
eimd_pid=
trap '[ -n "$eimd_pid" ] && kill $eimd_pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 10 >/dev/null
p=$tmp/pki/nist
# a window for the fleet's label, twelve hours from now: closed
closed=$(printf '%02d' $(( ($(date -u +%-H) + 12) % 24 )))
policy() {   # WINDOWS APPROVAL_TTL
  cat >"$tmp/policy.json" <<JSON
{"maxDevicesPerChange": 50, "approvalTtlSeconds": $2,
 "rules": [{"name": "four-eyes-deletes", "effect": "approve", "actions": ["delete"]},
           {"name": "no-eim-changes-by-operators", "effect": "deny", "actions": ["addEim", "deleteEim"],
            "roles": ["operator"]}],
 "windows": $1}
JSON
}
policy "[{\"label\": \"fleet=sim\", \"timezone\": \"Europe/Berlin\", \"from\": \"$closed:00\", \"to\": \"$closed:30\"}]" 86400
{ eimd_conf "$p" "$tmp"; cat <<CONF
api-key = operator:ops:op-secret
api-key = approver:alice:alice-secret
api-key = approver:bob:bob-secret
api-key = admin:root:admin-secret
api-key = auditor:look:look-only
policy = $tmp/policy.json
CONF
} >"$tmp/eimd.conf"
"$eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
"$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
eimd_pid=$!
wait_grep 'msg="listening"' "$tmp/eimd.log"
hport=$(sed -n 's/.*https_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
api() {   # METHOD PATH [BODY] [KEY]: the body, then the status on a line of its own
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer ${4-op-secret}" -H "Content-Type: application/json" ${3:+-d "$3"} \
    -w '\n%{http_code}' "https://eim.iotrsp.test$2"
}
status() { tail -1 <<<"$1"; }
body() { head -1 <<<"$1"; }
field() { body "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }
polled() { sim --rounds 1 >/dev/null; "$@"; }   # COND: true once the fleet polled and COND holds
sim() { "$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" \
          --connect-address 127.0.0.1 --ca "$p/ci.pem" --devices 10 --threads 2 "$@"; }
sim --rounds 1 --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key op-secret >/dev/null
eid=$(ls "$p/euicc" | sed -n 1p | cut -c1-32)
sim --rounds 1 --profiles-out "$tmp/profiles" >/dev/null
boot=$(awk -v e=$eid '$1 == e { print $2; exit }' "$tmp/profiles")
[ -n "$boot" ]

echo "== the policy is readable, built-in rules included; a dry run queues nothing"
out=$(api GET /api/v1/policy '' look-only)
body "$out" | has '"builtinRules":\["device-ceiling","keep-connectivity","keep-fallback","keep-last-eim"\]'
out=$(api POST /api/v1/policy/evaluate "{\"label\":\"fleet=sim\",\"psmos\":[{\"delete\":{\"iccid\":\"89000000000000000000\"}}]}")
# (what the fleet holds is not known yet: keep-connectivity cannot be met)
body "$out" | has '"decision":"refuse","devices":10,"rules":\[{"rule":"keep-connectivity",.*{"rule":"four-eyes-deletes","effect":"approve"'
[ "$(body "$(api GET /api/v1/changes '' look-only)")" = '[]' ]

echo "== built-in safety rules"
# profiles not known yet: a disable cannot be shown safe
out=$(api POST /api/v1/euiccs/$eid/operations "{\"psmos\":[{\"disable\":{\"iccid\":\"$boot\"}}]}")
[ "$(status "$out")" = 403 ]
body "$out" | has '"error":"refused by policy: keep-connectivity: .*profiles are not known'
# more eUICCs than a change may touch
out=$(api POST /api/v1/policy/evaluate '{"label":"fleet=sim","psmos":[{"getRAT":{}}]}' admin-secret)
body "$out" | has '"decision":"allow"'
# the eIM learns the profiles (an inventory campaign, the safe kind) ... but
# the fleet's maintenance window is closed: the work waits
out=$(api POST /api/v1/campaigns '{"name":"inventory","label":"fleet=sim","psmos":[{"listProfileInfo":{}}],"reason":"learn the fleet"}')
[ "$(status "$out")" = 201 ]
inventory=$(field "$out" id)
sim --rounds 2 >/dev/null
body "$(api GET /api/v1/campaigns/$inventory '' look-only)" | has '"pending":10,'
echo "== the window opens: the policy rewritten and reloaded (SIGHUP)"
policy '[]' 86400
kill -HUP $eimd_pid
wait_grep 'msg="policy reloaded"' "$tmp/eimd.log"
inventory_done() { body "$(api GET /api/v1/campaigns/$inventory '' look-only)" | has '"done":10,'; }
wait_until polled inventory_done
# the only enabled profile, no fallback: refused; the same with a fallback set: allowed (dry run)
out=$(api POST /api/v1/euiccs/$eid/operations "{\"psmos\":[{\"disable\":{\"iccid\":\"$boot\"}}]}")
[ "$(status "$out")" = 403 ] && body "$out" | has 'keep-connectivity: would leave an eUICC with no enabled profile'
out=$(api POST /api/v1/policy/evaluate "{\"eid\":\"$eid\",\"psmos\":[{\"setFallbackAttribute\":{\"iccid\":\"$boot\"}},{\"disable\":{\"iccid\":\"$boot\"}}]}")
body "$out" | has '"decision":"allow"'
# an operator asking for an override gets nothing; the change records the refusal
out=$(api POST /api/v1/euiccs/$eid/operations "{\"psmos\":[{\"disable\":{\"iccid\":\"$boot\"}}],\"override\":[\"keep-connectivity\"]}")
[ "$(status "$out")" = 403 ] && body "$out" | has 'only an admin key overrides'
# the fallback attribute set (allowed), then deleting that profile: keep-fallback
out=$(api POST /api/v1/euiccs/$eid/operations "{\"psmos\":[{\"setFallbackAttribute\":{\"iccid\":\"$boot\"}}]}")
[ "$(status "$out")" = 201 ]
op=$(field "$out" id)
op_done() { body "$(api GET /api/v1/operations/$op '' look-only)" | has '"state":"done"'; }
wait_until polled op_done
out=$(api POST /api/v1/policy/evaluate "{\"eid\":\"$eid\",\"psmos\":[{\"delete\":{\"iccid\":\"$boot\"}}]}" admin-secret)
body "$out" | has '"decision":"refuse".*"rule":"keep-fallback","effect":"refuse"'
# this eIM deleting itself from an eUICC: keep-last-eim; another eIM: allowed
out=$(api POST /api/v1/policy/evaluate "{\"eid\":\"$eid\",\"ecos\":[{\"deleteEim\":{\"eimId\":\"eim.iotrsp.test\"}}]}" admin-secret)
body "$out" | has '"decision":"refuse".*"rule":"keep-last-eim"'
out=$(api POST /api/v1/policy/evaluate "{\"eid\":\"$eid\",\"ecos\":[{\"deleteEim\":{\"eimId\":\"other.iotrsp.test\"}}]}" admin-secret)
body "$out" | has '"decision":"allow"'
# a rule of the policy: operators may not touch eIMs
out=$(api POST /api/v1/euiccs/$eid/operations '{"ecos":[{"deleteEim":{"eimId":"other.iotrsp.test"}}]}')
[ "$(status "$out")" = 403 ] && body "$out" | has 'no-eim-changes-by-operators: denied by policy'

echo "== four eyes"
del="{\"psmos\":[{\"delete\":{\"iccid\":\"89000000000000000000\"}}],\"reason\":\"clean up\",\"ticket\":\"CHG-42\"}"
out=$(api POST /api/v1/euiccs/$eid/operations "$del" alice-secret)
[ "$(status "$out")" = 202 ]
change=$(field "$out" change) hash=$(field "$out" hash)
# another pending change, to approve with the wrong hash
other=$(api POST /api/v1/euiccs/$eid/operations '{"psmos":[{"delete":{"iccid":"89000000000000000001"}}]}' alice-secret)
other_hash=$(field "$other" hash)
[ "$(status "$(api POST /api/v1/changes/$change/approve "{\"hash\":\"$hash\"}")")" = 403 ]          # an operator
out=$(api POST /api/v1/changes/$change/approve "{\"hash\":\"$hash\"}" alice-secret)                  # her own
[ "$(status "$out")" = 409 ] && body "$out" | has 'the requester cannot decide on their own change'
out=$(api POST /api/v1/changes/$change/approve "{\"hash\":\"$other_hash\"}" bob-secret)              # another change's hash
[ "$(status "$out")" = 409 ] && body "$out" | has 'the hash is not this change'
body "$(api GET /api/v1/changes/$change '' look-only)" | has '"state":"pending"'
out=$(api POST /api/v1/changes/$change/approve "{\"hash\":\"$hash\",\"note\":\"ok\"}" bob-secret)
[ "$(status "$out")" = 200 ] && body "$out" | has '"state":"applied"'
out=$(api GET /api/v1/changes/$change '' look-only)
body "$out" | has '"requester":"alice","role":"approver","reason":"clean up","ticket":"CHG-42"'
body "$out" | has '"state":"applied","devices":1,"approver":"bob"'
body "$out" | has '"outcome":{"pending":1,'
# a policy that does not parse leaves the one in force (and says so)
cp "$tmp/policy.json" "$tmp/policy.good"
echo '{"rules": [{"name": "x", "effect": "sometimes"}]}' >"$tmp/policy.json"
kill -HUP $eimd_pid
wait_grep 'msg="policy not reloaded: the one in force stays"' "$tmp/eimd.log"
body "$(api GET /api/v1/policy '' look-only)" | has '"rules":\[{"name":"four-eyes-deletes"'
# a SIGHUP that lands while the last reload is still being read or audited is taken, never lost:
# a burst of them, the policy rewritten, one more; that one's policy must come in force. Ten times,
# as one lands mid-reload by chance (a lost one failed 1 try in 5 with the pause() loop it replaced).
# It ends on a policy whose approvals expire after a second, for what follows.
ttl_is() { body "$(api GET /api/v1/policy '' look-only)" | has "\"approvalTtlSeconds\":$1,"; }
for ttl in 2 1 2 1 2 1 2 1 2 1; do
  for i in $(seq 50); do kill -HUP $eimd_pid; done
  policy '[]' $ttl
  kill -HUP $eimd_pid
  wait_until ttl_is $ttl
done
late=$(api POST /api/v1/euiccs/$eid/operations '{"psmos":[{"delete":{"iccid":"89000000000000000002"}}]}' alice-secret)
[ "$(status "$late")" = 202 ]
expired() { body "$(api GET /api/v1/changes/$(field "$late" change) '' look-only)" | has '"state":"expired"'; }
wait_until expired
out=$(api POST /api/v1/changes/$(field "$late" change)/approve "{\"hash\":\"$(field "$late" hash)\"}" bob-secret)
[ "$(status "$out")" = 409 ] && body "$out" | has 'not pending'
[ "$(body "$(api GET '/api/v1/changes?state=expired' '' look-only)" | grep -o '"id":' | wc -l)" = 1 ]

echo "== a staged campaign with a bad profile halts after its canary"
out=$(api POST /api/v1/campaigns "{\"name\":\"bad-profile\",\"label\":\"fleet=sim\",\"stages\":[2,\"50%\",\"100%\"],
  \"haltFailureRate\":0.5,\"psmos\":[{\"enable\":{\"iccid\":\"89049032999999999990\",\"rollback\":true}}],
  \"rollback\":{\"psmos\":[{\"listProfileInfo\":{}}]},\"reason\":\"move to operator X\"}")
[ "$(status "$out")" = 201 ]
bad=$(field "$out" id) bad_change=$(field "$out" change)
halted() { body "$(api GET /api/v1/campaigns/$bad '' look-only)" | has '"state":"halted"'; }
wait_until polled halted
out=$(api GET /api/v1/campaigns/$bad '' look-only)
echo "   $(body "$out")"
body "$out" | has '"stage":1,"stages":3,.*"haltReason":"stage 1: 2 of 2 failed or late (100% > 50%)"'
body "$out" | has '"states":{"pending":8,"sent":0,"done":0,"failed":2,'
# the devices beyond the canary are untouched, however often they poll
sim --rounds 2 >/dev/null
body "$(api GET /api/v1/campaigns/$bad '' look-only)" | has '"pending":8,'
# the rollback went to the two that failed
body "$(api GET /api/v1/changes/$bad_change '' look-only)" | has '"outcome":{"pending":8,"sent":0,"done":2,"failed":2,'
echo "== pause, resume, abort"
out=$(api POST /api/v1/campaigns '{"name":"inventory-2","label":"fleet=sim","stages":[5],"psmos":[{"listProfileInfo":{}}]}')
again=$(field "$out" id)
[ "$(status "$(api POST /api/v1/campaigns/$again/pause)")" = 200 ]
[ "$(status "$(api POST /api/v1/campaigns/$again/pause)")" = 409 ]
sim --rounds 2 >/dev/null
body "$(api GET /api/v1/campaigns/$again '' look-only)" | has '"state":"paused".*"pending":10,'
[ "$(status "$(api POST /api/v1/campaigns/$again/resume)")" = 200 ]
again_done() { body "$(api GET /api/v1/campaigns/$again '' look-only)" | has '"state":"done".*"done":10,'; }
wait_until polled again_done
out=$(api POST /api/v1/campaigns/$bad/abort)
[ "$(status "$out")" = 200 ] && body "$out" | has '"state":"aborted"'
body "$(api GET /api/v1/campaigns/$bad '' look-only)" | has '"pending":0,"sent":0,"done":0,"failed":2,"cancelled":8'

echo "== a factory's list of eUICCs, registered in batches (eimd --import-euiccs)"
printf '%s\n' "# EID LABELS" "89049032123451234512345678990001 site=factory,fleet=later" \
  "89049032123451234512345678990002 site=factory" "89049032123451234512345678990003" "$eid fleet=sim" >"$tmp/eids.txt"
"$eimd" --config "$tmp/eimd.conf" --import-euiccs "$tmp/eids.txt" | has 'registered 3 eUICCs (1 known already)'
[ "$(body "$(api GET '/api/v1/euiccs?label=site=factory' '' look-only)" | grep -o '"eid"' | wc -l)" = 2 ]
echo "8904903212345123451234567899000X" >"$tmp/bad-eids.txt"
if "$eimd" --config "$tmp/eimd.conf" --import-euiccs "$tmp/bad-eids.txt" 2>"$tmp/err"; then exit 1; fi
grep -q 'an EID is not 32 digits' "$tmp/err"

echo "== metrics"
m=$(curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -H "Authorization: Bearer look-only" \
  "https://eim.iotrsp.test/metrics")
grep -q '^eim_changes_total{state="refused"} [1-9]' <<<"$m"
grep -q '^eim_changes_total{state="pending"} [1-9]' <<<"$m"
grep -q '^eim_campaign_moves_total [1-9]' <<<"$m"

echo "== the audit log, exported and verified offline"
curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -H "Authorization: Bearer look-only" \
  "https://eim.iotrsp.test/api/v1/audit/export" >"$tmp/audit.jsonl"
"$eimd" --config "$tmp/eimd.conf" --audit-verify "$tmp/audit.jsonl"
for action in import-euiccs policy-reload change approve expire campaign-halt rollback pause resume abort campaign-done; do
  grep -q "\"action\":\"$action\"" "$tmp/audit.jsonl" || { echo "no $action in the audit log"; exit 1; }
done
grep -q '"outcome":"refused keep-connectivity' "$tmp/audit.jsonl"
# the signed end, checked with openssl alone as docs/operations.md shows
end=$(tail -1 "$tmp/audit.jsonl")
printf 'iotrsp-audit end %s %s %s' "$(sed 's/.*"end":\([0-9]*\).*/\1/' <<<"$end")" \
  "$(sed 's/.*"hash":"\([0-9A-F]*\)".*/\1/' <<<"$end")" "$(sed 's/.*"ts":\([0-9]*\).*/\1/' <<<"$end")" >"$tmp/end.txt"
sed 's/.*"signature":"\([^"]*\)".*/\1/' <<<"$end" | base64 -d >"$tmp/end.sig"
openssl x509 -in "$p/eim-sign.pem" -pubkey -noout >"$tmp/eim-pub.pem"
openssl dgst -sha256 -verify "$tmp/eim-pub.pem" -signature "$tmp/end.sig" "$tmp/end.txt"
sed '3d' "$tmp/audit.jsonl" >"$tmp/removed.jsonl"
sed '3s/"actor":"ops"/"actor":"root"/; 3s/"actor":"alice"/"actor":"root"/' "$tmp/audit.jsonl" >"$tmp/edited.jsonl"
! cmp -s "$tmp/audit.jsonl" "$tmp/edited.jsonl"
head -n -1 "$tmp/audit.jsonl" >"$tmp/cut.jsonl"
for f in removed edited cut; do
  if "$eimd" --config "$tmp/eimd.conf" --audit-verify "$tmp/$f.jsonl"; then echo "$f export verified"; exit 1; fi
done
echo "governance: safety rules, windows, four eyes, staged campaign halted on its canary, audit export: ok"
