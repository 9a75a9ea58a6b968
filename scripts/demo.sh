#!/usr/bin/env bash
# The main job (make demo). Until eimd and ipad exist, the demo walks one
# SGP.32 ESipa exchange through the message library (each message as it goes
# on the wire and as rspdump decodes it), then runs smdpd: a profile imported
# and ordered over ES2+, and the activation code an LPA or eIM would use.
set -euo pipefail
. "$(dirname "$0")/daemon_conf.sh"
. "$(dirname "$0")/wait.sh"
build=${1:-build}
dump="$build/tools/rspdump"
eid=89049032123451234512345678901235
iccid=98001032547698103214
sig=$(printf 'AB%.0s' $(seq 64))

step() {
  local title=$1 hex=$2
  printf '\n== %s (%d bytes on the wire)\n' "$title" $(( ${#hex} / 2 ))
  printf '%s\n' "$hex" | fold -w 96
  printf '%s\n' "$hex" | "$dump"
}

cat <<MSG
iotrsp demo — foundation stage
The message library (lib/der, lib/rsp) encodes and decodes every SGP.22 /
SGP.32 v1.2 message byte for byte. Below is one eIM polling round as an IoT
device and the eIM would exchange it over ESipa, decoded by tools/rspdump.
MSG

step "IPA -> eIM: GetEimPackageRequest (poll, after a fallback)" \
  "BF4F1C5A10${eid}8000810101820332F401"
step "eIM -> IPA: GetEimPackageResponse carrying a signed eUICC Package (enable + listProfileInfo)" \
  "BF4F81A7BF5181A3305E800465696D315A10${eid}81010582020102A03DA30E5A0A${iccid}0500A40C5A0A${iccid}A600BF2D11A00C5A0A${iccid}5C015AA70780008203612E625F3740${sig}"
step "IPA -> eIM: ProvideEimPackageResult (the eUICC refused the package: unsigned error)" \
  "BF50235A10${eid}BF510EA20C800465696D31820109840107"
step "eIM -> IPA: ProvideEimPackageResultResponse (acknowledges sequence numbers 1 and 2)" \
  "BF5009BF5306800101800102"

cat <<MSG

== smdpd: the SM-DP+ on HTTPS (loopback)
MSG
tmp=$(mktemp -d)
pid=
euiccd_pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$euiccd_pid" ] && kill $euiccd_pid 2>/dev/null; rm -rf "$tmp"' EXIT
"$build/tools/pkigen" --out "$tmp/pki" --curve nist --smdp-host smdp.iotrsp.test --eid "$eid" >/dev/null
p=$tmp/pki/nist
{ smdpd_conf "$p" "$tmp"; cat <<CONF
es2-client = operator-a:demo-token
CONF
} >"$tmp/smdpd.conf"
head -c 12288 /dev/urandom >"$tmp/profile.der"
"$build/smdp/smdpd" --config "$tmp/smdpd.conf" --import "$tmp/profile.der" --iccid 8949449999999990023 \
  --owner operator-a --spn "Operator A" --name "IoT operational" 2>/dev/null
"$build/smdp/smdpd" --config "$tmp/smdpd.conf" 2>"$tmp/log" &
pid=$!
port=$(wait_port "$tmp/log" port)
curl_es2() {
  curl -s --cacert "$p/ci.pem" --connect-to "smdp.iotrsp.test:443:127.0.0.1:$port" \
    -H "X-Admin-Protocol: gsma/rsp/v2.5.0" -H "Content-Type: application/json" \
    -H "Authorization: Bearer demo-token" -d "$2" "https://smdp.iotrsp.test/gsma/rsp2/es2plus/$1"
}
hdr='"header":{"functionRequesterIdentifier":"demo","functionCallIdentifier":"1"}'
echo "ES2+ downloadOrder  -> $(curl_es2 downloadOrder "{$hdr,\"iccid\":\"8949449999999990023\"}")"
echo "ES2+ confirmOrder   -> $(curl_es2 confirmOrder "{$hdr,\"iccid\":\"8949449999999990023\",\"releaseFlag\":true}")"
code=$(sed -n 's/.*msg="activation code".* code=\(.*\)$/\1/p' "$tmp/log")
echo "activation code:       $code"

cat <<MSG

== ipad: the IoT Profile Assistant, on a device whose eUICC (euiccd) holds a bootstrap profile
MSG
"$build/euicc/euiccd" --state "$tmp/euicc.state" --key "$p/euicc/$eid.key" --cert "$p/euicc/$eid.pem" \
  --eum "$p/eum.pem" --ci "$p/ci.pem" --bootstrap 89049032000000000019 --socket "$tmp/euicc.sock" 2>"$tmp/euiccd.log" &
euiccd_pid=$!
wait_socket "$tmp/euicc.sock"
ipad() {
  "$build/ipad/ipad" --card "socket:$tmp/euicc.sock" --state-dir "$tmp/ipad" --es9-ca "$p/ci.pem" \
    --connect "smdp.iotrsp.test:443:127.0.0.1:$port" "$@"
}
echo "ipad info      -> $(ipad info --json)"
echo "ipad profiles  -> $(ipad profiles --json)"
echo "ipad download  -> $(ipad download "$code" --json)"
echo "ipad profiles  -> $(ipad profiles --json)"
echo "ipad notifications -> $(ipad notifications --json)   (the installation result went to the SM-DP+, then off the eUICC)"
kill -TERM $euiccd_pid
wait $euiccd_pid || true
euiccd_pid=
kill -TERM $pid
wait $pid || true
pid=

cat <<MSG

== the zero-touch fleet: eimd, smdpd and 100 simulated devices
MSG
"$(dirname "$0")/fleet_demo.sh" "$build" 100

cat <<MSG

Try it yourself:  echo BF4F03020101 | $dump
                  $dump --list      (every message type it knows)
smdpd serves ES9+ and ES2+, eimd ESipa and its REST API, ipad polls an eIM over HTTPS or
CoAP/DTLS: docs/operations.md runs each on its own.
MSG
