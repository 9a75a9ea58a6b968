#!/usr/bin/env bash
# eimd with a fleet of a million eUICCs in its store next to one of a
# thousand: what an empty poll and a PSMO round trip cost (eimd's own CPU
# from /proc per operation, 100 simulated devices), eimd's resident memory
# after them, the store's bytes per eUICC; then a campaign over a label of
# all the others (999,900 at 10^6) — how long it takes to be accepted — and
# the simulated devices' polls while it runs (latency p50/p99/max, next to
# the same polls without it). The stores are built once (bulk imports, the
# rate printed) and kept in $IOTRSP_BENCH_CACHE (default
# /var/tmp/iotrsp-bench-store); each run works on a copy.
# Usage: bench/million.sh [BUILD_DIR] [SIZES...]   (default: 1000 1000000)
set -euo pipefail
. "$(dirname "$0")/../scripts/daemon_conf.sh"
. "$(dirname "$0")/../scripts/wait.sh"
build=${1:-build}
[ $# -gt 0 ] && shift
sizes=${*:-1000 1000000}
cache=${IOTRSP_BENCH_CACHE:-/var/tmp/iotrsp-bench-store}
devices=100
tck=$(getconf CLK_TCK)
tmp=$(mktemp -d -p /var/tmp)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
bench_pki "$build" "$cache" "$devices"
p=$cache/pki/nist
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
per_op() {   # TICKS OPS: us of eimd's CPU per operation
  awk -v c="$1" -v n="$2" -v t="$tck" 'BEGIN { printf "%.0f", c * 1e6 / t / n }'
}
# resident memory of its own (RssAnon) and of the store's pages it maps (RssFile: SQLite reads
# the store through mmap; those pages are the kernel's page cache, shared and reclaimable)
rss() { awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } END { printf "%.1f MB (+%.0f mapped)", a / 1024, f / 1024 }' "/proc/$pid/status"; }
lat() { sed -n 's/.*poll latency p50 \([0-9.]*\) ms p99 \([0-9.]*\) ms max \([0-9.]*\) ms.*/p50 \1 p99 \2 max \3 ms/p'; }

speed=$(openssl speed -seconds 2 ecdsap256 2>/dev/null)
echo "$speed" | awk '/ecdsa \(nistp256\)/ { printf "== eimd at fleet scale (openssl speed, this run: P-256 sign %.0f us, verify %.0f us)\n", 1e6 / $(NF-1), 1e6 / $NF }'
printf '%-9s %-11s %-13s %-25s %-12s %-16s %s\n' "eUICCs" "empty poll" "PSMO trip" "eimd memory" "store/eUICC" \
  "campaign accept" "polls (idle | while the campaign runs)"
for n in $sizes; do
  db=$cache/eim-million-$n.db
  if [ ! -f "$db" ]; then
    awk -v n="$((n - devices))" 'BEGIN { for (i = 0; i < n; i++) printf "8904903299%022d site=s%d,all=yes\n", i, i % 100 }' >"$tmp/fill"
    ls "$p/euicc" | grep '\.key$' | cut -c1-32 | sed 's/$/ fleet=sim/' >>"$tmp/fill"
    { eimd_conf "$p" "$tmp"; } | sed "s|^store = .*|store = sqlite:$db|" >"$tmp/build.conf"
    t0=$(date +%s.%N)
    "$build/eim/eimd" --config "$tmp/build.conf" --import-euiccs "$tmp/fill" >/dev/null
    echo "   (eimd's store of $n eUICCs built: $(awk -v a="$t0" -v b="$(date +%s.%N)" -v n="$n" \
      'BEGIN { printf "%.1f s, %.0f/s", b - a, n / (b - a) }'))" >&2
    rm -f "$tmp/fill"
  fi
  cp "$db" "$tmp/eim.db"
  conf=$tmp/eimd.conf
  # the policy's device ceiling (10,000 by default) raised for the fleet-wide campaign
  echo '{"maxDevicesPerChange": 2000000}' >"$tmp/policy.json"
  { eimd_conf "$p" "$tmp"; echo "api-key = operator:ops:op-secret"; echo "threads = 8"; echo "policy = $tmp/policy.json"; } >"$conf"
  bench_eimd "$build" "$conf" "$tmp"
  sim() { "$build/tools/fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" \
            --connect-address 127.0.0.1 --ca "$p/ci.pem" --devices "$devices" --threads 4 "$@"; }
  api() {   # METHOD PATH [BODY]: the answer, then the seconds on a line of its own
    curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -H "Authorization: Bearer op-secret" \
      -H "Content-Type: application/json" -X "$1" ${3:+-d "$3"} -w '\n%{time_total}' "https://eim.iotrsp.test$2"
  }
  sim --rounds 1 >/dev/null          # first contact and a warm-up
  c0=$(cpu)
  out=$(sim --rounds 20)
  c1=$(cpu)
  polls=$(sed -n 's/.*: polls \([0-9]*\).*/\1/p' <<<"$out")
  idle=$(lat <<<"$out")
  poll=$(per_op $((c1 - c0)) "$polls")
  trips=0
  for _ in 1 2 3 4 5; do
    api POST /api/v1/campaigns "{\"name\":\"bench\",\"label\":\"fleet=sim\",\"maxInFlight\":$devices,\"psmos\":[{\"getRAT\":{}}]}" >/dev/null
    c2=$(cpu)
    sim --rounds 1 >/dev/null
    c3=$(cpu)
    trips=$((trips + c3 - c2))
  done
  trip=$(per_op "$trips" $((devices * 5)))
  mem=$(rss)
  bytes=$(( $(stat -c %s "$tmp/eim.db") / n ))
  # a campaign over all the others: accepted when the answer comes
  out=$(api POST /api/v1/campaigns "{\"name\":\"everyone\",\"label\":\"all=yes\",\"maxInFlight\":10000,\"psmos\":[{\"getRAT\":{}}]}")
  grep -q '"id"' <<<"$out" || { echo "campaign refused: $out"; exit 1; }
  ops=$(sed -n 's/.*"operations": *\([0-9]*\).*/\1/p' <<<"$out" | head -1)
  accept=$(tail -1 <<<"$out")
  busy=$(sim --rounds 20 | lat)
  mem2=$(rss)
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  rm -f "$tmp"/eim.db*
  printf '%-9s %-11s %-13s %-25s %-12s %-16s %s\n' "$n" "$poll us" "$trip us" "$mem" "$bytes B" \
    "$(awk -v s="$accept" 'BEGIN { printf "%.2f s", s }') (${ops:-?})" "$idle | $busy (memory then $mem2)"
done
