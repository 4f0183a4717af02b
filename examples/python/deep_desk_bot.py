#!/usr/bin/env python3
"""The guide bot with a desk's order index and a deep defect: a leak that
only a specific order of events reaches (heapbound's paper desk has the
same one in Rust, `heapbound::defects::DeepDefect::OrphanIndex`).

The desk remembers which session bought into the open position: the session
last added or read owns a manual buy. A flat position owns nothing, and a
removed or evicted session owns nothing either, except on one path: removing
a session while it still owns part of the open position leaves its entry in
the index (add_session s, buy, remove_session s). The invariant
"index-entry-without-session" catches the dangling entry at once.

Config: everything the guide bot takes, plus "orphan_index_defect"
(default true; false: the correct desk).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from guide_bot import GuideBot, _component  # noqa: E402  (guide_bot puts the checkout's python/ on sys.path)
from heapbound.bot import serve, sizeof  # noqa: E402


class DeepDeskBot(GuideBot):
    name = "deep-desk-bot"

    def __init__(self, config):
        self.defect = bool(config.get("orphan_index_defect", True))
        config = {k: v for k, v in config.items() if k != "orphan_index_defect"}
        GuideBot.__init__(self, config)
        self.owner = None
        self.index = {}  # session id -> quantity it bought into the open position

    def _forget_gone_sessions(self):
        sessions = self.sessions.sessions
        for session_id in [s for s in self.index if s not in sessions]:
            del self.index[session_id]
        if self.owner not in sessions:
            self.owner = None

    def _settle_if_flat(self):
        if self.executor.position == 0 and self.index:
            self.index.clear()

    def on_candle(self, open_time_ms, open_, high, low, close, volume):
        cleanups = self.cleanups
        GuideBot.on_candle(self, open_time_ms, open_, high, low, close, volume)
        if self.cleanups != cleanups:
            self._forget_gone_sessions()
        self._settle_if_flat()

    def add_session(self, session_id, payload_len):
        GuideBot.add_session(self, session_id, payload_len)
        self.owner = session_id
        self._forget_gone_sessions()  # an eviction

    def get_session(self, session_id):
        GuideBot.get_session(self, session_id)
        self.owner = session_id

    def remove_session(self, session_id):
        GuideBot.remove_session(self, session_id)
        if not (self.defect and self.executor.position > 0):
            self.index.pop(session_id, None)
        if self.owner == session_id:
            self.owner = None

    def buy(self, qty, price):
        before = self.executor.position
        GuideBot.buy(self, qty, price)
        bought = self.executor.position - before
        if bought > 0 and self.owner is not None:
            self.index[self.owner] = self.index.get(self.owner, 0) + bought

    def sell(self, price):
        GuideBot.sell(self, price)
        self._settle_if_flat()

    def cleanup(self, keep_trades, keep_sessions):
        GuideBot.cleanup(self, keep_trades, keep_sessions)
        self._forget_gone_sessions()

    def components(self):
        bound = self.sessions.max_size
        return GuideBot.components(self) + [_component("order_index", len(self.index), bound, sizeof(self.index))]

    def invariants(self):
        violations = GuideBot.invariants(self)
        sessions = self.sessions.sessions
        dangling = sum(1 for s in self.index if s not in sessions)
        if dangling:
            violations.append(
                {"invariant": "index-entry-without-session", "observed": dangling, "allowed": 0, "unit": "records"}
            )
        return violations


if __name__ == "__main__":
    serve(DeepDeskBot)
