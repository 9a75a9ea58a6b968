#!/usr/bin/env bash
# euiccd through pcscd as lpac drives a card, sent by a third-party PC/SC
# client (pcsc-tools' scriptor): MANAGE CHANNEL (both forms), SELECT ISD-R
# on channel 1, STORE DATA in 120-byte blocks with CLA '81', GET RESPONSE
# with CLA '81' and with CLA '01', and each answer checked byte for byte.
set -euo pipefail
euiccd=$1 pkigen=$2
if ! command -v scriptor >/dev/null; then echo "skipped: needs scriptor (pcsc-tools)"; exit 0; fi
. "$(dirname "$0")/pcscd_ns.sh"
# GetProfilesInfo with a 131-byte tagList: 138 bytes, two STORE DATA blocks (120 + 18)
tags=$(for i in $(seq 1 16); do printf '5A 4F 9F 70 90 91 92 95 '; done; printf '5A 4F 9F')
get_profiles="BF 2D 81 86 5C 81 83 $tags"
block1=$(echo $get_profiles | cut -d' ' -f1-120)
block2=$(echo $get_profiles | cut -d' ' -f121-)
[ "$(echo $block2 | wc -w)" = 18 ]
cat >"$tmp/lpac.script" <<SCRIPT
reset
00 70 00 01 00
00 70 80 01 00
00 70 00 00 01
01 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00
81 E2 91 00 06 BF 3E 03 5C 01 5A
81 C0 00 00 00
81 E2 11 00 78 $block1
81 E2 91 01 12 $block2
01 C0 00 00 00
81 E2 91 00 03 BF 2E 00
81 C0 00 00 10
81 C0 00 00 00
00 70 80 01 00
81 E2 91 00 06 BF 3E 03 5C 01 5A
SCRIPT
run_in_pcscd_ns '
  wait_until eval "scriptor \"\$tmp/lpac.script\" >\"\$tmp/out\" 2>&1 && grep -q \"^< \" \"\$tmp/out\""
'
cat "$tmp/out"
# an answer runs from "< " to " : " (scriptor wraps it every 16 bytes)
mapfile -t r < <(awk '/^< /{a=substr($0,3); on=1} on && !/^< /{a=a " " $0}
                      on && / : /{sub(/ : .*/,"",a); gsub(/  +/," ",a); print a; on=0}' "$tmp/out")
e=$(echo $eid | sed "s/../& /g; s/ $//")
want=(
  "90 00"                   # MANAGE CHANNEL open channel 1 by number (P2 = 01, Le = 00)
  "90 00"                   # and closed
  "01 90 00"                # MANAGE CHANNEL open, channel chosen by the card (Le = 01): 1
  "SELECT"                  # the ISD-R selected on channel 1 (its FCI waits: 61xx)
  "61 15"                   # GetEID: 21 bytes wait
  "BF 3E 12 5A 10 $e 90 00" # fetched with CLA 81 and Le 00
  "90 00"                   # block 0 of 2 taken
  "61 05"                   # the last block: the answer waits
  "BF 2D 02 A0 00 90 00"    # fetched with CLA 01: no profile
  "61 15"                   # GetEuiccChallenge: 21 bytes wait
  "BF 2E 12 80 10"          # the first 16 bytes with CLA 81, Le 10 (and 61 05: 5 left)
  "REST"                    # the rest, Le 00
  "90 00"                   # channel 1 closed
  "68 81"                   # CLA 81 on a closed channel: logical channel not supported
)
[ ${#r[@]} = ${#want[@]} ] || { echo "expected ${#want[@]} answers, got ${#r[@]}"; exit 1; }
for i in "${!want[@]}"; do
  w=${want[$i]} g=${r[$i]}
  case $w in
    SELECT) [[ $g == 61* ]] ;;
    REST) [[ $g == *"90 00" && $(echo $g | wc -w) = 7 ]] ;;
    *) [[ $g == "$w"* ]] ;;
  esac || { echo "answer $((i + 1)): got \"$g\", wanted \"$w\""; exit 1; }
done
echo "euiccd through pcscd, lpac APDU conventions from scriptor: ok"
