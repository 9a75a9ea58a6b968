#!/usr/bin/env bash
# Installs the Debian packages iotrsp needs to build and test, only those missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-14-dev        # libFuzzer and the sanitizer runtimes
  libcmocka-dev valgrind          # unit tests
  libssl-dev openssl              # lib/crypto; openssl verify in the tests
  time                            # bench figures
  libjansson-dev                  # JSON bindings (ES9+/ES2+, REST)
  libsqlite3-dev                  # lib/store (SQLite)
  libpq-dev postgresql-15         # lib/store (PostgreSQL); its tests start a throwaway server
  libmicrohttpd-dev libgnutls28-dev libcurl4-openssl-dev   # lib/net: HTTP server (its TLS), HTTPS client
  libcoap3-dev                    # lib/net: CoAP over DTLS (OpenSSL backend), block-wise
  pcscd libpcsclite-dev vsmartcard-vpcd pcsc-tools   # PC/SC, euiccd as a card
  iproute2 util-linux             # tests: private network namespaces
  curl                            # tests: smdpd over HTTPS as any client sees it
  tzdata                          # eimd: maintenance windows in their time zones
  libcjson-dev                    # tests: lpac (../shared/peers) built for the interop test
  chromium fonts-dejavu-core      # the console's browser tests (Playwright drives Debian's Chromium)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js for the console's tests: Debian's, unless one is there already (nodesource's includes npm)
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# the console: uPlot for its charts, Playwright (no browser of its own) and
# axe-core for its tests, as package-lock.json pins them
console=$(cd "$(dirname "$0")/../console" && pwd)
if [ ! -d "$console/node_modules/playwright-core" ] || [ "$console/package-lock.json" -nt "$console/node_modules" ]; then
  echo "deps: npm ci in console/"
  (cd "$console" && npm ci --no-audit --no-fund --loglevel=error)
fi
[ -f "$console/vendor/uPlot.iife.min.js" ] || node "$console/build.mjs"
