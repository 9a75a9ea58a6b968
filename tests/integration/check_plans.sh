#!/usr/bin/env bash
# check_plans.sh TRACE_DIR: every statement the daemons prepared during a
# test (IOTRSP_STORE_TRACE=TRACE_DIR) explained against its store's schema
# by $QUERY_PLANS: a full scan of a table on a request path fails
# (store_plans.allow names the few that may). With "--needs-index INDEX DB":
# the same trace must fail once that index is dropped (the check can fail).
set -euo pipefail
dir=$1; shift
allow=$(dirname "$0")/store_plans.allow
for sql in "$dir"/*.db.sql; do
  db=$(basename "$sql" .sql)
  echo "== query plans of $db: $(sort -u "$sql" | wc -l) statements"
  sort -u "$sql" >"$dir/$db.unique"
  "$QUERY_PLANS" "$dir/$db.schema" "$dir/$db.unique" "$allow"
done
while [ $# -ge 3 ] && [ "$1" = --needs-index ]; do
  { cat "$dir/$3.schema"; echo "DROP INDEX $2;"; } >"$dir/no-index.schema"
  if "$QUERY_PLANS" "$dir/no-index.schema" "$dir/$3.unique" "$allow" >"$dir/no-index.out"; then
    echo "without index $2 no statement of $3 scanned: the check cannot fail"; exit 1
  fi
  echo "== without index $2: $(grep -c 'FULL SCAN' "$dir/no-index.out") statements of $3 scan, as they must"
  shift 3
done
