#!/usr/bin/env bash
# eimd under a simulated fleet (fleetsim: 1,000 devices, each libipa with a
# software eUICC, multiplexed over 16 connections), over HTTPS and over
# CoAP/DTLS: empty polls per second, full PSMO round trips per second (the
# eIM signs the package, verifies the eUICC's signed result), latency
# percentiles, eimd's CPU time and resident memory; beside them the bound
# the eIM's own signature work puts on it, from `openssl speed`.
# Usage: bench/eim.sh [BUILD_DIR] [DEVICES]
set -euo pipefail
. "$(dirname "$0")/../scripts/daemon_conf.sh"
build=${1:-build}
devices=${2:-1000}
threads=16
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
cores=$(nproc)
speed=$(openssl speed -seconds 2 ecdsap256 2>/dev/null)
echo "$speed" | awk -v cores="$cores" '/ecdsa \(nistp256\)/ { s = $(NF-1); v = $NF }
  END { printf "== eimd: the crypto-bound limit (openssl speed, this run, %s cores): sign %.0f/s verify %.0f/s\n", cores, s, v;
        printf "   a PSMO round trip costs the eIM one signature and one verification: at most %.0f/s\n", cores / (1 / s + 1 / v) }'
"$build/tools/pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 "$devices" >/dev/null
p=$tmp/pki/nist
{ eimd_conf "$p" "$tmp"; cat <<CONF
api-key = operator:ops:op-secret
threads = $threads
CONF
} >"$tmp/eimd.conf"
"$build/eim/eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
"$build/eim/eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
pid=$!
for _ in $(seq 100); do grep -q 'msg="listening"' "$tmp/eimd.log" && break; sleep 0.05; done
hport=$(sed -n 's/.*https_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
cport=$(sed -n 's/.*coaps_port=\([0-9]*\).*/\1/p' "$tmp/eimd.log" | head -1)
api() {
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X POST \
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" -d "$2" "https://eim.iotrsp.test$1"
}
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
tck=$(getconf CLK_TCK)
run() {   # LABEL TRANSPORT ROUNDS [ARGS]: one fleetsim run, with eimd's CPU over it
  local label=$1 t=$2 rounds=$3; shift 3
  local port=$hport c0 c1 out
  [ "$t" = coaps ] && port=$cport
  c0=$(cpu)
  out=$("$build/tools/fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$port" \
    --connect-address 127.0.0.1 --ca "$p/ci.pem" $([ "$t" = coaps ] && echo --coaps) --devices "$devices" \
    --threads $threads --rounds "$rounds" "$@")
  c1=$(cpu)
  echo "$out" | awk -v label="$label" -v t="$t" -v cpu="$(( (c1 - c0) * 1000 / tck ))" '/^devices / {
    for (i = 1; i <= NF; i++) { if ($i == "polls/s;") rate = $(i-1); if ($i == "p50") p50 = $(i+1); if ($i == "p99") p99 = $(i+1);
      if ($i == "polls" && $(i+1) != "(failed") n = $(i+1); if ($i == "in") secs = $(i+1) } }
    END { printf "  %-6s %-34s %9.1f/s  p50 %6s ms  p99 %7s ms  eimd CPU %5.1f%% of one core\n", t, label, rate, p50, p99, cpu / (secs * 10) }'
}
echo
echo "== eimd with $devices simulated devices over $threads connections (eimd: $threads HTTPS worker threads, one CoAP thread)"
run "first contact (data request)" https 1 --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key op-secret
for t in https coaps; do
  run "empty polls" $t 3
  api /api/v1/campaigns "{\"name\":\"bench\",\"label\":\"fleet=sim\",\"maxInFlight\":$devices,\"psmos\":[{\"getRAT\":{}}]}" >/dev/null
  run "PSMO round trips (1 per device)" $t 1
done
echo "  eimd resident memory: $(awk '/VmRSS/ {print $2" "$3}' /proc/$pid/status) now, peak $(awk '/VmHWM/ {print $2" "$3}' /proc/$pid/status)"
