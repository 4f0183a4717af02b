#!/usr/bin/env bash
# Fuzz one target for a while from its checked-in corpus, the way CI does.
#
#   scripts/fuzz-target.sh <target> <seconds> [extra libFuzzer flags...]
#   SANITIZER=none scripts/fuzz-target.sh <target> <seconds>
#
# SANITIZER (default address) is cargo fuzz's -s. heapbound's detectors are
# the tracking allocator's counters and need no sanitizer; `none` runs the
# targets about 3 times faster (actions ~17,000 exec/s against ~5,000 here)
# but no longer catches memory errors in unsafe code.
# New inputs go to fuzz/corpus/<target> (corpus/<target> is only read), so a
# later `cargo fuzz cmin` can minimize what the run found. On a crash the
# input stays in fuzz/artifacts/<target>/ and `heapbound replay` of each
# crash is written to fuzz/artifacts/<target>/replay.txt; exit status 1.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:?usage: scripts/fuzz-target.sh <target> <seconds> [libFuzzer flags]}"
seconds="${2:?usage: scripts/fuzz-target.sh <target> <seconds> [libFuzzer flags]}"
shift 2

cargo_fuzz=(cargo fuzz)
if ! rustc --version | grep -q nightly; then
  cargo_fuzz=(cargo +nightly fuzz)
fi

mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
# -rss_limit_mb / -malloc_limit_mb: the largest bot an input can configure
# stays far below 512 MB of heap (its budget is computed from bounds of at
# most 4096), so a runaway input is stopped by libFuzzer too.
status=0
"${cargo_fuzz[@]}" run -O -s "${SANITIZER:-address}" "$target" "fuzz/corpus/$target" "corpus/$target" -- \
  -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
  -print_final_stats=1 "$@" || status=$?

if [ "$status" -ne 0 ]; then
  report="fuzz/artifacts/$target/replay.txt"
  : >"$report"
  for crash in "fuzz/artifacts/$target"/crash-* "fuzz/artifacts/$target"/timeout-* "fuzz/artifacts/$target"/oom-* "fuzz/artifacts/$target"/leak-*; do
    [ -f "$crash" ] || continue
    echo "== $crash" >>"$report"
    cargo run --release --quiet -- replay "$crash" --target "$target" >>"$report" 2>&1 || true
  done
  echo "fuzzing $target failed; crash inputs and $report are in fuzz/artifacts/$target/"
  exit 1
fi
