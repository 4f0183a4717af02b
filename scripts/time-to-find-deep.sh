#!/usr/bin/env bash
# Time to find each deep defect, per engine: the paper desk's
# (heapbound::defects::DeepDefect), the grid adapter's
# (grid_bot::GridDeepDefect) and the Python desk bot's orphaned index
# (examples/python/deep_desk_bot.py). Engines: libFuzzer on the `deep`
# target with heapbound's step-level mutator (from an empty corpus, with
# and without the address sanitizer, and from the checked-in corpus) and
# with libFuzzer's byte mutations alone; `explore` guided by the bot's
# behaviour and `explore --unguided` (random scenarios); and, as the
# baseline, random `simulate` given the same wall time.
#
# Median seconds of RUNS runs (libFuzzer and explore seeds 1..RUNS; the
# simulate baseline runs BASELINE_RUNS times, default RUNS); "-" when not
# found within LIMIT seconds, "n/a" where an engine cannot drive the bot.
# Prints a Markdown table, also written to $HEAPBOUND_TABLE when set.
# Usage: scripts/time-to-find-deep.sh [runs] [limit-seconds] [defect ...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
limit="${2:-60}"
baseline_runs="${BASELINE_RUNS:-$runs}"
shift $(( $# > 2 ? 2 : $# ))
paper="orphan-index duplicate-subscription stop-after-gap round-lot-close miss-after-cleanup"
grid="fill-after-cancel third-return"
python="python-orphan-index"
defects="${*:-$paper $grid $python}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for sanitizer in none address; do
  cargo +nightly fuzz build -O -s "$sanitizer" deep >/dev/null 2>&1
  cp fuzz/target/x86_64-unknown-linux-gnu/release/deep "$work/deep-$sanitizer"
done
cargo build --release --bin heapbound --example heapbound-desk -p heapbound >/dev/null 2>&1
cargo build --release -p grid-bot --bin heapbound-deep-grid >/dev/null 2>&1

# Seconds since $1 (a `date +%s.%N`).
since() { echo "$(date +%s.%N) - $1" | bc; }

# The program that runs the bot carrying defect $1, and the two arguments
# that plant it, one per line.
bot_of() {
  case " $grid " in
    *" $1 "*) printf '%s\n' target/release/heapbound-deep-grid --config "{\"defect\":\"$1\"}"; return ;;
  esac
  if [ "$1" = python-orphan-index ]; then
    printf '%s\n' target/release/heapbound --exec "python3 examples/python/deep_desk_bot.py"
  else
    printf '%s\n' target/release/examples/heapbound-desk --config "{\"defect\":\"$1\"}"
  fi
}

# Runs the bot's CLI: `run_bot [timeout SECONDS] DEFECT SUBCOMMAND ARGS...`.
run_bot() {
  local wrapper=()
  if [ "$1" = timeout ]; then wrapper=(timeout "$2"); shift 2; fi
  local defect="$1"; shift
  local bot
  mapfile -t bot < <(bot_of "$defect")
  "${wrapper[@]}" "${bot[0]}" "$@" "${bot[1]}" "${bot[2]}"
}

# Seconds until libFuzzer's first crash, or "-".
libfuzzer_once() {
  local binary="$1" mutator="$2" defect="$3" corpus="$4" seed="$5" start
  [ "$defect" = python-orphan-index ] && { echo "n/a"; return; }
  rm -rf "$work/new" "$work/artifacts"; mkdir -p "$work/new" "$work/artifacts"
  start=$(date +%s.%N)
  if (cd "$work" && HEAPBOUND_MUTATOR="$mutator" HEAPBOUND_DEEP="$defect" "$binary" new $corpus \
      -seed="$seed" -max_total_time="$limit" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$work/artifacts/" >"$work/log" 2>&1); then
    echo "-"
  else
    since "$start"
  fi
}

# Seconds until explore fails, or "-".
explore_once() {
  local defect="$1" seed="$2" start
  shift 2
  start=$(date +%s.%N)
  if run_bot "$defect" explore --seed "$seed" --time "${limit}s" --out "$work/failure.json" "$@" \
      >"$work/log" 2>&1; then
    echo "-"
  else
    since "$start"
  fi
}

# Seconds until random simulation (an action every 4 candles) fails, or
# "-" when the wall time runs out first.
simulate_once() {
  local defect="$1" seed="$2" start status=0
  start=$(date +%s.%N)
  run_bot timeout "$limit" "$defect" simulate --seed "$seed" --candles 1000000000 --action-every 4 \
    >"$work/log" 2>&1 || status=$?
  if [ "$status" -eq 1 ]; then since "$start"; else echo "-"; fi
}

# Median of seconds, "-" (not found) counting as infinitely long.
median() {
  local values
  values=$(tr ' ' '\n' | grep -v '^$')
  if echo "$values" | grep -q '^n/a$'; then echo "n/a"; return; fi
  echo "$values" | sed 's/^-$/inf/' | sort -g |
    awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; if (m=="" || m=="inf") m="-"; else m=sprintf("%.1f", m); print m}'
}

corpus_of() {
  case " $grid " in *" $1 "*) echo "$PWD/corpus/grid_actions" ;; *) echo "$PWD/corpus/deep" ;; esac
}

table="$work/table.md"
{
  echo "| deep defect | libFuzzer, step mutator | libFuzzer, bytes only | libFuzzer + ASan | libFuzzer, from corpus | explore (guided) | explore --unguided | random simulate |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$table"
cat "$table"
for defect in $defects; do
  step=""; bytes=""; asan=""; corpus=""; guided=""; unguided=""; simulate=""
  for seed in $(seq 1 "$runs"); do
    step+=" $(libfuzzer_once "$work/deep-none" steps "$defect" "" "$seed")"
    bytes+=" $(libfuzzer_once "$work/deep-none" bytes "$defect" "" "$seed")"
    asan+=" $(libfuzzer_once "$work/deep-address" steps "$defect" "" "$seed")"
    corpus+=" $(libfuzzer_once "$work/deep-none" steps "$defect" "$(corpus_of "$defect")" "$seed")"
    guided+=" $(explore_once "$defect" "$seed")"
    unguided+=" $(explore_once "$defect" "$seed" --unguided)"
  done
  for seed in $(seq 1 "$baseline_runs"); do
    simulate+=" $(simulate_once "$defect" "$seed")"
  done
  row="| $defect"
  for column in "$step" "$bytes" "$asan" "$corpus" "$guided" "$unguided" "$simulate"; do
    row+=" | $(echo "$column" | median)"
  done
  echo "$row |" | tee -a "$table"
done
echo
echo "Median seconds to the first failure of $runs runs (random simulate: $baseline_runs); - : not found within $limit s; n/a: the engine cannot drive that bot."
if [ -n "${HEAPBOUND_TABLE:-}" ]; then cp "$table" "$HEAPBOUND_TABLE"; fi
