"""heapbound.bot: the Python side of heapbound's bot protocol, version 1.

heapbound starts a bot as a child process and talks JSON Lines over its
stdin/stdout (see PROTOCOL.md at the top of the repository). This module does
all of the protocol; a bot author writes one class and hands it to `serve`:

    from heapbound.bot import Refused, serve

    class MyBot:
        name = "my-bot"

        def __init__(self, config):            # config: the free-form object from hello/reset
            ...
        def on_candle(self, open_time_ms, open, high, low, close, volume):
            ...
        # actions (each optional; a missing one is answered "refused"):
        def add_session(self, id, payload_len): ...
        def get_session(self, id): ...
        def remove_session(self, id): ...
        def buy(self, qty, price): ...           # raise Refused("insufficient cash") to refuse
        def sell(self, price): ...
        def cleanup(self, keep_trades, keep_sessions): ...
        # measurement:
        def components(self):                    # each bounded container and its bound
            return [("trades", self.trades, 1000)]   # len and deep bytes measured here
        #   or (name, len, bound[, bytes]) when the bot counts for itself,
        #   or dicts with those keys ("container" for the container)
        def invariants(self):                    # optional: [] when all hold
            return [{"invariant": "cash-non-negative", "observed": -1.5,
                     "allowed": 0, "unit": "quote"}]
        def stats(self):                         # optional, see below
            return {"trades": 3, "fills": 3, "equity": 10001.5, "cleanups": 0}

    if __name__ == "__main__":
        serve(MyBot)

Counters: `stats()` may return any of "trades", "fills", "equity", "cleanups".
A key it does not return is looked up as an attribute of the bot (a number,
or a method returning one); when neither gives it, "trades" and "fills"
stand in for each other, and the rest default to 0.

A bot may define `on_candles(self, candles)` instead of (or besides)
`on_candle`; it then receives each validated batch as a list of
[open_time_ms, open, high, low, close, volume] lists, which saves the
per-candle call for bots that work on whole batches.

`serve` starts tracemalloc, moves file descriptor 1 away so that stray
print() calls and C libraries writing to stdout land on stderr instead of
corrupting the protocol, answers until shutdown (or EOF on stdin) and exits.

Speed: under tracemalloc, creating a Python object costs far more than
usual, so the candle path creates as few as it can. The helper asks for
candles as base64 columns (see _columns and _feed): a candle's six values
become objects only as the bot is called with them, with no other
per-candle Python code. A do-nothing bot runs at about 720,000 candles/s
under `simulate --exec`; the guide bot at 1.4 times its time alone
(scripts/python-overhead.py). JSON candle rows are still read (decoded on
a thread without Python frames, see _frameless_decode, and validated
column by column at C speed). The same effect applies to bots: see
"Throughput" in PROTOCOL.md.

Stdlib only. Written for and tested on CPython 3.11.
"""

from __future__ import annotations

import _thread
import array
import binascii
import gc
import json
import json.decoder
import json.scanner
import math
import operator
from operator import not_
import os
import sys
import time
import traceback
import tracemalloc
import types
import weakref
from collections import deque
from itertools import chain, compress, islice, repeat, starmap

from heapbound.coverage import LineCoverage

__all__ = [
    "PROTOCOL",
    "MAX_BATCH",
    "MAX_LINE",
    "Refused",
    "ProtocolError",
    "Bot",
    "Server",
    "serve",
    "sizeof",
    "component_parts",
]

#: The protocol version this module speaks.
PROTOCOL = 1
#: The largest candles batch accepted.
MAX_BATCH = 4096
#: The longest request line accepted, in bytes (a compact 4096-candle batch
#: is about 250 KB).
MAX_LINE = 64 << 20


class Refused(Exception):
    """Raised by a bot's action method to refuse it; the message is the reason.

    A refusal is an ordinary answer ({"type": "refused"}), not a failure.
    """


class ProtocolError(Exception):
    """A request the bot cannot act on (malformed, out of order), or a bot
    answer the helper cannot send. Answered with {"type": "error"}."""


