#!/usr/bin/env bash
# lib/crypto figures next to `openssl speed` from the same run, and the time
# to generate a 10,000-eUICC PKI. Usage: bench/crypto.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
build=${1:-build}
secs=${2:-2}
echo "== lib/crypto (SHA-256 over 200 bytes, r||s signatures)"
"$build/bench/bench_crypto" "$secs"
echo
echo "== openssl speed (same machine, same run; raw ECDSA over a digest)"
openssl speed -seconds "$secs" ecdsap256 ecdsabrp256r1 2>/dev/null | grep -E '^ *(sign|256 bits)' || true
echo
echo "== pkigen: a 10,000-eUICC PKI per curve"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for curve in nist brainpool; do
  /usr/bin/time -f "   wall %e s, max RSS %M KB" "$build/tools/pkigen" --out "$out/$curve" --curve "$curve" \
    --eid-range 890490320000000000000000000000 10000
done
echo "   files written: $(find "$out" -type f | wc -l)"
