#!/usr/bin/env python3
"""The memory-leak testing guide's good bot, speaking heapbound's protocol.

Every container is bounded the way the memory-leak testing guide heapbound
grew from builds it (its "Bounded Data Structures"):

- sessions:      an OrderedDict with max_size, oldest evicted first (FIFO)
- trade_history: a deque(maxlen=max_trades)
- metrics:       a circular buffer (fixed-size list + index) of equity samples
- price_cache:   an LRU cache of closes by open time (OrderedDict, capacity)
- candle_window: a deque(maxlen=slow) of closes, with running sums for the
                 moving-average crossover

plus a paper executor (cash, position, fees; fee 2 bps, 10,000 quote units
to start) and the guide's periodic cleanup (every 10,000 candles: trim
trades and sessions, gc.collect()).

Config (hello/reset "config", every key optional; amounts in quote units,
key names as in heapbound's BotConfig):
    symbol "BTCUSDT", strategy {"kind": "ma-crossover", "fast": 20, "slow": 60}
    (or top-level "fast"/"slow"), initial_capital 10000, fee_bps 2, lot 0.0001,
    max_sessions 1000, max_payload_bytes 1024, max_trades 1000,
    metrics_capacity 1024, price_cache_capacity 1024, cleanup_every 10000
    (0: never), keep_trades 500, keep_sessions 100.

Run it under heapbound, or by hand:  python3 examples/python/guide_bot.py
(then type {"type":"hello","protocol":1,"config":{}} and so on).
Set HEAPBOUND_LOG=debug to log each cleanup on stderr.
"""

import gc
import math
import os
import sys
from collections import OrderedDict, deque

try:
    import heapbound.bot  # noqa: F401  (installed: pip install heapbound)
except ImportError:  # a checkout: the helper is in ../../python
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))

from heapbound.bot import Refused, serve, sizeof  # noqa: E402

DEFAULTS = {
    "symbol": "BTCUSDT",
    "fast": 20,
    "slow": 60,
    "initial_capital": 10_000.0,
    "fee_bps": 2.0,
    "lot": 0.0001,
    "max_sessions": 1_000,
    "max_payload_bytes": 1_024,
    "max_trades": 1_000,
    "metrics_capacity": 1_024,
    "price_cache_capacity": 1_024,
    "cleanup_every": 10_000,
    "keep_trades": 500,
    "keep_sessions": 100,
}

MAX_BOUND = 1 << 20


# --- bounded containers (the guide's, in stdlib Python) ---------------------


class BoundedSessionStore:
    """Session store with a maximum size; the oldest session goes first."""

    def __init__(self, max_size=1000):
        self.sessions = OrderedDict()
        self.max_size = max_size

    def add_session(self, session_id, data):
        """Adds a session (or refreshes it: it becomes the newest); evicts the
        oldest when full. Returns the evicted id, if any."""
        sessions = self.sessions
        evicted = None
        if session_id in sessions:
            sessions.move_to_end(session_id)
        elif len(sessions) >= self.max_size:
            evicted, _ = sessions.popitem(last=False)  # FIFO
        sessions[session_id] = data
        return evicted

    def get_session(self, session_id):
        return self.sessions.get(session_id)

    def remove_session(self, session_id):
        return self.sessions.pop(session_id, None) is not None

    def clear_old_sessions(self, keep_last=100):
        """Keeps the newest keep_last sessions; returns how many went."""
        dropped = 0
        while len(self.sessions) > keep_last:
            self.sessions.popitem(last=False)
            dropped += 1
        return dropped

    def __len__(self):
        return len(self.sessions)


class BoundedTradeHistory:
    """The last max_trades trades; the oldest drops out when full."""

    def __init__(self, max_trades=10_000):
        self.max_trades = max_trades
        self.trades = deque(maxlen=max_trades)

    def add_trade(self, trade):
        self.trades.append(trade)

    def get_recent_trades(self, n=100):
        return list(self.trades)[-n:]

    def clear_old_trades(self, keep_last=1000):
        """Keeps the newest keep_last trades (in place, no copy)."""
        dropped = 0
        while len(self.trades) > keep_last:
            self.trades.popleft()
            dropped += 1
        return dropped

    def __len__(self):
        return len(self.trades)


