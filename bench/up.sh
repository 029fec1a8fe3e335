#!/usr/bin/env bash
# Times `rsm up` from nothing (images already built) until the app answers through the
# edge proxy of every node, `rsm up --plan` with nothing to change (the plan alone), and a
# second `rsm up` with nothing to change (the plan, then converging to find nothing), on an
# environment of 3 managers with the database and one app of 6 replicas on port 9090;
# then `rsm down -f`. Prints each run and the medians.
#
#   bench/up.sh DB_IMAGE APP_IMAGE [RUNS]   (default 3; root, a running dockerd, build/rsm;
#                                            APP_IMAGE answers /healthz on 9090, e.g.
#                                            the sample app: rsm build samples/rethinkswarmmode rethinkswarmmode:1)
#   NO_WAIT=1 ...                           (a stand-in database image: no cluster to wait for)
#   APP_PORT=8080 ...                       (an app on another port, e.g. the tests' web image)
set -euo pipefail
cd "$(dirname "$0")/.."
db_image=${1:?usage: bench/up.sh DB_IMAGE APP_IMAGE [RUNS]}
app_image=${2:?usage: bench/up.sh DB_IMAGE APP_IMAGE [RUNS]}
runs=${3:-3}
source bench/numbers.sh
bench_environment benchup
cat > "$file" <<YAML
env: $env
nodes: {managers: 3}
db: {image: $db_image, wait: $(db_wait)}
apps:
  - {name: app, image: $app_image, replicas: 6, ports: [${APP_PORT:-9090}]}
YAML


firsts=() plans=() seconds=()
for i in $(seq 1 "$runs"); do
  start=$(now)
  "$rsm" up -f "$file" -q >/dev/null
  first=$(elapsed "$start" "$(now)")
  start=$(now)
  "$rsm" up -f "$file" --plan >/dev/null
  plan=$(elapsed "$start" "$(now)")
  start=$(now)
  "$rsm" up -f "$file" -q >/dev/null
  second=$(elapsed "$start" "$(now)")
  "$rsm" down "$env" -f >/dev/null 2>&1
  echo "run $i: up from nothing ${first} s, up --plan ${plan} s, up again ${second} s"
  firsts+=("$first") plans+=("$plan") seconds+=("$second")
done
mp=$(median "${plans[@]}") ms=$(median "${seconds[@]}")
echo "median of $runs runs: up from nothing $(median "${firsts[@]}") s, up --plan ${mp} s, up again ${ms} s" \
  "(the plan $(ratio "$mp" "$ms")x of up again)"
