#!/usr/bin/env bash
# Runs one criterion benchmark on two git revisions in one go, on this
# machine, and prints each throughput and their ratio (new / old).
# Usage: scripts/bench-compare.sh <old-rev> [new-rev, default HEAD] [filter, default candles]
set -euo pipefail
cd "$(dirname "$0")/.."
old="$1"; new="${2:-HEAD}"; filter="${3:-candles}"
work=$(mktemp -d)
trap 'git worktree remove --force "$work/old" >/dev/null 2>&1; git worktree remove --force "$work/new" >/dev/null 2>&1; rm -rf "$work"' EXIT
git worktree add --detach "$work/old" "$old" >/dev/null
git worktree add --detach "$work/new" "$new" >/dev/null
# One target folder: dependencies build once.
export CARGO_TARGET_DIR="$work/target"
run() {
  (cd "$1" && cargo bench --bench throughput -- "$filter" --warm-up-time 1 --measurement-time 5 2>/dev/null) |
    awk '/^[a-z_\/0-9]+ +time:/ {name=$1} /^[a-z_\/0-9]+$/ {name=$1}
         /thrpt:/ && $(NF-2) ~ /elem\/s/ {v=$(NF-3); u=$(NF-2); m=1;
                   if (u ~ /^K/) m=1e3; if (u ~ /^M/) m=1e6; if (u ~ /^G/) m=1e9;
                   printf "%s %.0f\n", name, v*m}'
}
run "$work/old" > "$work/old.txt"
run "$work/new" > "$work/new.txt"
printf "%-40s %16s %16s %8s\n" "benchmark (elements/s)" "$old" "$new" "new/old"
join "$work/old.txt" "$work/new.txt" | while read -r name a b; do
  printf "%-40s %16s %16s %8.3f\n" "$name" "$a" "$b" "$(echo "$b / $a" | bc -l)"
done
