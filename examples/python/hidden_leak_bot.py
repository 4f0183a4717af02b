#!/usr/bin/env python3
"""lengths_only_bot.py with the classic unreported global leak.

Everything is LengthsOnlyBot's (same components, same bounds, same trades),
except that every candle's close is also appended to the module-level list
ALL_CLOSES, which nothing ever trims and which components() never reports.
Being module-level, it also survives reset. Every reported len stays within
its bound; only the heap numbers show the leak (about 8 bytes of list slot
per candle, plus the float object when the close is not shared, ~32 bytes).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lengths_only_bot import LengthsOnlyBot  # noqa: E402  (puts the checkout's python/ on sys.path)
from heapbound.bot import serve  # noqa: E402

# ❌ BAD: grows by one entry per candle, forever, and is reported nowhere.
ALL_CLOSES = []


class HiddenLeakBot(LengthsOnlyBot):
    name = "hidden-leak-bot"

    def on_candle(self, open_time_ms, open, high, low, close, volume):
        ALL_CLOSES.append(close)
        LengthsOnlyBot.on_candle(self, open_time_ms, open, high, low, close, volume)


if __name__ == "__main__":
    serve(HiddenLeakBot)
