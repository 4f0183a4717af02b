#!/usr/bin/env python3
"""A bot that does nothing: measures what the protocol itself costs.

    heapbound simulate --exec "python3 examples/python/noop_bot.py" --candles 1000000
"""

import os
import sys

try:
    import heapbound.bot  # noqa: F401  (installed: pip install heapbound)
except ImportError:  # a checkout: the helper is in ../../python
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

from heapbound.bot import serve  # noqa: E402


class NoopBot:
    name = "noop"

    def __init__(self, config):
        self.candles = 0

    def on_candle(self, open_time_ms, open, high, low, close, volume):
        self.candles += 1

    def components(self):
        return [("nothing", 0, 1)]


if __name__ == "__main__":
    serve(NoopBot)
