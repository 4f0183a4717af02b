"""Tests of heapbound's Python bot protocol (PROTOCOL.md) and its examples.

    python3 -m unittest python/tests/test_protocol.py      # from the repository root

Each example bot runs as a subprocess and is driven through hello, candle
batches, actions (including refused ones), sample, reset and shutdown, the
way heapbound drives it. The helper's request handling is also tested in
process, over in-memory streams.
"""

import contextlib
import gc
import io
import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
import tracemalloc
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.path.dirname(HERE)
ROOT = os.path.dirname(PYTHON)
EXAMPLES = os.path.join(ROOT, "examples", "python")
try:
    import heapbound.bot  # noqa: F401  (installed: the wheel under test)
except ImportError:  # a checkout
    sys.path.insert(0, PYTHON)

import heapbound.bot as heapbound_bot  # noqa: E402
from heapbound.bot import MAX_BATCH, Refused, Server  # noqa: E402

GUIDE = os.path.join(EXAMPLES, "guide_bot.py")
LEAKY = os.path.join(EXAMPLES, "leaky_bot.py")
MISBEHAVING = os.path.join(EXAMPLES, "misbehaving_bot.py")

TIMEOUT = 60.0  # seconds for any one answer (generous: CI machines are busy)
SILENCE = 1.0  # seconds of silence that count as "no answer"

COMPONENTS = ["sessions", "trade_history", "metrics", "price_cache", "candle_window"]
BOUNDS = {"sessions": 1000, "trade_history": 1000, "metrics": 1024, "price_cache": 1024, "candle_window": 60}


def make_candles(n, seed=7, start_ms=1_700_000_000_000, price=50_000.0):
    """A seeded random walk of valid candles."""
    rng = random.Random(seed)
    out = []
    close = price
    for i in range(n):
        open_ = close
        close = round(max(1.0, open_ * (1.0 + rng.gauss(0.0, 0.003))), 2)
        high = round(max(open_, close) * (1.0 + rng.random() * 0.001), 2)
        low = round(min(open_, close) * (1.0 - rng.random() * 0.001), 2)
        out.append([start_ms + i * 60_000, open_, high, low, close, round(rng.random() * 5, 5)])
    return out


def batches(candles, size=MAX_BATCH):
    return [candles[i : i + size] for i in range(0, len(candles), size)]


def encode(obj):
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


HELLO = {"type": "hello", "protocol": 1, "config": {}}


def columns_batch(candles):
    """A base64-columns candles request, as heapbound writes it."""
    import base64
    import struct

    count = len(candles)
    raw = struct.pack(f"<{count}q", *(c[0] for c in candles))
    for field in range(1, 6):
        raw += struct.pack(f"<{count}d", *(float(c[field]) for c in candles))
    return {"type": "candles", "count": count, "columns": base64.b64encode(raw).decode()}


