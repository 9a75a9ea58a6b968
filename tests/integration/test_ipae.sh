#!/usr/bin/env bash
# The IPA inside the eUICC (IPAe, SGP.32): euiccd with an IPAe, activated by
# the device (IpaeActivationRequest), polls eimd through `ipad terminal`,
# which only lends it the network (ETSI TS 102 223 BIP: OPEN CHANNEL, SEND
# DATA, RECEIVE DATA, CLOSE CHANNEL; TLS inside the eUICC). First contact,
# PSMOs, a data request and an indirect download complete through it, over
# HTTPS (TCP channel) and over CoAP/DTLS (UDP channel, block-wise both
# ways); a power cut mid-download loses nothing; then the IPAe is
# deactivated and the same device is managed by ipad as IPAd.
# With --pcsc the card is reached through a real pcscd (euiccd behind
# vsmartcard's vpcd) in a private network namespace, else euiccd's socket.
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/../../scripts/daemon_conf.sh"
. "$(dirname "$0")/../../scripts/wait.sh"
pcsc=
if [ "${1:-}" = --pcsc ]; then
  shift
  pcsc=1
  if [ "$(id -u)" != 0 ] || ! command -v pcscd >/dev/null || [ ! -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] ||
     ! unshare --mount --net true 2>/dev/null; then
    echo "skipped: needs root, pcscd, vsmartcard-vpcd and a private network namespace"
    exit 0
  fi
  # pcscd and the daemons in a namespace of their own: its loopback, its /run
  [ -n "${IPAE_NS:-}" ] || exec env IPAE_NS=1 unshare --mount --net bash "$0" --pcsc "$@"
fi
eimd=$1 smdpd=$2 euiccd=$3 ipad=$4 pkigen=$5
tmp=$(mktemp -d); [ -n "${KEEP_TMP:-}" ] && echo "tmp: $tmp"
pids=()
card=socket:$tmp/euicc.sock
if [ -n "$pcsc" ]; then
  mount -t tmpfs tmpfs /run
  mkdir -p /run/pcscd
  ip link set lo up
  pcscd --foreground --auto-exit >"$tmp/pcscd.log" 2>&1 & pids+=($!)
  card=pcsc
fi
fails() { if "$@"; then echo "should have failed: $*" >&2; return 1; fi; }
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
eid=89049032123451234512345678901235 eid2=89049032123451234512345678901332
"$pkigen" --out "$tmp/pki" --curve nist --smdp-host smdp.iotrsp.test --eid $eid --eid $eid2 >/dev/null
p=$tmp/pki/nist

{ smdpd_conf "$p" "$tmp"; echo "es2-client = operator-a:es2-token"; } >"$tmp/smdpd.conf"
for i in 1 2; do
  head -c 12288 /dev/urandom >"$tmp/upp$i"
  "$smdpd" --config "$tmp/smdpd.conf" --import "$tmp/upp$i" --iccid 894944999999999002$i \
    --owner operator-a --spn "Operator A" --name "IoT $i" 2>/dev/null
done
"$smdpd" --config "$tmp/smdpd.conf" 2>"$tmp/smdpd.log" & pids+=($!)
sport=$(wait_port "$tmp/smdpd.log" "port")
{ eimd_conf "$p" "$tmp"; cat <<CONF
smdp-ca = $p/ci.pem
connect = smdp.iotrsp.test:443:127.0.0.1:$sport
api-key = operator:ops:op-secret
CONF
} >"$tmp/eimd.conf"
"$eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
{ grep -v '^coaps = ' "$tmp/eimd.conf"; echo "coaps = yes"; } >"$tmp/eimd-coaps.conf"
"$eimd" --config "$tmp/eimd-coaps.conf" --initial-eim "$tmp/initial-coaps.der"
"$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" & pids+=($!)
hport=$(wait_port "$tmp/eimd.log" "https_port")
cport=$(wait_port "$tmp/eimd.log" "coaps_port")
api() {   # METHOD PATH [BODY]: the body
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" ${3:+-d "$3"} "https://eim.iotrsp.test$2"
}
op() { api POST /api/v1/euiccs/${2:-$eid}/operations "$1" | sed 's/.*"id":\([0-9]*\).*/\1/'; }
done_op() { api GET /api/v1/operations/$1 | has '"state":"done"'; }

