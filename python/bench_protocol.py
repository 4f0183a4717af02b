#!/usr/bin/env python3
"""Candle throughput of heapbound's Python bot protocol.

    python3 python/bench_protocol.py [--candles N] [--bot noop|guide|leaky|all] [--no-direct]
                                     [--encoding base64-columns|json] [--sizeof]

Pipes pre-serialized batches of 4096 candles (a seeded random walk) through a
bot subprocess the way heapbound does: hello, then candles batches, each
answered before the next is sent ("lockstep"), then the same batches again
with a writer thread sending ahead while answers are read ("pipelined"),
then sample and shutdown. Serializing the batches is not timed; everything
the bot does (readline, JSON decoding, validation, the bot's on_candle,
the answer) is. For the guide bot it also times guide_bot.GuideBot.on_candle
called directly in this process over the same (already decoded) candles,
with and without tracemalloc, so the protocol's share can be read off.

Measured on the development machine (2 cores, CPython 3.11.7, other jobs
sharing it at times, hence the bot-CPU column), 1,000,000 candles:

    do-nothing bot, protocol, lockstep   ~291,000 candles/s wall   (~297,000 per bot CPU s)
    do-nothing bot, protocol, pipelined  ~292,000 candles/s wall   (~302,000 per bot CPU s)
      same, HEAPBOUND_BOT_FRAMELESS=0    ~207,000 candles/s per bot CPU s
    guide_bot.py,   protocol, lockstep    ~98,000 candles/s wall   (~111,000 per bot CPU s)
    guide_bot.py,   on_candle direct     ~203,000 candles/s with tracemalloc
                                       ~1,017,000 candles/s without
    -> guide bot through the protocol / direct: 0.48 with tracemalloc on
       both sides, 0.10 against plain Python (no tracemalloc).

tracemalloc dominates everything. In CPython 3.11 every object creation
records a traceback, even for a float reused from the free list, and the
line number is found by scanning the function's line table, so it gets
dearer the further down a function the object is made. Decoding one candle
makes a list, its item array, six numbers and a temporary object per
number. The helper decodes batches on a thread without Python frames,
which makes that about 35% cheaper. Without tracemalloc the helper's loop
with a do-nothing bot runs at about 1,250,000 candles/s (in process, with
no pipe in between).
"""

import argparse
import base64
import json
import os
import random
import struct
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


def make_batches(n, seed=42, start_ms=1_700_000_000_000, price=50_000.0, encoding="base64-columns"):
    """Request lines of a seeded random walk of n valid candles (prices with
    two decimals), BATCH candles per line, in the encoding heapbound writes
    for a bot that asked for it (PROTOCOL.md, candles)."""
    rng = random.Random(seed)
    lines = []
    close = price
    for first in range(0, n, BATCH):
        candles = []
        for i in range(first, min(n, first + BATCH)):
            open_ = close
            close = round(max(1.0, open_ * (1.0 + rng.gauss(0.0, 0.002))), 2)
            high = round(max(open_, close) * (1.0 + rng.random() * 0.001), 2)
            low = round(min(open_, close) * (1.0 - rng.random() * 0.001), 2)
            volume = round(rng.random() * 5.0, 5)
            candles.append([start_ms + i * 60_000, open_, high, low, close, volume])
        lines.append(line(candles_request(candles, encoding)))
    return lines


def candles_request(candles, encoding):
    if encoding == "json":
        return {"type": "candles", "candles": candles}
    raw = struct.pack(f"<{len(candles)}q", *(c[0] for c in candles))
    for field in range(1, 6):
        raw += struct.pack(f"<{len(candles)}d", *(c[field] for c in candles))
    return {"type": "candles", "count": len(candles), "columns": base64.b64encode(raw).decode()}


def decoded(data):
    """The candles of a request line, as [time, o, h, l, c, v] lists."""
    request = json.loads(data)
    if "candles" in request:
        return request["candles"]
    count = request["count"]
    raw = base64.b64decode(request["columns"])
    times = struct.unpack_from(f"<{count}q", raw)
    values = struct.unpack_from(f"<{5 * count}d", raw, 8 * count)
    return [[times[i]] + [values[f * count + i] for f in range(5)] for i in range(count)]


def line(obj):
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def cpu_seconds(pid):
    """User plus system CPU time of a process, from /proc (Linux); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


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


class Rate:
    """Candles per wall-clock second, and per second of the bot's CPU time."""

    def __init__(self, n, wall, cpu):
        self.wall = n / wall
        self.cpu = n / cpu if cpu else None

    def __str__(self):
        cpu = f"{self.cpu:11,.0f}" if self.cpu else "          ?"
        return f"{self.wall:11,.0f} /s wall, {cpu} /s of bot CPU"


def through_protocol(argv, lines, n):
    proc = start(argv)
    hello = request(proc, {"type": "hello", "protocol": 1, "config": {}})
    assert hello["type"] == "hello" and hello["protocol"] == 1, hello
    write, flush, readline = proc.stdin.write, proc.stdin.flush, proc.stdout.readline

    cpu0, began = cpu_seconds(proc.pid), time.perf_counter()
    for data in lines:
        write(data)
        flush()
        check_ok(json.loads(readline()))
    wall, cpu1 = time.perf_counter() - began, cpu_seconds(proc.pid)
    lockstep = Rate(n, wall, cpu1 - cpu0 if cpu0 is not None else None)

    def writer():
        for data in lines:
            write(data)
        flush()

    cpu0, began = cpu_seconds(proc.pid), time.perf_counter()
    thread = threading.Thread(target=writer)
    thread.start()
    for _ in lines:
        check_ok(json.loads(readline()))
    thread.join()
    wall, cpu1 = time.perf_counter() - began, cpu_seconds(proc.pid)
    pipelined = Rate(n, wall, cpu1 - cpu0 if cpu0 is not None else None)

    sample = request(proc, {"type": "sample"})
    bye = request(proc, {"type": "shutdown"})
    assert bye == {"type": "bye"}, bye
    status = proc.wait(timeout=30)
    assert status == 0, status
    return lockstep, pipelined, sample


