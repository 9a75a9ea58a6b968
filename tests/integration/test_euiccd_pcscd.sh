#!/usr/bin/env bash
# euiccd as a card in a real pcscd through vsmartcard's vpcd: a PC/SC
# program reads the EID and EUICCInfo2. vpcd listens on every interface, so
# pcscd runs in a private network (and /run/pcscd) namespace of its own.
set -euo pipefail
euiccd=$1 pkigen=$2 probe=$3
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
"$pkigen" --out "$tmp/pki" --curve brainpool --eid $eid >/dev/null
d=$tmp/pki/brainpool
export euiccd probe tmp d eid
unshare --mount --net bash -euo pipefail -c '
  mount -t tmpfs tmpfs /run
  mkdir -p /run/pcscd
  ip link set lo up
  pcscd --foreground --auto-exit 2>"$tmp/pcscd.log" &
  pcscd_pid=$!
  "$euiccd" --state "$tmp/euicc.state" --key "$d/euicc/$eid.key" --cert "$d/euicc/$eid.pem" \
    --eum "$d/eum.pem" --ci "$d/ci.pem" --vpcd 127.0.0.1:35963 2>"$tmp/euiccd.log" &
  euiccd_pid=$!
  ok=1
  for _ in $(seq 50); do
    if out=$("$probe" 2>"$tmp/probe.err"); then ok=0; break; fi
    sleep 0.2
  done
  kill -TERM $euiccd_pid; wait $euiccd_pid || true
  kill -TERM $pcscd_pid 2>/dev/null; wait $pcscd_pid 2>/dev/null || true
  if [ $ok != 0 ]; then cat "$tmp/probe.err" "$tmp/euiccd.log"; exit 1; fi
  echo "$out"
  echo "$out" | grep -q "^EID $eid$"
  echo "$out" | grep -q "ipaMode=0 iotVersion=1.2.0"
'
echo "euiccd through pcscd + vpcd: ok"
