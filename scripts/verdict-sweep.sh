#!/usr/bin/env bash
# Verdicts over every bot in the repository: SEEDS seeds x CANDLES candles
# of `soak` (simulate per seed, actions mixed in) and EXPLORE of `explore`
# for each good bot, which must all pass, and for each leaky twin, which
# must fail naming its component. Prints one line per bot and run, and
# exits 1 on any wrong verdict.
# Usage: scripts/verdict-sweep.sh [seeds] [candles] [explore-time]
set -uo pipefail
cd "$(dirname "$0")/.."
seeds="${1:-20}"
candles="${2:-1000000}"
explore="${3:-60s}"
cargo build --release --workspace --bins >/dev/null 2>&1 || { echo "build failed"; exit 2; }
bin=target/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wrong=0

# verdict EXPECTED NAME COMMAND... : runs COMMAND, checks its exit code.
verdict() {
  local expected="$1" name="$2"
  shift 2
  local start end code
  start=$(date +%s)
  "$@" >"$work/out" 2>"$work/err"
  code=$?
  end=$(date +%s)
  local said
  said=$(grep -E "^summary|^pass|^fail after|^  - |^violation" "$work/out" | head -3 | cut -c1-160 | tr '\n' ' ')
  if [ "$code" = "$expected" ]; then
    printf '%-4s %-44s exit %s in %4ss  %s\n' ok "$name" "$code" $((end - start)) "$said"
  else
    printf '%-4s %-44s exit %s (want %s) in %4ss  %s\n' WRONG "$name" "$code" "$expected" $((end - start)) "$said"
    sed -n 1,40p "$work/out"
    wrong=1
  fi
}

python=python3
good_python="guide_bot.py lengths_only_bot.py sawtooth_bot.py"
for bot in paper grid; do
  case $bot in
    paper) cli=$bin/heapbound ;;
    grid) cli=$bin/heapbound-grid ;;
  esac
  verdict 0 "$bot: soak $seeds x $candles" "$cli" soak --seeds "0..$seeds" --candles "$candles"
  verdict 0 "$bot: explore $explore" "$cli" explore --time "$explore" --out "$work/failure.json"
done
for bot in $good_python; do
  verdict 0 "$bot: soak $seeds x $candles" $bin/heapbound soak --seeds "0..$seeds" --candles "$candles" \
    --exec "$python examples/python/$bot"
  verdict 0 "$bot: explore $explore" $bin/heapbound explore --time "$explore" --out "$work/failure.json" \
    --exec "$python examples/python/$bot"
done
# Leaky twins: each must fail, naming its component.
verdict 1 "leaky grid: simulate" $bin/heapbound-leaky-grid simulate --candles "$candles"
verdict 1 "leaky grid: explore $explore" $bin/heapbound-leaky-grid explore --time "$explore" --out "$work/failure.json"
for bot in leaky_bot.py hidden_leak_bot.py; do
  verdict 1 "$bot: simulate" $bin/heapbound simulate --candles 100000 --exec "$python examples/python/$bot"
  verdict 1 "$bot: explore $explore" $bin/heapbound explore --time "$explore" --out "$work/failure.json" \
    --exec "$python examples/python/$bot"
done
exit $wrong
