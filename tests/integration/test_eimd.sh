#!/usr/bin/env bash
# eimd, smdpd, euiccd and ipad as processes on loopback. Two devices, one
# polling over HTTPS and one over CoAP/DTLS (compact messages: minimizeEsipaBytes),
# each with a bootstrap profile and
# the eIM's AddInitialEim export: registered over the REST API, then a profile
# ordered at the SM-DP+ (ES2+), downloaded through the eIM and enabled by a
# signed PSMO, a data request; every PSMO and eCO with its signed result and
# the eUICC's own state; notifications forwarded to the SM-DP+; the audit log
# checked; the ES9+ relay in the JSON binding; ESIPA_BINDING=json: the devices
# speak ESipa's JSON binding instead of the ASN.1 one, the results the same; a refused download with the
# SM-DP+'s reason; REST errors (no key, wrong role, bad JSON, unknown eUICC, malformed
# operations); a malformed ESipa message refused.
set -euo pipefail
# a failure names its line: a run that fails once under load can be read afterwards
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/../../scripts/daemon_conf.sh"
. "$(dirname "$0")/../../scripts/wait.sh"
eimd=$1 smdpd=$2 euiccd=$3 ipad=$4 pkigen=$5 eimctl=$6 rspdump=$7
tmp=$(mktemp -d); [ -n "${KEEP_TMP:-}" ] && echo "tmp: $tmp"
# every statement the daemons prepare, for the query-plan check at the end
[ -z "${QUERY_PLANS:-}" ] || { mkdir "$tmp/trace"; export IOTRSP_STORE_TRACE=$tmp/trace; }
pids=()
# fails CMD...: CMD must fail (a bare '! CMD' never stops a set -e script)
fails() { if "$@"; then echo "should have failed: $*" >&2; return 1; fi; }
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
eid1=89049032123451234512345678901235 eid2=89049032123451234512345678901332
"$pkigen" --out "$tmp/pki" --curve nist --smdp-host smdp.iotrsp.test --eid $eid1 --eid $eid2 >/dev/null
p=$tmp/pki/nist
ls "$p/euicc/" >/dev/null

# the SM-DP+, with two profiles for operator-a
{ smdpd_conf "$p" "$tmp"; cat <<CONF
es2-client = operator-a:es2-token
CONF
} >"$tmp/smdpd.conf"
for i in 1 2 3 4 5; do
  head -c 12288 /dev/urandom >"$tmp/upp$i"
  "$smdpd" --config "$tmp/smdpd.conf" --import "$tmp/upp$i" --iccid 894944999999999002$i \
    --owner operator-a --spn "Operator A" --name "IoT $i" --notify smdp.iotrsp.test 2>/dev/null
done
"$smdpd" --config "$tmp/smdpd.conf" 2>"$tmp/smdpd.log" & pids+=($!)
sport=$(wait_port "$tmp/smdpd.log" "port")

# the eIM
{ eimd_conf "$p" "$tmp"; cat <<CONF
smdp-ca = $p/ci.pem
inject-ca = $p/ci.pem
es9-binding = json
connect = smdp.iotrsp.test:443:127.0.0.1:$sport
api-key = operator:ops:op-secret
api-key = auditor:audit:look-only
api-key = admin:root:admin-secret
CONF
} >"$tmp/eimd.conf"
"$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" & pids+=($!)
eimd_pid=$!
hport=$(wait_port "$tmp/eimd.log" "https_port")
cport=$(wait_port "$tmp/eimd.log" "coaps_port")
# SGP.22 2.6.6: TLS 1.2 or later on every server, no CBC-SHA suites; TLS 1.2 itself goes through
tls() { openssl s_client -connect "127.0.0.1:$1" "${@:2}" </dev/null >/dev/null 2>&1; }
tls_floor() {   # PORT [-dtls [CLIENT-CERT ARGS]]: what the server takes and refuses
  if [ "${2:-}" = -dtls ]; then
    tls "$1" -dtls1_2 "${@:3}"; fails tls "$1" -dtls1 -cipher DEFAULT:@SECLEVEL=0 "${@:3}"
  else
    tls "$1" -tls1_2
    for v in -tls1 -tls1_1; do fails tls "$1" $v -cipher DEFAULT:@SECLEVEL=0; done
    fails tls "$1" -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA
  fi
}
tls_floor "$sport"; tls_floor "$hport"; tls_floor "$cport" -dtls
api() {   # METHOD PATH [BODY] [KEY]: prints the body, then the status on its own line
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer ${4-op-secret}" -H "Content-Type: application/json" ${3:+-d "$3"} \
    -w '\n%{http_code}' "https://eim.iotrsp.test$2"
}
status() { tail -1 <<<"$1"; }
metric() {   # NAME: its value in /metrics (which wants an auditor's key or above)
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -H "Authorization: Bearer look-only" \
    https://eim.iotrsp.test/metrics | sed -n "s/^$1 //p"
}

# two devices: bootstrap profile, the eIM's export loaded at the factory
"$eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
sed 's/^coaps = .*//' "$tmp/eimd.conf" >"$tmp/eimd-coaps.conf"; echo "coaps = yes" >>"$tmp/eimd-coaps.conf"
"$eimd" --config "$tmp/eimd-coaps.conf" --initial-eim "$tmp/initial-coaps.der"
for n in 1 2; do
  eid=$([ $n = 1 ] && echo $eid1 || echo $eid2)
  "$euiccd" --state "$tmp/euicc$n.state" --key "$p/euicc/$eid.key" --cert "$p/euicc/$eid.pem" --eum "$p/eum.pem" \
    --ci "$p/ci.pem" --bootstrap 8904903200000000001$n --socket "$tmp/euicc$n.sock" 2>"$tmp/euiccd$n.log" & pids+=($!)
