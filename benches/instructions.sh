#!/usr/bin/env bash
# Instruction counts of the hot paths under callgrind: repeatable whatever the machine is
# doing, so a regression guard that cannot flake. Per operation, counted over 200
# iterations minus the count for 0 (setup), divided by 200.
#   benches/instructions.sh            # compare with benches/instructions.txt
#   benches/instructions.sh --update   # record a new baseline
# (valgrind hides the CPU's SHA extensions, so SHA-256 counts are the portable code's.)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)"; exit 2; }
cargo build -q --release --example hot_paths
bin=target/release/examples/hot_paths
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" "$3" 2>&1 |
    awk '/Collected/ {print $NF}' | tr -d ,
}
out=$(mktemp)
for op in loads dumps parse unsign session_load session_save loads_json loads_struct dumps_json; do
  for w in empty login cart large; do
    base=$(count "$w" "$op" 0); full=$(count "$w" "$op" 200)
    echo "$op $w $(( (full - base) / 200 ))" >> "$out"
  done
done
if [ "${1:-}" = "--update" ]; then
  cp "$out" benches/instructions.txt
  echo "baseline written to benches/instructions.txt"; cat benches/instructions.txt
  exit 0
fi
printf '%-14s %-6s %12s %12s %8s\n' op workload baseline now change
join -j1 <(awk '{print $1"/"$2, $3}' benches/instructions.txt | sort) <(awk '{print $1"/"$2, $3}' "$out" | sort) |
  awk '{split($1,k,"/"); printf "%-14s %-6s %12d %12d %+7.1f%%\n", k[1], k[2], $2, $3, ($3-$2)*100/$2}'
