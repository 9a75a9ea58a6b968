#!/usr/bin/env bash
# Scale-out: eimd nodes on one PostgreSQL (a throwaway server,
# scripts/pg-test.sh, fsync and synchronous_commit on). The same fleet
# (fleetsim, 500 devices over HTTPS, every exchange to a node at random)
# against 1, 2 and 3 nodes: empty polls per second and PSMO round trips per
# second, with the CPU the nodes and PostgreSQL spent per operation; beside
# them the same fleet on one node with the embedded SQLite store, and the
# crypto-bound limit of `openssl speed` in the same run. On one machine the
# nodes share its cores: the figures show what the shared store costs, not
# what more machines would add (the note on the issue says where it stops).
# Usage: bench/nodes.sh [BUILD_DIR] [DEVICES]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/daemon_conf.sh"
. "$here/../scripts/wait.sh"
build=${1:-build}
devices=${2:-500}
tmp=$(mktemp -d)
pg=$(mktemp -d /tmp/iotrsp-pg-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$here/../scripts/pg-test.sh" stop "$pg"
  rm -rf "$tmp"
}
trap cleanup EXIT
speed=$(openssl speed -seconds 2 ecdsap256 2>/dev/null)
echo "$speed" | awk -v cores="$(nproc)" '/ecdsa \(nistp256\)/ { s = $(NF-1); v = $NF }
  END { printf "== eimd nodes on one PostgreSQL; crypto-bound limit (openssl speed, this run, %s cores): %.0f PSMO round trips/s\n",
        cores, cores / (1 / s + 1 / v) }'
url=$("$here/../scripts/pg-test.sh" start "$pg")
"$build/tools/pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 "$devices" >/dev/null
p=$tmp/pki/nist
tck=$(getconf CLK_TCK)
cpu_of() {   # PIDS...: their CPU ticks, children included
  local t=0 x
  for x in "$@"; do t=$((t + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$x/stat" 2>/dev/null || echo 0))); done
  echo $t
}
pg_pids() { pgrep -u postgres -f "postgres.*$pg|postgres: " | tr '\n' ' '; }

bench() {   # STORE NODES
  local store=$1 nodes=$2 i node_args=() node_pids=() hport
  for i in $(seq 1 "$nodes"); do
    { eimd_conf "$p" "$tmp/$store-$nodes" | grep -v '^store = '
      if [ "$store" = postgresql ]; then echo "store = $url"; else echo "store = sqlite:$tmp/$store-$nodes/eim.db"; fi
      echo "api-key = operator:ops:op-secret"; echo "threads = 8"; } >"$tmp/eimd-$store-$nodes-$i.conf"
  done
  mkdir -p "$tmp/$store-$nodes"
  [ "$store" = postgresql ] && "$here/../scripts/pg-test.sh" psql "$pg" -c "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
  "$build/eim/eimd" --config "$tmp/eimd-$store-$nodes-1.conf" --initial-eim "$tmp/initial.der"
  for i in $(seq 1 "$nodes"); do
    "$build/eim/eimd" --config "$tmp/eimd-$store-$nodes-$i.conf" 2>"$tmp/eimd-$i.log" & node_pids+=($!); pids+=($!)
  done
  for i in $(seq 1 "$nodes"); do
    hport=$(wait_port "$tmp/eimd-$i.log" https_port)
    node_args+=(--node "$hport:$hport")
  done
  sim() {   # ROUNDS [ARGS]
    local rounds=$1; shift
    "$build/tools/fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim eim.iotrsp.test:443 \
      --connect-address 127.0.0.1 --ca "$p/ci.pem" --devices "$devices" --threads 8 --rounds "$rounds" \
      "${node_args[@]}" "$@"
  }
  figure() {   # LABEL ROUNDS OPS_PER_DEVICE_ROUND [ARGS]
    local label=$1 rounds=$2 per=$3 c0 p0 c1 p1 out; shift 3
    c0=$(cpu_of "${node_pids[@]}"); p0=$(cpu_of $(pg_pids))
    out=$(sim "$rounds" "$@")
    c1=$(cpu_of "${node_pids[@]}"); p1=$(cpu_of $(pg_pids))
    echo "$out" | awk -v label="$label" -v store="$store" -v nodes="$nodes" -v ops=$((devices * rounds * per)) \
      -v ecpu="$(( (c1 - c0) * 1000000 / tck ))" -v pcpu="$(( (p1 - p0) * 1000000 / tck ))" '{
      for (i = 1; i <= NF; i++) { if ($i == "in") secs = $(i+1); if ($i == "p50") p50 = $(i+1) } }
      END { printf "  %-10s %d node%s  %-18s %8.1f/s  p50 %6s ms  CPU per op: eimd %5.0f us, PostgreSQL %5.0f us\n",
            store, nodes, (nodes > 1 ? "s" : " "), label, ops / secs, p50, ecpu / ops, pcpu / ops }'
  }
  sim 1 --register "https://eim.iotrsp.test:${node_args[1]%%:*}/api/v1/euiccs" --api-key op-secret >/dev/null
  figure "empty polls" 3 1
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:${node_args[1]%%:*}" -X POST \
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" \
    -d "{\"name\":\"bench\",\"label\":\"fleet=sim\",\"maxInFlight\":$devices,\"psmos\":[{\"getRAT\":{}}]}" \
    "https://eim.iotrsp.test/api/v1/campaigns" >/dev/null
  figure "PSMO round trips" 1 1
  for x in "${node_pids[@]}"; do kill "$x"; wait "$x" 2>/dev/null || true; done
}
echo "== $devices devices over HTTPS, 8 connections, each exchange to a node at random"
bench sqlite 1
for nodes in 1 2 3; do bench postgresql "$nodes"; done
