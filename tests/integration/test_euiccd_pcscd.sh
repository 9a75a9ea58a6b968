#!/usr/bin/env bash
# euiccd as a card in a real pcscd through vsmartcard's vpcd: a PC/SC
# program reads the EID and EUICCInfo2.
set -euo pipefail
euiccd=$1 pkigen=$2 probe=$3 curve=brainpool
. "$(dirname "$0")/pcscd_ns.sh"
export probe
run_in_pcscd_ns '
  wait_until eval "\"\$probe\" >\"\$tmp/probe.out\" 2>\"\$tmp/probe.err\"" || { cat "$tmp/probe.err"; exit 1; }
  out=$(cat "$tmp/probe.out")
  echo "$out"
  echo "$out" | has "^EID $eid$"
  echo "$out" | has "ipaMode=0 iotVersion=1.2.0"
'
echo "euiccd through pcscd + vpcd: ok"
