#!/usr/bin/env bash
# Times the local driver: the node image built from nothing, then `rsm nodes create ENV
# -m 1 -w 2` (image already built) until the swarm lists 3 ready nodes, and `rsm nodes
# rm -f`. Prints each run and the medians.
#
#   bench/nodes.sh [RUNS]        (default 5; needs root, a running dockerd and build/rsm)
#   RSM=/path/to/rsm bench/nodes.sh
#   SKIP_IMAGE=1 bench/nodes.sh  (keep the existing node image)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
rsm=${RSM:-build/rsm}
env=bench-$$

source bench/numbers.sh
trap '"$rsm" nodes rm "$env" -f >/dev/null 2>&1 || true' EXIT

if [ -z "${SKIP_IMAGE:-}" ]; then
  image=$("$rsm" nodes image 2>/dev/null)
  docker_sock=/var/run/docker.sock
  curl -sf --unix-socket "$docker_sock" -X DELETE "http://localhost/images/$image?force=1" >/dev/null || true
  start=$(now)
  "$rsm" nodes image >/dev/null 2>&1
  echo "node image from nothing: $(elapsed "$start" "$(now)") s"
fi

creates=() removes=()
for i in $(seq 1 "$runs"); do
  start=$(now)
  "$rsm" nodes create "$env" -m 1 -w 2 -q
  created=$(elapsed "$start" "$(now)")
  ready=$("$rsm" nodes ls "$env" --json | grep -c '"status": "ready"')
  [ "$ready" = 3 ] || { echo "run $i: only $ready of 3 nodes ready" >&2; exit 1; }
  start=$(now)
  "$rsm" nodes rm "$env" -f >/dev/null 2>&1
  removed=$(elapsed "$start" "$(now)")
  echo "run $i: create 1 manager + 2 workers (3 ready) ${created} s, rm ${removed} s"
  creates+=("$created") removes+=("$removed")
done
echo "median of $runs runs: create $(median "${creates[@]}") s, rm $(median "${removes[@]}") s"
