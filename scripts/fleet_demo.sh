#!/usr/bin/env bash
# The zero-touch fleet: smdpd and eimd on loopback, N simulated devices
# (fleetsim: libipa + a software eUICC each; half over HTTPS, half over
# CoAP/DTLS, those sending SGP.32's compact messages; a tenth of the fleet
# with its IPA inside the eUICC, IPAe, reaching the eIM through the device's
# terminal over BIP) that leave the factory
# with only a bootstrap profile and the
# eIM's initial configuration. Through the REST API, as an operator would:
# every device gets operator A's profile downloaded and enabled; half the
# fleet is moved to operator B's by a campaign; the bootstrap profile is
# kept as fallback; a device whose order is missing fails and says why.
# Governance throughout: a policy decides every change; a staged campaign
# enabling a profile the devices lack halts on its canary; a delete waits
# for a second person's approval; the audit log is exported and verified.
# Operator B takes every second device (1, 3, 5, ...), so both transports carry both.
# Usage: scripts/fleet_demo.sh BUILD_DIR [DEVICES] [CHECK_FILE]
#   CHECK_FILE: where to write the final profile states as the eUICCs hold
#   them ("EID ICCID state [fallback]"), for the tests.
set -euo pipefail
. "$(dirname "$0")/daemon_conf.sh"
. "$(dirname "$0")/wait.sh"
build=$1 n=${2:-100} check=${3:-}
tmp=$(mktemp -d)
pids=()
trap 'touch "$tmp/stop"; for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
t0=$(date +%s.%N)
say() { printf '%s\n' "$*"; }
half=$((n / 2))

say "== a demo PKI: CI, EUM, $n eUICCs, the SM-DP+ and the eIM (pkigen)"
"$build/tools/pkigen" --out "$tmp/pki" --curve nist --smdp-host smdp.iotrsp.test \
  --eid-range 890490321234512345123456780000 "$n" >/dev/null
p=$tmp/pki/nist
mapfile -t eids < <(ls "$p/euicc" | grep '\.key$' | sort | cut -c1-32)

say "== smdpd: $n profiles of Operator A and $half of Operator B"
{ smdpd_conf "$p" "$tmp"; cat <<CONF
es2-client = operator-a:token-a
es2-client = operator-b:token-b
CONF
} >"$tmp/smdpd.conf"
iccid() { printf '89%s%015d' "$1" "$2"; }   # 19 digits: 89 + country-ish + serial
head -c 8192 /dev/urandom >"$tmp/upp"
"$build/smdp/smdpd" --config "$tmp/smdpd.conf" --import "$tmp/upp" --iccid "$(iccid 44 1)" --count "$n" \
  --owner operator-a --spn "Operator A" --name "A IoT" --notify smdp.iotrsp.test >/dev/null 2>&1
"$build/smdp/smdpd" --config "$tmp/smdpd.conf" --import "$tmp/upp" --iccid "$(iccid 33 1)" --count "$half" \
  --owner operator-b --spn "Operator B" --name "B IoT" --notify smdp.iotrsp.test >/dev/null 2>&1
"$build/smdp/smdpd" --config "$tmp/smdpd.conf" 2>"$tmp/smdpd.log" & pids+=($!)
wait_grep 'msg="serving"' "$tmp/smdpd.log"
sport=$(sed -n 's/.*msg="serving".* port=\([0-9]*\).*/\1/p' "$tmp/smdpd.log" | head -1)
b_device() { echo $((2 * $1 - 1)); }   # operator B's j-th profile goes to device 2j-1: both transports
orders() {   # TOKEN PREFIX COUNT [b]: profile j ordered for device j (or b_device j), linked to its EID,
             # no MatchingID (the default SM-DP+ way), over one connection (curl -K)
  local j eid
  : >"$tmp/es2.curl"
  for j in $(seq 1 "$3"); do
    if [ "${4:-}" = b ]; then eid=${eids[$(($(b_device $j) - 1))]}; else eid=${eids[$((j - 1))]}; fi
    es2_order "$tmp/es2.curl" "$p" "$sport" "$1" "$(iccid "$2" $j)" "$eid"
  done
  local ok
  ok=$(curl -s -K "$tmp/es2.curl" | grep -c 'Executed-Success' || true)
  [ "$ok" = $((2 * $3)) ] || { say "ES2+ orders: only $ok of $((2 * $3)) succeeded"; exit 1; }
}

