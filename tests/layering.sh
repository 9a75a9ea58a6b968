#!/usr/bin/env bash
# The layering of docs/architecture.md, checked on every #include of the
# sources: each directory includes only the project directories below it
# (a role never another role), and each third-party library's headers only
# in the one library that wraps it. Exceptions are named here with their
# reason. Any other include fails the test, naming the file and line.
# Usage: tests/layering.sh SOURCE_DIR
set -uo pipefail
src=${1:-.}
cd "$src" || exit 2

# the project directories each may include (besides its own)
declare -A may=(
  [lib/base]="base"
  [lib/der]="base der"
  [lib/rsp]="base der rsp"
  [lib/crypto]="base der crypto"
  [lib/store]="base store"
  [lib/card]="base card"
  [lib/cat]="base cat"
  [lib/ipacore]="base der rsp crypto ipacore"
  [lib/net]="base der net"
  [eim]="base der rsp crypto store net eim"
  [ipad]="base der rsp crypto card cat net ipacore ipad"
  [euicc]="base der rsp crypto cat net ipacore euicc"
  [smdp]="base der rsp crypto store net smdp"
  [tools]="base der rsp crypto store net card cat ipacore tools"
)
# third-party headers (by prefix) and the libraries that may include them
declare -A wrapped=(
  [openssl/]="lib/crypto lib/net"     # lib/net: the TLS floor it sets on libcurl's and libcoap's contexts, and TLS/DTLS over a caller's stream (the IPAe's BIP channel)
  [gnutls/]="lib/net"                 # libmicrohttpd's TLS
  [curl/]="lib/net"
  [microhttpd.h]="lib/net"
  [coap3/]="lib/net"
  [jansson.h]="lib/net eim"           # eim: change documents and policies are JSON in its API
  [sqlite3.h]="lib/store"
  [libpq-fe.h]="lib/store"
  [PCSC/]="lib/card"
)
# a tool composes roles through their public headers (fleetsim: the software eUICC)
public_role_headers="euicc/euicc.h"

bad=0
for dir in "${!may[@]}"; do
  for f in "$dir"/*.c "$dir"/*.h; do
    [ -e "$f" ] || continue
    while IFS=: read -r line inc; do
      name=$(sed -E 's/^#include[[:space:]]*[<"]([^">]*)[">].*/\1/' <<<"$inc")
      case "$inc" in
        *'"'*)
          top=${name%%/*}
          if [ "$top" = "$name" ]; then
            echo "$f:$line: \"$name\": project headers are included as \"dir/name.h\""
            bad=1
            continue
          fi
          ok=0
          for d in ${may[$dir]}; do [ "$top" = "$d" ] && ok=1; done
          [ "$dir" = tools ] && [[ " $public_role_headers " == *" $name "* ]] && ok=1
          if [ $ok = 0 ]; then
            echo "$f:$line: \"$name\": $dir may include only ${may[$dir]}"
            bad=1
          fi
          ;;
        *'<'*)
          for prefix in "${!wrapped[@]}"; do
            if [[ "$name" == "$prefix"* ]] && [[ " ${wrapped[$prefix]} " != *" $dir "* ]]; then
              echo "$f:$line: <$name>: only ${wrapped[$prefix]} include it"
              bad=1
            fi
          done
          ;;
      esac
    done < <(grep -n '^#include' "$f")
  done
done
[ $bad = 0 ] && echo "layering: every include within the rules"
exit $bad
