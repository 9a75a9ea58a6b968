#!/usr/bin/env bash
# eimd against concurrency: 256 simulated devices (fleetsim) over 1, 4, 16,
# 64 and 256 concurrent connections, HTTPS: empty polls per second and PSMO
# round trips per second (a campaign of getRAT to all, one poll each), with
# eimd's CPU per operation (from /proc) and the load generator's apart
# (fleetsim's user+sys while polling, as it reports it), so that it shows
# when the generator, not eimd, is the limit. Beside them the bound the eIM's
# signature work puts on PSMOs (`openssl speed`, this run). eimd runs as
# configured by default (HTTPS threads: twice the processors, at least 4);
# EIMD_THREADS=N sets another count
# (more threads than cores cost each operation more: 16 on 2 cores, ~40 %).
# PSMO round trips: PSMO_ROUNDS (4) campaigns of one getRAT each, fetched by
# one fleetsim run of as many rounds, so that a connection's TLS handshake
# is shared by several round trips as a device's would be; CPU per package
# executed. A device fetches all of them in its first poll (the IPA polls
# again while the eIM has more), so the latency printed is that of the polls
# that carried packages, each PSMO_ROUNDS round trips back to back; the
# empty polls after them are left out. CURVE_RAW=1 shows fleetsim's own
# report of those runs. First,
# the HTTPS stack's own floor: eimd's CPU per request that it answers 404
# (no ESipa, no store) on one kept TLS connection (curl), beside which an
# empty poll's cost reads as transport plus eIM; and the durability floor:
# the CPU a synced write of a PSMO commit's size costs on this machine.
# Before the curve, the devices' first contact (their certificates asked
# for and chain-checked) per device beside its crypto.
# Usage: bench/curve.sh [BUILD_DIR] [LEVELS...]   (default: 1 4 16 64 256)
set -euo pipefail
. "$(dirname "$0")/../scripts/daemon_conf.sh"
. "$(dirname "$0")/../scripts/wait.sh"
build=${1:-build}
[ $# -gt 0 ] && shift
levels=${*:-1 4 16 64 256}
psmo_rounds=${PSMO_ROUNDS:-4}
devices=256
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
cores=$(nproc)
tck=$(getconf CLK_TCK)
speed=$(openssl speed -seconds 2 ecdsap256 ecdhp256 2>/dev/null)
echo "$speed" | awk -v cores="$cores" '/ecdsa \(nistp256\)/ { s = $(NF-1); v = $NF }
  END { printf "== eimd against concurrency (openssl speed, this run, %s cores: a PSMO costs the eIM a signature and a verification, at most %.0f/s)\n",
        cores, cores / (1 / s + 1 / v) }'
echo "   eimd with ${EIMD_THREADS:-its default number of} HTTPS threads ($(nproc) processors)"
"$build/tools/pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 "$devices" >/dev/null
p=$tmp/pki/nist
{ eimd_conf "$p" "$tmp"; echo "api-key = operator:ops:op-secret"; [ -z "${EIMD_THREADS:-}" ] || echo "threads = $EIMD_THREADS"; } \
  >"$tmp/eimd.conf"
bench_eimd "$build" "$tmp/eimd.conf" "$tmp"
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
sim() {   # THREADS ARGS...: one fleetsim run and its report (its own CPU while polling included)
  local t=$1; shift
  "$build/tools/fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" \
    --connect-address 127.0.0.1 --ca "$p/ci.pem" --devices "$devices" --threads "$t" "$@" 2>/dev/null
}
# first contact: the fleet's EIDs registered over REST alone (eimd knows no certificate of theirs yet),
# then one round: each device's first poll, the eIM's request for its data, its certificates' chain
# checked (the eUICC's against its EUM: one verification; the EUM's against the CI once for all), over
# fc_conns connections whose TLS handshakes (an ephemeral key, an ECDH, a signature each) the devices share
fc_conns=16
t0=$(cpu)
sim "$fc_conns" --rounds 0 --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key op-secret >/dev/null
t1=$(cpu)
first=$(sim "$fc_conns" --rounds 1)
t2=$(cpu)
# one signature and one verification (us), what a PSMO round trip costs the eIM in cryptography
crypto_us=$(echo "$speed" | awk '/ecdsa \(nistp256\)/ { printf "%.1f", 1e6 / $(NF-1) + 1e6 / $NF }')
row() {   # LEVEL KIND OUT TICKS: a line of the curve
  awk -v c="$1" -v kind="$2" -v ticks="$4" -v tck="$tck" -v crypto="$crypto_us" -v floor="$floor_us" '
    /^devices / { for (i = 1; i <= NF; i++) { if ($i == "polls" && $(i+1) != "(failed") n = $(i+1); if ($i == "polls/s;") rate = $(i-1);
                                       if ($i == "p50") p50 = $(i+1); if ($i == "p99") p99 = $(i+1) } }
    # a PSMO row: the latency of the polls that carried packages (each all those queued for its device, back
    # to back), not of the empty polls that follow them
    /^polls that executed/ && kind == "PSMO trip" { for (i = 1; i <= NF; i++) { if ($i == "each;") per = $(i-1);
                                       if ($i == "p50") p50 = $(i+1); if ($i == "p99") p99 = $(i+1) } }
    /^load generator: CPU/ { gen = $4 }
    /^devices / { for (i = 1; i <= NF; i++) if ($i == "executed") done = $(i+1) + 0 }
    END { if (kind == "PSMO trip") { gen = gen * n / done; n = done }   # per package, not per poll
          us = ticks * 1e6 / tck / n
          bound = kind == "PSMO trip" ? sprintf("%5.1fx its crypto (target 3x)", us / crypto) : sprintf("target 25 us, floor %s us", floor)
          printf "  %4d  %-12s %8.0f/s  p50 %6.2f ms  p99 %7.2f ms  eimd CPU %6.0f us/op, %s  fleetsim CPU %6.0f us/op%s\n",
                 c, kind, rate, p50, p99, us, bound, gen, per ? " (latency: a poll of " per " trips)" : "" }' <<<"$3"
}
# the floor: FLOOR_N requests to a path eimd does not serve, one curl, one connection
floor_n=${FLOOR_N:-20000}
for i in $(seq "$floor_n"); do echo "url = \"https://eim.iotrsp.test/none\""; echo "output = /dev/null"; done >"$tmp/floor.cfg"
c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -K "$tmp/floor.cfg"
c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
floor_us=$(awk -v t=$((c1 - c0)) -v tck="$tck" -v n="$floor_n" 'BEGIN { printf "%.0f", t * 1e6 / tck / n }')
echo "  the HTTPS stack's floor: a request answered 404 on a kept TLS connection costs eimd $floor_us us of CPU"
# the durability floor: what a synced 36 KB write (a PSMO commit's WAL frames) costs the CPU here
# (dd, O_DSYNC) over blocks the file already has, as the store writes its WAL (grown ahead in
# zeros); beside it the same as an append and unsynced. A PSMO round trip makes two synced commits
# (the counter before the package leaves, the result before its acknowledgement) in two requests
TIMEFORMAT="%U %S"
sync_cpu() { { time dd if=/dev/zero of="$tmp/wal" bs=36k count=2000 "$@" 2>/dev/null; } 2>&1; }
per_op() { awk '{ printf "%.0f", ($1 + $2) * 1e6 / 2000 }'; }
appended=$(sync_cpu oflag=dsync | per_op)
synced=$(sync_cpu oflag=dsync conv=notrunc | per_op)
unsynced=$(sync_cpu conv=notrunc | per_op)
rm -f "$tmp/wal"
awk -v s="$synced" -v a="$appended" -v u="$unsynced" -v f="$floor_us" -v crypto="$crypto_us" 'BEGIN {
  printf "  the durability floor: a synced 36 KB write costs %s us of CPU here (as an append %s, unsynced %s); a PSMO\n", s, a, u
  printf "    round trip'"'"'s two synced commits and two requests at the floors: %.0f us = %.1fx its crypto before any eIM work\n",
         2 * s + 2 * f, (2 * s + 2 * f) / crypto }'
