#!/usr/bin/env bash
# euiccd on its local socket: the ATR, the EID and EUICCInfo2 through it,
# its state kept across a restart, a clean stop on SIGTERM.
set -euo pipefail
euiccd=$1 pkigen=$2 probe=$3
. "$(dirname "$0")/../../scripts/wait.sh"
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
eid=89049032123451234512345678901235
"$pkigen" --out "$tmp/pki" --curve nist --eid $eid >/dev/null
d=$tmp/pki/nist
start() {
  "$euiccd" --state "$tmp/euicc.state" --key "$d/euicc/$eid.key" --cert "$d/euicc/$eid.pem" \
    --eum "$d/eum.pem" --ci "$d/ci.pem" --socket "$tmp/euicc.sock" 2>"$tmp/log" &
  pid=$!
  wait_socket "$tmp/euicc.sock" && return 0
  echo "euiccd did not come up"; cat "$tmp/log"; return 1
}
start
out=$("$probe" "$tmp/euicc.sock")
echo "$out"
echo "$out" | has "^ATR 3B"
echo "$out" | has "^EID $eid$"
echo "$out" | has "ipaMode=0 iotVersion=1.2.0"
[ "$(stat -c %a "$tmp/euicc.state")" = 600 ]
kill -TERM $pid
wait $pid
pid=
grep -q 'msg="stopped"' "$tmp/log"
[ ! -e "$tmp/euicc.sock" ]
# again, from the state file alone
"$euiccd" --state "$tmp/euicc.state" --socket "$tmp/euicc.sock" 2>"$tmp/log" &
pid=$!
wait_socket "$tmp/euicc.sock"
"$probe" "$tmp/euicc.sock" | has "^EID $eid$"
kill -TERM $pid
wait $pid
pid=
echo "euiccd socket: ok"
