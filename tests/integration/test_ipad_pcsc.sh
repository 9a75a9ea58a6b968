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
  for _ in $(seq 50); do
    if info=$($ipad info --json 2>"$tmp/ipad.err"); then break; fi
    info=; sleep 0.2
  done
  [ -n "$info" ] || { cat "$tmp/ipad.err"; exit 1; }
  echo "$info"
  echo "$info" | grep -q "\"eid\":\"$eid\""
  profiles=$($ipad profiles --json)
  echo "$profiles"
  echo "$profiles" | grep -q "\"iccid\":\"89049032000000000019\",\"state\":\"enabled\""
  $ipad add-initial-eim --eim-id eim.iotrsp.test --fqdn eim.iotrsp.test --eim-cert "$d/eim-sign.pem" \
    --tls-cert "$d/ci.pem" --coaps --json
  info=$($ipad info --json)
  echo "$info"
  echo "$info" | grep -q "\"eim_fqdn\":\"eim.iotrsp.test\",\"eim_transport\":\"coaps\""
  notes=$($ipad notifications --json)
  echo "$notes"
  [ "$notes" = "{\"package_results\":0,\"notifications\":[]}" ]
'
echo "ipad through pcscd + vpcd: ok"
