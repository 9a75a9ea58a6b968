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
for format in ndjson csv; do
  type=application/x-ndjson
  [ $format = csv ] && type=text/csv
  echo "  $type:"
  mkdir -p "$tmp/$format"
  { eimd_conf "$p" "$tmp/$format"; echo "api-key = operator:ops:op-secret"; } >"$tmp/eimd.conf"
  "$build/eim/eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
  pid=$!
  for _ in $(seq 100); do grep -q 'msg="listening"' "$tmp/eimd.log" && break; sleep 0.05; done
  port=$(sed -n 's/.*https_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
  for pass in "new" "again (all known)"; do
    c0=$(cpu); total=0; added=0
    for f in "$tmp"/part.$format.*; do
      out=$(post "$f" $type)
      echo "$out" | grep -q '"received"' || { echo "upload refused: $out"; exit 1; }
      added=$(( added + $(echo "$out" | sed -n 's/.*"added": *\([0-9]*\).*/\1/p') ))
      total=$(awk -v a="$total" -v b="${out##* }" 'BEGIN { print a + b }')
    done
    c1=$(cpu)
    awk -v n="$n" -v t="$total" -v a="$added" -v cpu="$(( (c1 - c0) * 1000 / tck ))" -v pass="$pass" -v v="$verify" -v c="$cores" \
      'BEGIN { printf "    %-20s %8.0f eUICCs/s (%d added, %.2f s)  eimd CPU %.1f us per eUICC  %.2fx of the verify bound\n",
               pass, n / t, a, t, cpu * 1000 / n, (v * c) / (n / t) }'
  done
  kill -TERM $pid; wait $pid || true; pid=
done
echo "  store: $(( $(stat -c %s "$tmp/csv/eim.db") / n )) bytes per eUICC (SQLite, certificates and first-contact operations included)"