def direct(lines, traced):
    """GuideBot.on_candle over the same batches in this process: each batch
    decoded untimed, then the loop timed (one batch alive at a time, as in
    the bot process)."""
    sys.path.insert(0, EXAMPLES)
    from guide_bot import GuideBot

    if traced:
        tracemalloc.start()
    bot = GuideBot({})
    on_candle = bot.on_candle
    wall = cpu = 0.0
    n = 0
    for data in lines:
        candles = decoded(data)
        n += len(candles)
        began, cpu0 = time.perf_counter(), time.process_time()
        for t, o, h, low, c, v in candles:
            on_candle(t, o, h, low, c, v)
        wall += time.perf_counter() - began
        cpu += time.process_time() - cpu0
        del candles
    if traced:
        tracemalloc.stop()
    return Rate(n, wall, cpu), bot.stats()


def sizeof_cost():
    """Microseconds per object sizeof reaches, over the guide bot's
    containers after 30,000 candles and 1,000 sessions, with tracemalloc
    off and on."""
    sys.path.insert(0, EXAMPLES)
    from guide_bot import GuideBot

    from heapbound.bot import sizeof

    bot = GuideBot({})
    rng = random.Random(1)
    price = 50_000.0
    for i in range(30_000):
        price = round(price * (1.0 + rng.gauss(0.0, 0.002)), 2)
        bot.on_candle(1_700_000_000_000 + i * 60_000, price, price + 1.0, price - 1.0, price, 1.0)
    for session in range(1_000):
        bot.add_session(session, 100)
    containers = [bot.sessions.sessions, bot.executor.history.trades, bot.metrics.buffer, bot.window]
    objects = sum(_reached(container) for container in containers)
    for traced in (False, True):
        if traced:
            tracemalloc.start()
        began = time.perf_counter()
        rounds = 20
        for _ in range(rounds):
            for container in containers:
                sizeof(container)
        per_object = (time.perf_counter() - began) / rounds / objects * 1e6
        if traced:
            tracemalloc.stop()
        print(f"sizeof, tracemalloc {'on ' if traced else 'off'}: {per_object:.2f} us per object ({objects:,} objects)")


def _reached(root):
    """Objects sizeof counts under `root` (the same walk, counted)."""
    from heapbound import bot

    seen, level, count = set(bot._SKIP_IDS), [root], 0
    while level:
        fresh = bot._fresh(level, seen)
        count += len(fresh)
        level = bot._referents(fresh)
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candles", type=int, default=1_000_000)
    parser.add_argument("--bot", choices=("noop", "guide", "leaky", "all"), default="all")
    parser.add_argument("--no-direct", action="store_true", help="skip the direct on_candle timing")
    parser.add_argument(
        "--encoding", choices=("base64-columns", "json"), default="base64-columns", help="candle batches as"
    )
    parser.add_argument("--serve", choices=("noop",), help=argparse.SUPPRESS)
    parser.add_argument("--sizeof", action="store_true", help="only time heapbound.bot.sizeof per object")
    args = parser.parse_args()

    if args.sizeof:
        sizeof_cost()
        return

    if args.serve == "noop":
        from heapbound.bot import serve

        serve(NoopBot)
        return

    print(f"generating {args.candles:,} candles ...", file=sys.stderr)
    lines = make_batches(args.candles, encoding=args.encoding)
    print(f"load average before: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    bots = {
        "noop": [sys.executable, os.path.abspath(__file__), "--serve", "noop"],
        "guide": [sys.executable, os.path.join(EXAMPLES, "guide_bot.py")],
        "leaky": [sys.executable, os.path.join(EXAMPLES, "leaky_bot.py")],
    }
    chosen = ["noop", "guide"] if args.bot == "all" else [args.bot]
    results = {}
    for name in chosen:
        lockstep, pipelined, sample = through_protocol(bots[name], lines, args.candles)
        results[name] = lockstep
        heap = sample["heap"]
        print(f"{name:5} bot through the protocol, lockstep:  {lockstep}")
        print(f"{name:5} bot through the protocol, pipelined: {pipelined}")
        print(
            f"      (after {2 * args.candles:,} candles: heap current {heap['current']:,} B, "
            f"peak {heap['peak']:,} B, trades {sample['trades']})"
        )
    if not args.no_direct and args.bot in ("guide", "all"):
        traced, stats = direct(lines, traced=True)
        plain, _ = direct(lines, traced=False)
        print(f"guide bot on_candle direct, tracemalloc on:  {traced}")
        print(f"guide bot on_candle direct, tracemalloc off: {plain}")
        if "guide" in results:
            guide = results["guide"]
            print(
                f"protocol/direct (wall): {guide.wall / traced.wall:.2f} against direct with tracemalloc, "
                f"{guide.wall / plain.wall:.2f} against direct without (trades {stats['trades']})"
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}", file=sys.stderr)


if __name__ == "__main__":
    main()
