#!/usr/bin/env python3
"""The guide's BAD patterns ("Common Memory Leak Patterns"), for heapbound
to catch. Otherwise the guide bot (it subclasses GuideBot):

- "Unbounded List Growth": every candle is appended to self.all_candles,
  reported as component "candle_history" with a declared bound (config
  "candle_history_bound", default 1000) that is never enforced.
- "Global Caches": closes go into the module-global dict PRICE_CACHE under
  f"{symbol}_{open_time}" and are never evicted, reported as component
  "price_cache" with the guide bot's declared bound (price_cache_capacity,
  default 1024), never enforced. Being global, it also survives reset.

Cleanup (periodic and the action) trims trades and sessions as in the guide
bot and, like the code in the guide, leaves both leaks alone.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from guide_bot import GuideBot, sizeof  # noqa: E402  (guide_bot puts the checkout's python/ on sys.path)
from heapbound.bot import serve  # noqa: E402

# ❌ BAD: a global cache that never clears.
PRICE_CACHE = {}


def _estimate(container, sample):
    """Container bytes plus len x the deep size of one entry: sizeof() over
    a container that grows without bound would make every sample slower."""
    return sys.getsizeof(container) + len(container) * sizeof(sample)


class GlobalPriceCache:
    """The PriceCache interface over the module-global dict; `capacity` is
    declared and reported, and nothing enforces it."""

    def __init__(self, symbol, capacity):
        self.symbol = symbol
        self.capacity = capacity

    def put(self, open_time_ms, close):
        key = f"{self.symbol}_{open_time_ms}"
        if key not in PRICE_CACHE:
            PRICE_CACHE[key] = close

    def get(self, open_time_ms):
        return PRICE_CACHE.get(f"{self.symbol}_{open_time_ms}")

    def nbytes(self):
        if not PRICE_CACHE:
            return sys.getsizeof(PRICE_CACHE)
        key = next(reversed(PRICE_CACHE))  # entries are alike: estimate from the newest
        per_entry = sys.getsizeof(key) + sys.getsizeof(PRICE_CACHE[key])
        return sys.getsizeof(PRICE_CACHE) + len(PRICE_CACHE) * per_entry

    def __len__(self):
        return len(PRICE_CACHE)


class LeakyBot(GuideBot):
    name = "leaky-bot"

    def __init__(self, config):
        super().__init__(config)
        self.prices = GlobalPriceCache(self.symbol, self.prices.capacity)
        self.candle_history_bound = config.get("candle_history_bound", 1000)
        if type(self.candle_history_bound) is not int or self.candle_history_bound < 1:
            raise ValueError(f"invalid config: candle_history_bound: {self.candle_history_bound!r}")
        self.all_candles = []  # ❌ BAD: grows forever

    def on_candle(self, open_time_ms, open_, high, low, close, volume):
        self.all_candles.append((open_time_ms, open_, high, low, close, volume))  # memory leak!
        GuideBot.on_candle(self, open_time_ms, open_, high, low, close, volume)

    def components(self):
        candles = self.all_candles
        history = (
            "candle_history",
            len(candles),
            self.candle_history_bound,
            _estimate(candles, candles[-1]) if candles else sys.getsizeof(candles),  # estimate
        )
        return super().components() + [history]


if __name__ == "__main__":
    serve(LeakyBot)
