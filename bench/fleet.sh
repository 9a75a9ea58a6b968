#!/usr/bin/env bash
# The fleet demo's scenario at scale (default 1,000 devices): time to
# complete, operations per second, eimd's CPU and memory, bytes per device
# over HTTPS and over CoAP/DTLS. Usage: bench/fleet.sh [BUILD_DIR] [DEVICES]
# Each simulated device polls every 500 ms: 10,000 ask 20,000 polls/s, more
# than two cores carry beside the devices' own eUICCs, and the scenario's
# ~45,000 operations then take the better part of an hour; on such a
# machine 1,000 (about four minutes) is what `make bench` runs.
set -euo pipefail
build=${1:-build}
echo "== the zero-touch fleet with ${2:-1000} devices"
"$(dirname "$0")/../scripts/fleet_demo.sh" "$build" "${2:-1000}" | sed -n '/^== summary/,/audit log/p'