class Bot:
    """An optional base class: a bot that does nothing, has no components
    and refuses every action. Subclass it and override what you need."""

    name = None  # defaults to the class name

    def __init__(self, config: dict):
        self.config = config

    def on_candle(self, open_time_ms, open, high, low, close, volume):
        pass

    def components(self):
        return []

    def invariants(self):
        return []


# --- JSON in and out -------------------------------------------------------


def _reject_constant(name):
    raise ValueError(f"{name} is not a JSON number")


# NaN/Infinity are not JSON; Python's default decoder would accept them.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_SCAN = json.scanner.make_scanner(_DECODER)
_WHITESPACE = json.decoder.WHITESPACE.match
_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)

# Batch validation runs at C speed over whole columns: no per-candle
# Python code, no per-candle allocation (allocations are what tracemalloc
# makes expensive).
_LIST = frozenset((list,))
_SIX = frozenset((6,))
_INT = frozenset((int,))
_NUMBER = frozenset((int, float))
_COLUMNS = tuple(operator.itemgetter(i) for i in range(6))


def _error(message: str) -> dict:
    return {"type": "error", "message": message}


def _is_int(value) -> bool:
    return type(value) is int  # bool is not an int here


def _is_number(value) -> bool:
    return (type(value) is int) or (type(value) is float and math.isfinite(value))


# --- decoding big requests without a Python frame ---------------------------
#
# Under tracemalloc, CPython 3.11 records a traceback for every object it
# creates, even one reused from a free list. That means looking up the
# innermost Python frame, its file and its line number, where the line is
# found by scanning the code's line table. A thread that runs only C code
# has no Python frame, so its objects get the empty traceback at a fraction
# of the cost: decoding a 4096-candle batch takes ~35% less time.
#
# `_frameless_decode` runs the C JSON scanner on such a thread:
# _thread.start_new_thread(box.extend, (map(scan, ...),)) is C calling C.
# The caller waits on a lock that a weakref callback releases when the
# thread's arguments are freed, which happens however the thread ends. An
# exception in the scanner reaches the caller through sys.unraisablehook
# (wrapped once, passing everything else on). When anything is unusual
# (no result, trailing data, the thread could not start), the request is
# decoded again the ordinary way, which also gives the ordinary error
# message. The only visible difference: in a tracemalloc snapshot the
# decoded request's objects have no traceback.

#: Requests at least this long (in bytes) are decoded on a frameless thread;
#: shorter ones are not worth a thread (~50 us).
FRAMELESS_MIN = 16 * 1024


class _Box(deque):
    """Receives the scanner's (object, end), or the exception it raised."""

    __slots__ = ("error",)

    def __init__(self):
        super().__init__()
        self.error = None


class _Token:
    """Lives exactly as long as the decoding thread's arguments."""

    __slots__ = ("__weakref__",)


def _unraisable_hook(unraisable):
    box = getattr(unraisable.object, "__self__", None)
    if type(box) is _Box:
        box.error = unraisable.exc_value
        return
    _previous_unraisable_hook(unraisable)


_previous_unraisable_hook = None


def _install_unraisable_hook():
    global _previous_unraisable_hook
    if sys.unraisablehook is not _unraisable_hook:
        _previous_unraisable_hook = sys.unraisablehook
        sys.unraisablehook = _unraisable_hook


def _many_values(line: bytes) -> bool:
    """Whether a long request is a tree of many small values (a JSON candle
    batch), worth a frameless thread, not one long string (base64 columns,
    where handing the GIL to a thread and back is most of the cost)."""
    return line.count(b",", 0, 1024) > 16


