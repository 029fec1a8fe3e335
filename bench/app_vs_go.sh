#!/usr/bin/env bash
# The sample app's /bar under wrk (64 connections), ours (C++, reql) against an
# equivalent Go app (net/http + rethinkdb-go, bench/go_app/), both against the same
# database, one after the other; plus each app's resident size when idle.
#   RSM_BENCH_RETHINKDB=host:port bench/app_vs_go.sh [SECONDS] [ROUNDS]   a real RethinkDB
#   bench/app_vs_go.sh [SECONDS] [ROUNDS]   the tests' stand-in server (no real database work)
# Each round runs ours then Go's, SECONDS each (default 10); the rounds (default 3)
# alternate, and the comparison ends with the median of the rounds' ratios.
# Our app is built here as it ships (one static binary, RETHINKSWARMMODE_STATIC). Needs
# build/ (scripts/setup); installs golang-go, Debian's rethinkdb-go and wrk when missing
# (root).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
rounds=${2:-3}
packages=(golang-go golang-gopkg-rethinkdb-rethinkdb-go.v6-dev wrk)
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null
done
work=$(mktemp -d)
pids=()
source bench/standin.sh
source bench/numbers.sh
trap 'kill "${pids[@]}" $standin 2>/dev/null || true; rm -rf "$work"' EXIT
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$work/cache go build -o "$work/go-app" bench/go_app/main.go
cmake -S samples/rethinkswarmmode -B "$work/app" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRETHINKSWARMMODE_STATIC=ON >/dev/null
cmake --build "$work/app" >/dev/null

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # user + system

run() {  # NAME PROGRAM
  local app_port=$((32000 + $$ % 2000))
  RETHINKDB_HOSTS=$hosts PORT=$app_port "$2" >/dev/null 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$app_port/bar" >/dev/null && break; sleep 0.1; done
  sleep 1
  local idle; idle=$(rss_kb "$pid")
  local ticks_before; ticks_before=$(cpu_ticks "$pid")
  local out; out=$(wrk -t2 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$app_port/bar")
  local ticks=$(($(cpu_ticks "$pid") - ticks_before))
  local requests; requests=$(awk '/requests in/ { print $1 }' <<<"$out")
  # The app's own CPU time per request: what it costs whoever else shares the machine.
  local cpu_us=$((ticks * 1000000 / $(getconf CLK_TCK) / requests))
  local rate; rate=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
  local p50; p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  local p99; p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  local errors; errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
  echo "$1: ${rate} requests/s, p50 ${p50}, p99 ${p99}, CPU ${cpu_us} µs/request, idle RSS $((idle / 1024)) MB, after the load $(($(rss_kb "$pid") / 1024)) MB${errors:+, $errors}"
  last_rate=$rate
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

apps() {  # HOST PORT
  hosts=$1:$2
  local ours ratios=()
  for ((round = 1; round <= rounds; round++)); do
    run "C++ (rethinkswarmmode)" "$work/app/rethinkswarmmode"
    ours=$last_rate
    run "Go (net/http + rethinkdb-go)" "$work/go-app"
    ratios+=("$(ratio "$ours" "$last_rate")")
  done
  echo "C++ served $(median "${ratios[@]}")x Go's requests/s (rounds: ${ratios[*]}); target: >= 2x"
}

if [ -n "${RSM_BENCH_RETHINKDB:-}" ]; then
  echo "database: RethinkDB at $RSM_BENCH_RETHINKDB"
  apps "${RSM_BENCH_RETHINKDB%:*}" "${RSM_BENCH_RETHINKDB##*:}"
else
  for_each_standin apps
fi
