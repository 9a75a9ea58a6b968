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
