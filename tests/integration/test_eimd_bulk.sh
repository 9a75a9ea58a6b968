#!/usr/bin/env bash
# eimd's bulk registration (POST /api/v1/euiccs/bulk, JSON lines as pkigen
# --registration writes them): 40 eUICCs registered with their certificate
# chains checked and their first contact queued; the same upload again
# changes nothing; one bad line (a certificate of another EID, a foreign
# EUM, a malformed line) refuses the whole upload, registering none of the
# good ones; the content type, the role and an audit entry per upload.
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/../../scripts/daemon_conf.sh"
. "$(dirname "$0")/../../scripts/wait.sh"
eimd=$1 pkigen=$2
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 50 --registration >/dev/null
"$pkigen" --out "$tmp/other" --curve nist --eid-range 890490321234512345123456790000 2 --registration >/dev/null
p=$tmp/pki/nist
all=$p/euiccs.ndjson
[ "$(wc -l <"$all")" = 50 ]
{ eimd_conf "$p" "$tmp"; echo "api-key = operator:ops:op-secret"; echo "api-key = auditor:look:look-only"; } \
  >"$tmp/eimd.conf"
"$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
pid=$!
port=$(wait_port "$tmp/eimd.log" "https_port")
bulk() {   # FILE [KEY] [TYPE]: the answer, then the HTTP status on a line of its own
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$port" -X POST \
    -H "Authorization: Bearer ${2:-op-secret}" -H "Content-Type: ${3:-application/x-ndjson}" \
    --data-binary "@$1" -w '\n%{http_code}' "https://eim.iotrsp.test/api/v1/euiccs/bulk"
}
status_of() { curl -s -o /dev/null -w '%{http_code}' --cacert "$p/ci.pem" \
  --connect-to "eim.iotrsp.test:443:127.0.0.1:$port" -H "Authorization: Bearer op-secret" \
  "https://eim.iotrsp.test/api/v1/euiccs/$1"; }
eid_of() { sed -n "${1}p" "$all" | sed 's/.*"eid":"\([0-9]*\)".*/\1/'; }

