#!/usr/bin/env python3
"""Verdicts on the Python example bots over short and long runs, through
heapbound.prove as a pytest user calls it: every good bot must pass every
seed at every length, every leaky bot must fail every one.

    python3 scripts/python-sweep.py [--seeds N] [--candles 10000,20000,50000,100000]

Short runs are where a Python heap that is still settling looks most like a
leak (the slope is fitted over the second half of the run): this is the
sweep that found the helper's method-cache growth. Prints one line per bot
and length, and exits 1 on any wrong verdict.
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
EXAMPLES = os.path.join(ROOT, "examples", "python")

import heapbound  # noqa: E402

GOOD = {
    "guide_bot.py:GuideBot": None,
    "lengths_only_bot.py:LengthsOnlyBot": None,
    "sawtooth_bot.py:SawtoothBot": None,
    "guide_bot.py:GuideBot small sessions": {"max_sessions": 50},
}
LEAKY = {
    "leaky_bot.py:LeakyBot": None,
    "hidden_leak_bot.py:HiddenLeakBot": None,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--candles", default="10000,20000,50000,100000")
    args = parser.parse_args()
    lengths = [int(n) for n in args.candles.split(",")]
    wrong = 0
    for expected, bots in (("pass", GOOD), ("fail", LEAKY)):
        for label, config in bots.items():
            spec = os.path.join(EXAMPLES, label.split()[0])
            for candles in lengths:
                proof = heapbound.prove(spec, candles=candles, seeds=range(args.seeds), config=config, check=False)
                failed = [run for run in proof.runs if not run.passed]
                ok = not failed if expected == "pass" else len(failed) == len(proof.runs)
                wrong += not ok
                worst = max(
                    (run.report["leak"]["slope_bytes_per_candle"] for run in proof.runs if run.report), default=0
                )
                print(
                    f"{'ok' if ok else 'WRONG':5} {label:40} {candles:>7} candles: "
                    f"{len(proof.runs) - len(failed)} pass, {len(failed)} fail (want {expected}); "
                    f"largest slope {worst:.2f} B/candle"
                )
                if not ok and expected == "pass":
                    for run in failed:
                        print("      " + run.describe().replace("\n", "\n      "))
                sys.stdout.flush()
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