dev() {   # ipad ARGS...
  "$ipad" --card "$card" --state-dir "$tmp/ipad" --eim-ca "$p/ci.pem" --no-direct \
    --connect "eim.iotrsp.test:443:127.0.0.1:$hport" --connect "eim.iotrsp.test:5684:127.0.0.1:$cport" --retry-min 1 "$@"
}
start_euiccd() {
  "$euiccd" --state "$tmp/euicc.state" --key "$p/euicc/$eid.key" --cert "$p/euicc/$eid.pem" --eum "$p/eum.pem" \
    --ci "$p/ci.pem" --bootstrap 89049032000000000011 $([ -n "$pcsc" ] && echo "--vpcd 127.0.0.1:35963" || echo "--socket $tmp/euicc.sock") \
    --ipae --ipae-ca "$p/ci.pem" --ipae-connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" --ipae-retry 1:2 --ipae-poll-interval 1 \
    2>>"$tmp/euiccd.log" & pids+=($!)
  euiccd_pid=$!
  if [ -n "$pcsc" ]; then wait_until dev info >/dev/null 2>&1; else wait_socket "$tmp/euicc.sock"; fi
}
start_terminal() {   # [ARGS]
  "$ipad" --card "$card" --status-interval 50 --verbose "$@" terminal 2>>"$tmp/terminal.log" & pids+=($!)
  term_pid=$!
}
start_euiccd
# the eIM configured through the device (IPAd), the eUICC registered
dev add-initial-eim --request "$tmp/initial.der" >/dev/null
api POST /api/v1/euiccs "{\"eid\":\"$eid\"}" >/dev/null
dev info --json | has '"ipa_mode":"ipad"'
# activation: ipaMode ipae from now on, across a restart of the eUICC
dev --json ipae on | has '"result":"ok"'
dev info --json | has '"ipa_mode":"ipae"'

# work for the IPAe: PSMOs, an eCO, an indirect download and its enable
es2 downloadOrder '"iccid":"8949449999999990021"' >/dev/null
es2 confirmOrder '"iccid":"8949449999999990021","matchingId":"IPAE-1","releaseFlag":true' >/dev/null
ops=()
ops+=("$(op '{"psmos":[{"listProfileInfo":{}},{"getRAT":{}}]}')")
ops+=("$(op '{"download":{"activationCode":"LPA:1$smdp.iotrsp.test$IPAE-1"}}')")
ops+=("$(op '{"psmos":[{"enable":{"iccid":"8949449999999990021"}}]}')")
ops+=("$(op '{"dataRequest":{"tags":"BF20"}}')")
# the device only lends its network, over a slow bearer (64 kbit/s: the
# profile takes two seconds); power is cut once the SM-DP+ has bound the
# profile: the IPAe is then receiving it
start_terminal --bearer-kbps 64
wait_grep 'msg="BPP bound"' "$tmp/smdpd.log"
kill -9 $euiccd_pid; wait $euiccd_pid 2>/dev/null || true
wait $term_pid 2>/dev/null || true     # the card gone, the terminal stops
rm -f "$tmp/euicc.sock"                # (left by the kill: the new one is waited for)
grep -q 'msg="poll" ok=1' "$tmp/euiccd.log" && { echo "the poll ended before the cut"; exit 1; }
start_euiccd
start_terminal
for o in "${ops[@]}"; do wait_until done_op "$o"; done
grep -q 'msg="resuming a download cut by a restart"' "$tmp/euiccd.log"
# then every other PSMO, and eCOs (a second eIM added, listed, updated,
# deleted), one operation at a time: the eIM's policy judges each on the
# profiles the one before reported
run() { local id; id=$(op "$1" ${2:-}); wait_until done_op "$id"; echo "operation $id: $(api GET /api/v1/operations/$id |
  grep -o '"results":.*' | cut -c1-160)"; }