def _frameless_decode(text):
    """json decoding of `text` on a thread without Python frames; falls back
    to the ordinary decoder whenever the fast path has no clean answer."""
    box = _Box()
    done = _thread.allocate_lock()
    done.acquire()
    token = _Token()
    watch = weakref.ref(token, lambda _ref: done.release())  # noqa: F841 (must stay alive)
    work = map(_SCAN, (text,), islice((0, token), 1))
    del token
    try:
        _thread.start_new_thread(box.extend, (work,))
    except RuntimeError:  # cannot start a thread: decode here
        return _DECODER.decode(text)
    del work  # the thread's arguments now hold the only reference to the token
    done.acquire()
    if box.error is not None:
        error, box.error = box.error, None
        raise error
    if box:
        obj, end = box[0]
        if _WHITESPACE(text, end).end() == len(text):
            return obj
    return _DECODER.decode(text)  # raises the ordinary error (or decodes)


# --- base64-columns candle batches -----------------------------------------

#: Answered in hello: the bot takes its candles as base64 columns.
CANDLE_ENCODING = "base64-columns"

_drain = deque(maxlen=0).extend  # runs an iterator to its end, in C


def _feed(on_candle, columns):
    _drain(starmap(on_candle, zip(*columns)))


# Why _feed is this way: starmap over zip calls the bot with zip's tuple,
# which zip reuses once the call is done, where map over six columns would
# allocate an argument array per call (more than five arguments), a traced
# allocation each. And the candle's values are created while _feed's frame
# is the innermost one: tracemalloc finds its line by scanning the line
# table up to the instruction, which for a one-line function is short.


def _columns(request):
    """The six columns of a base64-columns batch as sequences of numbers
    (memoryviews: each value becomes an object only when read), or None
    for an empty batch."""
    count = request.get("count")
    if not _is_int(count) or not 0 <= count <= MAX_BATCH:
        raise ProtocolError(f'"count" must be an integer from 0 to {MAX_BATCH}, got {count!r}')
    data = request.get("columns")
    if type(data) is not str:
        raise ProtocolError('"columns" must be a base64 string')
    try:
        raw = binascii.a2b_base64(data)
    except (binascii.Error, ValueError) as exc:
        raise ProtocolError(f'"columns" is not base64: {exc}') from None
    if len(raw) != 48 * count:
        raise ProtocolError(f'"columns" holds {len(raw)} bytes; {count} candles take {48 * count}')
    if count == 0:
        return None
    if sys.byteorder == "little":
        view = memoryview(raw)
        times = view[: 8 * count].cast("q")
        values = view[8 * count :].cast("d")
    else:  # pragma: no cover - the wire is little-endian
        times, values = array.array("q"), array.array("d")
        times.frombytes(raw[: 8 * count])
        values.frombytes(raw[8 * count :])
        times.byteswap()
        values.byteswap()
    return [times] + [values[i * count : (i + 1) * count] for i in range(5)]


# --- action argument kinds -------------------------------------------------


def _arg_int(verb, field, value):
    if not _is_int(value):
        raise ProtocolError(f"{verb}.{field} must be an integer, got {value!r}")
    return value


def _arg_count(verb, field, value):
    if not _is_int(value) or value < 0:
        raise ProtocolError(f"{verb}.{field} must be a non-negative integer, got {value!r}")
    return value


def _arg_number(verb, field, value):
    if not _is_number(value):
        raise ProtocolError(f"{verb}.{field} must be a finite number, got {value!r}")
    return float(value)


#: verb -> ((field, kind), ...): the action schema of protocol version 1.
VERBS = {
    "add_session": (("id", _arg_int), ("payload_len", _arg_count)),
    "get_session": (("id", _arg_int),),
    "remove_session": (("id", _arg_int),),
    "buy": (("qty", _arg_number), ("price", _arg_number)),
    "sell": (("price", _arg_number),),
    "cleanup": (("keep_trades", _arg_count), ("keep_sessions", _arg_count)),
}


# --- bot answers -----------------------------------------------------------


