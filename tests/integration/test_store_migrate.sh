#!/usr/bin/env bash
# Moving to PostgreSQL: an eIM that ran on its embedded SQLite store (20
# devices, a campaign done) is copied into a throwaway PostgreSQL with
# eimd --migrate-store, then runs there: the devices, their counters, the
# campaign and the audit chain are as they were, a second campaign goes on
# from the same counters; a second migration is refused, changing nothing;
# a store whose schema is newer than eimd's is refused. smdpd's profiles
# move the same way.
set -euo pipefail
trap 'echo "$0: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/daemon_conf.sh"
. "$here/../../scripts/wait.sh"
pgt=$here/../../scripts/pg-test.sh
eimd=$1 smdpd=$2 fleetsim=$3 pkigen=$4
n=20
tmp=$(mktemp -d)
pg=$(mktemp -d /tmp/iotrsp-pg-XXXXXX)
eimd_pid=
cleanup() {
  [ -n "$eimd_pid" ] && kill "$eimd_pid" 2>/dev/null
  wait 2>/dev/null || true
  "$pgt" stop "$pg"
  rm -rf "$tmp"
}
trap cleanup EXIT
url=$("$pgt" start "$pg")
sql() { "$pgt" psql "$pg" -Atc "$1"; }
"$pkigen" --out "$tmp/pki" --curve nist --eid-range 890490321234512345123456780000 "$n" >/dev/null
p=$tmp/pki/nist
{ eimd_conf "$p" "$tmp"; echo "api-key = operator:ops:op-secret"; } >"$tmp/sqlite.conf"
{ eimd_conf "$p" "$tmp" | grep -v '^store = '; echo "store = $url"; echo "api-key = operator:ops:op-secret"; } >"$tmp/pg.conf"
start_eimd() {   # CONFIG
  "$eimd" --config "$1" 2>"$tmp/eimd.log" & eimd_pid=$!
  hport=$(wait_port "$tmp/eimd.log" https_port)
}
stop_eimd() { kill "$eimd_pid"; wait "$eimd_pid" || true; eimd_pid=; }
api() {
  curl -s --cacert "$p/ci.pem" --connect-to "eim.iotrsp.test:443:127.0.0.1:$hport" -X "$1" \
    -H "Authorization: Bearer op-secret" -H "Content-Type: application/json" ${3:+-d "$3"} "https://eim.iotrsp.test$2"
}
sim() {   # ROUNDS [--register]
  "$fleetsim" --pki "$p" --initial-eim "$tmp/initial.der" --eim "eim.iotrsp.test:$hport" --connect-address 127.0.0.1 \
    --ca "$p/ci.pem" --devices "$n" --threads 2 --rounds "$1" ${2:+--register "https://eim.iotrsp.test:$hport/api/v1/euiccs" --api-key op-secret} >/dev/null
}

# a life on SQLite: the fleet in contact, an inventory campaign through
"$eimd" --config "$tmp/sqlite.conf" --initial-eim "$tmp/initial.der"
start_eimd "$tmp/sqlite.conf"
sim 1 register
camp=$(api POST /api/v1/campaigns '{"name":"one","label":"fleet=sim","maxInFlight":20,"psmos":[{"listProfileInfo":{}}]}' |
  sed 's/.*"id":\([0-9]*\).*/\1/')
sim 2
grep -q "\"done\":$n," <<<"$(api GET /api/v1/campaigns/$camp)"
stop_eimd

# moved: once, not twice
"$eimd" --config "$tmp/pg.conf" --migrate-store "sqlite:$tmp/eim.db" | tee "$tmp/migrate.out"
grep -q '^store migrated: [0-9]* tables, [0-9]* rows' "$tmp/migrate.out"
before=$(sql "SELECT COUNT(*) FROM audit")
! "$eimd" --config "$tmp/pg.conf" --migrate-store "sqlite:$tmp/eim.db" 2>"$tmp/again.err"
grep -q 'already has eUICCs' "$tmp/again.err"
[ "$(sql "SELECT COUNT(*) FROM audit")" = "$before" ]
"$eimd" --config "$tmp/pg.conf" --audit-verify

# and runs on PostgreSQL as it did: the same devices, counters, campaign; the next campaign goes on
start_eimd "$tmp/pg.conf"
[ "$(sql "SELECT counter, COUNT(*) FROM euicc GROUP BY counter")" = "1|$n" ]
grep -q "\"done\":$n," <<<"$(api GET /api/v1/campaigns/$camp)"
camp2=$(api POST /api/v1/campaigns '{"name":"two","label":"fleet=sim","maxInFlight":20,"psmos":[{"listProfileInfo":{}}]}' |
  sed 's/.*"id":\([0-9]*\).*/\1/')
[ "$camp2" -gt "$camp" ]
sim 2
grep -q "\"done\":$n," <<<"$(api GET /api/v1/campaigns/$camp2)"
[ "$(sql "SELECT counter, COUNT(*) FROM euicc GROUP BY counter")" = "2|$n" ]
stop_eimd
"$eimd" --config "$tmp/pg.conf" --audit-verify

# a store made by a newer release: refused, not half-understood
sql "UPDATE store_schema SET version = version + 1 WHERE component = 'eim'" >/dev/null
! "$eimd" --config "$tmp/pg.conf" --audit-verify 2>"$tmp/newer.err"
grep -q 'schema is newer' "$tmp/newer.err"

# smdpd's profiles move the same way (into a schema of their own)
sql "CREATE SCHEMA smdp" >/dev/null
smdpd_conf "$p" "$tmp" >"$tmp/smdpd-sqlite.conf"
{ smdpd_conf "$p" "$tmp" | grep -v '^store = '; echo "store = $url&options=-csearch_path%3Dsmdp"; } >"$tmp/smdpd-pg.conf"
head -c 2048 /dev/urandom >"$tmp/upp"
"$smdpd" --config "$tmp/smdpd-sqlite.conf" --import "$tmp/upp" --iccid 8944000000000000001 --count 5 \
  --owner operator-a --spn "Operator A" --name "A IoT" >/dev/null 2>&1
"$smdpd" --config "$tmp/smdpd-pg.conf" --migrate-store "sqlite:$tmp/smdp.db" >/dev/null
[ "$(sql "SELECT COUNT(*) FROM smdp.profile")" = 5 ]
[ "$(sql "SELECT COUNT(*) FROM smdp.profile_package WHERE length(upp) > 0")" = 5 ]
! "$smdpd" --config "$tmp/smdpd-pg.conf" --migrate-store "sqlite:$tmp/smdp.db" 2>/dev/null
echo "SQLite to PostgreSQL with --migrate-store (eimd and smdpd): ok"
