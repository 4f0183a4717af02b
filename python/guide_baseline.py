#!/usr/bin/env python3
"""The README's Python baseline: the guide's bot, timed, beside heapbound.

    python3 python/guide_baseline.py [--candles N] [--seed S] [--no-tracemalloc]
                                     [--heapbound target/release/heapbound] [--json]

Times GuideBot.on_candle from examples/python/guide_bot.py, imported as is:
that class is the bot design of the memory-leak testing guide heapbound grew
from, with the same defaults as heapbound's paper
bot: a deque(maxlen=slow) candle window with running sums for a 20/60
moving-average crossover, paper trading (cash, position, 2 bps fee), the
guide's BoundedSessionStore (OrderedDict, oldest evicted), BoundedTradeHistory
(deque(maxlen)), a circular metrics buffer, an LRU price cache (an OrderedDict
with a capacity, where the guide's sketch uses functools.lru_cache(maxsize))
and the guide's periodic cleanup with gc.collect() every 10,000 candles.

N candles (default 1,000,000) of a seeded random walk (random.Random(seed),
prices with two decimals, high >= max(open, close), low <= min(open, close))
are generated BEFORE timing starts, and before tracemalloc starts: generation
is not timed. Then, as the guide's tests do, tracemalloc is started, the bot
is created and every candle goes through on_candle, in chunks of 4,096; only
the on_candle loop is timed (the bot's own cleanup and gc.collect() are in
it). Between chunks (untimed) every bounded container's length is checked
against its bound; after the candles, 2 x max_sessions sessions are added
(untimed) to exercise the session store's eviction. A container over its
bound ends the script with status 1.

--no-tracemalloc also times a second, fresh bot without tracemalloc.
--heapbound PATH runs `PATH simulate --candles N --seed S --format json` in
the same run and prints heapbound's candles_per_second over Python's (note:
heapbound's figure includes its candle generation, Python's does not).
--json prints one JSON object of the figures instead of the text.
Exit status: 0 ok, 1 a bound broken, 2 heapbound missing or its output unusable.
"""

import argparse
import gc
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))

from guide_bot import GuideBot  # noqa: E402

CHUNK = 4096


def make_candles(n, seed, start_ms=1_700_000_000_000, price=50_000.0):
    """n candles (open_time_ms, open, high, low, close, volume) of a seeded
    random walk of 1-minute candles, all made before any timing, as tuples of
    CHUNK tuples: once gc.collect() has untracked those (tuples of numbers),
    the bot's own gc.collect() does not walk a million candles a live bot
    would never hold (a flat list of them makes it ~2x slower untraced)."""
    rng = random.Random(seed)
    candles = []
    close = price
    for i in range(n):
        open_ = close
        close = round(max(1.0, open_ * (1.0 + rng.gauss(0.0, 0.002))), 2)
        high = max(open_, close, round(max(open_, close) * (1.0 + rng.random() * 0.001), 2))
        low = min(open_, close, round(min(open_, close) * (1.0 - rng.random() * 0.001), 2))
        candles.append((start_ms + i * 60_000, open_, high, low, close, round(rng.random() * 5.0, 5)))
    chunks = [tuple(candles[i : i + CHUNK]) for i in range(0, n, CHUNK)]
    gc.collect()
    return chunks


def run(chunks, n, traced):
    """Feeds every candle to a fresh GuideBot; returns its figures. Only the
    on_candle loop is timed; bounds are checked between chunks."""
    if traced:
        tracemalloc.start()  # before the bot exists, as in the guide's tests
    bot = GuideBot({})
    on_candle = bot.on_candle
    most = {}  # container -> (largest len seen, bound)
    wall = cpu = 0.0
    for chunk in chunks:
        began, cpu0 = time.perf_counter(), time.process_time()
        for t, o, h, low, c, v in chunk:
            on_candle(t, o, h, low, c, v)
        wall += time.perf_counter() - began
        cpu += time.process_time() - cpu0
        note_lengths(bot, most)
    for session_id in range(2 * bot.sessions.max_size):  # untimed: eviction
        bot.add_session(session_id, 64)
        if len(bot.sessions) > bot.sessions.max_size:
            break
    note_lengths(bot, most)
    current, peak = tracemalloc.get_traced_memory() if traced else (None, None)
    if traced:
        tracemalloc.stop()
    final = {name: length for name, length, *_ in bot.components()}
    return {
        "candles_per_second": n / wall if wall > 0 else float("inf"),
        "candles_per_cpu_second": n / cpu if cpu > 0 else None,
        "seconds": wall,
        "traced_current_bytes": current,
        "traced_peak_bytes": peak,
        "trades": bot.executor.fills,
        "equity": bot.equity(),
        "cleanups": bot.cleanups,
        "containers": {k: {"final_len": final[k], "max_len": m, "bound": b} for k, (m, b) in most.items()},
        "over_bound": sorted(k for k, (m, b) in most.items() if m > b),
    }


