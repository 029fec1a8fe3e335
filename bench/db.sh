#!/usr/bin/env bash
# Times rsm db on a fresh environment of 3 managers: `db create` (image already on this
# machine), a second `db create` with nothing to change, and `db rm -f`. Prints each run
# and the medians.
#
#   bench/db.sh IMAGE [RUNS]             (default 5; needs root, a running dockerd, build/rsm)
#   NO_WAIT=1 bench/db.sh IMAGE [RUNS]   (create returns once the servers run: for a
#                                         stand-in image that cannot form a cluster)
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:?usage: bench/db.sh IMAGE [RUNS]}
runs=${2:-5}
rsm=${RSM:-build/rsm}
env=benchdb-$$
wait_flag=()
[ -n "${NO_WAIT:-}" ] && wait_flag=(--no-wait)

source bench/numbers.sh
trap '"$rsm" nodes rm "$env" -f >/dev/null 2>&1 || true' EXIT

"$rsm" nodes create "$env" -m 3 -q
"$rsm" images load "$env" "$image" >/dev/null  # the copy is timed by `images load`, not here
creates=() agains=() removes=()
for i in $(seq 1 "$runs"); do
  start=$(now)
  "$rsm" db create "$env" --image "$image" "${wait_flag[@]}" -q >/dev/null
  created=$(elapsed "$start" "$(now)")
  start=$(now)
  "$rsm" db create "$env" --image "$image" "${wait_flag[@]}" -q >/dev/null
  again=$(elapsed "$start" "$(now)")
  start=$(now)
  "$rsm" db rm "$env" -f >/dev/null 2>&1
  removed=$(elapsed "$start" "$(now)")
  echo "run $i: create ${created} s, again ${again} s, rm ${removed} s"
  creates+=("$created") agains+=("$again") removes+=("$removed")
done
echo "median of $runs runs: create $(median "${creates[@]}") s, again $(median "${agains[@]}") s, rm $(median "${removes[@]}") s"