head -40 "$all" | sed 's/"eid":/"labels":"plant=turin","eid":/' >"$tmp/first40"
out=$(bulk "$tmp/first40")
echo "$out"
[ "$(tail -1 <<<"$out")" = 200 ]
grep -q '"received": *40, *"added": *40, *"known": *0' <<<"$out"
[ "$(status_of "$(eid_of 1)")" = 200 ]
[ "$(status_of "$(eid_of 40)")" = 200 ]
# again: nothing more (a retried upload)
out=$(bulk "$tmp/first40")
grep -q '"added": *0, *"known": *40' <<<"$out"
# 5 new ones and a certificate of another EID: refused whole, none of the 5 registered
{ sed -n '41,45p' "$all"; sed -n '46p' "$all" | sed "s/\"eid\":\"[0-9]*\"/\"eid\":\"$(eid_of 47)\"/"; } >"$tmp/bad"
out=$(bulk "$tmp/bad")
echo "$out"
[ "$(tail -1 <<<"$out")" = 400 ]
grep -q '"item": *6' <<<"$out"
grep -q "its EID" <<<"$out"
[ "$(status_of "$(eid_of 41)")" = 404 ]
# a foreign EUM (another CI's) and a malformed line: refused the same way
{ sed -n '41p' "$all"; head -1 "$tmp/other/nist/euiccs.ndjson"; } >"$tmp/foreign"
out=$(bulk "$tmp/foreign")
[ "$(tail -1 <<<"$out")" = 400 ] && grep -q '"item": *2' <<<"$out"
{ sed -n '41p' "$all"; echo '{"eid": "8904903212345'; } >"$tmp/broken"
out=$(bulk "$tmp/broken")
[ "$(tail -1 <<<"$out")" = 400 ] && grep -q '"item": *2' <<<"$out"
[ "$(status_of "$(eid_of 41)")" = 404 ]
# refused in the last of several chunks (the earlier ones written meanwhile): none registered
{ sed -n '1,49p' "$all"; sed -n '50p' "$all" | sed "s/\"eid\":\"[0-9]*\"/\"eid\":\"$(eid_of 49)\"/"; } >"$tmp/late"
out=$(bulk "$tmp/late")
[ "$(tail -1 <<<"$out")" = 400 ] && grep -q '"item": *50' <<<"$out"
[ "$(status_of "$(eid_of 41)")" = 404 ]
# not JSON lines, not an operator's key
[ "$(bulk "$tmp/first40" op-secret application/json | tail -1)" = 415 ]
[ "$(bulk "$tmp/first40" look-only | tail -1)" = 403 ]
# the last ten, then each upload in the audit log
out=$(bulk <(sed -n '41,50p' "$all"))
grep -q '"added": *10' <<<"$out"
[ "$(status_of "$(eid_of 50)")" = 200 ]
audit=$(curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$port" \
  -H "Authorization: Bearer look-only" "https://eim.iotrsp.test/api/v1/audit?subject=euiccs&limit=50")
[ "$(grep -o '"register-bulk"' <<<"$audit" | wc -l)" = 7 ]
grep -q 'IOT_OK items=40 added=40 known=0' <<<"$audit"
grep -q 'IOT_OK items=40 added=0 known=40' <<<"$audit"

# CSV (RFC 4180) as pkigen writes it: a header, CRLF ends, the columns in any order, quoted fields
csv=$p/euiccs.csv
[ "$(wc -l <"$csv")" = 51 ]
[ "$(head -1 "$csv")" = $'eid,euiccCertificate,eumCertificate\r' ]
"$pkigen" --out "$tmp/more" --curve nist --eid-range 890490321234512345123456770000 6 --registration >/dev/null
mcsv=$tmp/more/nist/euiccs.csv
mp=$tmp/more/nist
reg() { sed -n "$(( $1 + 1 ))p" "$mcsv" | tr -d '\r'; }   # N: the Nth record's fields, comma-separated
{ printf 'eumCertificate,labels,eid,euiccCertificate\r\n'
  IFS=, read -r e c m <<<"$(reg 1)"; printf '%s,"plant=turin,line=""7""",%s,%s\r\n' "$m" "$e" "$c"
  echo
  IFS=, read -r e c m <<<"$(reg 2)"; printf '"%s",,"%s",%s\n' "$m" "$e" "$c"; } >"$tmp/ok.csv"
{ eimd_conf "$mp" "$tmp/m"; echo "api-key = operator:ops:op-secret"; } >"$tmp/eimd2.conf"
mkdir -p "$tmp/m"
kill $pid; wait $pid || true
"$eimd" --config "$tmp/eimd2.conf" 2>"$tmp/eimd2.log" &
pid=$!
port=$(wait_port "$tmp/eimd2.log" "https_port")
p=$mp
out=$(bulk "$tmp/ok.csv" op-secret text/csv)
echo "$out"
[ "$(tail -1 <<<"$out")" = 200 ] && grep -q '"received": *2, *"added": *2' <<<"$out"
e1=$(reg 1 | cut -d, -f1)
one=$(curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$port" \
  -H "Authorization: Bearer op-secret" "https://eim.iotrsp.test/api/v1/euiccs/$e1")
grep -q '"plant=turin,line=\\"7\\""' <<<"$one" || { echo "$one"; false; }
# refusals, each naming its record and registering none of the good ones before it
csv_refused() {   # FILE ITEM PATTERN
  out=$(bulk "$1" op-secret text/csv)
  [ "$(tail -1 <<<"$out")" = 400 ] && grep -q "\"item\": *$2" <<<"$out" && grep -q "$3" <<<"$out" || { echo "$out"; false; }
}
{ head -1 "$mcsv"; reg 3; reg 4 | sed 's/^\([0-9]*\),[A-Za-z0-9]/\1,X/'; } >"$tmp/b1.csv"
csv_refused "$tmp/b1.csv" 2 "base64 DER\|certificate"
{ head -1 "$mcsv"; reg 3; echo "$(reg 4),extra"; } >"$tmp/b2.csv"
csv_refused "$tmp/b2.csv" 2 "as many fields"
{ head -1 "$mcsv"; reg 3; echo "\"$(reg 4)"; } >"$tmp/b3.csv"
csv_refused "$tmp/b3.csv" 2 "RFC 4180"
printf 'eid,certificate\r\n' >"$tmp/b4.csv"
csv_refused "$tmp/b4.csv" 0 "header"
{ head -1 "$mcsv"; reg 3; echo "$(reg 5 | cut -d, -f1),$(reg 4 | cut -d, -f2-)"; } >"$tmp/b5.csv"
csv_refused "$tmp/b5.csv" 2 "its EID"
[ "$(status_of "$(reg 3 | cut -d, -f1)")" = 404 ]
# the rest of the file: the two registered are known
out=$(bulk "$mcsv" op-secret text/csv)
grep -q '"received": *6, *"added": *4, *"known": *2' <<<"$out" || { echo "$out"; false; }
echo "eimd bulk registration: ok"
