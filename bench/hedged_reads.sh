#!/usr/bin/env bash
# The sample app's /bar while one of its two database servers is frozen, with hedged reads
# (as it ships) and without (HEDGED_READS=0: each read waits on its one server), in
# alternating rounds. The servers are the tests' stand-in (reql_test_server), the frozen
# one stopped with SIGSTOP after a second of load: its connections stay open and nothing
# comes back, as with a hung node. wrk -c16 with a 1 s timeout, so that a request stuck on
# the frozen server counts as timed out instead of holding its connection.
#   bench/hedged_reads.sh [SECONDS] [ROUNDS]   (default 10 s, 3 rounds; needs build/)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
source bench/numbers.sh
pids=()
trap 'kill -CONT "${pids[@]}" 2>/dev/null || true; kill "${pids[@]}" 2>/dev/null || true' EXIT
base=$((31000 + $$ % 1000))
build/bench/reql_test_server "$base" >/dev/null &
pids+=($!)
build/bench/reql_test_server "$((base + 1))" >/dev/null &
frozen=$!
pids+=("$frozen")
sleep 0.3

last_rate=0
run() {  # LABEL HEDGED_READS
  local app_port=$((base + 2))
  PORT=$app_port WORKERS=2 HEDGED_READS=$2 RETHINKDB_HOSTS="127.0.0.1:$base,127.0.0.1:$((base + 1))" \
    build/samples/rethinkswarmmode/rethinkswarmmode >/dev/null 2>&1 &
  local app=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$app_port/bar" >/dev/null && break; sleep 0.1; done
  wrk -t1 -c16 -d2s "http://127.0.0.1:$app_port/bar" >/dev/null  # both servers connected and known
  (sleep 1 && kill -STOP "$frozen") &
  local out; out=$(wrk -t1 -c16 -d"${seconds}s" --timeout 1s --latency "http://127.0.0.1:$app_port/bar")
  kill -CONT "$frozen"
  last_rate=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
  local p99; p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  local timeouts; timeouts=$(awk '/Socket errors/ { print $NF }' <<<"$out")
  local refused; refused=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
  echo "$1: ${last_rate} requests/s, p99 ${p99}, ${timeouts:-0} over 1 s, ${refused:-0} answered 503"
  kill "$app"
  wait "$app" 2>/dev/null || true
}

ratios=()
for ((round = 1; round <= rounds; round++)); do
  run "reads on one server" 0
  one=$last_rate
  run "hedged reads" 1
  ratios+=("$(ratio "$last_rate" "$one")")
done
echo "with one of two servers frozen, hedged reads served $(median "${ratios[@]}")x the requests/s of reads on one server (rounds: ${ratios[*]})"
