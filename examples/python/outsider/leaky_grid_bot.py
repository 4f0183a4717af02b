"""GridBot's twin with one realistic leak (written by the same outsider).

When the oldest resting order is cancelled to make room, its id is kept in
`self.cancelled` "so a late fill report for it can be ignored". Nothing
ever removes entries, and `cancelled` is not declared in components(): a
hidden leak of a few hundred bytes per cancelled order.
"""
from heapbound.bot import serve

from grid_bot import GridBot


class LeakyGridBot(GridBot):
    name = "leaky-grid-bot"

    def __init__(self, config):
        super().__init__(config)
        self.cancelled = {}                 # id -> (side, price): never pruned

    def _cancel_oldest(self):
        oid, (side, price, _qty, _t) = self.open_orders.popitem(last=False)
        self.cancelled[oid] = (side, price)  # LEAK


if __name__ == "__main__":
    serve(LeakyGridBot)