done
for n in 1 2; do wait_socket "$tmp/euicc$n.sock"; done
dev() {   # N ARGS...: ipad of device N
  n=$1; shift
  ${DEV_EXEC:+exec} "$ipad" --card "socket:$tmp/euicc$n.sock" --state-dir "$tmp/ipad$n" --eim-ca "$p/ci.pem" --no-direct \
    --connect "eim.iotrsp.test:443:127.0.0.1:$hport" --connect "eim.iotrsp.test:5684:127.0.0.1:$cport" --retry-min 1 \
    $([ "$n" = 2 ] && echo --minimize-esipa-bytes) ${TRACE:+--trace "$TRACE"} ${IPAD_EXTRA:-} \
    ${ESIPA_BINDING:+--esipa-binding "$([ "$n" = 1 ] && echo "eim.iotrsp.test=")$ESIPA_BINDING"} "$@"
}
fails dev 1 --esipa-binding carrierPigeon info 2>/dev/null         # a binding ipad does not know
dev 1 add-initial-eim --request "$tmp/initial.der" --json
dev 2 add-initial-eim --request "$tmp/initial-coaps.der" --json
dev 2 info --json | has '"eim_transport":"coaps"'

# REST: keys and roles, bad input
[ "$(status "$(api POST /api/v1/euiccs "{\"eid\":\"$eid1\"}" wrong-key)")" = 401 ]
[ "$(status "$(api POST /api/v1/euiccs "{\"eid\":\"$eid1\"}" look-only)")" = 403 ]
[ "$(status "$(api POST /api/v1/euiccs '{"eid":')")" = 400 ]
[ "$(status "$(api GET /api/v1/euiccs/$eid1 '' look-only)")" = 404 ]
# with the certificates the factory read (checked: chain to the CI, EID = serialNumber), or without
der64() { openssl x509 -in "$1" -outform der | base64 -w0; }
certs="\"euiccCertificate\":\"$(der64 "$p/euicc/$eid2.pem")\",\"eumCertificate\":\"$(der64 "$p/eum.pem")\""
[ "$(status "$(api POST /api/v1/euiccs "{\"eid\":\"$eid1\",$certs}")")" = 400 ]         # not its certificate
[ "$(status "$(api POST /api/v1/euiccs "{\"eid\":\"$eid2\",\"euiccCertificate\":\"$(der64 "$p/euicc/$eid2.pem")\",
  \"eumCertificate\":\"$(der64 "$p/eim-sign.pem")\"}")")" = 400 ]                       # not its EUM
[ "$(status "$(api GET /api/v1/euiccs/$eid1 '' look-only)")" = 404 ]                       # nothing registered
[ "$(status "$(api POST /api/v1/euiccs "{\"eid\":\"$eid1\",\"labels\":\"site=north\"}")")" = 201 ]
[ "$(status "$(api POST /api/v1/euiccs "{\"eid\":\"$eid2\",\"labels\":\"site=north\",$certs}")")" = 201 ]
[ "$(status "$(api POST /api/v1/euiccs "{\"eid\":\"$eid1\"}")")" = 409 ]
# keys made by the admin, kept as hashes: usable at once, gone when deleted; operators may not
[ "$(status "$(api POST /api/v1/keys '{"name":"ci-bot","role":"operator"}')")" = 403 ]
# a key name is an audit actor: no control characters, separators or spaces
for name in 'bad\nname' 'two words' 'a;b' ''; do
  [ "$(status "$(api POST /api/v1/keys "{\"name\":\"$name\",\"role\":\"operator\"}" admin-secret)")" = 400 ]
done
# /metrics wants a key (an auditor's does)
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" \
  https://eim.iotrsp.test/metrics)" = 401 ]
[ -n "$(metric eim_rest_calls_total)" ]
# ids in their exact form only; JSON where JSON is wanted; one operation kind per body
for path in '/api/v1/operations/1%20OR%201=1' '/api/v1/operations/1%00x' '/api/v1/operations/-1' \
    '/api/v1/campaigns/1x' '/api/v1/campaigns/1/operations?after=2%20OR%201=1'; do
  [ "$(status "$(api GET "$path" '' look-only)")" = 400 ]
done
[ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" \
  -H "Authorization: Bearer op-secret" -H "Content-Type: text/plain" -d '{"psmos":[{"getRAT":{}}]}' \
  https://eim.iotrsp.test/api/v1/euiccs/$eid1/operations)" = 415 ]
[ "$(status "$(api POST /api/v1/euiccs/$eid1/operations '{"psmos":[{"getRAT":{}}],"dataRequest":{"tags":"A8"}}')")" = 400 ]
# a campaign's maxInFlight in range, never wrapped
for m in -5 0 99999999999 '"7"' 1.5; do
  [ "$(status "$(api POST /api/v1/campaigns "{\"label\":\"site=north\",\"maxInFlight\":$m,\"psmos\":[{\"getRAT\":{}}]}")")" = 400 ]
done
out=$(api POST /api/v1/keys '{"name":"ci-bot","role":"operator"}' admin-secret)
[ "$(status "$out")" = 201 ]
bot=$(head -1 <<<"$out" | sed 's/.*"token":"\([0-9A-F]*\)".*/\1/')
[ "$(status "$(api GET /api/v1/euiccs/$eid1 '' "$bot")")" = 200 ]
if sqlite3 --version >/dev/null 2>&1 && sqlite3 "$tmp/eim.db" .dump | has "$bot"; then exit 1; fi
[ "$(status "$(api DELETE /api/v1/keys/ci-bot '' admin-secret)")" = 200 ]
[ "$(status "$(api GET /api/v1/euiccs/$eid1 '' "$bot")")" = 401 ]

