# Sourced by the PC/SC tests: skips unless root with pcscd and vpcd, makes a
# test PKI in $tmp, and runs_in_pcscd_ns BODY runs the bash BODY in a private
# network and /run namespace (vpcd listens on every interface) with pcscd up
# and euiccd behind vpcd ($euiccd_args added); BODY sees $tmp $d $eid and the
# variables the caller exported.
if [ "$(id -u)" != 0 ] || ! command -v pcscd >/dev/null || [ ! -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ]; then
  echo "skipped: needs root, pcscd and vsmartcard-vpcd"
  exit 0
fi
if ! unshare --mount --net true 2>/dev/null; then
  echo "skipped: no permission to make a private network namespace here"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
eid=89049032123451234512345678901235
"$pkigen" --out "$tmp/pki" --curve "${curve:-nist}" --eid $eid >/dev/null
d=$tmp/pki/${curve:-nist}
export euiccd tmp d eid euiccd_args

run_in_pcscd_ns() {
  BODY=$1 WAIT_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts" && pwd)/wait.sh unshare --mount --net bash -euo pipefail -c '
    mount -t tmpfs tmpfs /run
    mkdir -p /run/pcscd
    ip link set lo up
    pcscd --foreground --auto-exit 2>"$tmp/pcscd.log" &
    pcscd_pid=$!
    "$euiccd" --state "$tmp/euicc.state" --key "$d/euicc/$eid.key" --cert "$d/euicc/$eid.pem" \
      --eum "$d/eum.pem" --ci "$d/ci.pem" ${euiccd_args:-} --vpcd 127.0.0.1:35963 2>"$tmp/euiccd.log" &
    euiccd_pid=$!
    rc=0
    bash -euo pipefail -c ". \"\$WAIT_SH\"; $BODY" || rc=$?
    kill -TERM $euiccd_pid; wait $euiccd_pid || true
    kill -TERM $pcscd_pid 2>/dev/null; wait $pcscd_pid 2>/dev/null || true
    [ $rc = 0 ] || cat "$tmp/euiccd.log" "$tmp/pcscd.log" >&2
    exit $rc
  '
}
