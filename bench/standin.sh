# Sourced by the benchmarks that fall back on the tests' RethinkDB stand-in when no real
# server is named. `for_each_standin COMMAND` runs `COMMAND HOST PORT` against it once for
# each way it can write answers: each in a write of its own (as RethinkDB 2.4 does), and
# the answers to what one read brought together. The drivers do not take the two alike.
# The stand-in running at any moment is $standin: kill it in the caller's EXIT trap.
standin=
for_each_standin() {
  local writes port flags
  for writes in each together; do
    port=$((30000 + $$ % 2000))
    flags=()
    [ "$writes" = together ] || flags=(--write-each-answer)
    build/bench/reql_test_server "$port" "${flags[@]}" >/dev/null &
    standin=$!
    sleep 0.3
    echo "server: the tests' stand-in (reql_test_server), not RethinkDB; answers written $writes"
    "$@" 127.0.0.1 "$port"
    kill "$standin"
    wait "$standin" 2>/dev/null || true
    standin=
  done
}