class CircularBuffer:
    """Fixed-size circular buffer for metrics: a preallocated list and an index."""

    def __init__(self, size=10_000):
        self.buffer = [0.0] * size
        self.size = size
        self.index = 0
        self.is_full = False

    def append(self, value):
        self.buffer[self.index] = value
        self.index += 1
        if self.index == self.size:
            self.index = 0
            self.is_full = True

    def get_all(self):
        if self.is_full:
            return self.buffer[self.index:] + self.buffer[: self.index]
        return self.buffer[: self.index]

    def get_recent(self, n):
        values = self.get_all()
        return values[-n:] if len(values) > n else values

    def __len__(self):
        return self.size if self.is_full else self.index


class PriceCache:
    """LRU cache of closes by candle open time, at most `capacity` entries."""

    capped = True  # the least recently used entry goes at capacity

    def __init__(self, capacity=1024):
        self.capacity = capacity
        self.entries = OrderedDict()
        self.full = False

    def put(self, open_time_ms, close):
        entries = self.entries
        if open_time_ms in entries:
            entries.move_to_end(open_time_ms)
            entries[open_time_ms] = close
            return
        entries[open_time_ms] = close
        # A flag instead of len() on every put: under tracemalloc each int
        # above 256 (such as len() of a full cache) is a traced allocation.
        if self.full:
            entries.popitem(last=False)  # least recently used
        elif len(entries) >= self.capacity:
            self.full = True

    def get(self, open_time_ms):
        close = self.entries.get(open_time_ms)
        if close is not None:
            self.entries.move_to_end(open_time_ms)
        return close

    def nbytes(self):
        return sizeof(self.entries)

    def __len__(self):
        return len(self.entries)


# --- paper trading ------------------------------------------------------------


class PaperExecutor:
    """Fills orders on paper against cash, with a fee per fill."""

    def __init__(self, initial_capital, fee_bps, max_trades, lot):
        self.initial_capital = initial_capital
        self.cash = initial_capital
        self.position = 0.0
        self.cost_basis = 0.0
        self.realized_pnl = 0.0
        self.fees_paid = 0.0
        self.fills = 0
        self.fee_rate = fee_bps / 10_000
        self.lot = lot
        self.history = BoundedTradeHistory(max_trades)

    def total_cost(self, qty, price):
        """Notional plus fee; buy() and affordable_qty() share this number."""
        cost = qty * price
        return cost + cost * self.fee_rate

    def affordable_qty(self, price):
        """The most whole lots the cash pays for, fee included."""
        lot = self.lot
        lots = math.floor(self.cash / (price * (1 + self.fee_rate)) / lot)
        while lots > 0 and self.total_cost(lots * lot, price) > self.cash:
            lots -= 1
        return lots * lot

    def buy(self, qty, price, time):
        if not qty > 0:
            raise Refused(f"quantity must be positive, got {qty}")
        if not price > 0:
            raise Refused(f"price must be positive, got {price}")
        cost = qty * price
        total = self.total_cost(qty, price)
        if total > self.cash:
            raise Refused(f"insufficient cash: need {total:.2f}, have {self.cash:.2f}")
        # cash - total >= 0 exactly when total <= cash, also in floating point.
        self.cash -= total
        self.position += qty
        self.cost_basis += cost
        self.fees_paid += total - cost
        self.fills += 1
        self.history.add_trade((time, "buy", qty, price, total - cost))

    def sell(self, price, time):
        """Closes the whole position at `price`."""
        if not self.position > 0:
            raise Refused("nothing to sell: no open position")
        if not price > 0:
            raise Refused(f"price must be positive, got {price}")
        qty = self.position
        proceeds = qty * price
        fee = proceeds * self.fee_rate
        self.cash += proceeds - fee
        self.realized_pnl += proceeds - self.cost_basis
        self.fees_paid += fee
        self.position = 0.0
        self.cost_basis = 0.0
        self.fills += 1
        self.history.add_trade((time, "sell", qty, price, fee))

    def equity(self, price):
        return self.cash + self.position * price


# --- the bot --------------------------------------------------------------------


