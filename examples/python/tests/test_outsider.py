"""An outsider's grid bot and its leaky twin (examples/python/outsider/),
written from README alone: the correct bot passes, including the slowly
filling configuration that once drew a false alarm (a length fitted at a
negative size per entry); the hidden leak is found and blamed on the heap
outside every component ("bot"), not on a declared container."""

import os

import heapbound

OUTSIDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "outsider")
GRID = os.path.join(OUTSIDER, "grid_bot.py") + ":GridBot"
LEAKY = os.path.join(OUTSIDER, "leaky_grid_bot.py") + ":LeakyGridBot"

# Big fills log, big level LRU, no periodic trim, slow quoting.
SLOW_FILL = {
    "max_fills": 3000,
    "price_cache_capacity": 1024,
    "cleanup_every": 10**9,
    "place_every": 50,
    "order_ttl": 2000,
    "max_open_orders": 48,
}


def test_slowly_filling_containers_are_no_leak(heapbound):
    # Seeds 1 and 2 failed leak-slope (12 and 19 B/candle) before the fix.
    heapbound.prove(GRID, candles=20_000, seeds=range(4), config=SLOW_FILL)


def test_the_grid_bot_passes(heapbound):
    heapbound.prove(GRID, candles=100_000, seeds=range(2))


def test_the_hidden_leak_is_found_outside_every_component(heapbound):
    proof = heapbound.prove(LEAKY, candles=100_000, seeds=range(2), check=False)
    assert not proof.passed
    for run in proof.runs:
        assert any(v.startswith("leak-slope in bot") for v in run.violations), run.describe()
        for name in ("open_orders", "fills", "level_cache", "sessions"):
            assert not any(f" in {name} " in v for v in run.violations), run.describe()