echo "$speed" | awk -v reg=$((t1 - t0)) -v fc=$((t2 - t1)) -v tck="$tck" -v n="$devices" -v conns="$fc_conns" -v out="$first" '
  /ecdsa \(nistp256\)/ { s = $(NF-1); v = $NF }
  /ecdh \(nistp256\)/ { d = $NF }
  END { split(out, w, " "); for (i = 1; i in w; i++) if (w[i] == "executed" && !done) done = w[i+1] + 0
        crypto = 1e6 / v + conns / n * (2e6 / s + 1e6 / d)
        us = fc * 1e6 / tck / n
        printf "  first contact: %d of %d devices, eimd CPU %.0f us each = %.1fx its crypto (%.0f us: a verification, a share of a\n",
               done, n, us, us / crypto, crypto
        printf "    TLS handshake; target 3x); the REST registration of its EID before it, %.0f us\n", reg * 1e6 / tck / n }'
echo "  concurrent connections, operation, rate, latency, CPU per operation of eimd and of the load generator:"
for c in $levels; do
  c0=$(cpu); out=$(sim "$c" --rounds 20); c1=$(cpu)
  row "$c" "empty poll" "$out" $((c1 - c0))
  # PSMO_ROUNDS campaigns queued, a PSMO each per device, and as many rounds in one fleetsim run:
  # each connection's TLS handshake shared by that many round trips, as a device's would be
  for k in $(seq "$psmo_rounds"); do
    curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -H "Authorization: Bearer op-secret" \
      -H "Content-Type: application/json" -d "{\"name\":\"curve-$c-$k\",\"label\":\"fleet=sim\",\"maxInFlight\":$devices,\"psmos\":[{\"getRAT\":{}}]}" \
      "https://eim.iotrsp.test/api/v1/campaigns" >/dev/null
  done
  c0=$(cpu); out=$(sim "$c" --rounds "$psmo_rounds"); c1=$(cpu); [ -z "${CURVE_RAW:-}" ] || echo "$out" >&2
  row "$c" "PSMO trip" "$out" $((c1 - c0))
done
