#!/usr/bin/env bash
# ipad through a real pcscd: euiccd is the card behind vsmartcard's vpcd,
# ipad reaches it with PC/SC (any reader), reads it, makes an eIM the
# eUICC's initial one, and sees it configured. vpcd listens on every
# interface, so pcscd runs in a private network (and /run/pcscd) namespace.
set -euo pipefail
euiccd=$1 pkigen=$2 ipad=$3
if [ "$(id -u)" != 0 ] || ! command -v pcscd >/dev/null || [ ! -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ]; then
  echo "skipped: needs root, pcscd and vsmartcard-vpcd"
  exit 0
fi
if ! unshare --mount --net true 2>/dev/null; then
  echo "skipped: no permission to make a private network namespace here"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
eid=89049032123451234512345678901235
"$pkigen" --out "$tmp/pki" --curve nist --eid $eid >/dev/null
d=$tmp/pki/nist
export euiccd ipad tmp d eid
unshare --mount --net bash -euo pipefail -c '
  mount -t tmpfs tmpfs /run
  mkdir -p /run/pcscd
  ip link set lo up
  pcscd --foreground --auto-exit 2>"$tmp/pcscd.log" &
  pcscd_pid=$!
  "$euiccd" --state "$tmp/euicc.state" --key "$d/euicc/$eid.key" --cert "$d/euicc/$eid.pem" \
    --eum "$d/eum.pem" --ci "$d/ci.pem" --bootstrap 89049032000000000019 --vpcd 127.0.0.1:35963 \
    2>"$tmp/euiccd.log" &
  euiccd_pid=$!
  ipad="$ipad --card pcsc --state-dir $tmp/ipad"
  ok=1
  for _ in $(seq 50); do
    if info=$($ipad info --json 2>"$tmp/ipad.err"); then ok=0; break; fi
    sleep 0.2
  done
  rc=0
  if [ $ok = 0 ]; then
    echo "$info"
    echo "$info" | grep -q "\"eid\":\"$eid\"" || rc=1
    profiles=$($ipad profiles --json) && echo "$profiles"
    echo "$profiles" | grep -q "\"iccid\":\"89049032000000000019\",\"state\":\"enabled\"" || rc=1
    $ipad add-initial-eim --eim-id eim.iotrsp.test --fqdn eim.iotrsp.test --eim-cert "$d/eim-sign.pem" \
      --tls-cert "$d/ci.pem" --coaps --json || rc=1
    info=$($ipad info --json) && echo "$info"
    echo "$info" | grep -q "\"eim_fqdn\":\"eim.iotrsp.test\",\"eim_transport\":\"coaps\"" || rc=1
    notes=$($ipad notifications --json) && echo "$notes"
    [ "$notes" = "{\"package_results\":0,\"notifications\":[]}" ] || rc=1
  else
    cat "$tmp/ipad.err" "$tmp/euiccd.log"; rc=1
  fi
  kill -TERM $euiccd_pid; wait $euiccd_pid || true
  kill -TERM $pcscd_pid 2>/dev/null; wait $pcscd_pid 2>/dev/null || true
  exit $rc
'
echo "ipad through pcscd + vpcd: ok"
