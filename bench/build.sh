#!/usr/bin/env bash
# Times `rsm build` of the sample app (the builder image already made): uncached (--fresh:
# an empty build folder), after a one-line change to one source file (the kept build
# folder), and with nothing changed. Builds a copy of the repository's files, so the
# change never touches the work tree. Prints each run and the medians.
#
#   bench/build.sh [RUNS]   (default 3; root, a running dockerd, build/rsm)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
rsm=${RSM:-build/rsm}
copy=$(mktemp -d)
image=rsm-bench/rethinkswarmmode:$$
trap 'rm -rf "$copy"; docker rmi -f "$image" >/dev/null 2>&1 || true' EXIT
git ls-files -z | xargs -0 tar -c | tar -x -C "$copy"
git -C "$copy" init -q && git -C "$copy" add -A  # the sample uses src/reql: send the repository
project=$copy/samples/rethinkswarmmode

source bench/numbers.sh
timed() { local start; start=$(now); "$@" >/dev/null 2>&1; elapsed "$start" "$(now)"; }

"$rsm" build "$project" "$image" >/dev/null  # the builder image, once
uncached=() changed=() unchanged=()
for i in $(seq 1 "$runs"); do
  u=$(timed "$rsm" build "$project" "$image" --fresh)
  echo "// bench run $i" >> "$project/routes.cpp"
  c=$(timed "$rsm" build "$project" "$image")
  n=$(timed "$rsm" build "$project" "$image")
  echo "run $i: uncached ${u} s, one file changed ${c} s, nothing changed ${n} s"
  uncached+=("$u") changed+=("$c") unchanged+=("$n")
done
echo "median of $runs runs: uncached $(median "${uncached[@]}") s, one file changed $(median "${changed[@]}") s," \
     "nothing changed $(median "${unchanged[@]}") s"
