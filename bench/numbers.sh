# Sourced by the benchmarks: timing, ratios and medians, and a temporary environment.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }  # START END: seconds
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }    # A B: A/B
median() {  # NUMBER...
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# An environment of the benchmark's own (env, the rsm.yaml file for it to write, rsm),
# removed with the file when the script ends, however it ends.
bench_environment() {  # PREFIX
  rsm=${RSM:-build/rsm}
  env=$1-$$
  file=$(mktemp --suffix=.yaml)
  trap '"$rsm" down "$env" -f >/dev/null 2>&1 || true; rm -f "$file"' EXIT
}
# "true", or "false" with NO_WAIT set (a stand-in database image: no cluster to wait for).
db_wait() { [ -n "${NO_WAIT:-}" ] && echo false || echo true; }
