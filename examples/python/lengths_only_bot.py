#!/usr/bin/env python3
"""A correct, bounded bot written from PROTOCOL.md's "Writing a bot in Python"
section alone, the way someone outside the project would write one.

Its components() returns (name, len, bound) 3-tuples, without bytes, so
heapbound gets lengths only and has to judge memory from the heap numbers.

State, every piece bounded:

- trade_history: deque(maxlen=2000) of (time, side, qty, price) tuples; it
                 fills slowly, one trade every few dozen candles
- price_window:  deque(maxlen=50) of the last closes, with two running sums
                 (fast: the last 10 closes, slow: all 50) for a simple
                 moving-average crossover: buy with 95% of the cash when the
                 fast average crosses above the slow one, sell everything when
                 it crosses below
- sessions:      OrderedDict of id -> payload bytes, at most max_sessions
                 (config, default 500), oldest evicted first

plus cash and a position (fee 2 bps). Counters (candles, fills, cleanups)
are plain ints.

Config (hello/reset, all optional): max_sessions 500, initial_capital 10000,
fee_bps 2, max_payload_bytes 1024. Other keys are ignored.
"""

import os
import sys
from collections import OrderedDict, deque

try:
    import heapbound.bot  # noqa: F401  (installed: pip install heapbound)
except ImportError:  # a checkout: the helper is in ../../python
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from heapbound.bot import Refused, serve  # noqa: E402

FAST = 10
SLOW = 50
MAX_TRADES = 2000


class LengthsOnlyBot:
    name = "lengths-only-bot"

    def __init__(self, config):
        self.max_sessions = int(config.get("max_sessions", 500))
        if self.max_sessions < 1:
            raise ValueError(f"max_sessions must be at least 1, got {self.max_sessions}")
        self.max_payload_bytes = int(config.get("max_payload_bytes", 1024))
        self.cash = float(config.get("initial_capital", 10_000.0))
        self.fee_rate = float(config.get("fee_bps", 2.0)) / 10_000
        self.position = 0.0
        self.fills = 0
        self.cleanups = 0
        self.last_close = None
        self.last_time = 0

        self.trades = deque(maxlen=MAX_TRADES)
        self.prices = deque(maxlen=SLOW)
        self.fast_sum = 0.0
        self.slow_sum = 0.0
        self.above = None  # is the fast average above the slow one?
        self.sessions = OrderedDict()

    # -- candles --

    def on_candle(self, open_time_ms, open, high, low, close, volume):
        self.last_close = close
        self.last_time = open_time_ms
        above = self.update_averages(close)
        if above is not None:
            self.decide(above, close, open_time_ms)

    def update_averages(self, close):
        """Adds close to the window and both running sums; returns whether the
        fast average is above the slow one, or None while the window fills."""
        prices = self.prices
        n = len(prices)
        if n >= FAST:
            self.fast_sum -= prices[n - FAST]
        if n == SLOW:
            self.slow_sum -= prices[0]  # the deque drops it on append
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
        if qty <= 0:
            raise Refused(f"quantity must be positive, got {qty}")
        if price <= 0:
            raise Refused(f"price must be positive, got {price}")
        cost = qty * price * (1 + self.fee_rate)
        if cost > self.cash:
            raise Refused(f"insufficient cash: need {cost:.2f}, have {self.cash:.2f}")
        self.cash -= cost
        self.position += qty
        self.fills += 1
        self.trades.append((time, "buy", qty, price))

    def execute_sell(self, price, time):
        if self.position <= 0:
            raise Refused("nothing to sell")
        if price <= 0:
            raise Refused(f"price must be positive, got {price}")
        qty = self.position
        self.cash += qty * price * (1 - self.fee_rate)
        self.position = 0.0
        self.fills += 1
        self.trades.append((time, "sell", qty, price))

    # -- actions --

    def add_session(self, id, payload_len):
        if payload_len > self.max_payload_bytes:
            raise Refused(f"payload of {payload_len} bytes is over {self.max_payload_bytes}")
        if id in self.sessions:
            self.sessions.move_to_end(id)
        elif len(self.sessions) >= self.max_sessions:
            self.sessions.popitem(last=False)
        self.sessions[id] = bytes(payload_len)

    def get_session(self, id):
        if id not in self.sessions:
            raise Refused(f"no session {id}")
        return self.sessions[id]

    def remove_session(self, id):
        if self.sessions.pop(id, None) is None:
            raise Refused(f"no session {id}")

    def buy(self, qty, price):
        self.execute_buy(qty, price, self.last_time)

    def sell(self, price):
        self.execute_sell(price, self.last_time)

    def cleanup(self, keep_trades, keep_sessions):
        while len(self.trades) > keep_trades:
            self.trades.popleft()
        while len(self.sessions) > keep_sessions:
            self.sessions.popitem(last=False)
        self.cleanups += 1

    # -- measurement --

    def equity(self):
        if self.last_close is None:
            return self.cash
        return self.cash + self.position * self.last_close

    def components(self):
        return [
            ("trade_history", len(self.trades), MAX_TRADES),
            ("price_window", len(self.prices), SLOW),
            ("sessions", len(self.sessions), self.max_sessions),
        ]

    def invariants(self):
        if self.cash < 0:
            return [{"invariant": "cash-non-negative", "observed": self.cash, "allowed": 0, "unit": "quote"}]
        return []

    def stats(self):
        return {"trades": self.fills, "fills": self.fills, "equity": self.equity(), "cleanups": self.cleanups}


if __name__ == "__main__":
    serve(LengthsOnlyBot)