def component_parts(item, sampling=True):
    """(name, len, bound, bytes or None, capped) of one entry of a bot's
    `components()`, in any form the helper accepts: `(name, container,
    bound)`, `(name, len, bound[, bytes])`, or a dict with those keys
    (`"container"` for the container). A container's len and deep bytes
    are measured here, bytes only when `sampling`. `capped` (its length
    cannot pass its bound by construction) is a dict's `"capped"`, or a
    `deque` container whose maxlen is within the bound. The values are
    not validated; an entry of no known form is a ProtocolError."""
    if isinstance(item, dict):
        name, length, bound, nbytes = item.get("name"), item.get("len"), item.get("bound"), item.get("bytes")
        container = item.get("container")
        if "container" in item:
            length, nbytes = _measure(container, sampling)
        return name, length, bound, nbytes, bool(item.get("capped")) or _capped(container, bound)
    if isinstance(item, (tuple, list)) and len(item) == 3 and not _is_int(item[1]):
        length, nbytes = _measure(item[1], sampling)
        return item[0], length, item[2], nbytes, _capped(item[1], item[2])
    if isinstance(item, (tuple, list)) and len(item) in (3, 4):
        return item[0], item[1], item[2], item[3] if len(item) == 4 else None, False
    raise ProtocolError(
        f"bot component {item!r}: expected (name, container, bound), (name, len, bound[, bytes]) or a dict"
    )


def _capped(container, bound):
    """Whether `container` cannot pass `bound` by construction: a deque
    whose maxlen is within it."""
    maxlen = container.maxlen if isinstance(container, deque) else None
    return maxlen is not None and _is_int(bound) and maxlen <= bound


def _measure(container, sampling):
    """(len, deep bytes) of a component given as its container; bytes
    only when sampling (hello needs neither)."""
    if not sampling:
        return 0, None
    try:
        length = len(container)
    except TypeError:
        raise ProtocolError(f"component container {type(container).__name__} has no len()") from None
    return length, sizeof(container)


def _bot_int(what, value):
    if isinstance(value, bool):
        raise ProtocolError(f"bot reported {what} as a boolean")
    try:
        return operator.index(value)
    except TypeError:
        raise ProtocolError(f"bot reported {what} as {value!r}, not an integer") from None


def _bot_number(what, value):
    if isinstance(value, bool):
        raise ProtocolError(f"bot reported {what} as a boolean")
    if not isinstance(value, (int, float)):
        try:
            value = float(value)  # e.g. numpy scalars, Decimal
        except (TypeError, ValueError):
            raise ProtocolError(f"bot reported {what} as {value!r}, not a number") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ProtocolError(f"bot reported {what} as {value!r}, not a finite number")
    return value


def _call_optional(bot, attr):
    """A bot attribute that is a number, or a method returning one; None if
    the bot has neither."""
    value = getattr(bot, attr, None)
    if callable(value) and not isinstance(value, type):
        value = value()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


