#!/usr/bin/env bash
# The main job (make demo). The daemons (eimd, ipad, euiccd, smdpd) are not
# built yet; until they are, the demo walks one SGP.32 ESipa exchange through
# the message library: each message as it goes on the wire and as rspdump
# decodes it.
set -euo pipefail
build=${1:-build}
dump="$build/tools/rspdump"
eid=89049032123451234512345678901235
iccid=98001032547698103214
sig=$(printf 'AB%.0s' $(seq 64))

step() {
  local title=$1 hex=$2
  printf '\n== %s (%d bytes on the wire)\n' "$title" $(( ${#hex} / 2 ))
  printf '%s\n' "$hex" | fold -w 96
  printf '%s\n' "$hex" | "$dump"
}

cat <<MSG
iotrsp demo — foundation stage
The message library (lib/der, lib/rsp) encodes and decodes every SGP.22 /
SGP.32 v1.2 message byte for byte. Below is one eIM polling round as an IoT
device and the eIM would exchange it over ESipa, decoded by tools/rspdump.
MSG

step "IPA -> eIM: GetEimPackageRequest (poll, after a fallback)" \
  "BF4F1C5A10${eid}8000810101820332F401"
step "eIM -> IPA: GetEimPackageResponse carrying a signed eUICC Package (enable + listProfileInfo)" \
  "BF4F81A7BF5181A3305E800465696D315A10${eid}81010582020102A03DA30E5A0A${iccid}0500A40C5A0A${iccid}A600BF2D11A00C5A0A${iccid}5C015AA70780008203612E625F3740${sig}"
step "IPA -> eIM: ProvideEimPackageResult (the eUICC refused the package: unsigned error)" \
  "BF50235A10${eid}BF510EA20C800465696D31820109840107"
step "eIM -> IPA: ProvideEimPackageResultResponse (acknowledges sequence numbers 1 and 2)" \
  "BF5009BF5306800101800102"

cat <<MSG

Try it yourself:  echo BF4F03020101 | $dump
                  $dump --list      (every message type it knows)
The eIM, IPA, eUICC and SM-DP+ daemons come with the next issues; see README.md.
MSG
