#!/usr/bin/env bash
# The fleet demo's scenario at scale (default 10,000 devices): time to
# complete, operations per second, eimd's CPU and memory, bytes per device
# over HTTPS and over CoAP/DTLS. Usage: bench/fleet.sh [BUILD_DIR] [DEVICES]
set -euo pipefail
build=${1:-build}
echo "== the zero-touch fleet with ${2:-10000} devices"
"$(dirname "$0")/../scripts/fleet_demo.sh" "$build" "${2:-10000}" | sed -n '/^== summary/,/audit log/p'