class BotProcess:
    """A bot subprocess with answers and stderr read on background threads."""

    def __init__(self, testcase, script, *args):
        self.proc = subprocess.Popen(
            [sys.executable, script, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.answers = queue.Queue()
        self.stderr_bytes = 0
        self.stderr_tail = b""
        threading.Thread(target=self._read_stdout, daemon=True).start()
        self._stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_thread.start()
        testcase.addCleanup(self.close)

    def _read_stdout(self):
        for line in iter(self.proc.stdout.readline, b""):
            self.answers.put(line)
        self.answers.put(None)  # EOF

    def _read_stderr(self):
        for chunk in iter(lambda: self.proc.stderr.read1(1 << 16), b""):
            self.stderr_bytes += len(chunk)
            self.stderr_tail = (self.stderr_tail + chunk)[-4096:]

    def send(self, obj_or_bytes):
        data = obj_or_bytes if isinstance(obj_or_bytes, bytes) else encode(obj_or_bytes)
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def raw_answer(self, timeout=TIMEOUT):
        """The next answer line, None at EOF; raises queue.Empty on timeout."""
        return self.answers.get(timeout=timeout)

    def request(self, obj):
        self.send(obj)
        try:
            line = self.raw_answer()
        except queue.Empty:
            raise AssertionError(f"no answer to {str(obj)[:80]} within {TIMEOUT}s; stderr: {self.stderr_tail!r}")
        if line is None:
            raise AssertionError(f"bot exited ({self.proc.wait()}) instead of answering; stderr: {self.stderr_tail!r}")
        return json.loads(line)

    def silent_for(self, seconds=SILENCE):
        try:
            self.raw_answer(timeout=seconds)
        except queue.Empty:
            return True
        return False

    def shutdown(self, testcase):
        testcase.assertEqual(self.request({"type": "shutdown"}), {"type": "bye"})
        testcase.assertEqual(self.proc.wait(timeout=TIMEOUT), 0)
        testcase.assertIsNone(self.raw_answer(), "nothing may follow bye")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self._stderr_thread.join(timeout=5)
        self.proc.stderr.close()


class ProtocolAsserts:
    def assertOk(self, answer):
        self.assertEqual(answer.get("type"), "ok", answer)
        self.assertIsInstance(answer["fills"], int)
        self.assertIsInstance(answer["cleanups"], int)

    def assertError(self, answer):
        self.assertEqual(answer.get("type"), "error", answer)
        self.assertIsInstance(answer["message"], str)

    def assertRefused(self, answer):
        self.assertEqual(answer.get("type"), "refused", answer)
        self.assertIsInstance(answer["reason"], str)
        self.assertTrue(answer["reason"])

    def assertSample(self, answer):
        self.assertEqual(answer.get("type"), "sample", answer)
        self.assertEqual(set(answer), {"type", "components", "heap", "violations", "trades", "equity"})
        for component in answer["components"]:
            self.assertLessEqual(set(component), {"name", "len", "bytes"})
            self.assertIsInstance(component["len"], int)
        self.assertIsInstance(answer["heap"]["current"], int)
        self.assertIsInstance(answer["heap"]["peak"], int)
        self.assertGreaterEqual(answer["heap"]["peak"], answer["heap"]["current"])
        self.assertIsInstance(answer["trades"], int)
        self.assertIsInstance(answer["equity"], float)
        for violation in answer["violations"]:
            self.assertEqual(set(violation), {"invariant", "observed", "allowed", "unit"})

    def assertHello(self, answer, bot):
        self.assertEqual(answer.get("type"), "hello", answer)
        self.assertEqual(answer["protocol"], 1)
        self.assertEqual(answer["bot"], bot)
        for component in answer["components"]:
            self.assertEqual(set(component), {"name", "bound"})
            self.assertIsInstance(component["bound"], int)


def by_name(sample):
    return {c["name"]: c for c in sample["components"]}


def action(verb, **args):
    return {"type": "action", "action": {verb: args}}


class GuideBotTest(ProtocolAsserts, unittest.TestCase):
    def test_full_session(self):
        bot = BotProcess(self, GUIDE)
        hello = bot.request(HELLO)
        self.assertHello(hello, "guide-bot")
        bounds = {c["name"]: c["bound"] for c in hello["components"]}
        self.assertEqual(bounds, BOUNDS)

        # 50,000 candles; every component stays within its bound throughout.
        heaps = []
        for batch in batches(make_candles(50_000)):
            answer = bot.request({"type": "candles", "candles": batch})
            self.assertOk(answer)
            sample = bot.request({"type": "sample"})
            self.assertSample(sample)
            self.assertEqual([c["name"] for c in sample["components"]], COMPONENTS)
            for name, component in by_name(sample).items():
                self.assertLessEqual(component["len"], bounds[name], f"{name} over its bound")
                self.assertGreater(component["bytes"], 0)
            self.assertEqual(sample["violations"], [])
            heaps.append(sample["heap"]["current"])
        self.assertEqual(answer["cleanups"], 5)  # every 10,000 candles
        self.assertGreater(answer["fills"], 0)
        self.assertEqual(sample["trades"], answer["fills"])
        self.assertEqual(by_name(sample)["metrics"]["len"], 1024)
        self.assertEqual(by_name(sample)["price_cache"]["len"], 1024)
        self.assertEqual(by_name(sample)["candle_window"]["len"], 60)
        # Bounded: the heap after warm-up stays flat (within 1 MB).
        self.assertLess(max(heaps[2:]) - min(heaps[2:]), 1_000_000, heaps)

        # Actions, refused ones included.
        self.assertEqual(bot.request(action("add_session", id=7, payload_len=100)), {"type": "ok"})
        self.assertEqual(bot.request(action("get_session", id=7)), {"type": "ok"})
        self.assertRefused(bot.request(action("get_session", id=8)))
        self.assertRefused(bot.request(action("add_session", id=9, payload_len=5000)))  # > max_payload_bytes
        self.assertEqual(bot.request(action("remove_session", id=7)), {"type": "ok"})
        self.assertRefused(bot.request(action("remove_session", id=7)))
        # Flatten first (the strategy may hold a position), then trade by hand.
        self.assertIn(bot.request(action("sell", price=50_000.0))["type"], ("ok", "refused"))
        self.assertRefused(bot.request(action("sell", price=50_000.0)))  # nothing to sell
        self.assertRefused(bot.request(action("buy", qty=1_000.0, price=50_000.0)))  # insufficient cash
        self.assertRefused(bot.request(action("buy", qty=-1.0, price=50_000.0)))
        before = bot.request({"type": "sample"})["trades"]
        self.assertEqual(bot.request(action("buy", qty=0.01, price=40_000.0)), {"type": "ok"})
        self.assertEqual(bot.request(action("sell", price=41_000.0)), {"type": "ok"})
        self.assertEqual(bot.request({"type": "sample"})["trades"], before + 2)

        # Sessions are bounded too: 1,500 adds keep the newest 1,000.
        for session in range(1_500):
            self.assertEqual(bot.request(action("add_session", id=session, payload_len=64)), {"type": "ok"})
        sessions = by_name(bot.request({"type": "sample"}))["sessions"]
        self.assertEqual(sessions["len"], 1000)
        self.assertRefused(bot.request(action("get_session", id=0)))  # evicted first (FIFO)
        self.assertEqual(bot.request(action("get_session", id=1_499)), {"type": "ok"})

        self.assertEqual(bot.request(action("cleanup", keep_trades=3, keep_sessions=10)), {"type": "ok"})
        sample = bot.request({"type": "sample"})
        self.assertEqual(by_name(sample)["sessions"]["len"], 10)
        self.assertLessEqual(by_name(sample)["trade_history"]["len"], 3)
        self.assertEqual(bot.request({"type": "candles", "candles": []})["cleanups"], 6)

        # Malformed requests are errors, and the bot keeps serving.
        self.assertError(bot.request(b"not json\n"))
        self.assertError(bot.request({"type": "nope"}))
        self.assertError(bot.request(action("fly", to="moon")))
        self.assertError(bot.request(action("buy", qty="1", price=1.0)))
        self.assertError(bot.request({"type": "candles", "candles": [[1, 2, 3]]}))
        self.assertError(bot.request(HELLO))  # hello twice
        self.assertSample(bot.request({"type": "sample"}))

        # Reset rebuilds from scratch, with the new config.
        reset = bot.request({"type": "reset", "config": {"max_sessions": 5, "strategy": {"kind": "ma-crossover", "fast": 3, "slow": 8}}})
        self.assertHello(reset, "guide-bot")
        bounds = {c["name"]: c["bound"] for c in reset["components"]}
        self.assertEqual(bounds["sessions"], 5)
        self.assertEqual(bounds["candle_window"], 8)
        sample = bot.request({"type": "sample"})
        self.assertEqual({c["name"]: c["len"] for c in sample["components"]}, dict.fromkeys(COMPONENTS, 0))
        self.assertEqual(sample["trades"], 0)
        self.assertEqual(sample["equity"], 10_000.0)
        self.assertOk(bot.request({"type": "candles", "candles": make_candles(100)}))
        self.assertEqual(by_name(bot.request({"type": "sample"}))["candle_window"]["len"], 8)
        self.assertError(bot.request({"type": "reset", "config": {"fast": 9, "slow": 8}}))
        self.assertError(bot.request({"type": "sample"}))  # no bot after a failed reset
        self.assertHello(bot.request({"type": "reset", "config": {}}), "guide-bot")
        bot.shutdown(self)

    def test_stray_print_goes_to_stderr(self):
        # A bot printing to stdout must not corrupt the protocol channel.
        script = (
            "import sys; sys.path.insert(0, %r)\n"
            "import heapbound.bot\n"
            "class Chatty(heapbound.bot.Bot):\n"
            "    def on_candle(self, *candle): print('chatty', candle[0])\n"
            "heapbound.bot.serve(Chatty)\n"
        ) % os.path.dirname(os.path.dirname(heapbound_bot.__file__))
        proc = subprocess.run(
            [sys.executable, "-c", script],
            input=encode(HELLO) + encode({"type": "candles", "candles": make_candles(3)}) + encode({"type": "shutdown"}),
            capture_output=True,
            timeout=TIMEOUT,
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        answers = [json.loads(line) for line in proc.stdout.splitlines()]
        self.assertEqual([a["type"] for a in answers], ["hello", "ok", "bye"])
        self.assertEqual(answers[0]["bot"], "Chatty")
        self.assertIn(b"chatty 1700000000000", proc.stderr)


class LeakyBotTest(ProtocolAsserts, unittest.TestCase):
    def test_leaks_show(self):
        bot = BotProcess(self, LEAKY)
        hello = bot.request(HELLO)
        self.assertHello(hello, "leaky-bot")
        bounds = {c["name"]: c["bound"] for c in hello["components"]}
        self.assertEqual(bounds, {**BOUNDS, "candle_history": 1000})
        heaps = []
        for batch in batches(make_candles(50_000)):
            self.assertOk(bot.request({"type": "candles", "candles": batch}))
            sample = bot.request({"type": "sample"})
            self.assertSample(sample)
            heaps.append(sample["heap"]["current"])
        components = by_name(sample)
        self.assertEqual(components["candle_history"]["len"], 50_000)
        self.assertGreater(components["candle_history"]["len"], bounds["candle_history"])
        self.assertGreater(components["price_cache"]["len"], bounds["price_cache"])
        self.assertGreater(components["candle_history"]["bytes"], 5_000_000)
        for name in ("sessions", "trade_history", "metrics", "candle_window"):
            self.assertLessEqual(components[name]["len"], bounds[name])
        self.assertGreater(heaps[-1] - heaps[1], 10_000_000, heaps)  # it grows and grows
        self.assertTrue(all(b > a for a, b in zip(heaps[1:], heaps[2:])), heaps)

        self.assertEqual(bot.request(action("cleanup", keep_trades=0, keep_sessions=0)), {"type": "ok"})
        self.assertEqual(by_name(bot.request({"type": "sample"}))["candle_history"]["len"], 50_000)

        # Reset drops the instance's list, but the global cache survives it.
        self.assertHello(bot.request({"type": "reset", "config": {}}), "leaky-bot")
        components = by_name(bot.request({"type": "sample"}))
        self.assertEqual(components["candle_history"]["len"], 0)
        self.assertEqual(components["price_cache"]["len"], 50_000)
        bot.shutdown(self)


class MisbehavingBotTest(ProtocolAsserts, unittest.TestCase):
    candles = make_candles(2 * MAX_BATCH)

    def start(self, mode):
        bot = BotProcess(self, MISBEHAVING, mode)
        return bot

    def batch(self, n):
        return {"type": "candles", "candles": batches(self.candles)[n]}

    def test_exit_mid_run(self):
        bot = self.start("exit-mid-run")
        self.assertHello(bot.request(HELLO), "guide-bot")
        self.assertOk(bot.request(self.batch(0)))
        bot.send(self.batch(1))
        self.assertIsNone(bot.raw_answer(), "batch 2 must not be answered")
        self.assertEqual(bot.proc.wait(timeout=TIMEOUT), 3)

    def test_hang(self):
        bot = self.start("hang")
        self.assertHello(bot.request(HELLO), "guide-bot")
        self.assertOk(bot.request(self.batch(0)))
        bot.send({"type": "sample"})
        self.assertTrue(bot.silent_for(), "a hung bot answered")
        self.assertIsNone(bot.proc.poll(), "a hung bot must stay alive")

    def test_garbage(self):
        bot = self.start("garbage")
        self.assertHello(bot.request(HELLO), "guide-bot")
        bot.send(self.batch(0))
        line = bot.raw_answer()
        self.assertIsNotNone(line)
        with self.assertRaises(ValueError):
            json.loads(line)
        self.assertSample(bot.request({"type": "sample"}))  # then it carries on
        bot.shutdown(self)

    def test_wrong_version(self):
        bot = self.start("wrong-version")
        answer = bot.request(HELLO)
        self.assertEqual(answer["type"], "hello")
        self.assertEqual(answer["protocol"], 99)
        bot.shutdown(self)

    def test_flood_stderr(self):
        bot = self.start("flood-stderr")
        self.assertHello(bot.request(HELLO), "guide-bot")
        self.assertOk(bot.request(self.batch(0)))
        self.assertOk(bot.request(self.batch(1)))
        self.assertSample(bot.request({"type": "sample"}))
        bot.shutdown(self)
        bot._stderr_thread.join(timeout=TIMEOUT)
        self.assertGreaterEqual(bot.stderr_bytes, 10 * 1024 * 1024)

    def test_ignore_shutdown(self):
        bot = self.start("ignore-shutdown")
        self.assertHello(bot.request(HELLO), "guide-bot")
        self.assertOk(bot.request(self.batch(0)))
        bot.send({"type": "shutdown"})
        self.assertTrue(bot.silent_for(), "shutdown was answered")
        bot.proc.stdin.close()  # not even EOF makes it exit
        time.sleep(0.3)
        self.assertIsNone(bot.proc.poll(), "it exited")

    def test_unknown_mode(self):
        proc = subprocess.run([sys.executable, MISBEHAVING, "nonsense"], capture_output=True, timeout=TIMEOUT)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"usage", proc.stderr)
        self.assertEqual(proc.stdout, b"")


class GuideContainersTest(unittest.TestCase):
    """The guide bot's bounded containers, in process."""

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, EXAMPLES)
        import guide_bot

        cls.guide = guide_bot

    def test_price_cache_is_lru(self):
        cache = self.guide.PriceCache(3)
        for t in (1, 2, 3):
            cache.put(t, float(t))
        self.assertEqual(cache.get(1), 1.0)  # 1 is now the most recent
        cache.put(4, 4.0)  # evicts 2, the least recently used
        self.assertIsNone(cache.get(2))
        cache.put(3, 30.0)  # an update, no eviction
        self.assertEqual(list(cache.entries.items()), [(1, 1.0), (4, 4.0), (3, 30.0)])
        for t in range(5, 100):
            cache.put(t, 0.0)
        self.assertEqual(len(cache), 3)

    def test_circular_buffer(self):
        buffer = self.guide.CircularBuffer(3)
        for value in (1.0, 2.0):
            buffer.append(value)
        self.assertEqual((len(buffer), buffer.get_all()), (2, [1.0, 2.0]))
        for value in (3.0, 4.0):
            buffer.append(value)
        self.assertEqual((len(buffer), buffer.get_all(), buffer.get_recent(2)), (3, [2.0, 3.0, 4.0], [3.0, 4.0]))

    def test_session_store_fifo(self):
        store = self.guide.BoundedSessionStore(2)
        self.assertIsNone(store.add_session(1, "a"))
        self.assertIsNone(store.add_session(2, "b"))
        self.assertEqual(store.add_session(3, "c"), 1)
        self.assertIsNone(store.add_session(2, "b2"))  # a refresh evicts nothing
        self.assertEqual(store.add_session(4, "d"), 3)
        self.assertEqual(list(store.sessions), [2, 4])
        self.assertEqual(store.clear_old_sessions(keep_last=1), 1)

    def test_books_stay_non_negative(self):
        bot = self.guide.GuideBot({"fee_bps": 10})
        for i, candle in enumerate(make_candles(20_000, seed=3)):
            bot.on_candle(*candle)
            if i % 997 == 0:
                executor = bot.executor
                self.assertGreaterEqual(executor.cash, 0.0)
                self.assertGreaterEqual(executor.position, 0.0)
        self.assertEqual(bot.invariants(), [])
        self.assertGreater(bot.executor.fills, 0)
        with self.assertRaises(Refused):
            bot.buy(bot.executor.cash, 1.0)  # the fee makes it unaffordable


# --- the helper in process -------------------------------------------------------


class Recorder:
    """A bot that records its calls; actions and faults are scripted."""

    name = "recorder"

    def __init__(self, config):
        if config.get("fail"):
            raise ValueError("told to fail")
        self.config = config
        self.seen = []
        self.trades = 0

    def on_candle(self, *candle):
        if candle[4] == -1:
            raise RuntimeError("bad close")
        self.seen.append(candle)

    def buy(self, qty, price):
        if qty > 1:
            raise Refused("too much")
        self.trades += 1

    def components(self):
        return [("seen", len(self.seen), 10), {"name": "other", "len": 0, "bound": 1, "bytes": 5}]

    def invariants(self):
        return [{"invariant": "seen-small", "observed": len(self.seen), "allowed": 10, "unit": "candles"}] if len(self.seen) > 10 else []


class HelperTest(ProtocolAsserts, unittest.TestCase):
    def converse(self, *requests, factory=Recorder):
        data = b"".join(r if isinstance(r, bytes) else encode(r) for r in requests)
        out = io.BytesIO()
        server = Server(factory, io.BytesIO(data), out, stderr=io.StringIO())
        status = server.run()
        answers = [json.loads(line) for line in out.getvalue().splitlines()]
        return status, answers, server

    def test_one_answer_per_line_in_order(self):
        status, answers, server = self.converse(
            {"type": "sample"},  # before hello
            HELLO,
            {"type": "candles", "candles": [[1, 1.0, 2.0, 0.5, 1.5, 3.0], [2, 1, 2, 1, 2, 0]]},
            action("buy", qty=1, price=2),
            action("buy", qty=5, price=2),
            action("sell", price=2),  # not implemented: refused
            {"type": "sample"},
            b"\n",
            b"[1,2]\n",
            b'{"type":1}\n',
            b'{"no":"type"}\n',
            b"\xff\xfe\n",
            {"type": "shutdown"},
            {"type": "sample"},  # after bye: never read
        )
        self.assertEqual(status, 0)
        kinds = [a["type"] for a in answers]
        self.assertEqual(
            kinds, ["error", "hello", "ok", "ok", "refused", "refused", "sample", "error", "error", "error", "error", "error", "bye"]
        )
        self.assertEqual(answers[1]["components"], [{"name": "seen", "bound": 10}, {"name": "other", "bound": 1}])
        self.assertEqual(answers[2], {"type": "ok", "fills": 0, "cleanups": 0})
        self.assertEqual(answers[4]["reason"], "too much")
        self.assertIn("not supported", answers[5]["reason"])
        sample = answers[6]
        self.assertSample(sample)
        self.assertEqual(sample["components"], [{"name": "seen", "len": 2}, {"name": "other", "len": 0, "bytes": 5}])
        self.assertEqual(sample["trades"], 1)  # from the bot's trades attribute
        self.assertEqual(sample["equity"], 0.0)
        self.assertEqual(server.bot.seen, [(1, 1.0, 2.0, 0.5, 1.5, 3.0), (2, 1, 2, 1, 2, 0)])

    def test_candle_validation(self):
        bad = [
            [[1, 1, 1, 1, 1]],
            [[1, 1, 1, 1, 1, 1, 1]],
            [{"t": 1}],
            [[1.0, 1, 1, 1, 1, 1]],
            [[True, 1, 1, 1, 1, 1]],
            [[1, 1, 1, "1", 1, 1]],
            [[1, 1, 1, 1, 1, None]],
            [[1, 1, 1, 1, 1, False]],
            [[1, 1, 1, 1, 1, [1]]],
            "candles",
            [[1, 1, 1, 1, 1, 1]] * (MAX_BATCH + 1),
        ]
        requests = [HELLO] + [{"type": "candles", "candles": c} for c in bad]
        requests += [b'{"type":"candles","candles":[[1,NaN,1,1,1,1]]}\n', b'{"type":"candles","candles":[[1,Infinity,1,1,1,1]]}\n']
        _, answers, server = self.converse(*requests)
        self.assertEqual(answers[0]["type"], "hello")
        for answer in answers[1:]:
            self.assertError(answer)
        self.assertEqual(len(answers), len(requests))
        self.assertEqual(server.bot.seen, [])

    def test_big_requests_decode_framelessly(self):
        self.addCleanup(setattr, Server, "frameless", Server.frameless)
        Server.frameless = True  # even when HEAPBOUND_BOT_FRAMELESS=0
        candles = make_candles(MAX_BATCH)
        batch = encode({"type": "candles", "candles": candles})
        self.assertGreater(len(batch), heapbound_bot.FRAMELESS_MIN)
        broken = [
            batch.replace(b"]]}", b"]],}"),  # not JSON at the end
            batch.replace(b"[[", b"[[NaN,", 1),  # NaN inside (raised on the decoding thread)
            batch[:-1] + b" trailing\n",  # extra data
            batch[: len(batch) // 2] + b"\n",  # truncated
            b"[" * 100_000 + b"\n",  # too deep
            b"\xff" + batch,  # not UTF-8
        ]
        requests = [HELLO, batch, b"  \t" + batch] + broken + [{"type": "sample"}]
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            _, answers, server = self.converse(*requests)
        self.assertEqual([a["type"] for a in answers], ["hello", "ok", "ok"] + ["error"] * len(broken) + ["sample"])
        self.assertEqual(len(server.bot.seen), 2 * MAX_BATCH)
        self.assertEqual(server.bot.seen[0], tuple(candles[0]))
        self.assertIn("NaN is not a JSON number", answers[4]["message"])
        self.assertEqual(stderr.getvalue(), "")  # the decoding thread's errors are not printed
        self.assertIs(sys.unraisablehook, heapbound_bot._unraisable_hook)

    def test_frameless_and_ordinary_decoding_agree(self):
        text = encode({"type": "candles", "candles": make_candles(MAX_BATCH)}).decode()
        self.assertEqual(heapbound_bot._frameless_decode(text), json.loads(text))

    def test_full_batch_and_bot_failures(self):
        candles = make_candles(MAX_BATCH)
        _, answers, server = self.converse(
            HELLO,
            {"type": "candles", "candles": candles},
            {"type": "candles", "candles": [[5, 1, 1, 1, -1, 1]]},  # the bot raises
            {"type": "sample"},
        )
        self.assertOk(answers[1])
        self.assertError(answers[2])
        self.assertIn("RuntimeError", answers[2]["message"])
        self.assertEqual(len(server.bot.seen), MAX_BATCH)
        self.assertEqual(answers[3]["violations"], [{"invariant": "seen-small", "observed": MAX_BATCH, "allowed": 10, "unit": "candles"}])

    def test_action_schema(self):
        _, answers, _ = self.converse(
            HELLO,
            action("buy", qty=True, price=1),
            action("buy", qty=1),
            action("add_session", id=1.5, payload_len=1),
            action("add_session", id=1, payload_len=-1),
            action("cleanup", keep_trades=1, keep_sessions="2"),
            {"type": "action", "action": {"buy": {"qty": 1, "price": 1}, "sell": {"price": 1}}},
            {"type": "action", "action": "sell"},
            {"type": "action", "action": {"buy": [1, 2]}},
            action("buy", qty=0.5, price=1, extra="ignored"),
        )
        for answer in answers[1:-1]:
            self.assertError(answer)
        self.assertEqual(answers[-1], {"type": "ok"})

    def test_hello_and_reset_rules(self):
        _, answers, server = self.converse(
            {"type": "reset", "config": {}},  # before hello
            {"type": "hello", "config": {}},  # no protocol
            {"type": "hello", "protocol": 1, "config": []},  # config not an object
            {"type": "hello", "protocol": 1, "config": {"fail": True}},  # the bot refuses its config
            {"type": "candles", "candles": []},
            {"type": "hello", "protocol": 2},  # another version asked: answered with ours
            {"type": "candles", "candles": [[1, 1, 1, 1, 1, 1]]},
            {"type": "reset", "config": {"x": 1}},
            {"type": "sample"},
        )
        kinds = [a["type"] for a in answers]
        self.assertEqual(kinds, ["error", "error", "error", "error", "error", "hello", "ok", "hello", "sample"])
        self.assertIn("told to fail", answers[3]["message"])
        self.assertIn("told to fail", answers[4]["message"])
        self.assertEqual(answers[5]["protocol"], 1)
        self.assertEqual(server.bot.config, {"x": 1})
        self.assertEqual(server.bot.seen, [])  # reset rebuilt it

    def test_eof_without_shutdown(self):
        status, answers, _ = self.converse(HELLO)
        self.assertEqual(status, 0)
        self.assertEqual([a["type"] for a in answers], ["hello"])

    def test_bad_bot_answers_are_errors(self):
        class Bad(heapbound_bot.Bot):
            def components(self):
                return [("x", -0.5, 3)] if getattr(self, "sampled", False) else [("x", 0, 3)]

            def stats(self):
                self.sampled = True
                return {"equity": float("nan")}

        _, answers, _ = self.converse(HELLO, {"type": "candles", "candles": []}, {"type": "sample"}, factory=Bad)
        self.assertEqual(answers[0]["bot"], "Bad")
        self.assertError(answers[1])  # NaN equity
        self.assertError(answers[2])  # len not an int

    def test_sizeof_counts_the_string_keys_of_a_dict_exactly(self):
        # Keys and values all distinct objects, none a cached singleton.
        table = {f"session-{i:06d}": float(i) + 0.5 for i in range(1_000)}
        by_hand = sys.getsizeof(table) + sum(
            sys.getsizeof(key) + sys.getsizeof(value) for key, value in table.items()
        )
        self.assertEqual(heapbound_bot.sizeof(table), by_hand)
        # The same with objects under __slots__ and a shared value counted once.
        class Slotted:
            __slots__ = ("name", "price")

            def __init__(self, name, price):
                self.name, self.price = name, price

        shared = 1234.5
        rows = [Slotted(f"row-{i:04d}", shared) for i in range(100)]
        by_hand = (
            sys.getsizeof(rows)
            + sum(sys.getsizeof(row) + sys.getsizeof(row.name) for row in rows)
            + sys.getsizeof(shared)
        )
        self.assertEqual(heapbound_bot.sizeof(rows), by_hand)

    def test_sizeof(self):
        self.assertGreater(heapbound_bot.sizeof([b"x" * 1000]), 1000)
        shared = b"y" * 1000
        self.assertLess(heapbound_bot.sizeof([shared, shared]), 2000)  # counted once
        self.assertEqual(heapbound_bot.sizeof(None), 0)

    def test_components_given_as_containers_are_measured_by_the_helper(self):
        class Holder(Recorder):
            def components(self):
                return [("seen", self.seen, 10), {"name": "dict", "container": {"a": 1.5}, "bound": 4}]

        _, answers, server = self.converse(
            HELLO, {"type": "candles", "candles": make_candles(3)}, {"type": "sample"}, factory=Holder
        )
        self.assertEqual(answers[0]["components"], [{"name": "seen", "bound": 10}, {"name": "dict", "bound": 4}])
        seen, table = answers[2]["components"]
        self.assertEqual(seen, {"name": "seen", "len": 3, "bytes": heapbound_bot.sizeof(server.bot.seen)})
        self.assertEqual(table, {"name": "dict", "len": 1, "bytes": heapbound_bot.sizeof({"a": 1.5})})

    def test_hello_asks_for_base64_columns(self):
        _, answers, _ = self.converse(HELLO)
        self.assertEqual(answers[0]["candle_encoding"], "base64-columns")

    def test_base64_columns_give_the_bot_what_json_rows_give(self):
        candles = make_candles(300)
        _, rows_answers, by_rows = self.converse(HELLO, {"type": "candles", "candles": candles})
        _, columns_answers, by_columns = self.converse(HELLO, columns_batch(candles))
        self.assertEqual(rows_answers[1]["type"], "ok")
        self.assertEqual(columns_answers[1], rows_answers[1])
        self.assertEqual(by_columns.bot.seen, by_rows.bot.seen)
        self.assertEqual(len(by_columns.bot.seen), 300)
        self.assertEqual({type(c[0]) for c in by_columns.bot.seen}, {int})

        class Batched(Recorder):
            def on_candles(self, batch):
                self.seen.extend(map(tuple, batch))

        _, _, batched = self.converse(HELLO, columns_batch(candles), {"type": "candles", "candles": candles}, factory=Batched)
        self.assertEqual(batched.bot.seen, by_rows.bot.seen * 2)

    def test_malformed_base64_columns_are_errors_and_reach_no_bot(self):
        good = columns_batch(make_candles(4))
        bad = [
            ({**good, "count": "4"}, "count"),
            ({**good, "count": 5000}, "count"),
            ({**good, "count": 5}, "take 240"),
            ({**good, "columns": "not base64!"}, "base64"),
            ({**good, "columns": 7}, "base64 string"),
        ]
        for request, needle in bad:
            _, answers, server = self.converse(HELLO, request)
            self.assertError(answers[1])
            self.assertIn(needle, answers[1]["message"])
            self.assertEqual(server.bot.seen, [])
        _, answers, server = self.converse(HELLO, {"type": "candles", "count": 0, "columns": ""})
        self.assertEqual(answers[1]["type"], "ok")

    def test_refused_actions_leave_nothing_behind(self):
        # A burst of refused actions must not grow the traced heap: a fresh
        # decoded verb string per action once stayed alive in CPython's
        # method cache, growth that looked like a leak over a short run.
        class Picky(heapbound_bot.Bot):
            def remove_session(self, id):
                raise Refused(f"no session {id}")

        started = not tracemalloc.is_tracing()
        if started:
            tracemalloc.start()
        try:
            server = Server(Picky, io.BytesIO(), io.BytesIO(), stderr=io.StringIO())
            server.handle_line(encode(HELLO))
            lines = [encode(action("remove_session", id=i)) for i in range(2_000)]

            def burst(first):
                for line in lines[first : first + 500]:
                    self.assertEqual(server.handle_line(line)["type"], "refused")
                gc.collect()
                return tracemalloc.get_traced_memory()[0]

            burst(0)
            settled = burst(500)
            grown = max(burst(1_000), burst(1_500)) - settled
        finally:
            if started:
                tracemalloc.stop()
        self.assertLessEqual(grown, 128)

    def test_sample_reads_tracemalloc(self):
        started = not tracemalloc.is_tracing()
        if started:
            tracemalloc.start()
        try:
            _, answers, _ = self.converse(HELLO, {"type": "sample"})
        finally:
            if started:
                tracemalloc.stop()
        self.assertGreater(answers[1]["heap"]["current"], 0)


if __name__ == "__main__":
    unittest.main()


class CoverageTest(ProtocolAsserts, unittest.TestCase):
    """`"coverage": true` in hello: each sample names the lines of the bot's
    own code run for the first time, and only those."""

    def assertActed(self, answer):
        self.assertEqual(answer.get("type"), "ok", answer)

    def test_samples_name_new_lines_once(self):
        bot = BotProcess(self, GUIDE)
        self.assertHello(bot.request({**HELLO, "coverage": True}), "guide-bot")
        built = bot.request({"type": "sample"})["coverage"]
        self.assertGreater(len(built), 10, "building the bot runs lines")
        self.assertActed(bot.request(action("add_session", id=1, payload_len=10)))
        first = bot.request({"type": "sample"})["coverage"]
        self.assertGreater(len(first), 0, "a first add_session runs new lines")
        self.assertTrue(all(type(line) is int and 0 <= line < 65536 for line in first))
        self.assertActed(bot.request(action("add_session", id=2, payload_len=10)))
        self.assertEqual(bot.request({"type": "sample"})["coverage"], [], "the same path again")
        self.assertActed(bot.request(action("remove_session", id=2)))
        removed = bot.request({"type": "sample"})["coverage"]
        self.assertGreater(len(removed), 0, "remove_session runs lines not run before")
        self.assertFalse(set(removed) & set(first))
        # reset keeps what was seen: only lines new to the process count.
        self.assertHello(bot.request({"type": "reset", "config": {}, "coverage": True}), "guide-bot")
        self.assertEqual(bot.request({"type": "sample"})["coverage"], [])
        bot.shutdown(self)

    def test_without_coverage_samples_have_no_lines(self):
        bot = BotProcess(self, GUIDE)
        self.assertHello(bot.request(HELLO), "guide-bot")
        self.assertActed(bot.request(action("add_session", id=1, payload_len=10)))
        self.assertNotIn("coverage", bot.request({"type": "sample"}))
        bot.shutdown(self)

    def test_tracing_adds_nothing_to_the_heap_per_request(self):
        # The lines seen are a preallocated bitmap: a thousand traced
        # actions on paths already seen leave the heap where it was.
        bot = BotProcess(self, GUIDE)
        self.assertHello(bot.request({**HELLO, "coverage": True}), "guide-bot")
        for session in range(20):
            self.assertActed(bot.request(action("add_session", id=session, payload_len=10)))
            self.assertActed(bot.request(action("remove_session", id=session)))
        before = bot.request({"type": "sample"})["heap"]["current"]
        for session in range(1000):
            self.assertActed(bot.request(action("add_session", id=session % 20, payload_len=10)))
            self.assertActed(bot.request(action("remove_session", id=session % 20)))
        after = bot.request({"type": "sample"})
        self.assertEqual(after["coverage"], [])
        self.assertLess(abs(after["heap"]["current"] - before), 2048)
        bot.shutdown(self)
