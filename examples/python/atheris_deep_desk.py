#!/usr/bin/env python3
"""atheris (coverage-guided fuzzing for Python) on the deep desk bot, the
anchor heapbound's guided `explore --exec` is compared with
(scripts/time-to-find-deep.sh): the same verbs with the same argument
ranges as heapbound sends a bot process, candles from a seeded walk, and
the bot's invariants after every step, in process.

    pip install atheris
    python3 examples/python/atheris_deep_desk.py -max_total_time=60 -seed=1

Exits non-zero with the failing input when an invariant breaks.
"""

import os
import random
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

with atheris.instrument_imports():
    import deep_desk_bot
    from guide_bot import Refused

INTERVAL_MS = 60_000


def candles(bot, walk, count, state):
    for _ in range(count):
        last = state["close"]
        close = max(0.01, round(last * (1 + walk.uniform(-0.01, 0.01)), 2))
        high, low = max(last, close), min(last, close)
        bot.on_candle(state["time"], last, high, low, close, 1.0)
        state["time"] += INTERVAL_MS
        state["close"] = close


def TestOneInput(data):
    fdp = atheris.FuzzedDataProvider(data)
    bot = deep_desk_bot.DeepDeskBot({})
    walk = random.Random(fdp.ConsumeIntInRange(0, 2**16))
    state = {"time": 0, "close": 100.0}
    price = lambda offset: max(0.01, round(state["close"] * (1 + offset / 10_000), 2))  # noqa: E731
    step = 0
    while fdp.remaining_bytes() > 0 and step < 512:
        verb = fdp.ConsumeIntInRange(0, 6)
        try:
            if verb == 0:
                candles(bot, walk, fdp.ConsumeIntInRange(1, 255), state)
            elif verb == 1:
                bot.add_session(fdp.ConsumeIntInRange(0, 2**16 - 1), fdp.ConsumeIntInRange(0, 2**16 - 1))
            elif verb == 2:
                bot.get_session(fdp.ConsumeIntInRange(0, 2**16 - 1))
            elif verb == 3:
                bot.remove_session(fdp.ConsumeIntInRange(0, 2**16 - 1))
            elif verb == 4:
                qty = fdp.ConsumeIntInRange(0, 2**32 - 1) / 10_000
                bot.buy(qty, price(fdp.ConsumeIntInRange(-(2**15), 2**15 - 1)))
            elif verb == 5:
                bot.sell(price(fdp.ConsumeIntInRange(-(2**15), 2**15 - 1)))
            else:
                bot.cleanup(fdp.ConsumeIntInRange(0, 2**16 - 1), fdp.ConsumeIntInRange(0, 2**16 - 1))
        except Refused:
            pass
        broken = bot.invariants()
        if broken:
            raise AssertionError(f"step {step}: {broken}")
        step += 1


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