every_psmo_and_eco() {   # EID BOOTSTRAP OPERATIONAL: every other PSMO kind, then the eCOs, one at a time
  local e=$1 boot=$2 op=$3
  run "{\"psmos\":[{\"setFallbackAttribute\":{\"iccid\":\"$boot\"}},{\"configureImmediateEnable\":{\"immediateEnable\":false}},
    {\"setDefaultDpAddress\":{\"address\":\"smdp.iotrsp.test\"}},{\"listProfileInfo\":{}}]}" $e
  run "{\"psmos\":[{\"enable\":{\"iccid\":\"$boot\"}},{\"disable\":{\"iccid\":\"$boot\"}},{\"enable\":{\"iccid\":\"$op\"}}]}" $e
  run "{\"psmos\":[{\"unsetFallbackAttribute\":{}},{\"setFallbackAttribute\":{\"iccid\":\"$op\"}}]}" $e
  run "{\"psmos\":[{\"delete\":{\"iccid\":\"$boot\"}},{\"getRAT\":{}}]}" $e | tee "$tmp/delete"
  grep -q '"results":\[{"delete":0},{"getRAT":' "$tmp/delete"
  run "{\"ecos\":[{\"addEim\":{\"eimId\":\"eim2.iotrsp.test\",\"eimFqdn\":\"eim2.iotrsp.test\",
    \"eimIdType\":\"fqdn\",\"counterValue\":0,\"eimPublicKeyData\":{\"certificate\":\"$eimcert\"},
    \"eimSupportedProtocol\":[\"retrieveHttps\"]}},{\"listEim\":{}}]}" $e | tee "$tmp/eco1"
  grep -q '"results":\[{"addEim":{"code":0}},{"listEim":\["eim.iotrsp.test","eim2.iotrsp.test"\]}\]' "$tmp/eco1"
  run "{\"ecos\":[{\"updateEim\":{\"eimId\":\"eim2.iotrsp.test\",\"counterValue\":10,
    \"eimPublicKeyData\":{\"certificate\":\"$eimcert\"}}},{\"deleteEim\":{\"eimId\":\"eim2.iotrsp.test\"}},{\"listEim\":{}}]}" $e |
    tee "$tmp/eco2"
  grep -q '"results":\[{"updateEim":0},{"deleteEim":0},{"listEim":\["eim.iotrsp.test"\]}\]' "$tmp/eco2"
}
eimcert=$(openssl x509 -in "$p/eim-sign.pem" -outform der | base64 -w0)
every_psmo_and_eco $eid 89049032000000000011 8949449999999990021
api GET /api/v1/euiccs/$eid | has '"learned":true'
grep -q 'msg="poll" ok=1' "$tmp/euiccd.log"
grep -q 'msg="channel open" transport=tcp' "$tmp/terminal.log"
kill -TERM $term_pid; wait $term_pid || true
grep -q 'msg="stopped" apdus=[1-9]' "$tmp/terminal.log"

# over CoAP/DTLS: a second device whose eIM configuration offers CoAPs;
# its IPAe opens a UDP channel, DTLS inside, the profile in Block2 blocks
# (through pcscd: vpcd's second reader, on the next port)
card2=socket:$tmp/euicc2.sock
[ -z "$pcsc" ] || card2="pcsc:Virtual PCD 00 01"
"$euiccd" --state "$tmp/euicc2.state" --key "$p/euicc/$eid2.key" --cert "$p/euicc/$eid2.pem" --eum "$p/eum.pem" \
  --ci "$p/ci.pem" --bootstrap 89049032000000000012 \
  $([ -n "$pcsc" ] && echo "--vpcd 127.0.0.1:35964" || echo "--socket $tmp/euicc2.sock") \
  --ipae --ipae-ca "$p/ci.pem" --ipae-connect-to "eim.iotrsp.test:5684:127.0.0.1:$cport" --ipae-retry 1:2 \
  --ipae-poll-interval 1 2>"$tmp/euiccd2.log" & pids+=($!)
dev2() { card=$card2 dev --state-dir "$tmp/ipad2" "$@"; }
if [ -n "$pcsc" ]; then wait_until dev2 info >/dev/null 2>&1; else wait_socket "$tmp/euicc2.sock"; fi
{
  dev2 add-initial-eim --request "$tmp/initial-coaps.der" >/dev/null
  dev2 info --json | has '"eim_transport":"coaps"'
  api POST /api/v1/euiccs "{\"eid\":\"$eid2\"}" >/dev/null
  dev2 --json ipae on | has '"result":"ok"'
  es2 downloadOrder '"iccid":"8949449999999990022"' >/dev/null
  es2 confirmOrder '"iccid":"8949449999999990022","matchingId":"IPAE-2","releaseFlag":true' >/dev/null
  ops2=("$(op '{"psmos":[{"listProfileInfo":{}},{"getRAT":{}}]}' $eid2)")
  ops2+=("$(op '{"download":{"activationCode":"LPA:1$smdp.iotrsp.test$IPAE-2"}}' $eid2)")
  ops2+=("$(op '{"psmos":[{"enable":{"iccid":"8949449999999990022"}}]}' $eid2)")
  "$ipad" --card "$card2" --status-interval 50 --verbose terminal 2>"$tmp/terminal2.log" & pids+=($!)
  term2=$!
  for o in "${ops2[@]}"; do wait_until done_op "$o"; done
  every_psmo_and_eco $eid2 89049032000000000012 8949449999999990022
  grep -q 'msg="channel open" transport=udp' "$tmp/terminal2.log"
  if grep -q 'msg="channel open" transport=tcp' "$tmp/terminal2.log"; then exit 1; fi
  kill -TERM $term2; wait $term2 || true
  dev2 profiles --json | has '"iccid":"8949449999999990022","state":"enabled"'
}

# deactivated: the same device managed by ipad as IPAd
dev --json ipae off | has '"result":"ok"'
dev info --json | has '"ipa_mode":"ipad"'
dev profiles --json | has '"iccid":"8949449999999990021","state":"enabled"'
last=$(op '{"psmos":[{"listProfileInfo":{}}]}')
dev poll >/dev/null
done_op "$last"
echo "IPAe through ipad terminal (BIP over $([ -n "$pcsc" ] && echo "pcscd and vpcd" || echo "euiccd's socket")): ok"
