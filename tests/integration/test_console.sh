#!/usr/bin/env bash
# The operator console in a real browser (tests/browser/console.test.mjs):
# eimd serving it, 10 simulated devices (fleetsim) registered, their
# profiles learned, and polling while the browser works; a policy with a
# four-eyes rule on deletes. Needs Chromium and the console's npm packages
# (scripts/deps.sh installs both).
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
. "$(dirname "$0")/../../scripts/daemon_conf.sh"
. "$(dirname "$0")/../../scripts/wait.sh"
eimd=$1 fleetsim=$2 pkigen=$3
src=$(cd "$(dirname "$0")/../.." && pwd)
chromium=${CHROMIUM:-$(command -v chromium || true)}
[ -x "$chromium" ] || { echo "no Chromium: scripts/deps.sh installs it"; exit 1; }
[ -d "$src/console/node_modules/playwright-core" ] || { echo "no console packages: scripts/deps.sh runs npm ci in console/"; exit 1; }
[ -f "$src/console/vendor/uPlot.iife.min.js" ] || node "$src/console/build.mjs"
tmp=$(mktemp -d)
eimd_pid=
trap '[ -n "$eimd_pid" ] && kill $eimd_pid 2>/dev/null; touch "$tmp/stop"; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 11 >/dev/null
p=$tmp/pki/nist
cat >"$tmp/policy.json" <<'JSON'
{"rules": [{"name": "four-eyes-deletes", "effect": "approve", "actions": ["delete"]}]}
JSON
{ eimd_conf "$p" "$tmp"; cat <<CONF
api-key = operator:ops:op-secret
api-key = approver:alice:alice-secret
api-key = admin:root:admin-secret
policy = $tmp/policy.json
console = $src/console
CONF
} >"$tmp/eimd.conf"
"$eimd" --config "$tmp/eimd.conf" --initial-eim "$tmp/initial.der"
"$eimd" --config "$tmp/eimd.conf" 2>"$tmp/eimd.log" &
eimd_pid=$!
hport=$(wait_port "$tmp/eimd.log" https_port)
api() {
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -H "Authorization: Bearer op-secret" \
    -H "Content-Type: application/json" ${2:+-d "$2"} "https://eim.iotrsp.test$1"
}
sim() { "$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" \
          --connect-address 127.0.0.1 --ca "$p/ci.pem" --devices 10 --threads 2 "$@"; }
sim --rounds 1 --register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key op-secret >/dev/null
# the profiles learned (an inventory), so that the safety rules can judge
camp=$(api /api/v1/campaigns '{"name":"learn","label":"fleet=sim","psmos":[{"listProfileInfo":{}}]}' | sed 's/.*"id":\([0-9]*\).*/\1/')
learned() { sim --rounds 1 >/dev/null; api /api/v1/campaigns/$camp | has '"done":10,'; }
wait_until learned
sim --rounds 1 --profiles-out "$tmp/profiles" >/dev/null
eid=$(ls "$p/euicc" | grep '\.key$' | head -1 | cut -c1-32)
boot=$(awk -v e="$eid" '$1 == e { print $2; exit }' "$tmp/profiles")
# an eUICC this eIM does not manage, polling again and again: an alert for the Alerts page
"$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" --connect-address 127.0.0.1 \
  --ca "$p/ci.pem" --devices 1 --skip 10 --rounds 22 >/dev/null || true
# the fleet keeps polling while the browser works
sim --until "$tmp/stop" --interval-ms 300 >/dev/null 2>&1 &
BASE="https://eim.iotrsp.test:$hport" CHROMIUM=$chromium CONSOLE_DIR=$src/console OPERATOR_KEY=op-secret \
  APPROVER_KEY=alice-secret ADMIN_KEY=admin-secret EID=$eid BOOT_ICCID=$boot \
  node --test --test-concurrency=1 "$src/tests/browser/console.test.mjs"
# the console's files carry the strict policy, and nothing is served from outside its directory
hdrs=$(curl -s -D - -o /dev/null --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" \
  "https://eim.iotrsp.test/console/app.js")
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" <<<"$hdrs"
grep -qi '^x-content-type-options: nosniff' <<<"$hdrs"
for bad in /console/../eimd.conf /console/%2e%2e/eimd.conf /console/.gitignore /console/package.json /console/build.mjs /console/node_modules/uplot/dist/uPlot.iife.min.js; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is --cacert "$p/ci.pem" \
    --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" "https://eim.iotrsp.test$bad")
  [ "$code" = 404 ] || { echo "$bad: $code"; exit 1; }
done
echo "operator console in Chromium: ok"
