"""heapbound.monitor on the example bots: the leaky bot is flagged from the
projection before its bound breaks and its flight recorder dump replays
with `heapbound replay --exec`; the guide bot raises nothing; the
Prometheus endpoint serves the figures.

    python3 -m unittest python/tests/test_monitor.py
"""

import os
import subprocess
import sys
import tempfile
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.path.dirname(HERE)
EXAMPLES = os.path.join(os.path.dirname(PYTHON), "examples", "python")
try:
    import heapbound.monitor  # noqa: F401  (installed: the wheel under test)
except ImportError:  # a checkout
    sys.path.insert(0, PYTHON)
sys.path.insert(0, EXAMPLES)
sys.path.insert(0, HERE)

import heapbound  # noqa: E402
from heapbound.monitor import Monitor  # noqa: E402

from guide_bot import GuideBot  # noqa: E402
from leaky_bot import PRICE_CACHE, LeakyBot  # noqa: E402
from test_protocol import make_candles  # noqa: E402  (the tests' one random walk)


class FakeClock:
    """A minute per candle: the projection is in seconds."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def run(bot, monitor, clock, n, every=50):
    raised = []
    for i, candle in enumerate(make_candles(n, seed=5), 1):
        bot.on_candle(*candle)
        monitor.candle(*candle)
        clock.now += 60.0
        if i % every == 0:
            raised += [(i, alert) for alert in monitor.sample()]
    return raised


class MonitorTest(unittest.TestCase):
    def setUp(self):
        PRICE_CACHE.clear()  # the leaky bot's module-level cache

    def test_the_leak_is_projected_before_the_bound_breaks_and_the_dump_replays(self):
        folder = tempfile.mkdtemp(prefix="heapbound-monitor-")
        clock = FakeClock()
        bot = LeakyBot({})
        command = f"{sys.executable} {os.path.join(EXAMPLES, 'leaky_bot.py')}"
        samples = os.path.join(folder, "samples.jsonl")
        monitor = Monitor(bot, interval=None, dump_dir=folder, command=command, clock=clock, samples_log=samples)
        raised = run(bot, monitor, clock, 3_000)
        by_kind = {(alert["kind"], alert["component"]): (i, alert) for i, alert in raised}
        projected = by_kind.get(("projected-bound", "candle_history"))
        broken = by_kind.get(("container-bound", "candle_history"))
        self.assertIsNotNone(projected, raised)
        self.assertIsNotNone(broken, raised)
        self.assertLess(projected[0], broken[0])
        self.assertLessEqual(projected[1]["len"], projected[1]["bound"])
        self.assertNotIn(("projected-bound", "trade_history"), by_kind)  # capped: not projected
        # The dump written with the breach replays to it against a fresh bot.
        dump = broken[1]["dump"]
        try:
            binary = heapbound.binary()
        except FileNotFoundError:
            self.skipTest("no heapbound binary")
        done = subprocess.run([binary, "replay", dump, "--exec", command], capture_output=True, text=True)
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertIn("container-bound in candle_history", done.stdout)
        # The samples log becomes the weekly review.
        summary = os.path.join(folder, "review.md")
        done = subprocess.run([binary, "report", samples, "--markdown", summary], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(summary) as review:
            text = review.read()
        self.assertIn("| 0 | candle_history (entries) | 3000 |", text)
        self.assertIn(f"replay: `heapbound replay {dump} --exec", text)

    def test_the_guide_bot_raises_nothing(self):
        clock = FakeClock()
        bot = GuideBot({})
        monitor = Monitor(bot, interval=None, clock=clock)
        self.assertEqual(run(bot, monitor, clock, 30_000, every=100), [])

    def test_the_endpoint_serves_the_figures(self):
        bot = LeakyBot({})
        monitor = Monitor(bot, interval=None, port=0)
        monitor.start()
        try:
            for candle in make_candles(1_100, seed=5):
                bot.on_candle(*candle)
            monitor.sample()
            with urllib.request.urlopen(f"http://127.0.0.1:{monitor.port}/metrics", timeout=10) as response:
                body = response.read().decode()
        finally:
            monitor.stop()
        self.assertIn('heapbound_component_len{component="candle_history"} 1100', body)
        self.assertIn('heapbound_component_bound{component="candle_history"} 1000', body)
        self.assertIn("heapbound_heap_live_bytes ", body)
        self.assertIn("heapbound_process_rss_bytes ", body)
        self.assertIn("heapbound_monitor_bytes ", body)
        self.assertIn('heapbound_alerts_total{kind="container-bound"} 2', body)  # price_cache, candle_history


if __name__ == "__main__":
    unittest.main()
