#!/usr/bin/env bash
# Fuzz every target on all cores of one machine, one target after the other,
# each with libFuzzer's fork mode (N worker processes sharing one corpus).
#
#   scripts/fuzz-parallel.sh <seconds-per-target> [jobs]     # jobs: default nproc
#
# Same as, per target:
#   cargo +nightly fuzz run -O <target> fuzz/corpus/<target> corpus/<target> -- -fork=N -max_total_time=S
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:?usage: scripts/fuzz-parallel.sh <seconds-per-target> [jobs]}"
jobs="${2:-$(nproc)}"
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v heapbound-fuzz)
for target in $targets; do
  echo "== $target: $jobs workers for ${seconds}s"
  scripts/fuzz-target.sh "$target" "$seconds" -fork="$jobs" -ignore_crashes=0
done
