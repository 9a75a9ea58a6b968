#!/usr/bin/env bash
# Runs every libFuzzer target for RUNS executions (default 1,000,000) and
# prints the executions and findings of each. Usage: scripts/fuzz.sh BUILD_DIR [RUNS]
set -euo pipefail
build=${1:-build-asan}
runs=${2:-1000000}
src=$(cd "$(dirname "$0")/.." && pwd)
status=0
mkdir -p "$build/tests/fuzz/logs"
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  name=$(basename "$bin")
  work="$build/tests/fuzz/long_${name#fuzz_}"
  mkdir -p "$work"
  log="$build/tests/fuzz/logs/${name}.log"
  # crashes, leaks and slow inputs land beside the log, not in the directory it was run from
  if "$bin" -runs="$runs" -max_len=4096 -dict="$src/tests/fuzz/rsp.dict" -artifact_prefix="$build/tests/fuzz/logs/" \
       "$work" "$src/tests/fuzz/corpus/${name#fuzz_}" >"$log" 2>&1; then
    result="ok"
  else
    result="FINDING (see $log)"
    status=1
  fi
  execs=$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -1 || true)
  printf '%-22s %s  %s\n' "$name" "${execs:-no summary}" "$result"
done
exit $status
