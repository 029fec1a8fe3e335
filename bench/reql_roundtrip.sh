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

field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/" <<<"$2"; }  # NAME JSON-LINE
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

drivers() {  # HOST PORT
  local ours theirs
  for in_flight in 1 64; do
    ours=$(build/bench/reql_roundtrip "$1" "$2" "$in_flight" "$seconds")
    echo "$ours"
    theirs=$(NODE_PATH=tests/js/node_modules node bench/js_roundtrip.js "$1" "$2" "$in_flight" "$seconds")
    echo "$theirs"
    echo "in flight $in_flight: ours $(ratio "$(field qps "$ours")" "$(field qps "$theirs")")x the JS driver's q/s," \
      "p99 $(ratio "$(field p99_us "$ours")" "$(field p99_us "$theirs")") of its p99 (target at 64: >= 3x, lower p99)"
  done
}

if [ -n "${RSM_BENCH_RETHINKDB:-}" ]; then
  echo "server: RethinkDB at $RSM_BENCH_RETHINKDB"
  drivers "${RSM_BENCH_RETHINKDB%:*}" "${RSM_BENCH_RETHINKDB##*:}"
  exit
fi
source bench/standin.sh
trap '[ -z "$standin" ] || kill "$standin"' EXIT
for_each_standin drivers
