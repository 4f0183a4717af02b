"""A small grid / market-making bot with bounded state.

Written by an outsider from README.md's "Python bots" alone (not by
heapbound's authors), kept as a test of heapbound on a bot it was not
designed around: with containers that fill slowly (SLOW_FILL in
examples/python/tests/test_outsider.py) it once drew a false alarm.

Every `place_every` candles it quotes one buy below and (if it holds a
position) one sell above the close, on a grid of `step_bps`. Resting orders
fill when a later candle trades through them.

Bounded containers:
  open_orders  OrderedDict id -> order, oldest cancelled past max_open_orders
               or after order_ttl candles
  fills        list of recent fills, trimmed to max_fills
  level_cache  per-grid-level LRU (OrderedDict), created lazily on first fill
  sessions     OrderedDict id -> payload, oldest evicted past max_sessions
"""
from collections import OrderedDict
from math import log

from heapbound.bot import Refused, serve, sizeof


class GridBot:
    name = "grid-bot"

    def __init__(self, config):
        self.step = config.get("step_bps", 25) / 10_000.0
        self.log_step = log(1.0 + self.step)
        self.place_every = config.get("place_every", 20)
        self.order_ttl = config.get("order_ttl", 400)       # candles a quote rests
        self.order_qty = float(config.get("order_qty", 0.001))
        self.fee = config.get("fee_bps", 10) / 10_000.0
        self.max_open_orders = config.get("max_open_orders", 16)
        self.max_fills = config.get("max_fills", 500)
        self.level_cap = config.get("price_cache_capacity", 128)
        self.max_sessions = config.get("max_sessions", 100)
        self.max_payload = config.get("max_payload_bytes", 4096)
        self.cleanup_every = config.get("cleanup_every", 5000)

        self.cash = float(config.get("initial_capital", 10_000))
        self.position = 0.0
        self.last_close = 0.0
        self.n_candles = 0
        self.next_id = 0
        self.n_fills = 0
        self.n_cleanups = 0

        self.open_orders = OrderedDict()   # id -> [side, price, qty]
        self.fills = []                    # (time, side, price, qty)
        self.level_cache = None            # created on the first fill
        self.sessions = OrderedDict()
        self.best_bid = 0.0                # highest resting buy
        self.best_ask = float("inf")       # lowest resting sell

    # ---- candles -------------------------------------------------------
    def on_candle(self, open_time_ms, open, high, low, close, volume):
        self.last_close = close
        self.n_candles += 1
        if low <= self.best_bid or high >= self.best_ask:
            self._match(open_time_ms, low, high)
        if self.n_candles % self.place_every == 0:
            self._quote(close)
        if self.n_candles % self.cleanup_every == 0:
            self._periodic_cleanup()

    def _quote(self, close):
        self._cancel_stale()
        self._place("buy", close * (1.0 - self.step), self.order_qty)
        if self.position >= self.order_qty:
            self._place("sell", close * (1.0 + self.step), self.order_qty)

    def _place(self, side, price, qty):
        self.next_id += 1
        self.open_orders[self.next_id] = [side, price, qty, self.n_candles]
        while len(self.open_orders) > self.max_open_orders:
            self._cancel_oldest()
        self._refresh_book()

    def _cancel_stale(self):
        oldest = self.n_candles - self.order_ttl
        while self.open_orders and next(iter(self.open_orders.values()))[3] < oldest:
            self._cancel_oldest()

    def _cancel_oldest(self):
        self.open_orders.popitem(last=False)

    def _refresh_book(self):
        bid, ask = 0.0, float("inf")
        for side, price, _, _ in self.open_orders.values():
            if side == "buy":
                bid = max(bid, price)
            else:
                ask = min(ask, price)
        self.best_bid, self.best_ask = bid, ask

    def _match(self, t, low, high):
        done = []
        for oid, (side, price, qty, _) in self.open_orders.items():
            if side == "buy" and low <= price:
                done.append(oid)
                self._fill_buy(t, price, qty)
            elif side == "sell" and high >= price:
                done.append(oid)
                self._fill_sell(t, price, qty)
        for oid in done:
            del self.open_orders[oid]
        self._refresh_book()

    def _fill_buy(self, t, price, qty):
        cost = price * qty * (1.0 + self.fee)
        if cost > self.cash:
            return False
        self.cash -= cost
        self.position += qty
        self._record(t, "buy", price, qty)
        return True

    def _fill_sell(self, t, price, qty):
        qty = min(qty, self.position)
        if qty <= 0.0:
            return False
        self.cash += price * qty * (1.0 - self.fee)
        self.position -= qty
        if self.position < 1e-12:
            self.position = 0.0
        self._record(t, "sell", price, qty)
        return True

    def _record(self, t, side, price, qty):
        self.n_fills += 1
        self.fills.append((t, side, price, qty))
        if len(self.fills) > self.max_fills:
            del self.fills[: -self.max_fills]
        self._touch_level(price, qty)

    def _touch_level(self, price, qty):
        if self.level_cache is None:
            self.level_cache = OrderedDict()
        level = round(log(price) / self.log_step)  # grid level index
        stats = self.level_cache.pop(level, None) or [0, 0.0]
        stats[0] += 1
        stats[1] += qty
        self.level_cache[level] = stats
        if len(self.level_cache) > self.level_cap:
            self.level_cache.popitem(last=False)

    def _periodic_cleanup(self):
        self.n_cleanups += 1
        keep = self.max_fills // 2
        if len(self.fills) > keep:
            del self.fills[:-keep]

    # ---- actions -------------------------------------------------------
    def buy(self, qty, price):
        if qty <= 0 or price <= 0:
            raise Refused("non-positive quantity or price")
        if not self._fill_buy(0, price, qty):
            raise Refused(f"insufficient cash: need {price * qty * (1 + self.fee):.2f}, have {self.cash:.2f}")

    def sell(self, price):
        if price <= 0:
            raise Refused("non-positive price")
        if self.position <= 0.0:
            raise Refused("nothing to sell")
        self._fill_sell(0, price, self.position)

    def cleanup(self, keep_trades, keep_sessions):
        self.n_cleanups += 1
        if keep_trades == 0:
            self.fills.clear()
        elif len(self.fills) > keep_trades:
            del self.fills[:-keep_trades]
        while len(self.sessions) > keep_sessions:
            self.sessions.popitem(last=False)

    def add_session(self, id, payload_len):
        if payload_len > self.max_payload:
            raise Refused(f"payload {payload_len} over maximum {self.max_payload}")
        self.sessions.pop(id, None)
        self.sessions[id] = bytearray(payload_len)
        while len(self.sessions) > self.max_sessions:
            self.sessions.popitem(last=False)

    def get_session(self, id):
        if id not in self.sessions:
            raise Refused(f"unknown session {id}")
        self.sessions.move_to_end(id)

    def remove_session(self, id):
        if self.sessions.pop(id, None) is None:
            raise Refused(f"unknown session {id}")

    # ---- reporting -----------------------------------------------------
    def components(self):
        cache = self.level_cache
        cache_len = 0 if cache is None else len(cache)
        cache_bytes = 0 if cache is None else sizeof(cache)
        return [
            ("open_orders", self.open_orders, self.max_open_orders),
            ("fills", self.fills, self.max_fills),
            ("level_cache", cache_len, self.level_cap, cache_bytes),
            ("sessions", len(self.sessions), self.max_sessions),  # len only, no bytes
        ]

    def invariants(self):
        out = []
        if self.cash < 0:
            out.append({"invariant": "cash-non-negative", "observed": self.cash, "allowed": 0, "unit": "quote"})
        if self.position < 0:
            out.append({"invariant": "position-non-negative", "observed": self.position, "allowed": 0, "unit": "base"})
        return out

    def stats(self):
        return {
            "trades": self.n_fills,
            "fills": self.n_fills,
            "equity": self.cash + self.position * self.last_close,
            "cleanups": self.n_cleanups,
        }


if __name__ == "__main__":
    serve(GridBot)
