#!/usr/bin/env bash
# eimd's bulk registration (POST /api/v1/euiccs/bulk, JSON lines with each
# eUICC's certificates, chain-checked): eUICCs per second, and the bound
# the eUICC certificates' ECDSA verifications put on it (one each: the
# EUM is verified once per upload) from `openssl speed` in the same run;
# then the same upload again (all known: what a retry costs), and store
# bytes per eUICC.
# Usage: bench/bulk.sh [BUILD_DIR] [EUICCS]
set -euo pipefail
. "$(dirname "$0")/../scripts/daemon_conf.sh"
build=${1:-build}
n=${2:-20000}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
cores=$(nproc)
speed=$(openssl speed -seconds 2 ecdsap256 2>/dev/null)
verify=$(echo "$speed" | awk '/ecdsa \(nistp256\)/ { print $NF }')
echo "== eimd bulk registration of $n eUICCs (openssl speed, this run, $cores cores: verify ${verify}/s;"
echo "   one verification per eUICC bounds it at $(awk -v v="$verify" -v c="$cores" 'BEGIN { printf "%.0f", v * c }')/s)"
"$build/tools/pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 "$n" \
  --registration >/dev/null
p=$tmp/pki/nist
post() {   # FILE TYPE: one upload; prints the answer and the seconds it took
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$port" -X POST \
    -H "Authorization: Bearer op-secret" -H "Content-Type: $2" --data-binary "@$1" \
    -w ' %{time_total}' "https://eim.iotrsp.test/api/v1/euiccs/bulk"
}
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
tck=$(getconf CLK_TCK)
# in uploads of 10,000 eUICCs, as a client would send a large file
split -l 10000 "$p/euiccs.ndjson" "$tmp/part.ndjson."
tail -n +2 "$p/euiccs.csv" | split -l 10000 - "$tmp/body.csv."
for f in "$tmp"/body.csv.*; do { head -1 "$p/euiccs.csv"; cat "$f"; } >"${f/body/part}"; rm "$f"; done
start() {   # DIR: an eimd with its store in DIR
  mkdir -p "$1"
  { eimd_conf "$p" "$1"; echo "api-key = operator:ops:op-secret"; } >"$tmp/eimd.conf"
  "$build/eim/eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
  pid=$!
  for _ in $(seq 100); do grep -q 'msg="listening"' "$tmp/eimd.log" && break; sleep 0.05; done
  port=$(sed -n 's/.*https_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
}
uploads() {   # TYPE FILE...: one after the other; prints the eUICCs added and the seconds the requests took
  local type=$1 added=0 total=0 out; shift
  for f in "$@"; do
    out=$(post "$f" "$type")
    grep -q '"received"' <<<"$out" || { echo "upload refused: $out" >&2; return 1; }
    added=$(( added + $(echo "$out" | sed -n 's/.*"added": *\([0-9]*\).*/\1/p') ))
    total=$(awk -v a="$total" -v b="${out##* }" 'BEGIN { print a + b }')
  done
  echo "$added $total"
}
report() {   # PASS SECONDS ADDED CPU_TICKS
  awk -v n="$n" -v t="$2" -v a="$3" -v cpu="$(( $4 * 1000 / tck ))" -v pass="$1" -v v="$verify" -v c="$cores" \
    'BEGIN { printf "    %-28s %8.0f eUICCs/s (%d added, %.2f s)  eimd CPU %.1f us per eUICC  %.2fx of the verify bound\n",
             pass, n / t, a, t, cpu * 1000 / n, (v * c) / (n / t) }'
}
now() { date +%s.%N; }
for format in ndjson csv; do
  type=application/x-ndjson
  [ $format = csv ] && type=text/csv
  echo "  $type:"
  start "$tmp/$format"
  for pass in "new" "again (all known)"; do
    c0=$(cpu)
    read -r added secs <<<"$(uploads $type "$tmp"/part.$format.*)"
    report "$pass" "$secs" "$added" $(( $(cpu) - c0 ))
  done
  kill -TERM $pid; wait $pid || true; pid=
done
# a client sending two uploads at a time: one's transfer and parsing overlap
# the other's checks and writes (each still all or nothing); the time from
# the first request to the last answer, clients' start-up included
start "$tmp/two"
parts=("$tmp"/part.csv.*)
half=$(( (${#parts[@]} + 1) / 2 ))
c0=$(cpu); t0=$(now)
uploads text/csv "${parts[@]:0:$half}" >"$tmp/a1" &
a=$!
uploads text/csv "${parts[@]:$half}" >"$tmp/a2"
wait $a
report "new, two uploads at a time" "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')" \
  $(( $(cut -d' ' -f1 "$tmp/a1") + $(cut -d' ' -f1 "$tmp/a2") )) $(( $(cpu) - c0 ))
kill -TERM $pid; wait $pid || true; pid=
echo "  store: $(( $(stat -c %s "$tmp/csv/eim.db") / n )) bytes per eUICC (SQLite, certificates and first-contact operations included)"
