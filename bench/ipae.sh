#!/usr/bin/env bash
# The two placements of the IPA side by side, one device, eimd on loopback
# over HTTPS: the IPA inside the eUICC (IPAe, reaching the eIM through
# `ipad terminal` with BIP) and the device's IPA (ipad as IPAd). For an
# empty poll and for a poll that runs one PSMO: the bytes on the wire (TLS
# records, both ways) and the APDUs between the device and the eUICC —
# for the IPAe the toolkit's (STATUS, FETCH, TERMINAL RESPONSE, ENVELOPE),
# for the IPAd the ES10 ones (STORE DATA, GET RESPONSE, channel, SELECT).
# The IPAe resumes its TLS session from one poll to the next; each `ipad
# poll` is a new process, a new TLS session (as a device that sleeps).
# Usage: bench/ipae.sh [BUILD_DIR]
set -euo pipefail
. "$(dirname "$0")/../scripts/daemon_conf.sh"
. "$(dirname "$0")/../scripts/wait.sh"
build=${1:-build}
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true; [ -n "${KEEP_TMP:-}" ] && echo "tmp: $tmp" || rm -rf "$tmp"' EXIT
eid=89049032123451234512345678901235
"$build/tools/pkigen" --out "$tmp/pki" --curve nist --eid $eid >/dev/null
p=$tmp/pki/nist
{ eimd_conf "$p" "$tmp"; echo "api-key = operator:ops:op-secret"; } >"$tmp/eimd.conf"
"$build/eim/eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
"$build/eim/eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" & pids+=($!)
hport=$(wait_port "$tmp/eimd.log" "https_port")
api() {
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" ${3:+-d "$3"} "https://eim.iotrsp.test$2"
}
op() { api POST /api/v1/euiccs/$eid/operations "$1" | sed 's/.*"id":\([0-9]*\).*/\1/'; }
done_op() { api GET /api/v1/operations/$1 | has '"state":"done"'; }
"$build/euicc/euiccd" --state "$tmp/euicc.state" --key "$p/euicc/$eid.key" --cert "$p/euicc/$eid.pem" \
  --eum "$p/eum.pem" --ci "$p/ci.pem" --bootstrap 89049032000000000011 --socket "$tmp/euicc.sock" \
  --ipae --ipae-ca "$p/ci.pem" --ipae-connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" --ipae-poll-interval 1 \
  2>"$tmp/euiccd.log" & pids+=($!)
wait_socket "$tmp/euicc.sock"
dev() {
  "$build/ipad/ipad" --card "socket:$tmp/euicc.sock" --state-dir "$tmp/ipad" --eim-ca "$p/ci.pem" --no-direct \
    --connect "eim.iotrsp.test:443:127.0.0.1:$hport" "$@"
}
dev add-initial-eim --request "$tmp/initial.der" >/dev/null
api POST /api/v1/euiccs "{\"eid\":\"$eid\"}" >/dev/null
psmo='{"psmos":[{"listProfileInfo":{}}]}'

# the IPAe: one poll a second; its channels' figures from the terminal's log
dev ipae on >/dev/null
"$build/ipad/ipad" --card "socket:$tmp/euicc.sock" --status-interval 20 --verbose terminal \
  2>"$tmp/terminal.log" & pids+=($!)
term=$!
channels() { grep -c 'msg="channel closed"' "$tmp/terminal.log" || true; }
channels_ge() { [ "$(channels)" -ge "$1" ]; }
wait_until channels_ge 3                # the first contact, then empty polls
id=$(op "$psmo")
wait_until done_op "$id"
n=$(channels)
wait_until channels_ge $((n + 1))       # the poll that ran it has closed its channel
kill -TERM $term; wait $term || true
line() { grep 'msg="channel closed"' "$tmp/terminal.log" | sed -n "$1p"; }
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$2"; }
ipae_row() {   # LABEL LINE
  printf "  %-5s %-30s %7d %7d %7d\n" IPAe "$1" "$(field sent "$2")" "$(field received "$2")" "$(field apdus "$2")"
}
# the channel that ran the PSMO: the one after first contact that carried the most
echo "== IPA placements: one device, eimd on loopback, HTTPS, P-256"
printf "  %-5s %-30s %7s %7s %7s\n" IPA poll "sent" "recv" "APDUs"
ipae_row "first contact (full TLS)" "$(line 1)"
ipae_row "empty (TLS resumed)" "$(line 3)"
big=$(grep 'msg="channel closed"' "$tmp/terminal.log" |
  awk '{ match($0, /received=[0-9]+/); v = substr($0, RSTART + 9, RLENGTH - 9) + 0; if (NR >= 3 && v > max) { max = v; r = $0 } }
  END { print r }')
ipae_row "one PSMO (TLS resumed)" "$big"

# the IPAd: ipad poll, a new process (a new TLS session) each time
dev ipae off >/dev/null
ipad_row() {   # LABEL JSON
  printf "  %-5s %-30s %7d %7d %7d\n" IPAd "$1" "$(sed 's/.*"https_bytes_sent":\([0-9]*\).*/\1/' <<<"$2")" \
    "$(sed 's/.*"https_bytes_received":\([0-9]*\).*/\1/' <<<"$2")" "$(sed 's/.*"apdus":\([0-9]*\).*/\1/' <<<"$2")"
}
dev --json poll >/dev/null
ipad_row "empty (full TLS)" "$(dev --json poll)"
id=$(op "$psmo")
ipad_row "one PSMO (full TLS)" "$(dev --json poll)"
done_op "$id"
echo "  (bytes: TLS records on the TCP connection, both placements; APDUs: device <-> eUICC in that poll)"
