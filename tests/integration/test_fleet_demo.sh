#!/usr/bin/env bash
# The fleet demo's scenario with 20 devices: every device's final profiles,
# as its eUICC holds them and as the eIM reports them over REST, are what the
# scenario asked for; and no statement eimd or smdpd ran in it reads a table
# by a full scan (check_plans.sh).
set -euo pipefail
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/trace"
IOTRSP_STORE_TRACE=$tmp/trace "$(dirname "$0")/../../scripts/fleet_demo.sh" "$build" 20 "$tmp/final"
[ -z "${QUERY_PLANS:-}" ] || "$(dirname "$0")/check_plans.sh" "$tmp/trace"
mapfile -t eids < <(cut -d' ' -f1 "$tmp/final" | sort -u)
[ "${#eids[@]}" = 20 ]
for i in $(seq 1 20); do
  eid=${eids[$((i - 1))]}
  a=$(printf '8944%015d' $i) b=$(printf '8933%015d' $(((i + 1) / 2))) boot=89049032000000000019
  # operator B on devices 1, 3, ..., 19; the last device (20) never got operator A's order
  # (device 1's operator A profile deleted by an approved change)
  if [ $i = 1 ]; then want="$eid $b enabled|$eid $boot disabled"
  elif [ $((i % 2)) = 1 ]; then want="$eid $b enabled|$eid $a disabled|$eid $boot disabled"
  elif [ $i -lt 20 ]; then want="$eid $a enabled|$eid $boot disabled"
  else want="$eid $boot enabled"; fi
  for source in "$tmp/final" "$tmp/final.rest"; do
    got=$(grep "^$eid " "$source" | sort | paste -sd'|')
    [ "$got" = "$(tr '|' '\n' <<<"$want" | sort | paste -sd'|')" ] || { echo "device $i ($source): $got, want $want"; exit 1; }
  done
done
echo "fleet demo, 20 devices: every device's profiles as the scenario wants, on the eUICC and at the eIM: ok"
