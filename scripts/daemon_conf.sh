# Sourced by the demos, the integration tests and the benches: the smdpd and
# eimd configuration they share, for the daemons on loopback with a pkigen
# PKI (one curve's directory) and their stores in a scratch directory. Each
# caller appends its own lines (ES2+ clients, API keys, the relay's address).

smdpd_conf() {   # PKI_CURVE_DIR STORE_DIR
  cat <<CONF
address = smdp.iotrsp.test
port = 0
tls-cert = $1/smdp-tls.pem
tls-key = $1/smdp-tls.key
store = sqlite:$2/smdp.db
ci = $1/ci.pem
dp-auth-cert = $1/smdp-auth.pem
dp-auth-key = $1/smdp-auth.key
dp-pb-cert = $1/smdp-pb.pem
dp-pb-key = $1/smdp-pb.key
CONF
}

eimd_conf() {   # PKI_CURVE_DIR STORE_DIR
  cat <<CONF
eim-id = eim.iotrsp.test
fqdn = eim.iotrsp.test
eim-key = $1/eim-sign.key
eim-cert = $1/eim-sign.pem
ci = $1/ci.pem
store = sqlite:$2/eim.db
port = 0
coaps-port = 0
tls-cert = $1/eim-tls.pem
tls-key = $1/eim-tls.key
CONF
}

# es2 FUNCTION MEMBERS: one ES2+ call (token es2-token) to the SM-DP+ at
# smdp.iotrsp.test, the caller's $p (PKI curve directory) and $sport (its
# port); MEMBERS the JSON members after the header; the answer printed.
es2() {
  curl -sf --cacert "$p/ci.pem" --connect-to "smdp.iotrsp.test:443:127.0.0.1:$sport" \
    -H "X-Admin-Protocol: gsma/rsp/v2.5.0" -H "Content-Type: application/json" -H "Authorization: Bearer es2-token" \
    -d "{\"header\":{\"functionRequesterIdentifier\":\"t\",\"functionCallIdentifier\":\"1\"},$2}" \
    "https://smdp.iotrsp.test/gsma/rsp2/es2plus/$1"
}

# es2_order FILE PKI_CURVE_DIR SMDP_PORT TOKEN ICCID EID: appends to FILE (a
# curl -K config, one connection for all) the ES2+ DownloadOrder and
# ConfirmOrder (no MatchingID, released: the default SM-DP+ way) of ICCID
# for EID; each answer on a line of its own.
es2_order() {
  local file=$1 pki=$2 port=$3 token=$4 iccid=$5 eid=$6 fn body
  for fn in downloadOrder confirmOrder; do
    body="{\"header\":{\"functionRequesterIdentifier\":\"iotrsp\",\"functionCallIdentifier\":\"1\"},\"iccid\":\"$iccid\",\"eid\":\"$eid\""
    [ $fn = confirmOrder ] && body="$body,\"matchingId\":\"\",\"releaseFlag\":true"
    [ -s "$file" ] && echo next >>"$file"
    cat >>"$file" <<CURL
url = "https://smdp.iotrsp.test/gsma/rsp2/es2plus/$fn"
cacert = "$pki/ci.pem"
connect-to = "smdp.iotrsp.test:443:127.0.0.1:$port"
header = "X-Admin-Protocol: gsma/rsp/v2.5.0"
header = "Content-Type: application/json"
header = "Authorization: Bearer $token"
data = "$(sed 's/"/\\"/g' <<<"$body}")"
write-out = "\\n"
CURL
  done
}

# bench_pki BUILD_DIR CACHE_DIR DEVICES: the benches' PKI of DEVICES eUICCs,
# made once in CACHE_DIR/pki and kept with the stores built on it (an eIM's
# store keeps what it learned of its eUICCs).
bench_pki() {
  mkdir -p "$2"
  if [ ! -d "$2/pki" ]; then
    "$1/tools/pkigen" --out "$2/pki" --curve nist --smdp-host localhost \
      --eid-range 890490321234512345123456780000 "$3" >/dev/null
  fi
}

# bench_eimd BUILD_DIR CONF DIR: the eIM's export for the devices written to
# DIR/initial.der, then eimd started with CONF, logging to DIR/eimd.log;
# sets pid and hport (its HTTPS port). Needs scripts/wait.sh.
bench_eimd() {
  "$1/eim/eimd" --config "$2" --initial-eim "$3/initial.der"
  : >"$3/eimd.log"
  "$1/eim/eimd" --config "$2" 2>"$3/eimd.log" &
  pid=$!
  hport=$(wait_port "$3/eimd.log" https_port)
}