def note_lengths(bot, most):
    """Records the largest length of each container (from the bot's own
    components(), the figures heapbound reads)."""
    for name, length, bound, *_ in bot.components():
        seen = most.get(name, (0, bound))[0]
        most[name] = (max(seen, length), bound)


def heapbound_rate(path, n, seed):
    """heapbound's candles_per_second from `simulate --format json`."""
    argv = [path, "simulate", "--candles", str(n), "--seed", str(seed), "--format", "json"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True)
    except OSError as err:  # missing, not executable
        fail(f"cannot run heapbound binary {path!r}: {err}")
    try:
        report = json.loads(done.stdout)
        rate = float(report["candles_per_second"])
    except (ValueError, KeyError, TypeError):
        tail = done.stderr.strip()[-500:]
        fail(f"{' '.join(argv)} (exit status {done.returncode}) printed no JSON "
             f"with candles_per_second on stdout{': ' + tail if tail else ''}")
    return rate, report.get("verdict")


def fail(message):
    print(f"guide_baseline: {message}", file=sys.stderr)
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candles", type=int, default=1_000_000, help="candles to feed (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=42, help="random-walk seed (default 42, heapbound's too)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="also time a bot without tracemalloc")
    parser.add_argument("--heapbound", metavar="PATH", help="heapbound binary to measure in the same run")
    parser.add_argument("--json", action="store_true", help="print one JSON object of the figures")
    args = parser.parse_args()
    if args.candles < 1 or args.seed < 0:
        parser.error("--candles must be positive and --seed non-negative")
    if args.heapbound and not os.path.isfile(args.heapbound):
        if not shutil.which(args.heapbound):
            fail(f"heapbound binary not found: {args.heapbound}")
        args.heapbound = shutil.which(args.heapbound)

    python = f"{platform.python_implementation()} {platform.python_version()}"
    candles = make_candles(args.candles, args.seed)
    results = {"python": python, "candles": args.candles, "seed": args.seed, "same_run": True}
    runs = {"tracemalloc": run(candles, args.candles, traced=True)}
    if args.no_tracemalloc:
        runs["plain"] = run(candles, args.candles, traced=False)
    del candles
    results["python_runs"] = runs
    if args.heapbound:
        rate, verdict = heapbound_rate(args.heapbound, args.candles, args.seed)
        results["heapbound"] = {"candles_per_second": rate, "verdict": verdict}
        results["ratio"] = {k: rate / r["candles_per_second"] for k, r in runs.items()}

    broken = {k: r["over_bound"] for k, r in runs.items() if r["over_bound"]}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{python}, {args.candles:,} candles, seed {args.seed} (generation not timed); "
              f"every figure below measured in this one run")
        for kind, r in runs.items():
            label = "under tracemalloc" if kind == "tracemalloc" else "without tracemalloc"
            cpu = r["candles_per_cpu_second"]
            print(f"python guide bot {label:19}: {r['candles_per_second']:11,.0f} candles/s "
                  f"({r['seconds']:.2f} s; {cpu:,.0f} per CPU s), {r['trades']:,} fills, "
                  f"{r['cleanups']} cleanups")
            if r["traced_peak_bytes"] is not None:
                print(f"  tracemalloc: current {r['traced_current_bytes'] / 1e6:.2f} MB, "
                      f"peak {r['traced_peak_bytes'] / 1e6:.2f} MB")
            print("  containers (final len / largest seen / bound): " + ", ".join(
                f"{k} {c['final_len']}/{c['max_len']}/{c['bound']}" for k, c in r["containers"].items()))
        if args.heapbound:
            hb = results["heapbound"]
            for kind, ratio in results["ratio"].items():
                label = "tracemalloc" if kind == "tracemalloc" else "no tracemalloc"
                print(f"heapbound {hb['candles_per_second']:,.0f} candles/s / python "
                      f"{runs[kind]['candles_per_second']:,.0f} candles/s ({label}) = {ratio:,.0f}x")
            print(f"  (heapbound verdict {hb['verdict']}; its figure includes candle generation)")
    if broken:
        print(f"guide_baseline: containers over their bound: {broken}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
