#!/usr/bin/env bash
# ipad through a real pcscd: euiccd is the card behind vsmartcard's vpcd,
# ipad reaches it with PC/SC (any reader), reads it, makes an eIM the
# eUICC's initial one, and sees it configured.
set -euo pipefail
euiccd=$1 pkigen=$2 ipad=$3 euiccd_args="--bootstrap 89049032000000000019"
. "$(dirname "$0")/pcscd_ns.sh"
export ipad
run_in_pcscd_ns '
  ipad="$ipad --card pcsc --state-dir $tmp/ipad"
  wait_until eval "\$ipad info --json >\"\$tmp/ipad.out\" 2>\"\$tmp/ipad.err\"" || { cat "$tmp/ipad.err"; exit 1; }
  info=$(cat "$tmp/ipad.out")
  echo "$info"
  echo "$info" | has "\"eid\":\"$eid\""
  profiles=$($ipad profiles --json)
  echo "$profiles"
  echo "$profiles" | has "\"iccid\":\"89049032000000000019\",\"state\":\"enabled\""
  $ipad add-initial-eim --eim-id eim.iotrsp.test --fqdn eim.iotrsp.test --eim-cert "$d/eim-sign.pem" \
    --tls-cert "$d/ci.pem" --coaps --json
  info=$($ipad info --json)
  echo "$info"
  echo "$info" | has "\"eim_fqdn\":\"eim.iotrsp.test\",\"eim_transport\":\"coaps\""
  notes=$($ipad notifications --json)
  echo "$notes"
  [ "$notes" = "{\"package_results\":0,\"notifications\":[]}" ]
  # TERMINAL CAPABILITY before every session: the default (5 bytes), then one configured (7)
  grep -q "msg=\"terminal capability\" bytes=5" "$tmp/euiccd.log"
  $ipad --terminal-capability A9068301078100 info >/dev/null
  grep -q "msg=\"terminal capability\" bytes=7" "$tmp/euiccd.log"
  if $ipad --terminal-capability 0102 info 2>"$tmp/err"; then echo "a bad TERMINAL CAPABILITY was taken"; exit 1; fi
  grep -q "terminal-capability wants" "$tmp/err"
'
echo "ipad through pcscd + vpcd: ok"
