#!/usr/bin/env bash
# Stores at operator scale: what one operation costs smdpd (an ES2+ order:
# downloadOrder + confirmOrder; a full ES9+ download of a 12 KB profile)
# and eimd (an empty poll; a PSMO round trip) with 10^3, 10^5 and 10^6
# profiles or eUICCs in their stores, side by side: CPU is the daemon's own
# (/proc/PID/stat) per operation, so a cost that grows with the store shows.
# The stores are built once (bulk imports, their rates printed) and kept in
# $IOTRSP_BENCH_CACHE (default /var/tmp/iotrsp-bench-store; 10^6 12 KB
# profiles take about 13 GB); each run orders and downloads OPS more.
# Usage: bench/store.sh [BUILD_DIR] [SIZES...]   (default: 1000 100000 1000000)
set -euo pipefail
. "$(dirname "$0")/../scripts/daemon_conf.sh"
. "$(dirname "$0")/../scripts/wait.sh"
build=${1:-build}
[ $# -gt 0 ] && shift
sizes=${*:-1000 100000 1000000}
cache=${IOTRSP_BENCH_CACHE:-/var/tmp/iotrsp-bench-store}
ops=${OPS:-200} devices=${DEVICES:-100}
tck=$(getconf CLK_TCK)
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
bench_pki "$build" "$cache" "$devices"
p=$cache/pki/nist
eid=$(ls "$p/euicc" | grep '\.key$' | head -1 | cut -c1-32)
[ -f "$cache/upp.der" ] || head -c 12288 /dev/urandom >"$cache/upp.der"
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
per_op() {   # CPU_TICKS_BEFORE CPU_TICKS_AFTER OPS: ms of the daemon's CPU per operation
  awk -v a="$1" -v b="$2" -v n="$3" -v t="$tck" 'BEGIN { printf "%.2f", (b - a) * 1000 / t / n }'
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

speed=$(openssl speed -seconds 2 ecdsap256 2>/dev/null)
echo "$speed" | awk '/ecdsa \(nistp256\)/ { printf "== for scale (openssl speed, this run): P-256 sign %.3f ms, verify %.3f ms\n", 1000 / $(NF-1), 1000 / $NF }'
printf '\n%-10s %-22s %-22s %-22s %-22s %s\n' "rows" "smdpd ES2+ order" "smdpd download" "eimd empty poll" \
  "eimd PSMO round trip" "store bytes per row (smdpd, eimd)"
for n in $sizes; do
  # ---- smdpd: n profiles ----
  conf=$tmp/smdpd-$n.conf
  { smdpd_conf "$p" "$tmp"; echo "es2-client = bench:bench-token"; } | sed "s|^store = .*|store = sqlite:$cache/smdp-$n.db|" >"$conf"
  if [ ! -f "$cache/smdp-$n.db" ]; then
    echo "   building smdpd's store of $n profiles: $("$build/smdp/smdpd" --config "$conf" --import "$cache/upp.der" \
      --iccid 8949449000000000000 --count "$n" --owner bench --spn Bench --name "12 KB" 2>/dev/null)" >&2
  fi
  # downloads use profiles up: a run works on a copy of the smaller stores
  # (the largest is used in place: a run takes OPS of its million)
  if [ "$n" -le 100000 ]; then
    cp "$cache/smdp-$n.db" "$tmp/smdp-$n.db"
    sed -i "s|^store = .*|store = sqlite:$tmp/smdp-$n.db|" "$conf"
  fi
  : >"$tmp/smdpd.log"
  "$build/smdp/smdpd" --config "$conf" 2>"$tmp/smdpd.log" &
  pid=$!
  port=$(wait_port "$tmp/smdpd.log" port)
  run=R$(date +%s%N)
  c0=$(cpu)
  "$build/bench/bench_smdp_client" "https://localhost:$port" "$p/smdp-tls.pem" "$p" "$eid" orders "$ops" "$run" \
    bench bench-token >"$tmp/orders"
  c1=$(cpu)
  "$build/bench/bench_smdp_client" "https://localhost:$port" "$p/smdp-tls.pem" "$p" "$eid" downloads "$ops" "$run" \
    >"$tmp/downloads"
  c2=$(cpu)
  stop
  rm -f "$tmp/smdp-$n.db"*
  order=$(awk -v c="$(per_op "$c0" "$c1" "$ops")" '{ printf "%s ms (%.0f/s)", c, $2 / $3 }' "$tmp/orders")
  download=$(awk -v c="$(per_op "$c1" "$c2" "$ops")" '{ printf "%s ms (%.0f/s)", c, $2 / $3 }' "$tmp/downloads")
  dp_bytes=$(( $(stat -c %s "$cache/smdp-$n.db") / n ))

  # ---- eimd: n eUICCs (devices of them simulated, the rest registered only) ----
  conf=$tmp/eimd-$n.conf
  { eimd_conf "$p" "$tmp"; echo "api-key = operator:ops:op-secret"; echo "threads = 8"; } |
    sed "s|^store = .*|store = sqlite:$cache/eim-$n.db|" >"$conf"
  if [ ! -f "$cache/eim-$n.db" ]; then
    awk -v n="$((n - devices))" 'BEGIN { for (i = 0; i < n; i++) printf "8904903299%022d site=s%d\n", i, i % 100 }' >"$tmp/fill"
    ls "$p/euicc" | grep '\.key$' | cut -c1-32 | sed 's/$/ fleet=sim/' >>"$tmp/fill"
    t0=$(date +%s.%N)
    out=$("$build/eim/eimd" --config "$conf" --import-euiccs "$tmp/fill")
    echo "   building eimd's store of $n eUICCs: $out in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s (%.0f/s)", b - a, '"$n"' / (b - a) }')" >&2
  fi
  bench_eimd "$build" "$conf" "$tmp"
  sim() { "$build/tools/fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" \
            --connect-address 127.0.0.1 --ca "$p/ci.pem" --devices "$devices" --threads 4 "$@"; }
  sim --rounds 1 >/dev/null          # first contact (once per store) and a warm-up
  c0=$(cpu)
  polls=$(sim --rounds 20 | sed -n 's/.*: polls \([0-9]*\).*/\1/p')
  c1=$(cpu)
  # five PSMO round trips per device: a campaign each (made outside the measure), one poll each
  trips=0
  for _ in 1 2 3 4 5; do
    curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -H "Authorization: Bearer op-secret" \
      -H "Content-Type: application/json" -d "{\"name\":\"bench\",\"label\":\"fleet=sim\",\"maxInFlight\":$devices,\"psmos\":[{\"getRAT\":{}}]}" \
      "https://eim.iotrsp.test/api/v1/campaigns" >/dev/null
    c2=$(cpu)
    sim --rounds 1 >/dev/null
    c3=$(cpu)
    trips=$((trips + c3 - c2))
  done
  stop
  poll="$(per_op "$c0" "$c1" "$polls") ms"
  trip="$(per_op 0 "$trips" $((devices * 5))) ms"
  eim_bytes=$(( $(stat -c %s "$cache/eim-$n.db") / n ))
  printf '%-10s %-22s %-22s %-22s %-22s %s\n' "$n" "$order" "$download" "$poll" "$trip" "$dp_bytes, $eim_bytes"
done