# each device: an order at the SM-DP+, the download through the eIM, then enable
for n in 1 2; do
  eid=$([ $n = 1 ] && echo $eid1 || echo $eid2)
  iccid=894944999999999002$n
  es2 downloadOrder "\"iccid\":\"$iccid\"" >/dev/null
  es2 confirmOrder "\"iccid\":\"$iccid\",\"matchingId\":\"ZT-$n\",\"releaseFlag\":true" >/dev/null
  out=$(api POST /api/v1/euiccs/$eid/operations "{\"download\":{\"activationCode\":\"LPA:1\$smdp.iotrsp.test\$ZT-$n\"}}")
  [ "$(status "$out")" = 201 ]
  dl=$(head -1 <<<"$out" | sed 's/.*"id":\([0-9]*\).*/\1/')
  out=$(api POST /api/v1/euiccs/$eid/operations "{\"psmos\":[{\"enable\":{\"iccid\":\"$iccid\"}},{\"listProfileInfo\":{}}]}")
  en=$(head -1 <<<"$out" | sed 's/.*"id":\([0-9]*\).*/\1/')
  out=$(api POST /api/v1/euiccs/$eid/operations '{"dataRequest":{"tags":"BF20A8A9"}}')
  dr=$(head -1 <<<"$out" | sed 's/.*"id":\([0-9]*\).*/\1/')
  # (the REST API takes the code with "LPA:" and without)
  bare=$(api POST /api/v1/euiccs/$eid/operations '{"download":{"activationCode":"1$smdp.iotrsp.test$NOPE"}}')
  [ "$(status "$bare")" = 201 ]
  [ "$(status "$(api DELETE /api/v1/operations/$(head -1 <<<"$bare" | sed 's/.*"id":\([0-9]*\).*/\1/'))")" = 200 ]
  # the device tells its IMEI and capabilities (DeviceInfo in the data request's answer)
  mkdir -p "$tmp/trace-id$n"
  IPAD_EXTRA="--imei 3529061122334455 --capabilities eutranEpc=15.0.0,lpaSvn=2.5.0" TRACE="$tmp/trace-id$n" \
    dev $n poll --json
  for f in "$tmp/trace-id$n"/*-up.der; do
    "$rspdump" --binary "$f" 2>/dev/null || true
  done >"$tmp/trace-id$n.txt"
  # SGP.32: the trigger carries the bare Activation Code (SGP.22 4.1), never the QR prefix "LPA:"
  grep -qa "1\$smdp.iotrsp.test\$ZT-$n" "$tmp/trace-id$n"/*-down.der
  if grep -qa 'LPA:' "$tmp/trace-id$n"/*-down.der; then exit 1; fi
  # in the data request's answer and in AuthenticateServer's ctxParams1
  [ "$(grep -c "imei: 3529061122334455" "$tmp/trace-id$n.txt")" = 2 ]
  [ "$(grep -c "eutran_epc_supported_release: 0F0000" "$tmp/trace-id$n.txt")" = 2 ]
  for op in $dl $en $dr; do
    out=$(api GET /api/v1/operations/$op '' look-only)
    echo "device $n: $(head -1 <<<"$out" | cut -c1-160)"
    head -1 <<<"$out" | has '"state":"done"'
  done
  dev $n profiles --json | has "\"iccid\":\"$iccid\",\"state\":\"enabled\""
  dev $n profiles --json | has '"state":"disabled"'
  [ "$(dev $n notifications --json)" = '{"package_results":0,"notifications":[]}' ]
  out=$(api GET /api/v1/euiccs/$eid '' look-only)
  head -1 <<<"$out" | has '"learned":true,.*"pendingOperations":0'
  # the profiles as the eUICC last reported them
  head -1 <<<"$out" | has "\"profiles\":\[.*{\"iccid\":\"$iccid\",\"state\":\"enabled\"}"
done
# filters: by label, by pending work
[ "$(head -1 <<<"$(api GET '/api/v1/euiccs?label=site=north' '' look-only)" | grep -o '"eid"' | wc -l)" = 2 ]
[ "$(head -1 <<<"$(api GET '/api/v1/euiccs?label=site=south' '' look-only)")" = '[]' ]
# an ICCID of 20 hex digits (test and vendor ICCIDs) is an ICCID; 21 digits are not
hexop=$(api POST /api/v1/euiccs/$eid1/operations '{"psmos":[{"disable":{"iccid":"123456789ABCDEFFAAAA"}}]}')
[ "$(status "$hexop")" = 201 ]
[ "$(status "$(api DELETE /api/v1/operations/$(head -1 <<<"$hexop" | sed 's/.*"id":\([0-9]*\).*/\1/'))")" = 200 ]
[ "$(status "$(api POST /api/v1/euiccs/$eid1/operations '{"psmos":[{"disable":{"iccid":"123456789ABCDEFFAAAA1"}}]}')")" = 400 ]
[ "$(head -1 <<<"$(api GET '/api/v1/euiccs?pending=1' '' look-only)")" = '[]' ]
# by profile and its state, as last reported; by first contact
count() { head -1 <<<"$(api GET "/api/v1/euiccs?$1" '' look-only)" | grep -o '"eid"' | wc -l; }
[ "$(count profile=8949449999999990021)" = 1 ]
[ "$(count profile=8949449999999990021\&profileState=enabled)" = 1 ]
[ "$(count profile=8949449999999990021\&profileState=disabled)" = 0 ]
[ "$(count profileState=enabled)" = 2 ]
[ "$(count learned=1)" = 2 ]
[ "$(count learned=0)" = 0 ]
[ "$(count 'label=site=north&profile=8949449999999990022&profileState=enabled')" = 1 ]
[ "$(status "$(api GET '/api/v1/euiccs?profileState=on' '' look-only)")" = 400 ]
# the SM-DP+ got both installation results through the eIM (forwarded off the request path)
wait_count 2 'msg="installation result".*result=success' "$tmp/smdpd.log"
[ "$(grep -c 'msg="installation result".*result=success' "$tmp/smdpd.log")" = 2 ]

# a malformed ESipa message: 400, nothing done
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" \
  -H "Content-Type: application/x-gsma-rsp-asn1" -H "X-Admin-Protocol: gsma/rsp/v2.5.0" \
  --data-binary $'\xBF\x4F\x05\x01' https://eim.iotrsp.test/gsma/rsp2/asn1)
[ "$code" = 400 ]
# a well-formed message without X-Admin-Protocol (or with a version not spoken): 400
for h in "X-Admin-Protocol;" "X-Admin-Protocol: gsma/rsp/v9.0.0"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" \
    -H "Content-Type: application/x-gsma-rsp-asn1" -H "$h" --data-binary @"$tmp/trace-id1/0000-up.der" \
    https://eim.iotrsp.test/gsma/rsp2/asn1)
  [ "$code" = 400 ]
