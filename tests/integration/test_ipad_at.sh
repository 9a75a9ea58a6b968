#!/usr/bin/env bash
# ipad through an AT-command modem on a serial line (a pseudo-terminal; the
# modem's eUICC is the software one): AT+CSIM with logical channels opened
# by APDU, and AT+CCHO/AT+CGLA/AT+CCHC with the modem keeping the channels.
set -euo pipefail
modem=$1 pkigen=$2 ipad=$3
. "$(dirname "$0")/../../scripts/wait.sh"
tmp=$(mktemp -d)
trap 'kill $modem_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
eid=89049032123451234512345678901235
"$pkigen" --out "$tmp/pki" --curve brainpool --eid $eid >/dev/null
d=$tmp/pki/brainpool
"$modem" "$tmp/euicc.state" "$d/euicc/$eid.key" "$d/euicc/$eid.pem" "$d/eum.pem" "$d/ci.pem" >"$tmp/tty" &
modem_pid=$!
wait_until test -s "$tmp/tty"
tty=$(cat "$tmp/tty")
for mode in at at-cgla; do
  out=$("$ipad" --card "$mode:$tty" --state-dir "$tmp/ipad" info --json)
  echo "$mode: $out"
  echo "$out" | has "\"eid\":\"$eid\""
done
"$ipad" --card "at-cgla:$tty" --state-dir "$tmp/ipad" add-initial-eim --eim-id eim.iotrsp.test \
  --fqdn eim.iotrsp.test --eim-cert "$d/eim-sign.pem" --json
out=$("$ipad" --card "at:$tty" --state-dir "$tmp/ipad" info --json)
echo "$out" | has '"eim_fqdn":"eim.iotrsp.test","eim_transport":"https"'
[ "$("$ipad" --card "at-cgla:$tty" notifications --json)" = '{"package_results":0,"notifications":[]}' ]
echo "ipad through an AT modem: ok"
