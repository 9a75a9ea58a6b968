#!/usr/bin/env bash
# euiccd as a card in a real pcscd through vsmartcard's vpcd: a PC/SC
# program reads the EID and EUICCInfo2.
set -euo pipefail
euiccd=$1 pkigen=$2 probe=$3 curve=brainpool
. "$(dirname "$0")/pcscd_ns.sh"
export probe
run_in_pcscd_ns '
  for _ in $(seq 50); do
    if out=$("$probe" 2>"$tmp/probe.err"); then break; fi
    out=; sleep 0.2
  done
  [ -n "$out" ] || { cat "$tmp/probe.err"; exit 1; }
  echo "$out"
  echo "$out" | grep -q "^EID $eid$"
  echo "$out" | grep -q "ipaMode=0 iotVersion=1.2.0"
'
echo "euiccd through pcscd + vpcd: ok"
