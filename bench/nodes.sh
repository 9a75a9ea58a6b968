#!/usr/bin/env bash
# Scale-out: eimd and smdpd nodes on one PostgreSQL (a throwaway server,
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
      -v ecpu="$(( (c1 - c0) * 1000000 / tck ))" -v pcpu="$(( (p1 - p0) * 1000000 / tck ))" '/^devices / {
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

# downloads through one eimd node (on PostgreSQL) from 1 or 2 smdpd nodes on
# the same PostgreSQL (a schema of their own), every device's profile
# ordered; downloads per second and the CPU smdpd spent per download
downloads() {   # SMDP_NODES
  local k=$1 j hport sp=() spids=() c0 c1 p0 p1 t0 t1 out
  "$here/../scripts/pg-test.sh" psql "$pg" -c "SET client_min_messages = warning; DROP SCHEMA public CASCADE;
    CREATE SCHEMA public; DROP SCHEMA IF EXISTS smdp CASCADE; CREATE SCHEMA smdp" >/dev/null
  { smdpd_conf "$p" "$tmp" | grep -v '^store = '; echo "store = $url&options=-csearch_path%3Dsmdp"
    echo "es2-client = operator-a:token-a"; echo "threads = 8"; } >"$tmp/smdpd.conf"
  head -c 12288 /dev/urandom >"$tmp/upp"
  "$build/smdp/smdpd" --config "$tmp/smdpd.conf" --import "$tmp/upp" --iccid 8944000000000000001 --count "$devices" \
    --owner operator-a --spn "Operator A" --name "A IoT" --notify smdp.iotrsp.test >/dev/null 2>&1
  for j in $(seq 1 "$k"); do
    "$build/smdp/smdpd" --config "$tmp/smdpd.conf" 2>"$tmp/smdpd$j.log" & spids+=($!); pids+=($!)
  done
  for j in $(seq 1 "$k"); do sp+=("$(wait_port "$tmp/smdpd$j.log" port)"); done
  : >"$tmp/es2.curl"
  mapfile -t eids < <(ls "$p/euicc" | grep '\.key$' | sort | cut -c1-32)
  for j in $(seq 1 "$devices"); do
    es2_order "$tmp/es2.curl" "$p" "${sp[$((j % k))]}" token-a "$(printf '8944%015d' "$j")" "${eids[$((j - 1))]}"
  done
  curl -s -K "$tmp/es2.curl" >/dev/null
  # the eIM node relays to the SM-DP+ nodes through a name each: smdp.iotrsp.test is node 1;
  # with two, every second device's order is at node 2 (the same store, any node serves it)
  { eimd_conf "$p" "$tmp" | grep -v '^store = '; echo "store = $url"; echo "smdp-ca = $p/ci.pem"
    echo "connect = smdp.iotrsp.test:443:127.0.0.1:${sp[$((k - 1))]}"
    echo "api-key = operator:ops:op-secret"; echo "threads = 8"; } >"$tmp/eimd-dl.conf"
  "$build/eim/eimd" --config "$tmp/eimd-dl.conf" --initial-eim "$tmp/initial.der"
  "$build/eim/eimd" --config "$tmp/eimd-dl.conf" 2>"$tmp/eimd-dl.log" & local epid=$!; pids+=($epid)
  hport=$(wait_port "$tmp/eimd-dl.log" https_port)
  "$build/tools/fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" \
    --connect-address 127.0.0.1 --ca "$p/ci.pem" --devices "$devices" --threads 8 --rounds 1 \
    --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key op-secret >/dev/null
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X POST \
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" \
    -d "{\"name\":\"dl\",\"label\":\"fleet=sim\",\"maxInFlight\":$devices,\"download\":{\"activationCode\":\"1\$smdp.iotrsp.test\$\"}}" \
    "https://eim.iotrsp.test/api/v1/campaigns" >/dev/null
  c0=$(cpu_of "${spids[@]}"); p0=$(cpu_of $(pg_pids)); t0=$(date +%s.%N)
  out=$("$build/tools/fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" \
    --connect-address 127.0.0.1 --ca "$p/ci.pem" --devices "$devices" --threads 8 --rounds 1)
  t1=$(date +%s.%N); c1=$(cpu_of "${spids[@]}"); p1=$(cpu_of $(pg_pids))
  echo "$out" | awk -v k="$k" -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" -v scpu="$(( (c1 - c0) * 1000000 / tck ))" \
    -v pcpu="$(( (p1 - p0) * 1000000 / tck ))" '{ for (i = 1; i <= NF; i++) if ($i == "installed") n = $(i+1) }
    END { n = n + 0; printf "  %d smdpd node%s  downloads (12 KB, via eimd) %6.1f/s (%d in %.1f s)  CPU per download: smdpd %5.0f us, PostgreSQL %5.0f us\n",
          k, (k > 1 ? "s" : " "), n / t, n, t, (n ? scpu / n : 0), (n ? pcpu / n : 0) }'
  kill "$epid" "${spids[@]}"; wait "$epid" "${spids[@]}" 2>/dev/null || true
}
echo
echo "== $devices downloads from smdpd nodes on one PostgreSQL"
for k in 1 2; do downloads "$k"; done
