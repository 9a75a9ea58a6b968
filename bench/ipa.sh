#!/usr/bin/env bash
# libipa and ipad: code size built with -Os (size: text/data/bss), then the
# bytes on the wire and libipa's peak heap (bench_ipa).
# Usage: bench/ipa.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
os=${build}-os
cmake -S . -B "$os" -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel >/dev/null
cmake --build "$os" --target iot_ipa ipad >/dev/null
echo "== ipa: code size built with -Os (MinSizeRel)"
echo "  libipa (lib/ipacore/*.o, no network, card or file system; lib/rsp, lib/der and lib/crypto are apart):"
size -t "$os"/lib/ipacore/CMakeFiles/iot_ipa.dir/*.o | awk 'NR>1 {n = $NF; sub(".*/", "", n); if (n == "(TOTALS)") n = "total";
  printf "    %-12s text %7s data %5s bss %5s\n", n, $1, $2, $3}'
echo "  with what it links from lib/ (libiot_rsp, libiot_der, libiot_crypto, libiot_base):"
size -t "$os"/lib/rsp/libiot_rsp.a "$os"/lib/der/libiot_der.a "$os"/lib/crypto/libiot_crypto.a \
  "$os"/lib/base/libiot_base.a | tail -1 | awk '{printf "    total        text %7s data %5s bss %5s\n", $1, $2, $3}'
echo "  the ipad daemon (dynamically linked to libcurl, libcoap, OpenSSL, pcsclite):"
size "$os"/ipad/ipad | tail -1 | awk '{printf "    ipad         text %7s data %5s bss %5s\n", $1, $2, $3}'
echo
"$build/bench/bench_ipa"
echo
"$build/bench/bench_esipa"
