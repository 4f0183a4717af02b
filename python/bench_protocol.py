#!/usr/bin/env python3
"""Candle throughput of heapbound's Python bot protocol.

    python3 python/bench_protocol.py [--candles N] [--bot noop|guide|leaky|all] [--no-direct]

Pipes pre-serialized batches of 4096 candles (a seeded random walk) through a
bot subprocess the way heapbound does: hello, then candles batches, each
answered before the next is sent ("lockstep"), then the same batches again
with a writer thread sending ahead while answers are read ("pipelined"),
then sample and shutdown. Serializing the batches is not timed; everything
the bot does (readline, JSON decoding, validation, the bot's on_candle,
the answer) is. For the guide bot it also times guide_bot.GuideBot.on_candle
called directly in this process over the same (already decoded) candles,
with and without tracemalloc, so the protocol's share can be read off.

Measured 2024-11 on this machine (2 cores, Python 3.11.7), 2,000,000 candles:
    noop  bot, protocol, lockstep    ~248,000 candles/s   (pipelined ~250,000)
    guide bot, protocol, lockstep    ~147,000 candles/s   (pipelined ~150,000)
    guide bot, direct on_candle      ~437,000 candles/s with tracemalloc,
                                   ~1,100,000 candles/s without
    -> the protocol (JSON decoding under tracemalloc) costs about 4 us per
       candle; guide bot through the protocol runs at ~0.34x its direct
       speed with tracemalloc on and ~0.13x of it without.
tracemalloc dominates: each traced allocation costs ~0.2 us, and decoding
one candle allocates a list, its item array and 6 numbers (plus one
temporary bytes object per number inside the json module). Without
tracemalloc the same loop runs at ~1,500,000 candles/s.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXAMPLES = os.path.join(ROOT, "examples", "python")
sys.path.insert(0, HERE)

BATCH = 4096


class NoopBot:
    """Does nothing: the protocol's own cost."""

    name = "noop-bot"

    def __init__(self, config):
        pass

    def on_candle(self, open_time_ms, open, high, low, close, volume):
        pass

    def components(self):
        return []


def make_candles(n, seed=42, start_ms=1_700_000_000_000, price=50_000.0):
    """A seeded random walk of valid candles, prices with two decimals."""
    rng = random.Random(seed)
    candles = []
    close = price
    for i in range(n):
        open_ = close
        close = round(max(1.0, open_ * (1.0 + rng.gauss(0.0, 0.002))), 2)
        high = round(max(open_, close) * (1.0 + rng.random() * 0.001), 2)
        low = round(min(open_, close) * (1.0 - rng.random() * 0.001), 2)
        volume = round(rng.random() * 5.0, 5)
        candles.append([start_ms + i * 60_000, open_, high, low, close, volume])
    return candles


def batch_lines(candles):
    return [
        json.dumps({"type": "candles", "candles": candles[i : i + BATCH]}, separators=(",", ":")).encode() + b"\n"
        for i in range(0, len(candles), BATCH)
    ]


def line(obj):
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def start(argv):
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def request(proc, obj):
    proc.stdin.write(line(obj))
    proc.stdin.flush()
    answer = proc.stdout.readline()
    if not answer:
        raise SystemExit(f"bot exited (status {proc.wait()}) while answering {obj.get('type')}")
    return json.loads(answer)


def check_ok(answer):
    if answer.get("type") != "ok":
        raise SystemExit(f"unexpected answer: {answer}")


def through_protocol(argv, lines, n):
    proc = start(argv)
    hello = request(proc, {"type": "hello", "protocol": 1, "config": {}})
    assert hello["type"] == "hello" and hello["protocol"] == 1, hello
    write, flush, readline = proc.stdin.write, proc.stdin.flush, proc.stdout.readline

    began = time.perf_counter()
    for data in lines:
        write(data)
        flush()
        check_ok(json.loads(readline()))
    lockstep = n / (time.perf_counter() - began)

    def writer():
        for data in lines:
            write(data)
        flush()

    began = time.perf_counter()
    thread = threading.Thread(target=writer)
    thread.start()
    for _ in lines:
        check_ok(json.loads(readline()))
    thread.join()
    pipelined = n / (time.perf_counter() - began)

    sample = request(proc, {"type": "sample"})
    bye = request(proc, {"type": "shutdown"})
    assert bye == {"type": "bye"}, bye
    status = proc.wait(timeout=30)
    assert status == 0, status
    return lockstep, pipelined, sample


def direct(candles, traced):
    sys.path.insert(0, EXAMPLES)
    from guide_bot import GuideBot

    if traced:
        tracemalloc.start()
    bot = GuideBot({})
    on_candle = bot.on_candle
    began = time.perf_counter()
    for t, o, h, low, c, v in candles:
        on_candle(t, o, h, low, c, v)
    rate = len(candles) / (time.perf_counter() - began)
    if traced:
        tracemalloc.stop()
    return rate, bot.stats()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candles", type=int, default=2_000_000)
    parser.add_argument("--bot", choices=("noop", "guide", "leaky", "all"), default="all")
    parser.add_argument("--no-direct", action="store_true", help="skip the direct on_candle timing")
    parser.add_argument("--serve", choices=("noop",), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve == "noop":
        from heapbound_bot import serve

        serve(NoopBot)
        return

    print(f"generating {args.candles:,} candles ...", file=sys.stderr)
    candles = make_candles(args.candles)
    lines = batch_lines(candles)
    # The decoded batches, as the bot sees them (floats and ints alike).
    decoded = [c for data in lines for c in json.loads(data)["candles"]]
    bots = {
        "noop": [sys.executable, os.path.abspath(__file__), "--serve", "noop"],
        "guide": [sys.executable, os.path.join(EXAMPLES, "guide_bot.py")],
        "leaky": [sys.executable, os.path.join(EXAMPLES, "leaky_bot.py")],
    }
    chosen = ["noop", "guide"] if args.bot == "all" else [args.bot]
    results = {}
    for name in chosen:
        lockstep, pipelined, sample = through_protocol(bots[name], lines, len(candles))
        results[name] = lockstep
        heap = sample["heap"]
        print(
            f"{name:5} bot, protocol: {lockstep:12,.0f} candles/s lockstep, {pipelined:12,.0f} pipelined "
            f"(heap current {heap['current']:,} B, peak {heap['peak']:,} B, trades {sample['trades']})"
        )
    if not args.no_direct and args.bot in ("guide", "all"):
        plain, stats = direct(decoded, traced=False)
        traced, _ = direct(decoded, traced=True)
        print(f"guide bot, direct on_candle: {traced:12,.0f} candles/s with tracemalloc, {plain:12,.0f} without")
        if "guide" in results:
            print(
                f"ratio protocol/direct: {results['guide'] / traced:.2f} (tracemalloc on both sides), "
                f"{results['guide'] / plain:.2f} (direct without tracemalloc); trades {stats['trades']}"
            )


if __name__ == "__main__":
    main()
