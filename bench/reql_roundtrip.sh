#!/usr/bin/env bash
# Round trips of r.expr("Hello from Rethink"): our driver against the official JS driver,
# with 1 and with 64 queries in flight on one connection, against the same server.
#   RSM_BENCH_RETHINKDB=host:port bench/reql_roundtrip.sh [SECONDS]   a real RethinkDB
#   bench/reql_roundtrip.sh [SECONDS]     the tests' stand-in server (no real database
#                                         work: this measures the drivers, not RethinkDB)
# Needs build/ (scripts/setup) and tests/js/node_modules (npm ci --prefix tests/js).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
if [ -n "${RSM_BENCH_RETHINKDB:-}" ]; then
  host=${RSM_BENCH_RETHINKDB%:*} port=${RSM_BENCH_RETHINKDB##*:}
  echo "server: RethinkDB at $RSM_BENCH_RETHINKDB"
else
  port=$((30000 + $$ % 2000)) host=127.0.0.1
  build/tests/reql_test_server "$port" >/dev/null &
  server=$!
  trap 'kill $server' EXIT
  sleep 0.3
  echo "server: the tests' stand-in (reql_test_server), not RethinkDB"
fi
for in_flight in 1 64; do
  build/bench/reql_roundtrip "$host" "$port" "$in_flight" "$seconds"
  NODE_PATH=tests/js/node_modules node bench/js_roundtrip.js "$host" "$port" "$in_flight" "$seconds"
done