class Server:
    """One protocol session over a binary input and output stream.

    Each `handle_<type>` method takes the decoded request and returns the
    answer (a dict), or None to send nothing. Subclass to change behaviour
    (examples/python/misbehaving_bot.py does).
    """

    #: The protocol number answered in hello (and reset).
    protocol = PROTOCOL
    #: Decode long requests on a frameless thread (see _frameless_decode);
    #: HEAPBOUND_BOT_FRAMELESS=0 in the environment turns it off.
    frameless = os.environ.get("HEAPBOUND_BOT_FRAMELESS", "1") != "0"
    #: How this helper asks for candles in hello: base64 columns (cheap
    #: in Python), or "json" (HEAPBOUND_BOT_CANDLES=json in the environment).
    candle_encoding = "json" if os.environ.get("HEAPBOUND_BOT_CANDLES") == "json" else CANDLE_ENCODING

    def __init__(self, bot_factory, stdin, stdout, stderr=None):
        self.bot_factory = bot_factory
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.bot = None
        self.greeted = False  # a hello was answered
        self.finished = False  # shutdown was answered
        self.build_failed = None  # why the last hello/reset built no bot
        self._on_candle = None
        self._on_candles = None
        self.coverage = None  # LineCoverage, once hello or reset asks for it
        if self.frameless:
            _install_unraisable_hook()
        self.handlers = {
            "hello": self.handle_hello,
            "candles": self.handle_candles,
            "action": self.handle_action,
            "sample": self.handle_sample,
            "reset": self.handle_reset,
            "shutdown": self.handle_shutdown,
        }

    # -- the loop --

    def run(self) -> int:
        """Answers requests until shutdown or EOF; returns the exit status."""
        readline = self.stdin.readline
        while not self.finished:
            line = readline(MAX_LINE)
            if not line:
                self.log("heapbound.bot: stdin closed without shutdown; exiting")
                return 0
            if len(line) >= MAX_LINE and not line.endswith(b"\n"):
                while True:  # drop the rest of the over-long line
                    rest = readline(MAX_LINE)
                    if not rest or rest.endswith(b"\n"):
                        break
                del line
                self.answer(_error(f"request line longer than {MAX_LINE} bytes"))
                continue
            reply = self.handle_line(line)
            # Drop the request (a batch is ~400 bytes per candle) before
            # answering, so the next sample does not see it.
            del line
            if reply is not None:
                self.answer(reply)
        return 0

    def handle_line(self, line: bytes):
        try:
            text = line.decode("utf-8")
            if self.frameless and len(text) >= FRAMELESS_MIN and _many_values(line):
                request = _frameless_decode(text)
            else:
                request = _DECODER.decode(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
            return _error(f"request is not JSON: {exc}")
        except Exception as exc:  # e.g. MemoryError
            return _error(f"request could not be decoded: {type(exc).__name__}: {exc}")
        finally:
            text = None
        if type(request) is not dict:
            return _error("request is not a JSON object")
        kind = request.get("type")
        handler = self.handlers.get(kind) if type(kind) is str else None
        if handler is None:
            if "type" not in request:
                return _error('request has no "type"')
            return _error(f"unknown request type {kind!r}")
        try:
            return handler(request)
        except ProtocolError as exc:
            return _error(str(exc))
        except Exception as exc:  # the bot's own bug: report it, keep serving
            traceback.print_exc(file=self.stderr)
            return _error(f"bot raised {type(exc).__name__} while handling {kind}: {exc}")

    def answer(self, reply: dict) -> None:
        try:
            data = _ENCODER.encode(reply)
        except (TypeError, ValueError) as exc:
            data = _ENCODER.encode(_error(f"bot answer is not JSON-serializable: {exc}"))
        self.write_line(data.encode("utf-8"))

    def write_line(self, data: bytes) -> None:
        """Writes one raw line to the protocol channel and flushes it."""
        self.stdout.write(data + b"\n")
        self.stdout.flush()

    def log(self, message: str) -> None:
        try:
            print(message, file=self.stderr, flush=True)
        except (OSError, ValueError):
            pass

    # -- handlers --

    def handle_hello(self, request):
        if self.greeted:
            raise ProtocolError("hello was already answered; send reset to rebuild the bot")
        asked = request.get("protocol")
        if not _is_int(asked):
            raise ProtocolError('hello needs an integer "protocol"')
        if asked != self.protocol:
            self.log(f"heapbound.bot: heapbound asked for protocol {asked}, this bot speaks {self.protocol}")
        self.want_coverage(request)
        reply = self.build(self.config_of(request))
        self.greeted = True
        return reply

    def handle_reset(self, request):
        if not self.greeted:
            raise ProtocolError("reset before hello")
        self.want_coverage(request)
        return self.build(self.config_of(request))

    def want_coverage(self, request):
        """Starts line coverage if hello/reset asks for it (before the bot is
        built, so its buffers are part of the heap the bot starts with)."""
        if request.get("coverage") is True and self.coverage is None:
            self.coverage = LineCoverage()

    def traced(self, call, *args, lines=True):
        """call(*args), with the bot's lines (or only its functions)
        traced when coverage is on."""
        coverage = self.coverage
        if coverage is None:
            return call(*args)
        coverage.start(lines)
        try:
            return call(*args)
        finally:
            coverage.stop()

    def handle_shutdown(self, request):
        self.finished = True
        return {"type": "bye"}

    def handle_candles(self, request):
        bot = self.need_bot()
        if "columns" in request:
            self.traced(self.feed_columns, request, lines=False)
        else:
            self.traced(self.feed_rows, request, lines=False)
        stats = self.stats(bot)
        return {"type": "ok", "fills": stats["fills"], "cleanups": stats["cleanups"]}

    def feed_rows(self, request):
        """A JSON batch: [[open_time_ms, open, high, low, close, volume], ...]."""
        candles = request.get("candles")
        if type(candles) is not list:
            raise ProtocolError('"candles" must be an array')
        if len(candles) > MAX_BATCH:
            raise ProtocolError(f"a batch holds at most {MAX_BATCH} candles, got {len(candles)}")
        if candles:
            self.check_batch(candles)
            on_candles = self._on_candles
            if on_candles is not None:
                on_candles(candles)
            else:
                on_candle = self._on_candle
                for t, o, h, l, c, v in candles:
                    on_candle(t, o, h, l, c, v)

    def feed_columns(self, request):
        """A base64-columns batch (PROTOCOL.md): no object is made per
        candle but the six values handed to the bot, each freed after its
        call unless the bot keeps it."""
        columns = _columns(request)
        if columns is None:
            return
        on_candles = self._on_candles
        if on_candles is not None:
            on_candles(list(map(list, zip(*columns))))
        else:
            _feed(self._on_candle, columns)

    @staticmethod
    def check_batch(candles):
        if not (_LIST.issuperset(map(type, candles)) and _SIX.issuperset(map(len, candles))):
            for index, candle in enumerate(candles):
                if type(candle) is not list or len(candle) != 6:
                    raise ProtocolError(
                        f"candle {index}: expected [open_time_ms, open, high, low, close, volume], got {candle!r}"
                    )
        columns = _COLUMNS
        if not _INT.issuperset(map(type, map(columns[0], candles))):
            index = next(i for i, c in enumerate(candles) if type(c[0]) is not int)
            raise ProtocolError(f"candle {index}: open_time_ms must be an integer, got {candles[index][0]!r}")
        number = _NUMBER.issuperset
        for column in columns[1:]:
            if not number(map(type, map(column, candles))):
                index = next(i for i, c in enumerate(candles) if type(column(c)) not in _NUMBER)
                raise ProtocolError(f"candle {index}: prices and volume must be numbers, got {candles[index]!r}")

    def handle_action(self, request):
        bot = self.need_bot()
        action = request.get("action")
        if type(action) is not dict or len(action) != 1:
            raise ProtocolError('"action" must be an object with exactly one verb, e.g. {"sell":{"price":1.0}}')
        ((verb, args),) = action.items()
        # Interned: CPython 3.11's method cache keeps the last name looked
        # up per slot, so a fresh decoded string per action would stay alive
        # there, a few KiB that grow like a leak over a short run.
        verb = sys.intern(verb)
        schema = VERBS.get(verb)
        if schema is None:
            raise ProtocolError(f"unknown action {verb!r}; known: {', '.join(VERBS)}")
        if type(args) is not dict:
            raise ProtocolError(f"{verb}: arguments must be an object")
        values = []
        for field, kind in schema:
            if field not in args:
                raise ProtocolError(f"{verb}: missing {field!r}")
            values.append(kind(verb, field, args[field]))
        method = getattr(bot, verb, None)
        if method is None:
            return {"type": "refused", "reason": f"{verb} is not supported by {self.bot_name(bot)}"}
        try:
            self.traced(method, *values)
        except Refused as exc:
            return {"type": "refused", "reason": str(exc) or f"{verb} refused"}
        return {"type": "ok"}

    def handle_sample(self, request):
        bot = self.need_bot()
        # The heap is read first, so the bot's own measuring below does not
        # count; the previous request is already gone (see run).
        current, peak = tracemalloc.get_traced_memory()
        components = self.components(bot, sampling=True)
        violations = self.violations(bot)
        stats = self.stats(bot)
        reply = {
            "type": "sample",
            "components": components,
            "heap": {"current": current, "peak": peak},
            "violations": violations,
            "trades": stats["trades"],
            "equity": float(stats["equity"]),
        }
        if self.coverage is not None:
            reply["coverage"] = self.coverage.take_new()
        return reply

    # -- the bot --

    @staticmethod
    def config_of(request):
        config = request.get("config", {})
        if type(config) is not dict:
            raise ProtocolError('"config" must be an object')
        return config

    def need_bot(self):
        bot = self.bot
        if bot is None:
            if self.build_failed is not None:
                raise ProtocolError(f"no bot: {self.build_failed}")
            raise ProtocolError("no hello yet")
        return bot

    def build(self, config):
        """Drops the old bot (and its garbage), builds a new one from config,
        and returns the hello answer."""
        self.bot = self._on_candle = self._on_candles = None
        gc.collect()
        try:
            bot = self.traced(self.bot_factory, config)
        except Exception as exc:
            traceback.print_exc(file=self.stderr)
            self.build_failed = f"the bot rejected its config: {type(exc).__name__}: {exc}"
            raise ProtocolError(self.build_failed) from None
        try:
            on_candles = getattr(bot, "on_candles", None)
            on_candle = getattr(bot, "on_candle", None)
            if on_candles is None and on_candle is None:
                raise ProtocolError(f"{type(bot).__name__} has neither on_candle nor on_candles")
            components = self.components(bot, sampling=False)
        except Exception as exc:
            self.build_failed = str(exc) if isinstance(exc, ProtocolError) else f"{type(exc).__name__}: {exc}"
            raise
        self.bot, self._on_candle, self._on_candles = bot, on_candle, on_candles
        self.build_failed = None
        reply = {"type": "hello", "protocol": self.protocol, "bot": self.bot_name(bot), "components": components}
        if self.candle_encoding != "json":
            reply["candle_encoding"] = self.candle_encoding
        return reply

    @staticmethod
    def bot_name(bot):
        name = getattr(bot, "name", None)
        if isinstance(name, str) and name:
            return name
        return type(bot).__name__

    def components(self, bot, sampling):
        method = getattr(bot, "components", None)
        raw = method() if method is not None else []
        out = []
        seen = set()
        for item in raw:
            name, length, bound, nbytes, _capped = component_parts(item, sampling)
            if not isinstance(name, str) or not name:
                raise ProtocolError(f"bot component {item!r}: name must be a non-empty string")
            if name in seen:
                raise ProtocolError(f"bot reported component {name!r} twice")
            seen.add(name)
            if sampling:
                entry = {"name": name, "len": _bot_int(f"{name}.len", length)}
                if nbytes is not None:
                    entry["bytes"] = _bot_int(f"{name}.bytes", nbytes)
            else:
                entry = {"name": name, "bound": _bot_int(f"{name}.bound", bound)}
            out.append(entry)
        return out

    @staticmethod
    def violations(bot):
        method = getattr(bot, "invariants", None)
        raw = method() if method is not None else []
        out = []
        for item in raw or ():
            if isinstance(item, (tuple, list)) and len(item) == 4:
                item = dict(zip(("invariant", "observed", "allowed", "unit"), item))
            if not isinstance(item, dict):
                raise ProtocolError(f"bot violation {item!r}: expected a dict")
            invariant, unit = item.get("invariant"), item.get("unit")
            if not isinstance(invariant, str) or not invariant:
                raise ProtocolError(f"bot violation {item!r}: invariant must be a non-empty string")
            if not isinstance(unit, str):
                raise ProtocolError(f"bot violation {item!r}: unit must be a string")
            out.append(
                {
                    "invariant": invariant,
                    "observed": _bot_number(f"{invariant}.observed", item.get("observed")),
                    "allowed": _bot_number(f"{invariant}.allowed", item.get("allowed")),
                    "unit": unit,
                }
            )
        return out

    @staticmethod
    def stats(bot):
        method = getattr(bot, "stats", None)
        if callable(method):
            given = method()
        elif isinstance(method, dict):
            given = method
        else:
            given = {}
        if not isinstance(given, dict):
            raise ProtocolError("bot stats() must return a dict")
        found = {}
        for key in ("trades", "fills", "cleanups", "equity"):
            if key in given:
                found[key] = given[key]
            else:
                value = _call_optional(bot, key)
                if value is not None:
                    found[key] = value
        trades = found.get("trades", found.get("fills", 0))
        fills = found.get("fills", trades)
        return {
            "trades": _bot_int("trades", trades),
            "fills": _bot_int("fills", fills),
            "cleanups": _bot_int("cleanups", found.get("cleanups", 0)),
            "equity": float(_bot_number("equity", found.get("equity", 0.0))),
        }


# --- running a bot ---------------------------------------------------------


def _claim_stdout():
    """Returns a binary writer on the real stdout and points fd 1 (and
    sys.stdout) at stderr, so nothing but answers reaches heapbound."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        pass
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "wb")


def serve(bot_factory, *, server_cls=Server, redirect_stdout=True):
    """Runs the protocol on stdin/stdout with `bot_factory(config)` building
    the bot, then exits the process (status 0 after shutdown or EOF).

    Starts tracemalloc (if not tracing already) before anything else, so the
    heap numbers count everything the bot allocates from here on.
    """
    if not tracemalloc.is_tracing():
        tracemalloc.start()
    stdin = sys.stdin.buffer
    stdout = _claim_stdout() if redirect_stdout else sys.stdout.buffer
    server = server_cls(bot_factory, stdin, stdout)
    try:
        status = server.run()
        stdout.flush()
    except BrokenPipeError:
        server.log("heapbound.bot: heapbound closed the protocol pipe; exiting")
        sys.stderr.flush()
        os._exit(1)  # nothing left to flush to
    tracemalloc.stop()  # makes interpreter teardown fast
    sys.exit(status)


# --- measuring -------------------------------------------------------------

_SKIP_TYPES = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.CodeType,
    types.FrameType,
)
_SKIP_IDS = frozenset(map(id, (None, True, False, Ellipsis, NotImplemented)))


def sizeof(*objects) -> int:
    """Bytes held by `objects` and everything they reach: sys.getsizeof
    summed over gc referents, each object once (shared objects are counted
    once), not counting classes, modules, functions and the singletons; a
    dict's keys too (CPython skips string keys when it traverses a dict),
    and the values in __slots__. Meant for samples, not for every candle:
    about 0.4 us per object reached, 1.1 us under tracemalloc
    (python/bench_protocol.py --sizeof)."""
    seen = set(_SKIP_IDS)
    total = 0
    level = objects
    while level:
        fresh = _fresh(level, seen)
        total += _sum_sizes(fresh)
        level = _referents(fresh)
    return total


# sizeof walks breadth first, a level of objects at a time, with C doing
# the work per object (no Python bytecode per object). Each step is its own
# one-line function: under tracemalloc every object made is stamped with
# the line of the innermost Python frame, found by scanning that function's
# line table from its start, so short functions make it cheap (1.7x here).


def _fresh(level, seen):
    return _unskipped(_index_new(dict(zip(map(id, level), level)), seen))


def _index_new(by_id, seen):
    fresh = by_id.keys() - seen
    seen |= fresh
    return list(map(by_id.__getitem__, fresh))


def _unskipped(objects):
    return list(compress(objects, map(not_, map(isinstance, objects, repeat(_SKIP_TYPES)))))


def _sum_sizes(objects):
    return sum(map(sys.getsizeof, objects))


def _referents(objects):
    found = gc.get_referents(*objects)
    found.extend(chain.from_iterable(compress(objects, map(isinstance, objects, repeat(dict)))))
    return found


def sleep_forever():  # pragma: no cover - used by misbehaving test bots
    while True:
        time.sleep(3600)
