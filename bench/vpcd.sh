#!/usr/bin/env bash
# euiccd as a PC/SC card through pcscd and vsmartcard's vpcd, on loopback:
# milliseconds per APDU (an ES10 GetEID round trip), as lpac or any PC/SC
# tool sees them. Needs root, pcscd and vpcd (it runs them in a private
# network namespace). Usage: bench/vpcd.sh [BUILD_DIR] [APDUS]
set -euo pipefail
build=${1:-build}
apdus=${2:-500}
euiccd=$build/euicc/euiccd pkigen=$build/tools/pkigen probe=$build/tests/integration/pcsc_probe
. "$(dirname "$0")/../tests/integration/pcscd_ns.sh"
export probe apdus
echo "== euiccd through pcscd + vpcd (loopback TCP), $apdus GetEID round trips"
run_in_pcscd_ns '
  wait_until eval "\"\$probe\" >/dev/null 2>&1"
  "$probe" --apdus "$apdus" | grep "^apdus"
'
