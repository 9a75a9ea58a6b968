#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests and benches: initdb into DIR, a Unix
# socket in DIR (no TCP port), stopped and removed by `stop`.
#   pg-test.sh start DIR [PORT] [-- EXTRA postgres -c options]   prints the libpq URL
#   pg-test.sh stop DIR
#   pg-test.sh psql DIR [PSQL ARGS]                              psql on its database
#   pg-test.sh replica PRIMARY_DIR DIR    a streaming standby of the server in PRIMARY_DIR
#   pg-test.sh promote DIR                the standby takes writes (a failover)
#   pg-test.sh crash DIR                  the server stops at once, as at a power cut (files kept)
# As root the server runs as the postgres user (PostgreSQL refuses root).
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg-test: PostgreSQL server binaries not found (apt install postgresql-15)" >&2; exit 1; }
cmd=$1 dir=$2
as=()
[ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)

case $cmd in
start)
  port=${3:-5432}
  shift 3 2>/dev/null || shift $#
  [ "${1:-}" = "--" ] && shift
  opts=""
  for o in "$@"; do opts="$opts -c $o"; done
  rm -rf "$dir"
  mkdir -p "$dir"
  [ ${#as[@]} -gt 0 ] && chown postgres "$dir"
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U iotrsp -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  # durability as in production (fsync, synchronous_commit): the tests check what it promises
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -c listen_addresses='' -p $port -c max_connections=300 -c shared_buffers=64MB$opts" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  "${as[@]}" "$bin/createdb" -h "$dir" -p "$port" -U iotrsp iotrsp
  echo "postgresql:///iotrsp?host=$dir&port=$port&user=iotrsp"
  ;;
replica)
  primary=$2 dir=$3
  rm -rf "$dir"
  mkdir -p "$dir"
  [ ${#as[@]} -gt 0 ] && chown postgres "$dir"
  # -R: standby.signal and primary_conninfo written for it; WAL streamed while it copies;
  # -c fast: a checkpoint at once, not spread over minutes
  "${as[@]}" "$bin/pg_basebackup" -h "$primary" -p 5432 -U iotrsp -D "$dir/data" -R -X stream -c fast >"$dir/basebackup.log" 2>&1 ||
    { cat "$dir/basebackup.log" >&2; exit 1; }
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -c listen_addresses='' -p 5432 -c max_connections=300 -c shared_buffers=64MB" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  ;;
promote)
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -w -t 60 promote >/dev/null
  ;;
crash)
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  ;;
psql)
  shift 2
  exec "$bin/psql" -X -q "host=$dir port=5432 user=iotrsp dbname=iotrsp" "$@"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: pg-test.sh start DIR [PORT] [-- OPTION=VALUE...] | stop DIR | psql DIR [ARGS] |" \
       "replica PRIMARY_DIR DIR | promote DIR | crash DIR" >&2
  exit 2
  ;;
esac
