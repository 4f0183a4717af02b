#!/usr/bin/env bash
# Time to find: fuzzes the `actions` target against each deliberate defect
# and each injected leak, from the checked-in corpus and from an empty one,
# RUNS times each (libFuzzer seeds 1..RUNS), and prints the median seconds
# to the first crash ("-" when not found within LIMIT seconds).
# Usage: scripts/time-to-find.sh [runs] [limit-seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
limit="${2:-60}"
cargo +nightly fuzz build -O actions >/dev/null 2>&1
binary=fuzz/target/x86_64-unknown-linux-gnu/release/actions
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

defects="fee-not-paid overdraft oversell unrecorded-fill stale-equity-sample unbounded-history"
leaks="unbounded-vec@candle_window rc-cycle@session_store global-cache@price_cache forget@trade_history undrained-queue@metrics orphan-keys@session_store slow-drip@strategy"

# Seconds until the first crash, or "-".
find_once() {
  local variable="$1" value="$2" corpus="$3" seed="$4"
  rm -rf "$work/new" "$work/artifacts"; mkdir -p "$work/new" "$work/artifacts"
  local start end
  start=$(date +%s.%N)
  if env "$variable=$value" "$binary" "$work/new" $corpus -seed="$seed" -max_total_time="$limit" \
      -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
      -artifact_prefix="$work/artifacts/" >"$work/log" 2>&1; then
    echo "-"
  else
    end=$(date +%s.%N)
    echo "$end - $start" | bc
  fi
}

# Median of seconds, "-" (not found) counting as infinitely long.
median() {
  tr ' ' '\n' | grep -v '^$' | sed 's/^-$/inf/' | sort -g |
    awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; if (m=="" || m=="inf") m="-"; else m=sprintf("%.1f", m); print m}'
}

printf "%-30s %18s %18s\n" "defect or leak" "corpus (median s)" "empty (median s)"
for entry in $(for d in $defects; do echo "HEAPBOUND_DEFECT=$d"; done; for l in $leaks; do echo "HEAPBOUND_INJECT=$l"; done); do
  variable="${entry%%=*}"; value="${entry#*=}"
  with_corpus=""; empty=""
  for seed in $(seq 1 "$runs"); do
    with_corpus+=" $(find_once "$variable" "$value" corpus/actions "$seed")"
    empty+=" $(find_once "$variable" "$value" "" "$seed")"
  done
  printf "%-30s %18s %18s\n" "$value" "$(echo "$with_corpus" | median)" "$(echo "$empty" | median)"
done
