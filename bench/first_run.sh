#!/usr/bin/env bash
# Times `rsm up` of the repository's rsm.yaml on a machine with nothing of rsm's built:
# every rsm image (node, builders, edge proxy, Debian base, its own programs) and the
# sample app's image and build folder are removed first; the clock stops when /bar
# answers through the edge proxy. With OLD_RSM (an earlier rsm binary, e.g. one that
# made its images by one debootstrap after another), the same from nothing again with it,
# in the same run, and the ratio. The file's database image is swapped for DB_IMAGE (no
# RethinkDB here: the tests' memory stand-in, with no cluster to wait for).
#
#   bench/first_run.sh DB_IMAGE [OLD_RSM]   (root, a running dockerd, build/rsm, mmdebstrap)
set -euo pipefail
cd "$(dirname "$0")/.."
db_image=${1:?usage: bench/first_run.sh DB_IMAGE [OLD_RSM]}
old_rsm=${2:-}
source bench/numbers.sh
bench_environment benchfirst
sed -e "s/^env: dev/env: $env/" -e "s|^  image: rethinkdb:.*|  image: $db_image\n  wait: false|" \
  -e "s|source: samples/|source: $PWD/samples/|" rsm.yaml > "$file"

remove_everything_built() {
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^(rsm-[a-z-]+|rethinkswarmmode):' |
    xargs -r docker rmi -f >/dev/null
  docker volume ls -q --filter label=rsm.component=build-cache | xargs -r docker volume rm >/dev/null
}

# RSM: seconds from nothing until /bar answers on the first node's edge proxy.
first_run() {
  local binary=$1 start url
  remove_everything_built
  start=$(now)
  url=$("$binary" up -f "$file" -q --json -y 2>/dev/null | awk -F'"' '/"http:/ { print $2; exit }')
  [ -n "$url" ] || { echo "$binary up failed: run it by hand to see why" >&2; exit 1; }
  until curl -fsS -m 2 "$url/bar" 2>/dev/null | grep -q "Hello from Rethink"; do sleep 0.2; done
  elapsed "$start" "$(now)"
  "$binary" down "$env" -f >/dev/null 2>&1
}

ours=$(first_run "$rsm")
echo "rsm up from nothing to /bar: ${ours} s"
if [ -n "$old_rsm" ]; then
  theirs=$(first_run "$old_rsm")
  echo "the earlier rsm ($old_rsm) from nothing to /bar: ${theirs} s"
  echo "ratio ours/earlier: $(ratio "$ours" "$theirs")"
fi
