#!/usr/bin/env bash
# smdpd as it runs: a config file with a credential set per curve, a profile
# import (and a refused second one), HTTPS with its health and metrics, ES2+
# with and without the bearer token and by a client certificate, an ES9+ request refused with its
# SGP.22 codes, a clean stop on SIGTERM.
set -euo pipefail
smdpd=$1 pkigen=$2
. "$(dirname "$0")/../../scripts/wait.sh"
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
"$pkigen" --out "$tmp/pki" --curve both --smdp-host localhost --eid 89049032123451234512345678901235 >/dev/null
p=$tmp/pki
cat >"$tmp/smdpd.conf" <<CONF
address = smdp.iotrsp.test
port = 0
tls-cert = $p/nist/smdp-tls.pem
tls-key = $p/nist/smdp-tls.key
store = sqlite:$tmp/smdp.db
ci = $p/nist/ci.pem
dp-auth-cert = $p/nist/smdp-auth.pem
dp-auth-key = $p/nist/smdp-auth.key
dp-pb-cert = $p/nist/smdp-pb.pem
dp-pb-key = $p/nist/smdp-pb.key
ci = $p/brainpool/ci.pem
dp-auth-cert = $p/brainpool/smdp-auth.pem
dp-auth-key = $p/brainpool/smdp-auth.key
dp-pb-cert = $p/brainpool/smdp-pb.pem
dp-pb-key = $p/brainpool/smdp-pb.key
es2-client = operator-a:secret-a
es2-client = operator-b:-
es2-client-cert = operator-b:$tmp/op-b.pem
es2-client-ca = $tmp/op-b.pem
CONF
# operator-b's ES2+ client certificate (mutual TLS), and one nobody trusts
for n in op-b foreign; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=$n" \
    -keyout "$tmp/$n.key" -out "$tmp/$n.pem" 2>/dev/null
done
head -c 9000 /dev/urandom >"$tmp/upp.der"
import() { "$smdpd" --config "$tmp/smdpd.conf" --import "$tmp/upp.der" --iccid 8949449999999990023 \
             --owner operator-a --spn "Operator A" --name "IoT" --ppk; }
import | has "imported 8949449999999990023"
if import 2>"$tmp/err"; then echo "a second import of the same ICCID was taken"; exit 1; fi
grep -q "the ICCID exists" "$tmp/err"
# a directory of UPPs named by their ICCIDs, one transaction per 1,000
mkdir "$tmp/upps"
for i in 1 2 3; do head -c 2000 /dev/urandom >"$tmp/upps/894944999999999010$i.der"; done
echo "not a profile" >"$tmp/upps/README"
"$smdpd" --config "$tmp/smdpd.conf" --import-dir "$tmp/upps" --owner operator-a --spn "Operator A" --name "IoT" |
  grep -q "imported 3 profiles for operator-a"
# one of them again: refused, and its batch with it
head -c 2000 /dev/urandom >"$tmp/upps/8949449999999990200.der"
if "$smdpd" --config "$tmp/smdpd.conf" --import-dir "$tmp/upps" --owner operator-a --spn "Operator A" \
     --name "IoT" 2>"$tmp/err"; then echo "a directory with an ICCID already in was taken"; exit 1; fi
grep -q "the ICCID exists" "$tmp/err"

"$smdpd" --config "$tmp/smdpd.conf" 2>"$tmp/log" &
pid=$!
port=$(wait_port "$tmp/log" port) || { echo "smdpd did not come up"; exit 1; }
base=https://localhost:$port
c=(curl -s --cacert "$p/nist/smdp-tls.pem" -H "X-Admin-Protocol: gsma/rsp/v2.5.0" -H "Content-Type: application/json")
[ "$("${c[@]}" "$base/health")" = '{"status":"ok"}' ]

es2() { "${c[@]}" -H "Authorization: Bearer secret-a" -d "$2" "$base/gsma/rsp2/es2plus/$1"; }
hdr='"header":{"functionRequesterIdentifier":"it","functionCallIdentifier":"1"}'
[ "$("${c[@]}" -o /dev/null -w '%{http_code}' -d "{$hdr}" "$base/gsma/rsp2/es2plus/downloadOrder")" = 401 ]
out=$(es2 downloadOrder "{$hdr,\"iccid\":\"8949449999999990023\"}")
echo "$out" | has '"status":"Executed-Success"'
echo "$out" | has '"iccid":"8949449999999990023"'
out=$(es2 confirmOrder "{$hdr,\"iccid\":\"8949449999999990023\",\"matchingId\":\"IT-1\",\"releaseFlag\":true}")
echo "$out" | has '"matchingId":"IT-1"'
out=$(es2 releaseProfile "{$hdr,\"iccid\":\"8949449999999990023\"}")
echo "$out" | has '"subjectCode":"8.2.1","reasonCode":"3.5"'
# operator-b by its certificate: known, and it does not see operator-a's profile; a foreign one: 403
out=$("${c[@]}" --cert "$tmp/op-b.pem" --key "$tmp/op-b.key" -d "{$hdr,\"iccid\":\"8949449999999990023\"}" \
        "$base/gsma/rsp2/es2plus/downloadOrder")
echo "$out" | has '"subjectCode":"8.2.1","reasonCode":"3.9"'
[ "$("${c[@]}" --cert "$tmp/foreign.pem" --key "$tmp/foreign.key" -o /dev/null -w '%{http_code}' \
      -d "{$hdr,\"iccid\":\"8949449999999990023\"}" "$base/gsma/rsp2/es2plus/downloadOrder")" = 403 ]

# EUICCInfo1 with svn 2.5.0 and empty CI lists, sent to the wrong address
info1=$(printf '\xbf\x20\x09\x82\x03\x02\x05\x00\xa9\x00\xaa\x00' | base64 -w0)
out=$("${c[@]}" -d "{\"euiccChallenge\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"euiccInfo1\":\"$info1\",\"smdpAddress\":\"other.example\"}" \
        "$base/gsma/rsp2/es9plus/initiateAuthentication")
echo "$out" | has '"subjectCode":"8.8.1","reasonCode":"3.8"'
"${c[@]}" "$base/metrics" | has "^smdp_es9_requests_total 1$"

kill -TERM $pid
wait $pid
pid=
grep -q 'msg="stopped"' "$tmp/log"
echo "smdpd: import, HTTPS, ES2+, ES9+ codes, SIGTERM: ok"
