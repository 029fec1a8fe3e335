#!/usr/bin/env bash
# Round trips of r.expr("Hello from Rethink"): our driver against the official JS driver,
# with 1 and with 64 queries in flight on one connection, against the same server.
#   RSM_BENCH_RETHINKDB=host:port bench/reql_roundtrip.sh [SECONDS] [ROUNDS]   a real RethinkDB
#   bench/reql_roundtrip.sh [SECONDS] [ROUNDS]   the tests' stand-in server (no real database
#                                                work: this measures the drivers, not RethinkDB)
# Each round runs ours then theirs, SECONDS each (default 5); the rounds (default 3)
# alternate so that a passing disturbance of the machine hits one round, and each
# comparison ends with the median of the rounds' ratios.
# Needs build/ (scripts/setup) and tests/js/node_modules (npm ci --prefix tests/js).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
rounds=${2:-3}

field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/" <<<"$2"; }  # NAME JSON-LINE
source bench/numbers.sh

drivers() {  # HOST PORT
  local ours theirs rate_ratios p99_ratios
  for in_flight in 1 64; do
    rate_ratios=() p99_ratios=()
    for ((round = 1; round <= rounds; round++)); do
      ours=$(build/bench/reql_roundtrip "$1" "$2" "$in_flight" "$seconds")
      echo "$ours"
      theirs=$(NODE_PATH=tests/js/node_modules node bench/js_roundtrip.js "$1" "$2" "$in_flight" "$seconds")
      echo "$theirs"
      rate_ratios+=("$(ratio "$(field qps "$ours")" "$(field qps "$theirs")")")
      p99_ratios+=("$(ratio "$(field p99_us "$ours")" "$(field p99_us "$theirs")")")
    done
    echo "in flight $in_flight: ours $(median "${rate_ratios[@]}")x the JS driver's q/s" \
      "(rounds: ${rate_ratios[*]}), p99 $(median "${p99_ratios[@]}") of its p99" \
      "(rounds: ${p99_ratios[*]}); target at 64: >= 3x, lower p99"
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