done
grep -q 'msg="ESipa request without a supported X-Admin-Protocol"' "$tmp/eimd.log"
# the JSON binding: not JSON 400, an unknown function 404, the wrong content type 415, a request
# that is not its function's message a Failed status (SGP.22 6.5.1: 1.3.1 with 2.2 missing or
# mistyped, 2.1 not the element it must be); none of them reaches the eIM's core
jpost() {   # FUNCTION BODY [CONTENT-TYPE]: the HTTP status, a space, the body
  curl -s -w ' %{http_code}' --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" \
    -H "Content-Type: ${3:-application/json}" -H "X-Admin-Protocol: gsma/rsp/v2.5.0" --data-binary "$2" \
    "https://eim.iotrsp.test/gsma/rsp2/esipa/$1"
}
polls=$(grep -c 'msg="getEimPackage"' "$tmp/eimd.log")
malformed=$(metric eim_esipa_malformed_total)
[ "$(jpost getEimPackage '{not json')" = " 400" ]
[ "$(jpost noSuchFunction '{}')" = " 404" ]
[ "$(jpost getEimPackage "{\"eidValue\":\"$eid1\"}" text/plain)" = " 415" ]
out=$(jpost getEimPackage '{"eidValue":89049032}')
grep -q '"status":"Failed","statusCodeData":{"subjectCode":"1.3.1","reasonCode":"2.2"' <<<"$out"
grep -q ' 200$' <<<"$out"
out=$(jpost provideEimPackageResult "{\"eidValue\":\"$eid1\",\"eimPackageResult\":\"vw==\"}")
grep -q '"subjectCode":"1.3.1","reasonCode":"2.1"' <<<"$out"
[ "$(grep -c 'msg="getEimPackage"' "$tmp/eimd.log")" = "$polls" ]      # the core saw none of them
[ "$(metric eim_esipa_malformed_total)" = $((malformed + 3)) ]
# a well-formed JSON poll for an unknown EID: the answer says so, in the member table's form
grep -q '"eimPackageError":2' <<<"$(jpost getEimPackage '{"eidValue":"89049032123451234512345678900000"}')"
json_seen=$(metric eim_esipa_json_total)

# eimctl: the same API from the command line
ctl() { "$eimctl" --url https://eim.iotrsp.test --connect "eim.iotrsp.test:443:127.0.0.1:$hport" --ca "$p/ci.pem" "$@"; }
ctl --key look-only euicc list | has "^$eid1 "
[ "$(ctl --key look-only euicc list profile=8949449999999990022 profileState=enabled | grep -c "^$eid2 ")" = 1 ]
[ "$(ctl --key look-only euicc list profile=8949449999999990022 | grep -c "^$eid1 ")" = 0 ]
ctl --key look-only op show 4 | has '^state *done'
fails ctl --key wrong-key euicc list 2>/dev/null
fails ctl --key look-only op $eid1 rat 2>/dev/null                       # an auditor may not
ctl --key op-secret initial-eim "$tmp/initial-ctl.der" >/dev/null
cmp "$tmp/initial.der" "$tmp/initial-ctl.der"
id=$(ctl --key op-secret --json op $eid1 rat | sed 's/.*"id":\([0-9]*\).*/\1/')
ctl --key op-secret op cancel "$id" | has '^state *cancelled'

# every PSMO and every eCO, signed by the eIM, run by each eUICC (one over
# HTTPS, one over CoAP/DTLS), checked in the eUICC's signed results and on
# the eUICC itself
eimcert=$(openssl x509 -in "$p/eim-sign.pem" -outform der | base64 -w0)
run_op() {   # N EID BODY [KEY]: queues the operation, polls, prints the operation as the eIM recorded it
  local out id
  out=$(api POST /api/v1/euiccs/$2/operations "$3" "${4-op-secret}")
  [ "$(status "$out")" = 201 ] || { echo "refused: $out" >&2; return 1; }
  id=$(head -1 <<<"$out" | sed 's/.*"id":\([0-9]*\).*/\1/')
  dev $1 poll --json >/dev/null
  head -1 <<<"$(api GET /api/v1/operations/$id '' look-only)"
}
for n in 1 2; do
  eid=$([ $n = 1 ] && echo $eid1 || echo $eid2)
  iccid=894944999999999002$n boot=8904903200000000001$n
  mkdir -p "$tmp/trace$n"
  out=$(TRACE="$tmp/trace$n" run_op $n $eid "{\"psmos\":[{\"setFallbackAttribute\":{\"iccid\":\"$boot\"}},
    {\"configureImmediateEnable\":{\"immediateEnable\":true,\"defaultSmdpAddress\":\"smdp.iotrsp.test\"}},
    {\"setDefaultDpAddress\":{\"address\":\"dp2.iotrsp.test\"}},{\"getRAT\":{}},{\"listProfileInfo\":{}}]}")
  echo "device $n PSMOs: $(grep -o '"results":.*' <<<"$out" | cut -c1-200)"
  grep -q '"state":"done"' <<<"$out"
  grep -q '"results":\[{"setFallbackAttribute":0},{"configureImmediateEnable":0},{"setDefaultDpAddress":0},{"getRAT":\[' <<<"$out"
  grep -q "{\"iccid\":\"$boot\",\"state\":\"disabled\",[^}]*\"fallbackAttribute\":true}" <<<"$out"
  dev $n profiles --json | has "\"iccid\":\"$boot\",[^}]*\"fallback\":1"
  # the device's signed result (ipad --trace kept it), sent again and then
  # forged: answered, and nothing changes (operation, counter, audit)
  result=
  for f in "$tmp/trace$n"/*-up.der; do
    [ -z "$result" ] && [ "$(head -c2 "$f" | od -An -tx1 | tr -d ' ')" = bf50 ] && result=$f
  done
  [ -n "$result" ]
  before=$(head -1 <<<"$(api GET /api/v1/euiccs/$eid '' look-only)" | grep -o '"counter":[0-9]*')
  audit_before=$(head -1 <<<"$(api GET /api/v1/audit/verify '' look-only)" | grep -o '"entries":[0-9]*')
  esipa_post() {
    curl -s -o /dev/null -w '%{http_code}' --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" \
      -H "Content-Type: application/x-gsma-rsp-asn1" -H "X-Admin-Protocol: gsma/rsp/v2.5.0" --data-binary @"$1" \
      https://eim.iotrsp.test/gsma/rsp2/asn1
  }
  [ "$(esipa_post "$result")" = 200 ]
  size=$(stat -c %s "$result")
  cp "$result" "$tmp/forged.der"
  # one byte inside the signature flipped (set to a value it might already have, it changed nothing 1 time in 256)
  b=$(od -An -tu1 -j $((size - 5)) -N1 "$result" | tr -d ' ')
  printf "\\x$(printf %02x $((b ^ 0xFF)))" | dd of="$tmp/forged.der" bs=1 seek=$((size - 5)) conv=notrunc 2>/dev/null
  fails cmp -s "$result" "$tmp/forged.der"
  esipa_post "$tmp/forged.der" >/dev/null
  grep -q 'msg="package result refused: signature or identifiers"' "$tmp/eimd.log"
  [ "$(head -1 <<<"$(api GET /api/v1/euiccs/$eid '' look-only)" | grep -o '"counter":[0-9]*')" = "$before" ]
  [ "$(head -1 <<<"$(api GET /api/v1/audit/verify '' look-only)" | grep -o '"entries":[0-9]*')" = "$audit_before" ]
  grep -q '"state":"done"' <<<"$out"
  dev $n info --json | has '"default_smdp":"dp2.iotrsp.test"'
  # unset the fallback, disable the operational profile, back to bootstrap, delete it
  mkdir -p "$tmp/trace-dis$n"
  # (no enabled profile and no fallback left: governance's keep-connectivity
  # refuses it to an operator; an admin overrides it by name)
  body="{\"psmos\":[{\"unsetFallbackAttribute\":{}},{\"disable\":{\"iccid\":\"$iccid\"}}]"
  out=$(api POST /api/v1/euiccs/$eid/operations "$body}")
  [ "$(status "$out")" = 403 ] && grep -q '"error":"refused by policy: keep-connectivity' <<<"$out"
  out=$(TRACE="$tmp/trace-dis$n" run_op $n $eid "$body,\"override\":[\"keep-connectivity\"],\"reason\":\"test\"}" admin-secret)
  grep -q '"state":"done".*"results":\[{"unsetFallbackAttribute":0},{"disable":0}\]' <<<"$out"
  # the disable notification went with the result, compact from device 2 (minimizeEsipaBytes)
  for f in "$tmp/trace-dis$n"/*-up.der; do "$rspdump" --binary "$f" 2>/dev/null || true; done >"$tmp/trace-dis$n.txt"
  [ "$(grep -c 'compact_other (CompactOtherSignedNotification)' "$tmp/trace-dis$n.txt")" = $((n - 1)) ]
  [ "$(grep -c ' other (OtherSignedNotification)' "$tmp/trace-dis$n.txt")" = $((2 - n)) ]
  if dev $n profiles --json | has '"state":"enabled"'; then exit 1; fi
  # the eIM's view follows the signed results, no listProfileInfo needed
  head -1 <<<"$(api GET /api/v1/euiccs/$eid '' look-only)" | has "{\"iccid\":\"$iccid\",\"state\":\"disabled\"}"
  [ "$(count profile=$iccid\&profileState=enabled)" = 0 ]
  out=$(run_op $n $eid "{\"psmos\":[{\"enable\":{\"iccid\":\"$boot\"}},{\"delete\":{\"iccid\":\"$iccid\"}}]}")
  grep -q '"state":"done".*"results":\[{"enable":0},{"delete":0}\]' <<<"$out"
  [ "$(dev $n profiles --json | grep -o '"iccid"' | wc -l)" = 1 ]
  out=$(head -1 <<<"$(api GET /api/v1/euiccs/$eid '' look-only)")
  grep -q "\"profiles\":\[{\"iccid\":\"$boot\",\"state\":\"enabled\"}\]" <<<"$out"
  dev $n profiles --json | has "\"iccid\":\"$boot\",\"state\":\"enabled\""
  # a PSMO the eUICC refuses: failed with its code (iccidOrAidNotFound), nothing else done
  out=$(run_op $n $eid "{\"psmos\":[{\"enable\":{\"iccid\":\"$iccid\"}}]}")
  grep -q '"state":"failed".*"resultCode":1,.*"results":\[{"enable":1}\]' <<<"$out" || { echo "got: $out"; false; }
  # a download the SM-DP+ refuses: failed, with the SM-DP+'s reason
  out=$(run_op $n $eid '{"download":{"smdpAddress":"smdp.iotrsp.test","matchingId":"NO-SUCH-ORDER"}}')
  grep -q '"state":"failed","counterValue":0,"resultCode":6,' <<<"$out"
  grep -q '"smdpRefused":{"function":"authenticateClient","code":6,"reason":"matchingIdRefused"}' <<<"$out"
  # eCOs: a second eIM added (the eUICC hands out its association token), updated, listed, deleted
  out=$(run_op $n $eid "{\"ecos\":[{\"addEim\":{\"eimId\":\"eim2.iotrsp.test\",\"eimFqdn\":\"eim2.iotrsp.test\",
    \"eimIdType\":\"fqdn\",\"counterValue\":0,\"associationToken\":true,\"eimPublicKeyData\":{\"certificate\":\"$eimcert\"},
    \"eimSupportedProtocol\":[\"retrieveHttps\"]}},{\"listEim\":{}}]}")
  echo "device $n eCOs: $(grep -o '"results":.*' <<<"$out" | cut -c1-200)"
  grep -q '"state":"done".*"results":\[{"addEim":{"associationToken":[0-9]*}},{"listEim":\["eim.iotrsp.test","eim2.iotrsp.test"\]}\]' <<<"$out"
  out=$(run_op $n $eid "{\"ecos\":[{\"updateEim\":{\"eimId\":\"eim2.iotrsp.test\",\"eimFqdn\":\"eim2b.iotrsp.test\",
    \"counterValue\":10,\"eimPublicKeyData\":{\"certificate\":\"$eimcert\"}}}]}")
  grep -q '"state":"done".*"results":\[{"updateEim":0}\]' <<<"$out"
  # a counter may not go back (counterValueOutOfRange), an unknown eIM is not found
  out=$(run_op $n $eid '{"ecos":[{"updateEim":{"eimId":"eim2.iotrsp.test","counterValue":3}}]}')
  grep -q '"state":"failed".*"results":\[{"updateEim":6}\]' <<<"$out"
  out=$(run_op $n $eid '{"ecos":[{"deleteEim":{"eimId":"nobody.iotrsp.test"}}]}')
  grep -q '"state":"failed".*"results":\[{"deleteEim":1}\]' <<<"$out"
  # through eimctl: delete it, then list
  ctl --key op-secret op $eid eim-delete eim2.iotrsp.test >/dev/null
  dev $n poll --json >/dev/null
  id=$(ctl --key op-secret --json op $eid eims | sed 's/.*"id":\([0-9]*\).*/\1/')
  dev $n poll --json >/dev/null
  ctl --key look-only op show "$id" | has '^results *\[{"listEim":\["eim.iotrsp.test"\]}\]'
  # the eUICC still answers this eIM
  dev $n info --json | has '"eim_id":"eim.iotrsp.test"'
done
# the device tells of a change the eIM did not make, and its PLMN: recorded,
# and the profiles asked for again in the same poll
finished=$(grep -c "msg=\"operation finished\".*eid=$eid2" "$tmp/eimd.log")
dev 2 --state-change fallback --rplmn 62F210 poll --json >/dev/null
[ "$(grep -c "msg=\"operation finished\".*eid=$eid2" "$tmp/eimd.log")" = $((finished + 1)) ]   # the refresh
grep -q "msg=\"state change\" eid=$eid2 cause=1 rplmn=62F210" "$tmp/eimd.log"
out=$(head -1 <<<"$(api GET /api/v1/euiccs/$eid2 '' look-only)")
echo "after a state change: $(grep -o '"rplmn".*' <<<"$out")"
grep -q '"rplmn":{"plmn":"62F210",' <<<"$out"
grep -q '"lastStateChange":{"cause":"fallback","code":1,' <<<"$out"
grep -q '"pendingOperations":0' <<<"$out"
fails dev 2 --state-change sideways poll 2>/dev/null
# a change the eIM could not be told of (unreachable) is kept across ipad's restart
fails dev 2 --coaps-port 9 --state-change reset poll >/dev/null 2>&1
[ "$(cat "$tmp/ipad2/ipad.state-change")" = 4 ]
dev 2 poll --json >/dev/null
[ ! -e "$tmp/ipad2/ipad.state-change" ]
grep -q '"lastStateChange":{"cause":"reset","code":4,' <<<"$(api GET /api/v1/euiccs/$eid2 '' look-only)"
# the device's own switches: here no fallback attribute and no emergency profile, so the
# eUICC refuses (fallbackNotAvailable, ecallNotAvailable) and nothing is reported
[ "$(dev 1 --json fallback 2>/dev/null | head -1)" = '{"result":6}' ]
[ "$(dev 2 --json emergency on 2>/dev/null | head -1)" = '{"result":8}' ]
fails dev 2 emergency off >/dev/null 2>&1

# malformed operations: refused before anything is queued
for body in '{"psmos":[{"enable":{"iccid":"12"}}]}' '{"psmos":[{"reboot":{}}]}' '{"ecos":[{"addEim":{}}]}' \
    '{"ecos":[{"addEim":{"eimId":"x","eimSupportedProtocol":["carrierPigeon"]}}]}' '{"psmos":[]}'; do
  [ "$(status "$(api POST /api/v1/euiccs/$eid1/operations "$body")")" = 400 ]
done
[ "$(head -1 <<<"$(api GET '/api/v1/euiccs?pending=1' '' look-only)")" = '[]' ]
# the SM-DP+ got each device's enable, disable and delete notifications
# (operation bits 2, 4, 8) through the eIM, once each
wait_count 6 'msg="notification" eid=' "$tmp/smdpd.log"
for eid in $eid1 $eid2; do for bit in 2 4 8; do
  [ "$(grep -c "msg=\"notification\" eid=$eid .*operation=$bit\$" "$tmp/smdpd.log")" = 1 ]
done; done
# and the eIM shows them per device, decoded, with where they went
forwarded() { head -1 <<<"$(api GET /api/v1/euiccs/$eid1/notifications '' look-only)" | has '"state":"forwarded","received":[0-9]*,"event":"delete",.*"address":"smdp.iotrsp.test"'; }
wait_until forwarded
head -1 <<<"$(api GET /api/v1/euiccs/$eid1/notifications '' look-only)" | has '"event":"enable"'
# and its operations, newest first, with their decoded results
head -1 <<<"$(api GET "/api/v1/euiccs/$eid1/operations?limit=3" '' look-only)" | has '^\[{"id":[0-9]*,.*"results":'

# the device without service for long falls back by itself (ipad run
# --fallback-after) and tells the eIM when it gets through again: device 1
# gets an operational profile, the bootstrap one as fallback; eimd stops
# answering (SIGSTOP) for a while
es2 downloadOrder '"iccid":"8949449999999990023"' >/dev/null
es2 confirmOrder '"iccid":"8949449999999990023","matchingId":"ZT-3","releaseFlag":true' >/dev/null
api POST /api/v1/euiccs/$eid1/operations '{"download":{"activationCode":"LPA:1$smdp.iotrsp.test$ZT-3"}}' >/dev/null
api POST /api/v1/euiccs/$eid1/operations "{\"psmos\":[{\"enable\":{\"iccid\":\"8949449999999990023\"}},
  {\"setFallbackAttribute\":{\"iccid\":\"89049032000000000011\"}}]}" >/dev/null
dev 1 poll --json >/dev/null
dev 1 profiles --json | has '"iccid":"8949449999999990023","state":"enabled"'
kill -STOP $eimd_pid
DEV_EXEC=1 dev 1 --timeout 1 --retry-min 1 --retry-max 2 --fallback-after 2 --verbose run 2>"$tmp/ipad-run.log" &
run_pid=$!
wait_grep 'msg="fell back"' "$tmp/ipad-run.log"   # two seconds without service, at least
kill -CONT $eimd_pid
fell_back() { grep -q '"lastStateChange":{"cause":"fallback"' <<<"$(api GET /api/v1/euiccs/$eid1 '' look-only)"; }
wait_until fell_back
kill -TERM $run_pid; wait $run_pid      # ipad run ends cleanly on SIGTERM
grep -q 'msg="fell back" after_s=2' "$tmp/ipad-run.log"
out=$(head -1 <<<"$(api GET /api/v1/euiccs/$eid1 '' look-only)")
echo "after the device fell back: $(grep -o '"profiles".*' <<<"$out" | cut -c1-200)"
grep -q '"lastStateChange":{"cause":"fallback"' <<<"$out"
# the eIM learned it: the bootstrap profile enabled, the operational one disabled
grep -q '{"iccid":"89049032000000000011","state":"enabled"}' <<<"$out"
grep -q '{"iccid":"8949449999999990023","state":"disabled"}' <<<"$out"
dev 1 profiles --json | has '"iccid":"89049032000000000011","state":"enabled"'

# inject mode (ESipa.TransferEimPackage): the eIM pushes to ipad run, device 1
# over HTTPS, device 2 over CoAP/DTLS, once the eUICC's configuration of this
# eIM allows it; TLS both ways (the device's certificate, the eIM's); polls
# and pushes side by side, an operation made once however it arrived
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/dev.key" -subj /CN=localhost \
  -out "$tmp/dev.csr" 2>/dev/null
openssl x509 -req -in "$tmp/dev.csr" -CA "$p/ci.pem" -CAkey "$p/ci.key" -CAcreateserial -days 30 -out "$tmp/dev.pem" \
  -extfile <(printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n') 2>/dev/null
op_state() { head -1 <<<"$(api GET /api/v1/operations/$1 '' look-only)" | sed 's/^{[^[{]*"state":"\([a-z]*\)".*/\1/'; }
op_ended() { case $(op_state "$1") in done|failed) return 0;; esac; return 1; }
wait_op() { wait_until op_ended "$1"; }   # ID: until it is done or failed
queue() { head -1 <<<"$(api POST /api/v1/euiccs/$1/operations "$2")" | sed 's/.*"id":\([0-9]*\).*/\1/'; }
for n in 1 2; do
  eid=$([ $n = 1 ] && echo $eid1 || echo $eid2)
  t=$([ $n = 1 ] && echo https || echo coaps) T=$([ $n = 1 ] && echo Https || echo Coaps)
  mkdir -p "$tmp/trace-inject$n"
  IPAD_EXTRA="--inject-$t 127.0.0.1:0 --inject-cert $tmp/dev.pem --inject-key $tmp/dev.key --inject-client-ca $p/ci.pem" \
    TRACE="$tmp/trace-inject$n" DEV_EXEC=1 dev $n --poll-interval 3600 --verbose run 2>"$tmp/ipad-inject$n.log" &
  run_pid=$!; pids+=($run_pid)
  port=$(wait_port "$tmp/ipad-inject$n.log" "${t}_port")
  # (the DTLS one wants the eIM's client certificate in the handshake)
  tls_floor "$port" $([ $t = coaps ] && echo "-dtls -cert $p/eim-tls.pem -key $p/eim-tls.key")
  wait_grep 'msg="eIM selected"' "$tmp/ipad-inject$n.log"
  [ "$(status "$(api PUT /api/v1/euiccs/$eid/inject "{\"address\":\"$t://localhost:$port\"}")")" = 200 ]
  [ "$(status "$(api PUT /api/v1/euiccs/$eid/inject '{"address":"ftp://localhost:1"}')")" = 400 ]
  grep -q "\"inject\":\"$t://localhost:$port\"" <<<"$(api GET /api/v1/euiccs/$eid '' look-only)"
  # not yet allowed by the eUICC's configuration: the push refused, the poll brings it
  id=$(queue $eid '{"psmos":[{"getRAT":{}}]}')
  wait_grep "msg=\"push failed\" eid=$eid op=$id" "$tmp/eimd.log"
  grep -q 'msg="inject refused: not configured for it"' "$tmp/ipad-inject$n.log"
  kill -USR1 $run_pid; wait_op $id
  [ "$(op_state $id)" = done ]
  # the eIM allows inject in its configuration on the eUICC (updateEim by poll)
  id=$(queue $eid "{\"ecos\":[{\"updateEim\":{\"eimId\":\"eim.iotrsp.test\",\"eimFqdn\":\"eim.iotrsp.test\",
    \"eimPublicKeyData\":{\"certificate\":\"$eimcert\"},\"eimSupportedProtocol\":[\"retrieve$T\",\"inject$T\"]}}]}")
  kill -USR1 $run_pid; wait_op $id
  grep -q '"results":\[{"updateEim":0}\]' <<<"$(api GET /api/v1/operations/$id '' look-only)"
  api PUT /api/v1/euiccs/$eid/inject "{\"address\":\"$t://localhost:$port\"}" >/dev/null   # try again now
  polls=$(grep -c 'msg="getEimPackage" eid='$eid "$tmp/eimd.log")
  # pushed, no poll: a PSMO (with the notifications it caused), a data request, a download
  id=$(queue $eid '{"psmos":[{"listProfileInfo":{}},{"getRAT":{}}]}'); wait_op $id
  [ "$(op_state $id)" = done ]
  grep -q '"results":\[{"listProfileInfo":\[' <<<"$(api GET /api/v1/operations/$id '' look-only)"
  id=$(queue $eid '{"dataRequest":{"tags":"A8A9"}}'); wait_op $id
  [ "$(op_state $id)" = done ]
  es2 downloadOrder "\"iccid\":\"894944999999999002$((n + 3))\"" >/dev/null
  es2 confirmOrder "\"iccid\":\"894944999999999002$((n + 3))\",\"matchingId\":\"IN-$n\",\"releaseFlag\":true" >/dev/null
  id=$(queue $eid "{\"download\":{\"activationCode\":\"LPA:1\$smdp.iotrsp.test\$IN-$n\"}}"); wait_op $id
  echo "device $n, pushed download: $(head -1 <<<"$(api GET /api/v1/operations/$id '' look-only)" | cut -c1-120)"
  [ "$(op_state $id)" = done ]
  [ "$(grep -c "msg=\"pushed\" eid=$eid" "$tmp/eimd.log")" -ge 3 ]
  # in the binding the device polls in
  [ "$(grep -c "msg=\"pushed\" eid=$eid .*binding=${ESIPA_BINDING:-asn1}" "$tmp/eimd.log")" -ge 3 ]
  # the download ran at the poll the push made due; nothing else was polled for
  [ "$(grep -c 'msg="getEimPackage" eid='$eid "$tmp/eimd.log")" -le $((polls + 2)) ]
  # the device unreachable: the push fails, the operation is sent all the same and the poll runs it, once
  api PUT /api/v1/euiccs/$eid/inject "{\"address\":\"$t://localhost:9\"}" >/dev/null
  id=$(queue $eid '{"psmos":[{"getRAT":{}}]}')
  wait_grep "msg=\"push failed\" eid=$eid op=$id" "$tmp/eimd.log"
  [ "$(op_state $id)" = sent ]
  kill -USR1 $run_pid; wait_op $id
  [ "$(op_state $id)" = done ]
  if [ $n = 1 ]; then
    # the same message pushed now (as if push and poll had crossed): recognised, not run again
    # (eimPackageReceived, 'BF4E 02 05 00'); a push without the eIM's certificate: 403
    msg=
    for f in "$tmp/trace-inject1"/*-down.der; do
      [ "$(od -An -tx1 -N2 "$f" | tr -d ' ')" = bf4f ] && [ "$(stat -c %s "$f")" -gt 40 ] && msg=$f
    done
    { printf '\xbf\x4e'; tail -c +3 "$msg"; } >"$tmp/pushed.der"
    push() {
      curl -s -o "$tmp/push-answer.der" -w '%{http_code}' --cacert "$p/ci.pem" "$@" -H "X-Admin-Protocol: gsma/rsp/v2.5.0" \
        -H "Content-Type: application/x-gsma-rsp-asn1" --data-binary @"$tmp/pushed.der" \
        "https://localhost:$port/gsma/rsp2/asn1"
    }
    [ "$(push)" = 403 ]
    [ "$(push --cert "$p/eim-tls.pem" --key "$p/eim-tls.key")" = 200 ]
    [ "$(od -An -tx1 "$tmp/push-answer.der" | tr -d ' \n')" = bf4e020500 ]
    grep -q 'msg="package already executed (polled)"' "$tmp/ipad-inject1.log"
    [ "$(op_state $id)" = done ]
  fi
  api PUT /api/v1/euiccs/$eid/inject '{"address":null}' >/dev/null
  kill -TERM $run_pid; wait $run_pid
  grep -q 'msg="stopped" polls=[0-9]* pushes=[1-9]' "$tmp/ipad-inject$n.log"
done
[ "$(metric eim_pushed_total)" -gt 0 ]
# the devices spoke the binding they were told to, over both transports
json_total=$(metric eim_esipa_json_total)
if [ "${ESIPA_BINDING:-asn1}" = json ]; then [ "$json_total" -gt "$json_seen" ]; else [ "$json_total" = "$json_seen" ]; fi

# the ISD-R found at the AID given (a vendor AID the eUICC does not have: nothing reached)
dev 1 --isd-r-aid A0000005591010FFFFFFFF8900000100 info --json | has "\"eid\":\"$eid1\""
fails dev 1 --isd-r-aid A000000999010203 info --json 2>/dev/null
fails dev 1 --isd-r-aid A0000005 info 2>/dev/null                   # not an AID

# eIM settings: the admin's to change (audited), everyone's to read; a
# campaign that names no maxInFlight takes the setting
[ "$(status "$(api PUT /api/v1/settings '{"campaignMaxInFlight":7}')")" = 403 ]
[ "$(status "$(api PUT /api/v1/settings '{"campaignMaxInFlight":0}' admin-secret)")" = 400 ]
[ "$(status "$(api PUT /api/v1/settings '{"operationTtlSeconds":5}' admin-secret)")" = 400 ]
out=$(api PUT /api/v1/settings '{"campaignMaxInFlight":7,"operationTtlSeconds":86400}' admin-secret)
[ "$(head -1 <<<"$out")" = '{"operationTtlSeconds":86400,"campaignMaxInFlight":7,"operationMaxDeliveries":20,"operationMaxSentSeconds":604800}' ]
[ "$(head -1 <<<"$(api GET /api/v1/settings '' look-only)")" = '{"operationTtlSeconds":86400,"campaignMaxInFlight":7,"operationMaxDeliveries":20,"operationMaxSentSeconds":604800}' ]
[ "$(status "$(api PUT /api/v1/settings '{"operationMaxDeliveries":1}' admin-secret)")" = 400 ]
ctl --key look-only settings | has '^campaignMaxInFlight *7$'
fails ctl --key op-secret settings campaignMaxInFlight=9 2>/dev/null
ctl --key admin-secret settings campaignMaxInFlight=7 >/dev/null
out=$(api POST /api/v1/campaigns '{"name":"inventory","label":"site=north","psmos":[{"listProfileInfo":{}}]}')
camp=$(head -1 <<<"$out" | sed 's/.*"id":\([0-9]*\).*/\1/')
dev 1 poll --json >/dev/null
dev 2 poll --json >/dev/null
out=$(head -1 <<<"$(api GET /api/v1/campaigns/$camp '' look-only)")
echo "campaign: $out"
grep -q '"maxInFlight":7,"state":"[a-z]*","stage":1,"stages":1,"change":[0-9]*,"total":2,"states":{"pending":0,"sent":0,"done":2,' <<<"$out"

# the audit log: intact, with the API calls and the eUICC results
out=$(api GET /api/v1/audit/verify '' look-only)
echo "audit: $(head -1 <<<"$out")"
head -1 <<<"$out" | has '"intact":true'
"$eimd" --config "$tmp/eimd.conf" --audit-verify
# no statement on a request path reads a table whole; the SM-DP+'s MatchingID
# lookup would without its index (the check can fail)
[ -z "${QUERY_PLANS:-}" ] || "$(dirname "$0")/check_plans.sh" "$tmp/trace" --needs-index profile_matching_id smdp.db
echo "eimd with ipad, euiccd and smdpd over HTTPS and CoAP/DTLS: ok"
