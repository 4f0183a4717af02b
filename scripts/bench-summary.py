#!/usr/bin/env python3
"""Prints the figures and ratios README's performance section quotes, from
the criterion results of the last `cargo bench` (target/criterion).

    cargo bench --bench throughput --bench fuzz_one --bench csv_reader \
        --bench tracker_system --bench tracker_tracking
    cargo bench -p barter-bot --bench barter_alone --bench barter_under_simulate
    python3 scripts/bench-summary.py [--criterion target/criterion]

Every ratio divides two benchmarks of the same `cargo bench` run on the same
machine; absolute figures differ between machines, ratios much less.
A benchmark that has not run is reported missing, never guessed.
"""

import argparse
import json
import os
import sys


# Results written more than this long before the newest one are from an
# earlier `cargo bench` and are left out (a full run takes about 5 minutes).
SAME_RUN_SECONDS = 30 * 60


def load(root):
    """{'group/function/value': (ns per iteration, throughput dict)} of the
    latest run, and the ids of older results left out."""
    found = {}
    for folder, _, files in os.walk(root):
        if os.path.basename(folder) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(folder, "benchmark.json")) as f:
            meta = json.load(f)
        path = os.path.join(folder, "estimates.json")
        with open(path) as f:
            estimates = json.load(f)
        entry = (estimates["median"]["point_estimate"], meta.get("throughput"))
        found[meta["full_id"]] = (os.path.getmtime(path), entry)
    newest = max((written for written, _ in found.values()), default=0)
    results = {name: entry for name, (written, entry) in found.items()
               if newest - written <= SAME_RUN_SECONDS}
    stale = sorted(name for name in found if name not in results)
    return results, stale


def per_second(entry):
    ns, throughput = entry
    if not throughput:
        return None, ""
    (unit, amount), = throughput.items()
    return amount / (ns * 1e-9), {"Elements": "/s", "Bytes": "B/s"}[unit]


def human(value):
    for scale, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if value >= scale:
            return f"{value / scale:,.2f}{suffix}"
    return f"{value:,.1f} "


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--criterion", default=os.path.join("target", "criterion"))
    args = parser.parse_args()
    results, stale = load(args.criterion)
    if not results:
        sys.exit(f"no criterion results under {args.criterion}: run `cargo bench` first")
    if stale:
        print(f"left out, from an earlier run: {', '.join(stale)}\n")

    print("benchmark                                   median/iter     throughput")
    for name in sorted(results):
        rate, unit = per_second(results[name])
        shown = f"{human(rate)}{unit}" if rate else ""
        print(f"{name:<43} {results[name][0] / 1e6:>10.3f} ms   {shown}")

    def rate(name):
        entry = results.get(name)
        return per_second(entry)[0] if entry else None

    def ratio(label, numerator, denominator, goal=None):
        top, bottom = rate(numerator), rate(denominator)
        if top is None or bottom is None:
            print(f"{label}: missing ({numerator if top is None else denominator} has not run)")
            return
        met = ""
        if goal is not None:
            met = f"  (goal >= {goal}: {'met' if top / bottom >= goal else 'NOT met'})"
        print(f"{label}: {human(top)}/s / {human(bottom)}/s = {top / bottom:.3f}{met}")

    print()
    ratio("simulate / generator", "candles/simulate/1000000", "candles/generate/1000000", 0.5)
    ratio("generator + step / generator", "candles/generate_and_step/1000000", "candles/generate/1000000")
    ratio("simulate 100 M / 1 M, per candle", "simulate_length/100000000", "simulate_length/1000000")
    ratio("barter under simulate / barter alone", "barter/under_simulate", "barter/alone", 0.95)
    for workload in ("session_inserts", "candle_step"):
        top, bottom = rate(f"tracker/{workload}/tracking"), rate(f"tracker/{workload}/system")
        if top is None or bottom is None:
            print(f"tracker overhead, {workload}: missing (run tracker_system and tracker_tracking)")
        else:
            print(f"tracker overhead, {workload}: tracking {human(top)}/s vs system {human(bottom)}/s"
                  f" = {100 * (bottom / top - 1):+.1f} % time")


if __name__ == "__main__":
    main()
