#!/usr/bin/env bash
# eimd on a store whose disk fills up (a small tmpfs in a private mount
# namespace): REST answers 503 with Retry-After (not 4xx), /health turns
# 503, ESipa answers 503 so that devices try again later; nothing is
# half-written; once space returns everything works again, the audit chain
# intact.
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
eimd=$1 fleetsim=$2 pkigen=$3
if [ "$(id -u)" != 0 ] || ! unshare --mount true 2>/dev/null; then
  echo "skipped: needs root to mount a small tmpfs in a private mount namespace"
  exit 0
fi
export eimd fleetsim pkigen
export WAIT_SH=$(cd "$(dirname "$0")/../../scripts" && pwd)/wait.sh
export CONF_SH=$(cd "$(dirname "$0")/../../scripts" && pwd)/daemon_conf.sh
exec unshare --mount bash -euo pipefail -c '
. "$WAIT_SH"; . "$CONF_SH"
trap '\''echo "failed at line $LINENO: $BASH_COMMAND" >&2'\'' ERR
tmp=$(mktemp -d)
eimd_pid=
trap '\''[ -n "$eimd_pid" ] && kill $eimd_pid 2>/dev/null; wait 2>/dev/null || true; umount "$tmp/store" 2>/dev/null; rm -rf "$tmp"'\'' EXIT
mkdir "$tmp/store"
mount -t tmpfs -o size=6m tmpfs "$tmp/store"
"$pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 2 >/dev/null
p=$tmp/pki/nist
{ eimd_conf "$p" "$tmp/store"; echo "api-key = operator:ops:op-secret"; echo "api-key = auditor:audit:look-only"; } >"$tmp/eimd.conf"
"$eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
"$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
eimd_pid=$!
hport=$(wait_port "$tmp/eimd.log" https_port)
api() {   # METHOD PATH [BODY]: the status and the Retry-After header, e.g. "503 30"
  curl -s -o /dev/null -D "$tmp/headers" -w "%{http_code}" --cacert "$p/ci.pem" \
    --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" -H "Authorization: Bearer op-secret" \
    -H "Content-Type: application/json" ${3:+-d "$3"} "https://eim.iotrsp.test$2"
  printf " %s" "$(sed -n "s/^Retry-After: \([0-9]*\).*/\1/ip" "$tmp/headers")"
}
sim() { "$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" \
          --connect-address 127.0.0.1 --ca "$p/ci.pem" --devices 2 --threads 1 --rounds 1 --timeout-ms 20000 "$@"; }
sim --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key op-secret >"$tmp/sim0.out" 2>&1
eid=$(ls "$p/euicc" | sed -n 1p | cut -c1-32)
[ "$(api GET /health)" = "200 " ]
[ "$(api POST /api/v1/euiccs/$eid/operations "{\"psmos\":[{\"getRAT\":{}}]}")" = "201 " ]
finished=$(grep -c "msg=\"operation finished\"" "$tmp/eimd.log" || true)
# the disk fills up
dd if=/dev/zero of="$tmp/store/filler" bs=64k 2>/dev/null || true
[ "$(api GET /health)" = "503 30" ]
# writes go on while the store has room in what it already holds, then fail: 503, never a 4xx
made=0
for _ in $(seq 300); do
  a=$(api POST /api/v1/euiccs/$eid/operations "{\"psmos\":[{\"listProfileInfo\":{}}]}")
  [ "$a" = "503 30" ] && break
  [ "$a" = "201 " ]; made=$((made + 1))
done
[ "$a" = "503 30" ]
# the devices poll: each message is handled whole while a commit still fits
# in the room the store holds (the WAL is written ahead of its frames), else
# answered 503 with nothing done; they poll again until the store refused one
# (a REST write just failed, so that room is less than a new operation needs)
for round in $(seq 40); do
  sim >"$tmp/sim1.out" 2>&1 || true
  grep -q "msg=\"ESipa message not handled: the store failed\"" "$tmp/eimd.log" && break
done
grep -q "msg=\"ESipa message not handled: the store failed\"" "$tmp/eimd.log"
echo "the store refused an ESipa message in round $round on the full disk"
# space again: all as before, every operation done once, the refused one never made
rm "$tmp/store/filler"
[ "$(api GET /health)" = "200 " ]
sim >"$tmp/sim2.out" 2>&1
wait_count $((finished + made + 1)) "msg=\"operation finished\".*state=done" "$tmp/eimd.log"
[ -z "$(grep -o "msg=\"operation finished\" id=[0-9]*" "$tmp/eimd.log" | sort | uniq -d)" ]
# the operations made are there once each, the refused one not at all
[ "$(grep -c "msg=\"operation\" id=[0-9]* eid=$eid kind=psmo" "$tmp/eimd.log")" = $((made + 1)) ]
out=$(curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" \
  -H "Authorization: Bearer look-only" https://eim.iotrsp.test/api/v1/audit/verify)
echo "audit: $out"
grep -q "\"intact\":true" <<<"$out"
echo "eimd on a full disk: 503 and unhealthy, nothing half-written, well again when space returns: ok"
'