def _setting(config, key, kind, low, high=None):
    value = config.get(key, DEFAULTS[key])
    if kind is int:
        ok = type(value) is int
    else:
        ok = type(value) in (int, float) and math.isfinite(value)
    if not ok or value < low or (high is not None and value > high):
        span = f">= {low}" if high is None else f"in {low}..{high}"
        raise ValueError(f"invalid config: {key}: expected {kind.__name__} {span}, got {value!r}")
    return kind(value)


def _component(name, length, bound, nbytes, capped=True):
    return {"name": name, "len": length, "bound": bound, "bytes": nbytes, "capped": capped}


class GuideBot:
    name = "guide-bot"

    def __init__(self, config):
        strategy = config.get("strategy")
        if strategy is not None:
            if type(strategy) is not dict or strategy.get("kind", "ma-crossover") != "ma-crossover":
                raise ValueError(f"invalid config: strategy: only ma-crossover is implemented, got {strategy!r}")
            config = {**config, **{k: strategy[k] for k in ("fast", "slow") if k in strategy}}
        self.symbol = str(config.get("symbol", DEFAULTS["symbol"]))
        self.fast = _setting(config, "fast", int, 1, MAX_BOUND)
        self.slow = _setting(config, "slow", int, 2, MAX_BOUND)
        if self.fast >= self.slow:
            raise ValueError(f"invalid config: fast ({self.fast}) must be below slow ({self.slow})")
        initial_capital = _setting(config, "initial_capital", float, 0.0)
        fee_bps = _setting(config, "fee_bps", float, 0.0, 10_000.0)
        lot = _setting(config, "lot", float, 1e-12)
        max_sessions = _setting(config, "max_sessions", int, 1, MAX_BOUND)
        max_trades = _setting(config, "max_trades", int, 1, MAX_BOUND)
        metrics_capacity = _setting(config, "metrics_capacity", int, 1, MAX_BOUND)
        price_cache_capacity = _setting(config, "price_cache_capacity", int, 1, MAX_BOUND)
        self.max_payload_bytes = _setting(config, "max_payload_bytes", int, 0, 1 << 16)
        self.cleanup_every = _setting(config, "cleanup_every", int, 0)
        self.keep_trades = _setting(config, "keep_trades", int, 0)
        self.keep_sessions = _setting(config, "keep_sessions", int, 0)

        self.sessions = BoundedSessionStore(max_sessions)
        self.executor = PaperExecutor(initial_capital, fee_bps, max_trades, lot)
        self.metrics = CircularBuffer(metrics_capacity)
        self.prices = PriceCache(price_cache_capacity)
        self.window = deque(maxlen=self.slow)
        self.fast_sum = 0.0
        self.slow_sum = 0.0
        self.prev_diff = None  # fast average minus slow average, scaled, last candle
        self.candles = 0
        self.cleanups = 0
        self.rejected_orders = 0
        self.last_close = None
        self.last_time = 0
        self.debug = os.environ.get("HEAPBOUND_LOG", "").lower() in ("debug", "trace")

    # -- candles --

    def on_candle(self, open_time_ms, open_, high, low, close, volume):
        # Short steps, each in its own short method. Under tracemalloc
        # (CPython 3.11) creating any object, even a float from the free
        # list, records a traceback, whose line number is found by scanning
        # the function's line table from the top. The same float costs
        # ~0.1 us near the top of a function and ~0.9 us eighty lines down.
        self.candles = candles = self.candles + 1
        diff = self._push_close(close)
        if diff is not None:
            self._decide(diff, close, open_time_ms)
        self._record(open_time_ms, close)
        if self.cleanup_every and candles % self.cleanup_every == 0:
            self.cleanup(self.keep_trades, self.keep_sessions)

    def _push_close(self, close):
        """Adds close to the window and both running sums; once both averages
        are defined, returns (fast_avg - slow_avg) * fast * slow, whose sign
        is the crossover state (no division needed)."""
        window = self.window
        fast, slow = self.fast, self.slow
        n = len(window)
        if n >= fast:
            self.fast_sum -= window[n - fast]  # the close leaving the fast average
        if n == slow:
            self.slow_sum -= window[0]  # the close the deque drops on append
        window.append(close)
        self.fast_sum += close
        self.slow_sum += close
        if n + 1 < slow:
            return None
        return self.fast_sum * slow - self.slow_sum * fast

    def _decide(self, diff, close, time):
        """Buy (while flat) when fast crosses above slow, sell the whole
        position (while holding) when it crosses below; fills at the close."""
        prev = self.prev_diff
        self.prev_diff = diff
        if prev is None:
            return
        position = self.executor.position
        if diff > 0 and prev <= 0 and position == 0:
            self._strategy_buy(close, time)
        elif diff < 0 and prev >= 0 and position > 0:
            self.executor.sell(close, time)

    def _record(self, open_time_ms, close):
        executor = self.executor
        self.metrics.append(executor.cash + executor.position * close)
        self.prices.put(open_time_ms, close)
        self.last_close = close
        self.last_time = open_time_ms

    def _strategy_buy(self, close, time):
        qty = self.executor.affordable_qty(close)
        if qty <= 0:
            self.rejected_orders += 1
            return
        try:
            self.executor.buy(qty, close, time)
        except Refused:
            self.rejected_orders += 1

    def price_at(self, open_time_ms):
        """The cached close of the candle opened at open_time_ms, or None."""
        return self.prices.get(open_time_ms)

    # -- actions --

    def add_session(self, session_id, payload_len):
        if payload_len > self.max_payload_bytes:
            raise Refused(f"payload of {payload_len} bytes exceeds the maximum, {self.max_payload_bytes}")
        payload = bytes((session_id % 251,)) * payload_len
        self.sessions.add_session(session_id, (self.last_time, payload))

    def get_session(self, session_id):
        if self.sessions.get_session(session_id) is None:
            raise Refused(f"no session {session_id}")

    def remove_session(self, session_id):
        if not self.sessions.remove_session(session_id):
            raise Refused(f"no session {session_id}")

    def buy(self, qty, price):
        self.executor.buy(qty, price, self.last_time)

    def sell(self, price):
        self.executor.sell(price, self.last_time)

    def cleanup(self, keep_trades, keep_sessions):
        """The guide's periodic cleanup: trim, re-sum, collect, log."""
        trades = self.executor.history.clear_old_trades(keep_trades)
        sessions = self.sessions.clear_old_sessions(keep_sessions)
        # Re-sum the averages exactly, so floating-point drift cannot build up.
        window = self.window
        self.slow_sum = math.fsum(window)
        self.fast_sum = math.fsum(list(window)[-self.fast :])
        self.cleanups += 1
        gc.collect()
        if self.debug:
            print(
                f"{self.name}: cleanup {self.cleanups} at candle {self.candles}: "
                f"dropped {trades} trades, {sessions} sessions",
                file=sys.stderr,
                flush=True,
            )

    # -- measurement --

    def equity(self):
        if self.last_close is None:
            return self.executor.cash
        return self.executor.equity(self.last_close)

    def stats(self):
        executor = self.executor
        return {
            "trades": executor.fills,
            "fills": executor.fills,
            "equity": self.equity(),
            "cleanups": self.cleanups,
        }

    def components(self):
        # "capped": the container drops its oldest entry at its bound by
        # construction, so a monitor does not project its filling as a
        # breach (heapbound.monitor); the bound is checked all the same.
        history = self.executor.history
        return [
            _component("sessions", len(self.sessions), self.sessions.max_size, sizeof(self.sessions.sessions)),
            _component("trade_history", len(history), history.max_trades, sizeof(history.trades)),
            _component("metrics", len(self.metrics), self.metrics.size, sizeof(self.metrics.buffer)),
            _component(
                "price_cache",
                len(self.prices),
                self.prices.capacity,
                self.prices.nbytes(),
                capped=getattr(self.prices, "capped", False),
            ),
            _component("candle_window", len(self.window), self.window.maxlen, sizeof(self.window)),
        ]

    def invariants(self):
        executor = self.executor
        violations = []
        if not executor.cash >= 0:
            violations.append(
                {"invariant": "cash-non-negative", "observed": executor.cash, "allowed": 0, "unit": "quote"}
            )
        if not executor.position >= 0:
            violations.append(
                {"invariant": "position-non-negative", "observed": executor.position, "allowed": 0, "unit": "base"}
            )
        return violations


if __name__ == "__main__":
    serve(GuideBot)
