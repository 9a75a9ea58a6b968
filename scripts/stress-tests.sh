#!/usr/bin/env bash
# Runs the whole ctest suite N times in a row while stress-ng keeps every core
# busy, to find tests that depend on timing. The plain build's suite holds both
# the plain and the valgrind runs of every unit test; --asan adds the
# ASan+UBSan build's suite to each round. Prints how many rounds failed and
# which tests, and exits non-zero when any did.
# It builds into build-stress/ (and build-stress-asan/) of its own, so work
# going on in build/ meanwhile does not change what it tests.
# Usage: scripts/stress-tests.sh [N] [--asan]   (N: 5 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
n=5 asan=
for a in "$@"; do
  case $a in
    --asan) asan=1 ;;
    [0-9]*) n=$a ;;
    *) echo "usage: $0 [N] [--asan]" >&2; exit 2 ;;
  esac
done
command -v stress-ng >/dev/null || {
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends stress-ng >/dev/null
}
log=$(mktemp -d)
make -s build BUILD=build-stress >"$log/build.log" 2>&1 || { cat "$log/build.log"; exit 1; }
builds=(build-stress)
if [ -n "$asan" ]; then
  make -s build-asan ASAN=build-stress-asan >>"$log/build.log" 2>&1 || { cat "$log/build.log"; exit 1; }
  builds+=(build-stress-asan)
fi
stress-ng --cpu "$(nproc)" --cpu-load 100 --timeout 0 --quiet &
stress=$!
trap 'kill $stress 2>/dev/null; wait $stress 2>/dev/null || true' EXIT
failed_rounds=0
for i in $(seq "$n"); do
  bad=0
  for b in "${builds[@]}"; do
    start=$(date +%s)
    if (cd "$b" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure -j "$(nproc)") >"$log/$i-$b.log" 2>&1; then r=ok; else r=FAILED; bad=1; fi
    sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (.*/\1/p' "$log/$i-$b.log" | sed "s|^|$b: |" >>"$log/failed"
    echo "round $i/$n, $b: $r in $(( $(date +%s) - start )) s ($(grep -o '[0-9]*% tests passed.*' "$log/$i-$b.log"))"
  done
  failed_rounds=$((failed_rounds + bad))
done
echo "stress: $n rounds under stress-ng --cpu $(nproc), $failed_rounds failed"
if [ -s "$log/failed" ]; then
  echo "failed tests (times):"; sort "$log/failed" | uniq -c | sort -rn
  echo "logs: $log"
  exit 1
fi
rm -rf "$log"
