# Sourced by the benchmarks that compare two programs over several rounds.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }  # A B: A/B
# The median of the numbers on stdin (separated by spaces or lines).
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
