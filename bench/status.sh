#!/usr/bin/env bash
# Times `rsm status ENV --json` on an environment of 3 managers with the database and two
# apps (one on port 8080 through the edge, one without ports), against what a user runs
# without it: `rsm nodes ls`, `rsm db status` and `rsm app ls` one after another, and the
# plain docker CLI's `docker node ls`, `docker service ls` and `docker service ps` of every
# service (which says nothing of the database). Alternating rounds; prints each round and
# the medians, with the ratios. Then `rsm down -f`.
#
#   bench/status.sh DB_IMAGE APP_IMAGE [ROUNDS]   (default 10; root, a running dockerd,
#                                                  build/rsm; APP_IMAGE answers /healthz
#                                                  on 8080, e.g. the tests' web image)
#   NO_WAIT=1 ...                                 (a stand-in database image)
set -euo pipefail
cd "$(dirname "$0")/.."
db_image=${1:?usage: bench/status.sh DB_IMAGE APP_IMAGE [ROUNDS]}
app_image=${2:?usage: bench/status.sh DB_IMAGE APP_IMAGE [ROUNDS]}
rounds=${3:-10}
source bench/numbers.sh
bench_environment benchstatus
cat > "$file" <<YAML
env: $env
nodes: {managers: 3}
db: {image: $db_image, wait: $(db_wait)}
apps:
  - {name: web, image: $app_image, replicas: 2, ports: [8080]}
  - {name: api, image: $app_image, replicas: 1}
YAML
"$rsm" up -f "$file" -q >/dev/null
# The docker CLI goes to a manager; rsm itself keeps this machine's engine.
docker_env=$("$rsm" nodes env "$env" | sed -n 's/^export //p')


timed() {  # COMMAND...: seconds it took; a failure (exit 2 or more) stops the benchmark
  local start code=0
  start=$(now)
  "$@" >/dev/null 2>&1 || code=$?
  [ "$code" -le 1 ] || { echo "bench/status.sh: $* failed with $code" >&2; exit 1; }
  elapsed "$start" "$(now)"
}
three_commands() { "$rsm" nodes ls "$env" --json && "$rsm" db status "$env" --json && "$rsm" app ls "$env" --json; }
docker_cli() {
  # shellcheck disable=SC2086 # the words of DOCKER_HOST=...
  env $docker_env docker node ls && env $docker_env docker service ls
  for service in $(env $docker_env docker service ls -q); do env $docker_env docker service ps "$service"; done
}

status=() three=() cli=()
for i in $(seq 1 "$rounds"); do
  a=$(timed "$rsm" status "$env" --json)
  b=$(timed three_commands)
  c=$(timed docker_cli)
  echo "round $i: rsm status ${a} s, rsm nodes ls + db status + app ls ${b} s, docker CLI ${c} s"
  status+=("$a") three+=("$b") cli+=("$c")
done
ms=$(median "${status[@]}") mt=$(median "${three[@]}") mc=$(median "${cli[@]}")
echo "median of $rounds rounds: rsm status ${ms} s, the three rsm commands ${mt} s ($(ratio "$ms" "$mt")x)," \
  "docker CLI ${mc} s ($(ratio "$ms" "$mc")x)"