say "== eimd: ESipa on HTTPS and CoAP/DTLS, the REST API"
{ eimd_conf "$p" "$tmp"; cat <<CONF
smdp-ca = $p/ci.pem
connect = smdp.iotrsp.test:443:127.0.0.1:$sport
api-key = operator:demo:demo-operator-key
api-key = approver:alice:demo-approver-key
threads = 4
policy = $tmp/policy.json
CONF
} >"$tmp/eimd.conf"
# the fleet's policy: deletes need a second person; nobody but an admin
# touches eIMs; no change reaches more than 10,000 devices
cat >"$tmp/policy.json" <<JSON
{"maxDevicesPerChange": 10000, "approvalTtlSeconds": 86400,
 "rules": [{"name": "four-eyes-deletes", "effect": "approve", "actions": ["delete"]},
           {"name": "eim-changes-are-admin-only", "effect": "deny", "actions": ["addEim", "deleteEim", "updateEim"],
            "roles": ["operator", "approver"]}]}
JSON
"$build/eim/eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
"$build/eim/eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" & pids+=($!)
wait_grep 'msg="listening"' "$tmp/eimd.log"
hport=$(sed -n 's/.*https_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
cport=$(sed -n 's/.*coaps_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
export EIMCTL_URL=https://eim.iotrsp.test EIMCTL_KEY=demo-operator-key
ctl() { "$build/tools/eimctl" --connect "eim.iotrsp.test:443:127.0.0.1:$hport" --ca "$p/ci.pem" "$@"; }
api() {   # METHOD PATH [BODY]: the body through stdin, however large (a campaign's EID list)
  printf '%s' "${3:-}" | curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer $EIMCTL_KEY" -H "Content-Type: application/json" ${3:+--data-binary @-} \
    "https://eim.iotrsp.test$2"
}
wait_idle() {   # until no eUICC has work pending, with a progress line now and then
  local i=0 busy end=$(( $(date +%s) + ${IOTRSP_TEST_WAIT:-120} + n ))
  while [ "$(date +%s)" -lt "$end" ]; do
    busy=$(api GET '/api/v1/euiccs?pending=1' | { grep -o '"eid"' || true; } | wc -l)
    [ "$busy" = 0 ] && return
    [ "$busy" = 500 ] && busy="500 or more"
    [ $((++i % 50)) = 0 ] && say "   ... $busy devices still have work queued"
    sleep 0.1
  done
  say "timed out waiting for the fleet"; exit 1
}
enable_all() {   # PREFIX COUNT [b]: enable profile j on its device, over one connection (curl -K)
  local j eid
  : >"$tmp/ops.curl"
  for j in $(seq 1 "$2"); do
    if [ "${3:-}" = b ]; then eid=${eids[$(($(b_device $j) - 1))]}; else eid=${eids[$((j - 1))]}; fi
    [ -s "$tmp/ops.curl" ] && echo next >>"$tmp/ops.curl"
    cat >>"$tmp/ops.curl" <<CURL
url = "https://eim.iotrsp.test/api/v1/euiccs/$eid/operations"
cacert = "$p/ci.pem"
connect-to = "eim.iotrsp.test:443:127.0.0.1:$hport"
header = "Content-Type: application/json"
header = "Authorization: Bearer $EIMCTL_KEY"
data = "$(sed 's/"/\\"/g' <<<"{\"psmos\":[{\"enable\":{\"iccid\":\"$(iccid "$1" $j)\"}}]}")"
write-out = "\\n"
CURL
  done
  [ "$(curl -s -K "$tmp/ops.curl" | grep -c '"state":"pending"' || true)" = "$2" ] || { say "enable operations refused"; exit 1; }
}

say "== $n devices leave the factory (bootstrap profile + the eIM's AddInitialEim) and are registered"
sim() {   # TRANSPORT SKIP COUNT
  local port=$hport; [ "$1" = coaps ] && port=$cport
  "$build/tools/fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$port" \
    --connect-address 127.0.0.1 --ca "$p/ci.pem" $([ "$1" = coaps ] && echo --coaps --minimize-esipa-bytes) \
    $([ "$1" = https ] && echo --ipae-share 20) \
    --skip "$2" --devices "$3" \
    --threads 2 --interval-ms 500 --jitter 30 --until "$tmp/stop" --timeout-ms 3000 \
    --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key "$EIMCTL_KEY" \
    --profiles-out "$tmp/profiles-$1" >"$tmp/sim-$1.out" 2>&1
}
sim https 0 "$half" & pids+=($!)
sim coaps "$half" $((n - half)) & pids+=($!)
learned() {   # how many have had their first contact (the list comes 500 at a time)
  local after="" total=0 page
  while page=$(api GET "/api/v1/euiccs${after:+?after=$after}"); [ "$page" != "[]" ]; do
    total=$((total + $(grep -o '"learned":true' <<<"$page" | wc -l)))
    after=$(grep -o '"eid":"[0-9]*"' <<<"$page" | tail -1 | cut -d'"' -f4)
  done
  echo $total
}
i=0 end=$(( $(date +%s) + ${IOTRSP_TEST_WAIT:-120} + n ))
while [ "$(date +%s)" -lt "$end" ]; do
  c=$(learned); [ "$c" = "$n" ] && break
  [ $((++i % 50)) = 0 ] && say "   ... $c of $n in contact"
  sleep 0.1
done
say "   registered and in contact: $(learned) of $n ($half over HTTPS, $((n - half)) over CoAP/DTLS)"

say "== zero-touch: Operator A orders a profile for each EID; one campaign downloads them all, then each is enabled"
orders token-a 44 $((n - 1))          # the last device's order is missing: it will fail, and say why
out=$(api POST /api/v1/campaigns "{\"name\":\"operator-a\",\"label\":\"fleet=sim\",\"maxInFlight\":20,\"download\":{\"activationCode\":\"LPA:1\$smdp.iotrsp.test\$\"}}")
camp_a=$(sed 's/.*"id":\([0-9]*\).*/\1/' <<<"$out")
wait_idle
enable_all 44 $((n - 1))
wait_idle
say "   $(api GET /api/v1/campaigns/$camp_a | sed 's/.*"states":\({[^}]*}\).*/\1/')"

say "== half the fleet moves to Operator B (campaign), the bootstrap profile stays as fallback"
b_eids=$(for j in $(seq 1 "$half"); do printf '"%s",' "${eids[$(($(b_device $j) - 1))]}"; done); b_eids="[${b_eids%,}]"
orders token-b 33 "$half" b
out=$(api POST /api/v1/campaigns "{\"name\":\"operator-b\",\"eids\":$b_eids,\"maxInFlight\":20,\"download\":{\"activationCode\":\"LPA:1\$smdp.iotrsp.test\$\"}}")
camp_b=$(sed 's/.*"id":\([0-9]*\).*/\1/' <<<"$out")
wait_idle
enable_all 33 "$half" b
out=$(api POST /api/v1/campaigns "{\"name\":\"fallback\",\"label\":\"fleet=sim\",\"maxInFlight\":50,\"psmos\":[{\"setFallbackAttribute\":{\"iccid\":\"89049032000000000019\"}},{\"listProfileInfo\":{}}]}")
camp_f=$(sed 's/.*"id":\([0-9]*\).*/\1/' <<<"$out")
wait_idle
say "   operator B downloads: $(api GET /api/v1/campaigns/$camp_b | sed 's/.*"states":\({[^}]*}\).*/\1/')"
say "   fallback + inventory: $(api GET /api/v1/campaigns/$camp_f | sed 's/.*"states":\({[^}]*}\).*/\1/')"

say "== governance: a staged campaign to a profile the devices lack (a bad profile) halts on its canary"
out=$(ctl --json --reason "move the fleet to operator X" --stages 5,25%,100% --halt-rate 0.5 \
  campaign fleet=sim 10 enable 89049032999999999990)
camp_x=$(sed 's/.*"id":\([0-9]*\).*/\1/' <<<"$out")
halted() { api GET /api/v1/campaigns/$camp_x | has '"state":"halted"'; }
wait_until halted
say "   $(api GET /api/v1/campaigns/$camp_x | sed 's/.*"state":"\([a-z]*\)".*"haltReason":"\([^"]*\)".*"states":\({[^}]*}\).*/\1: \2; \3/')"
say "   (the other $((n - 5)) devices are untouched; eimctl campaign resume|abort $camp_x decides what next)"
ctl campaign abort "$camp_x" | grep -E '^state' | sed 's/^/   aborted: /'
say "== governance: deleting Operator A's (disabled) profile on device 1 waits for a second person"
out=$(ctl --json --reason "operator A contract ended" --ticket CHG-1 op "${eids[0]}" delete "$(iccid 44 1)")
say "   requested by demo: $out"
change=$(sed 's/.*"change":\([0-9]*\).*/\1/' <<<"$out") hash=$(sed 's/.*"hash":"\([0-9A-F]*\)".*/\1/' <<<"$out")
say "   demo, who asked, tries to approve it: $(EIMCTL_KEY=demo-operator-key ctl change approve "$change" "$hash" 2>&1 | head -1)"
EIMCTL_KEY=demo-approver-key ctl change approve "$change" "$hash" "checked with operator A" | grep -E '^(state|operation)' |
  sed 's/^/   alice approved: /'
wait_idle
ctl changes after=$((change - 2)) | sed "s/^/   /"
ctl audit export "$tmp/audit.jsonl" >/dev/null
say "   audit export: $("$build/eim/eimd" --config "$tmp/eimd.conf" --audit-verify "$tmp/audit.jsonl")"

last=${eids[$((n - 1))]}
after=0 failed=
while [ -z "$failed" ]; do   # the campaign's operations come 500 at a time
  page=$(api GET "/api/v1/campaigns/$camp_a/operations?after=$after" | tr '{' '\n')
  grep -q '"id"' <<<"$page" || break
  failed=$(grep "\"eid\":\"$last\"" <<<"$page" | head -1 || true)
  after=$(grep -o '"id":[0-9]*' <<<"$page" | tail -1 | cut -d: -f2)
done
say "== the device that failed, as eimctl shows it (no order for its EID at the SM-DP+, which refused the download)"
ctl op show "$(sed 's/^"id":\([0-9]*\).*/\1/' <<<"$failed")" | grep -E '^(id|eid|kind|state|resultCode|results) ' | sed 's/^/   /'
say "   and its profiles, as it last reported them:"
ctl --json euicc show "$last" | grep -o '"profiles":.*]' | sed 's/^/   /' 

touch "$tmp/stop"
wait "${pids[@]:2}" 2>/dev/null || true
if [ -n "$check" ]; then
  cat "$tmp/profiles-https" "$tmp/profiles-coaps" | sed 's/ fallback$//' | sort >"$check"
  # the same as the eIM last heard it (listProfileInfo), through the REST API
  for eid in "${eids[@]}"; do
    api GET "/api/v1/euiccs/$eid" | grep -o '{"iccid":"[0-9]*","state":"[a-z]*"}' |
      sed "s/{\"iccid\":\"\([0-9]*\)\",\"state\":\"\([a-z]*\)\"}/$eid \1 \2/"
  done | sort >"$check.rest"
fi
t1=$(date +%s.%N)
ops=$(learned)   # every registered device, page by page
done_n=0 failed_n=0
for c in $camp_a $camp_b $camp_f; do
  s=$(api GET /api/v1/campaigns/$c)
  done_n=$((done_n + $(sed 's/.*"done":\([0-9]*\).*/\1/' <<<"$s")))
  failed_n=$((failed_n + $(sed 's/.*"failed":\([0-9]*\).*/\1/' <<<"$s")))
done
say
say "== summary"
printf '  %-40s %s\n' "devices" "$ops ($half HTTPS, $((n - half)) CoAP/DTLS with compact messages)"
printf '  %-40s %s\n' "  of which IPAe (IPA in the eUICC, BIP)" \
  "$(sed -n 's/^IPAe devices \([0-9]*\).*: polls \([0-9]*\).*/\1 devices, \2 polls/p' "$tmp/sim-https.out")"
printf '  %-40s %s\n' "campaign operations done / failed" "$done_n / $failed_n"
printf '  %-40s %s\n' "single operations (enables)" "$((n - 1 + half))"
printf '  %-40s %s s\n' "wall time" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
for t in https coaps; do
  printf '  %-40s %s; %s\n' "$([ $t = https ] && echo HTTPS || echo "CoAP/DTLS, compact") devices" \
    "$(sed -n 's/^devices.*: polls \([0-9]*\).*/\1 polls/p' "$tmp/sim-$t.out")" \
    "$(sed -n 's/^bytes per device: //p' "$tmp/sim-$t.out")"
done
eimd_pid=${pids[1]}
printf '  %-40s %s\n' "operations per second" \
  "$(awk -v n=$((done_n + failed_n + n - 1 + half)) -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')"
printf '  %-40s %s s CPU, %s peak resident\n' "eimd" \
  "$(awk -v t="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / t }' /proc/$eimd_pid/stat)" \
  "$(awk '/VmHWM/ { print $2 " " $3 }' /proc/$eimd_pid/status)"
say "  audit log: $(api GET /api/v1/audit/verify)"
say
say "Next: the REST API is described in docs/rest-api.yaml; eimctl --help lists the operator's commands;"
say "      eimd --config FILE --audit-verify checks the audit log; docs/operations.md runs each daemon alone."
