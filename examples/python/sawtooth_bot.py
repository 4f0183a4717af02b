#!/usr/bin/env python3
"""A correct bot whose memory is a bounded sawtooth, reporting bytes (sizeof).

Components (name, len, bound, bytes):

- day_closes:    the closes of the current UTC "day" (open_time_ms //
                 86_400_000) in a plain list, bound 1440 (one day of 1-minute
                 candles). When a candle of another day arrives, the list is
                 cleared and a new list object is created for the new day,
                 so len and bytes climb through the day and drop at midnight:
                 a sawtooth that never goes above one day. (Defensively, a
                 list already holding 1440 closes also starts over, so
                 candles shorter than a minute cannot push it past its bound.)
- trade_history: deque(maxlen=1000) of (time, side, qty, price), from a 10/50
                 moving-average crossover over price_window (buy with 95% of
                 the cash when the fast average crosses above, sell all when
                 it crosses below; fee 2 bps)
- price_window:  deque(maxlen=50) of the last closes, with running sums

Actions: buy and sell against cash (add/get/remove_session and cleanup are
not implemented and are answered "refused"). Config (all optional):
initial_capital 10000, fee_bps 2.
"""

import os
import sys
from collections import deque

try:
    import heapbound.bot  # noqa: F401  (installed: pip install heapbound)
except ImportError:  # a checkout: the helper is in ../../python
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from heapbound.bot import Refused, serve, sizeof  # noqa: E402

DAY_MS = 86_400_000
DAY_BOUND = 1440
MAX_TRADES = 1000
FAST = 10
SLOW = 50


class SawtoothBot:
    name = "sawtooth-bot"

    def __init__(self, config):
        self.cash = float(config.get("initial_capital", 10_000.0))
        self.fee_rate = float(config.get("fee_bps", 2.0)) / 10_000
        self.position = 0.0
        self.fills = 0
        self.last_close = None
        self.last_time = 0
        self.day_closes = []
        self.day_start = 0  # [day_start, day_end): the day day_closes holds
        self.day_end = 0
        self.days = 0  # day lists built
        self.trades = deque(maxlen=MAX_TRADES)
        self.prices = deque(maxlen=SLOW)
        self.fast_sum = 0.0
        self.slow_sum = 0.0
        self.above = None

    # -- candles --

    def on_candle(self, open_time_ms, open, high, low, close, volume):
        if not self.day_start <= open_time_ms < self.day_end or len(self.day_closes) >= DAY_BOUND:
            self.new_day(open_time_ms)
        self.day_closes.append(close)
        self.last_close = close
        self.last_time = open_time_ms
        above = self.update_averages(close)
        if above is not None:
            self.decide(above, close, open_time_ms)

    def new_day(self, open_time_ms):
        """Drops the old day's closes and starts a new list for this day."""
        self.day_closes.clear()
        self.day_closes = []
        day = open_time_ms // DAY_MS
        self.day_start = day * DAY_MS
        self.day_end = self.day_start + DAY_MS
        self.days += 1

    def update_averages(self, close):
        prices = self.prices
        n = len(prices)
        if n >= FAST:
            self.fast_sum -= prices[n - FAST]
        if n == SLOW:
            self.slow_sum -= prices[0]
        prices.append(close)
        self.fast_sum += close
        self.slow_sum += close
        if n + 1 < SLOW:
            return None
        return self.fast_sum * SLOW > self.slow_sum * FAST

    def decide(self, above, close, time):
        was_above = self.above
        self.above = above
        if was_above is None or above == was_above:
            return
        if above and self.position == 0:
            qty = self.cash * 0.95 / (close * (1 + self.fee_rate))
            if qty > 0:
                self.execute_buy(qty, close, time)
        elif not above and self.position > 0:
            self.execute_sell(close, time)

    # -- trading --

    def execute_buy(self, qty, price, time):
        if not qty > 0:
            raise Refused(f"quantity must be positive, got {qty}")
        if not price > 0:
            raise Refused(f"price must be positive, got {price}")
        cost = qty * price * (1 + self.fee_rate)
        if cost > self.cash:
            raise Refused(f"insufficient cash: need {cost:.2f}, have {self.cash:.2f}")
        self.cash -= cost
        self.position += qty
        self.fills += 1
        self.trades.append((time, "buy", qty, price))

    def execute_sell(self, price, time):
        if not self.position > 0:
            raise Refused("nothing to sell")
        if not price > 0:
            raise Refused(f"price must be positive, got {price}")
        qty = self.position
        self.cash += qty * price * (1 - self.fee_rate)
        self.position = 0.0
        self.fills += 1
        self.trades.append((time, "sell", qty, price))

    def buy(self, qty, price):
        self.execute_buy(qty, price, self.last_time)

    def sell(self, price):
        self.execute_sell(price, self.last_time)

    # -- measurement --

    def equity(self):
        if self.last_close is None:
            return self.cash
        return self.cash + self.position * self.last_close

    def components(self):
        return [
            ("day_closes", len(self.day_closes), DAY_BOUND, sizeof(self.day_closes)),
            ("trade_history", len(self.trades), MAX_TRADES, sizeof(self.trades)),
            ("price_window", len(self.prices), SLOW, sizeof(self.prices)),
        ]

    def invariants(self):
        if self.cash < 0:
            return [{"invariant": "cash-non-negative", "observed": self.cash, "allowed": 0, "unit": "quote"}]
        return []

    def stats(self):
        return {"trades": self.fills, "fills": self.fills, "equity": self.equity(), "cleanups": 0}


if __name__ == "__main__":
    serve(SawtoothBot)
