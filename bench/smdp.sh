#!/usr/bin/env bash
# smdpd: full ES9+ downloads per second over HTTPS, next to the bound the
# elliptic-curve operations alone put on it, from `openssl speed` in the same
# run, and smdpd's CPU per download against its share of them.
# Usage: bench/smdp.sh [BUILD_DIR] [DOWNLOADS_PER_RUN]; SMDP_CURVE=p256 or
# brainpool for one curve only
set -euo pipefail
build=${1:-build}
count=${2:-300}
cores=$(nproc)
speed=$(openssl speed -seconds 2 ecdsap256 ecdsabrp256r1 ecdhp256 ecdhbrp256r1 2>/dev/null)
# per download, each side (SM-DP+, eUICC) makes 3 signatures, 5 verifications,
# 1 one-time key pair (about a signature) and 1 ECDH (SGP.22 3.1.3)
echo "$speed" | awk -v cores="$cores" '
  /ecdsa \(nistp256\)/        { s["nist"] = $(NF-1); v["nist"] = $NF }
  /ecdsa \(brainpoolP256r1\)/ { s["bp"] = $(NF-1); v["bp"] = $NF }
  /ecdh \(nistp256\)/         { d["nist"] = $NF }
  /ecdh \(brainpoolP256r1\)/  { d["bp"] = $NF }
  END {
    print "== the crypto-bound limit (openssl speed, this run, " cores " cores)"
    split("nist bp", k, " ")
    name["nist"] = "NIST P-256"; name["bp"] = "brainpoolP256r1"
    for (i = 1; i <= 2; i++) {
      c = k[i]
      t = 4 / s[c] + 5 / v[c] + 1 / d[c]
      printf "  %-16s sign %.0f/s verify %.0f/s ecdh %.0f/s: SM-DP+ side %.0f downloads/s, SM-DP+ and eUICC on one machine %.0f/s\n", \
        name[c], s[c], v[c], d[c], cores / t, cores / (2 * t)
    }
  }'
# the SM-DP+ side's share in microseconds, for bench_smdp's ratios
eval "$(echo "$speed" | awk '
  /ecdsa \(nistp256\)/        { s["nist"] = $(NF-1); v["nist"] = $NF }
  /ecdsa \(brainpoolP256r1\)/ { s["bp"] = $(NF-1); v["bp"] = $NF }
  /ecdh \(nistp256\)/         { d["nist"] = $NF }
  /ecdh \(brainpoolP256r1\)/  { d["bp"] = $NF }
  END {
    printf "export SMDP_CRYPTO_US_P256=%.1f SMDP_CRYPTO_US_BRAINPOOL=%.1f\n", \
      1e6 * (4 / s["nist"] + 5 / v["nist"] + 1 / d["nist"]), 1e6 * (4 / s["bp"] + 5 / v["bp"] + 1 / d["bp"])
  }')"
echo "  SM-DP+ side per download: P-256 ${SMDP_CRYPTO_US_P256} us, brainpoolP256r1 ${SMDP_CRYPTO_US_BRAINPOOL} us of CPU"
echo
"$build/bench/bench_smdp" "$count" ${SMDP_CURVE:-} 2>/dev/null
