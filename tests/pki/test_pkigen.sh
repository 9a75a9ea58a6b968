#!/usr/bin/env bash
# pkigen end to end: the PKI it writes, checked by `openssl verify` and by
# lib/crypto's RSP chain checks (pkigen --check); key file modes; idempotence.
set -euo pipefail
pkigen=$1
. "$(dirname "$0")/../../scripts/wait.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi; }

"$pkigen" --out "$tmp" --eid 89049032123451234512345678901235 --eid-range 890490320000000000000000000001 4 >/dev/null

for c in nist brainpool; do
  d=$tmp/$c
  check "$c: every private key is mode 0600" \
    '[ -z "$(find "$d" -name "*.key" ! -perm 600)" ] && [ -n "$(find "$d" -name "*.key")" ]'
  check "$c: openssl verify accepts CI, EUM, SM-DP+ auth/pb/TLS, eIM sign/TLS" \
    '[ "$(openssl verify -CAfile "$d/ci.pem" "$d"/ci.pem "$d"/eum.pem "$d"/smdp-*.pem "$d"/eim-*.pem | grep -c ": OK$")" = 7 ]'
  # The EUM carries the SGP.22/SGP.26 nameConstraints (O and EIN); RFC 5280
  # matching of directory names reads them differently from SGP.22 (EID
  # prefix), so openssl reports that, and only that, for every eUICC, as it
  # does for the GSMA's own SGP.26 eUICC certificate.
  check "$c: openssl verify finds nothing but the name-constraint reading on the eUICCs" \
    '[ "$(openssl verify -CAfile "$d/ci.pem" -untrusted "$d/eum.pem" "$d"/euicc/*.pem 2>&1 | grep "^error [0-9]* at" | grep -vc "^error 47 at 0 depth lookup: permitted subtree violation")" = 0 ]'
  check "$c: eUICC certificates name their EID" \
    'openssl x509 -in "$d/euicc/89049032123451234512345678901235.pem" -noout -subject | has "serialNumber = 89049032123451234512345678901235"'
  check "$c: the EUM permits the EIN" \
    'openssl x509 -in "$d/eum.pem" -noout -text | has "serialNumber = 89049032"'
done
"$pkigen" --out "$tmp/compat" --rfc5280-name-constraints --eid-range 890490320000000000000000000001 3 >/dev/null
for c in nist brainpool; do
  d=$tmp/compat/$c
  check "$c, --rfc5280-name-constraints: openssl verify accepts every chain" \
    '[ "$(openssl verify -CAfile "$d/ci.pem" -untrusted "$d/eum.pem" "$d"/ci.pem "$d"/eum.pem "$d"/smdp-*.pem "$d"/eim-*.pem "$d"/euicc/*.pem | grep -c ": OK$")" = 10 ]'
done
check "--rfc5280-name-constraints: the RSP rules still hold" '"$pkigen" --out "$tmp/compat" --check >/dev/null'
rm -rf "$tmp/compat"
check "pkigen --check verifies every chain with the RSP rules" '"$pkigen" --out "$tmp" --check >/dev/null'

sums() { find "$tmp" -type f | sort | xargs sha256sum; }
before=$(sums)
out=$("$pkigen" --out "$tmp" --eid 89049032123451234512345678901235 --eid-range 890490320000000000000000000001 4)
check "a second run keeps everything" '[ "$before" = "$(sums)" ] && echo "$out" | has " 0 key pairs and certificates made"'
"$pkigen" --out "$tmp" --eid-range 890490320000000000000000000099 1 --curve nist >/dev/null
check "a new EID is signed by the kept EUM" '"$pkigen" --out "$tmp" --check >/dev/null && [ "$(sha256sum < "$tmp/nist/eum.pem")" = "$(echo "$before" | grep "/nist/eum.pem" | cut -d" " -f1)  -" ]'
rm "$tmp/nist/ci.key"
"$pkigen" --out "$tmp" --curve nist --eid 89049032123451234512345678901235 >/dev/null
check "a CI made anew re-issues what hangs below it" '"$pkigen" --out "$tmp" --check >/dev/null'
"$pkigen" --out "$tmp" --force --curve brainpool >/dev/null
check "--force makes a new CI" '[ "$(sha256sum < "$tmp/brainpool/ci.pem")" != "$(echo "$before" | grep "/brainpool/ci.pem" | cut -d" " -f1)  -" ]'
check "an EID with wrong check digits is refused" '! "$pkigen" --out "$tmp" --eid 89049032123451234512345678901234 2>/dev/null'
check "an EID outside the EIN is refused" '! "$pkigen" --out "$tmp" --eid 89001012012341234012345678901224 2>/dev/null'

echo "pkigen: $((fails == 0 ? 1 : 0)) passed, $fails failed" >/dev/null
[ "$fails" = 0 ]
