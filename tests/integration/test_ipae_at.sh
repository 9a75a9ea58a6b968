#!/usr/bin/env bash
# The IPA inside the eUICC behind an AT-command modem whose own CAT engine
# runs the toolkit (3GPP TS 27.007 +CUSATW/+CUSATA, +CUSATP, +CUSATT,
# +CUSATE): `ipad --card at:TTY terminal` only runs the proactive commands
# the modem passes on. eimd as a process; PSMOs through the IPAe over HTTPS.
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/../../scripts/daemon_conf.sh"
. "$(dirname "$0")/../../scripts/wait.sh"
eimd=$1 modem=$2 ipad=$3 pkigen=$4
tmp=$(mktemp -d); [ -n "${KEEP_TMP:-}" ] && echo "tmp: $tmp"
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
eid=89049032123451234512345678901235
"$pkigen" --out "$tmp/pki" --curve nist --eid $eid >/dev/null
p=$tmp/pki/nist
{ eimd_conf "$p" "$tmp"; echo "api-key = operator:ops:op-secret"; } >"$tmp/eimd.conf"
"$eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
"$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" & pids+=($!)
hport=$(wait_port "$tmp/eimd.log" "https_port")
api() {
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" ${3:+-d "$3"} "https://eim.iotrsp.test$2"
}
AT_MODEM_IPAE="$p/ci.pem eim.iotrsp.test:443:127.0.0.1:$hport" \
  "$modem" "$tmp/euicc.state" "$p/euicc/$eid.key" "$p/euicc/$eid.pem" "$p/eum.pem" "$p/ci.pem" >"$tmp/tty" \
  2>"$tmp/modem.log" & pids+=($!)
wait_until test -s "$tmp/tty"
tty=$(cat "$tmp/tty")
dev() { "$ipad" --card "at:$tty" --state-dir "$tmp/ipad" "$@"; }
dev add-initial-eim --request "$tmp/initial.der" >/dev/null
api POST /api/v1/euiccs "{\"eid\":\"$eid\"}" >/dev/null
dev --json ipae on | has '"result":"ok"'
dev info --json | has '"ipa_mode":"ipae"'
id=$(api POST /api/v1/euiccs/$eid/operations '{"psmos":[{"listProfileInfo":{}},{"getRAT":{}}]}' | sed 's/.*"id":\([0-9]*\).*/\1/')
${TERMINAL_WRAP:-} "$ipad" --card "at:$tty" --verbose terminal 2>"$tmp/terminal.log" & pids+=($!)
term=$!
done_op() { api GET /api/v1/operations/$id | has '"state":"done"'; }
wait_until done_op
wait_grep 'msg="poll" ok=1' "$tmp/modem.log"      # the poll ends (its channel closed) before the terminal goes
kill -TERM $term; wait $term || true
grep -q 'msg="running" .* link=modem' "$tmp/terminal.log"
grep -q 'msg="channel open" transport=tcp' "$tmp/terminal.log"
# the terminal sent no APDU of its own: the modem ran them
grep -q 'msg="stopped" apdus=0 commands=[1-9]' "$tmp/terminal.log"
echo "IPAe behind an AT modem's CAT engine (27.007 +CUSAT*): ok"
