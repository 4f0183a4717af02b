#!/usr/bin/env python3
"""What heapbound's protocol costs a Python bot: the guide bot alone under
tracemalloc beside the same bot under `heapbound soak --exec` and
`heapbound simulate --exec`, same candle count, same run, as ratios.

    python3 scripts/python-overhead.py [--candles N] [--rounds R] [--heapbound PATH]

"Alone" is python/guide_baseline.py: GuideBot.on_candle over candles made
before timing starts (no parsing, no object per candle value: the strictest
baseline a bot can have), with tracemalloc on as under heapbound. heapbound
is timed as a whole command (process start, hello, every batch, sample and
check, shutdown) with --action-every 0, since the bot alone sees no actions;
a run with heapbound's default action mix is shown too. Each figure is the
median of R rounds (default 3), interleaved so that load on the machine
falls on both sides. Exit status 0; the ratios are printed, not judged.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUIDE = f"{sys.executable} {os.path.join(ROOT, 'examples', 'python', 'guide_bot.py')}"


def alone(candles):
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "python", "guide_baseline.py"), "--candles", str(candles), "--json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["python_runs"]["tracemalloc"]["seconds"]


def heapbound(binary, command, candles, *extra):
    argv = [binary, command, "--exec", GUIDE, "--candles", str(candles), "--format", "json", *extra]
    if command == "soak":
        argv += ["--seeds", "1"]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed (exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candles", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--heapbound", default=os.path.join(ROOT, "target", "release", "heapbound"))
    args = parser.parse_args()
    if not os.access(args.heapbound, os.X_OK):
        sys.exit(f"{args.heapbound} not found: cargo build --release first, or pass --heapbound")
    runs = {
        "alone (guide_baseline.py, tracemalloc)": lambda: alone(args.candles),
        "soak --exec, --action-every 0": lambda: heapbound(args.heapbound, "soak", args.candles, "--action-every", "0"),
        "simulate --exec, --action-every 0": lambda: heapbound(
            args.heapbound, "simulate", args.candles, "--action-every", "0"
        ),
        "simulate --exec, default actions": lambda: heapbound(args.heapbound, "simulate", args.candles),
    }
    times = {name: [] for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            times[name].append(run())
    base = statistics.median(next(iter(times.values())))
    print(f"guide bot, {args.candles:,} candles, median of {args.rounds} rounds, one run of this script")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"  {name:40} {median:7.2f} s  {args.candles / median:>10,.0f} candles/s  {median / base:5.2f}x alone")


if __name__ == "__main__":
    main()
