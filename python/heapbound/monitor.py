"""heapbound.monitor: watch a live Python bot in production (stdlib only).

    from heapbound.monitor import Monitor

    monitor = Monitor(bot, port=9184, dump_dir="/var/lib/mybot/flight",
                      config=bot_config, command="python3 my_bot.py")
    monitor.start()                         # a daemon thread, once a second
    for candle in exchange_feed():
        bot.on_candle(*candle)
        monitor.candle(*candle)             # the flight recorder
    ...
    monitor.action("buy", qty=0.1, price=50012.25)   # when an action happens

The same figures heapbound's harness reads: each component's length (and
bytes, for `(name, container, bound)` components), the heap from
tracemalloc (started here if it is not tracing), and the process from
/proc (RSS, VMS, threads, open fds). At each sample it runs the bot's
`invariants()`, checks every bound, projects each component's length a
week ahead (growth that is kept, by the floors of the window's eighths,
and real, by its slope's band) and raises `projected-bound` before a bound
breaks. A component whose length cannot pass its bound by construction (a dict
component with `"capped": True`, or a `deque(maxlen)` container) is not
projected: its filling is no breach. Alerts go to `logging` (logger `heapbound.monitor`), to
`on_alert`, and, with `dump_dir`, each writes the flight recorder: the last
`recorder` candles and actions (default 16,384; a tuple of the candle's
own values each, about 100 bytes, exported as `heapbound_monitor_bytes`)
as a scenario that

    heapbound replay DUMP.json --exec "python3 my_bot.py"

runs against a fresh bot, deterministically. With `port`, the figures are
served in the Prometheus text format at http://127.0.0.1:PORT/metrics.
With `samples_log`, every sample and alert is appended as JSON Lines,
which `heapbound report` turns into the weekly review's page.

Thread safety: the monitor thread calls `components()` and `invariants()`
while the bot runs; `len()` and `heapbound.bot.sizeof` read a container in
C steps that the GIL keeps whole. A bot whose `components()` does more can
call `monitor.sample()` from its own loop instead of `start()`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import threading
import time
import tracemalloc
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from heapbound.bot import component_parts, sizeof

__all__ = ["Monitor", "Alert"]

LOG = logging.getLogger("heapbound.monitor")

#: Ticks per quote unit and lots per base unit of a replayed candle: the
#: protocol's (PROTOCOL.md), so `replay --exec` sends the same decimals.
TICKS_PER_QUOTE = 100
LOTS_PER_BASE = 10_000
WEEK_SECONDS = 7 * 24 * 3600


class Alert(dict):
    """One alert: `kind`, `component`, `message`, `time` (seconds since the
    monitor started), the numbers of its kind, and `dump` when one was
    written."""

    def __str__(self):
        dump = f"; flight recorder: {self['dump']}" if self.get("dump") else ""
        return f"{self['message']}{dump}"


class _Trend:
    """The last `window` (time, length) samples of one component."""

    def __init__(self, window):
        self.points = deque(maxlen=window)
        self.longest_before = 0  # the longest before the window

    def push(self, time_, length):
        if len(self.points) == self.points.maxlen:
            self.longest_before = max(self.longest_before, self.points[0][1])
        self.points.append((time_, length))

    def kept_rate(self):
        """Entries per second when the growth is kept (the floors of the
        window's eighths never fall and rose at least 3 times) and real (the
        slope's 95% band excludes zero); None otherwise."""
        points = list(self.points)
        n = len(points)
        per = n // 8
        if n < 16 or per < 2:
            return None
        floors = [min(y for _, y in points[i * per : (i + 1) * per]) for i in range(8)]
        pairs = list(zip(floors, floors[1:]))
        if any(b < a for a, b in pairs) or sum(b > a for a, b in pairs) < 3:
            return None
        mean_x = sum(x for x, _ in points) / n
        mean_y = sum(y for _, y in points) / n
        sxx = sum((x - mean_x) ** 2 for x, _ in points)
        if sxx == 0:
            return None
        slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
        residual = sum((y - mean_y - slope * (x - mean_x)) ** 2 for x, y in points)
        band = 2.0 * math.sqrt(residual / (n - 2) / sxx)  # ~t(0.975) for n >= 16
        if slope - band <= 0 or _slope(points[n // 2 :]) < slope / 2:
            return None  # no real growth, or levelling off at its level
        if max(y for _, y in points) <= self.longest_before:
            return None  # back at a level it held before: no new high
        return slope


def _slope(points):
    """Least-squares slope of (x, y) points (0 for fewer than two)."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx if sxx else 0.0


class Monitor:
    """Watches `bot` (any object with `components()`, optionally
    `invariants()`). See the module docs."""

    def __init__(
        self,
        bot,
        *,
        interval=1.0,
        port=None,
        rss_limit=None,
        horizon_seconds=WEEK_SECONDS,
        window=128,
        recorder=16_384,
        dump_dir=None,
        config=None,
        command="",
        on_alert=None,
        samples_log=None,
        clock=time.monotonic,
    ):
        self.bot = bot
        self.interval = interval
        self.port = port
        self.rss_limit = rss_limit
        self.horizon = horizon_seconds
        self.window = window
        self.steps = deque(maxlen=recorder)
        self.dump_dir = dump_dir
        self.config = {} if config is None else config
        self.command = command
        self.on_alert = on_alert
        self.samples_log = samples_log
        self.clock = clock
        self.started = clock()
        self.trends = {}
        self.fired = set()
        self.alerts = deque(maxlen=256)
        self.figures = {}
        self.alert_counts = {}  # a counter: kept across samples
        self.last_close = None
        self.dumps = 0
        self.lock = threading.Lock()
        self.thread = None
        self.server = None
        self.stopping = threading.Event()
        if not tracemalloc.is_tracing():
            tracemalloc.start()

    # -- the flight recorder --

    def candle(self, open_time_ms, open, high, low, close, volume):
        """Records a candle the bot was given (the values themselves, one
        small tuple: converted only when a dump is written)."""
        self.steps.append((open_time_ms, open, high, low, close, volume))
        self.last_close = close

    def action(self, verb, **args):
        """Records one of the protocol's actions (PROTOCOL.md), with its
        arguments as the bot got them: `action("buy", qty=0.1, price=50012.25)`."""
        step = _process_action(verb, args, self.last_close)
        if step is not None:
            self.steps.append(step)

    def dump(self, path):
        """Writes the recorded inputs with the bot's config as a scenario
        for `heapbound replay PATH --exec CMD`, whole or not at all."""
        scenario = {
            "seed": 0,
            "config": {"command": self.command, "config": self.config},
            "actions": [_step(step) for step in list(self.steps)],
        }
        partial = f"{path}.partial"
        with open(partial, "w") as out:
            json.dump(scenario, out)
            out.write("\n")
        os.replace(partial, path)

    # -- sampling --

    def sample(self):
        """Samples now; returns the alerts raised."""
        now = self.clock() - self.started
        raised = []
        figures = {"heapbound_heap_live_bytes": {(): tracemalloc.get_traced_memory()[0]}}
        figures["heapbound_heap_peak_bytes"] = {(): tracemalloc.get_traced_memory()[1]}
        process = _process()
        for name, value in process.items():
            figures[f"heapbound_process_{name}"] = {(): value}
        if self.rss_limit is not None and process.get("rss_bytes", 0) > self.rss_limit:
            raised.append(
                _alert("rss", "process", f"rss: {process['rss_bytes']} bytes, limit {self.rss_limit}", now)
            )
        lengths, bounds, sizes = {}, {}, {}
        for name, length, bound, nbytes, capped in _components(self.bot):
            lengths[(("component", name),)] = length
            bounds[(("component", name),)] = bound
            if nbytes is not None:
                sizes[(("component", name),)] = nbytes
            if length > bound:
                message = f"container-bound in {name}: observed {length} entries, allowed {bound} entries"
                raised.append(_alert("container-bound", name, message, now, len=length, bound=bound))
                continue
            if capped:
                continue  # it cannot pass its bound: its filling is no breach
            trend = self.trends.setdefault(name, _Trend(self.window))
            trend.push(now, length)
            rate = trend.kept_rate()
            if rate is not None and length + rate * self.horizon > bound:
                seconds = (bound - length) / rate
                message = (
                    f"projected-bound in {name}: {length} of {bound} entries, "
                    f"+{rate:.4f} per second, past its bound in {seconds:.0f} s "
                    '(a component that cannot pass its bound by construction says "capped": True)'
                )
                raised.append(
                    _alert("projected-bound", name, message, now, len=length, bound=bound, seconds_to_bound=seconds)
                )
        # Its own memory: the recorder (tuples of the values it was given,
        # estimated from the newest) and the trends' windows.
        newest = self.steps[-1] if self.steps else None
        own = sys.getsizeof(self.steps) + (len(self.steps) * sizeof(newest) if newest is not None else 0)
        own += sum(sys.getsizeof(trend.points) + len(trend.points) * 120 for trend in self.trends.values())
        figures["heapbound_monitor_bytes"] = {(): own}
        figures["heapbound_component_len"] = lengths
        figures["heapbound_component_bound"] = bounds
        figures["heapbound_component_bytes"] = sizes
        for violation in _call(self.bot, "invariants") or ():
            name = violation.get("invariant", "invariant") if isinstance(violation, dict) else str(violation)
            raised.append(_alert(name, "bot", f"{name}: {violation}", now))
        with self.lock:
            self.figures = figures
        self._log(
            {
                "seed": 0,
                "candle": len(self.steps),
                "time": now,
                "live_bytes": figures["heapbound_heap_live_bytes"][()],
                "components": {key[0][1]: value for key, value in sizes.items()},
                "lens": {key[0][1]: value for key, value in lengths.items()},
                "rss_bytes": process.get("rss_bytes", 0),
            }
        )
        fired = [alert for alert in raised if self._fire(alert)]
        return fired

    def _log(self, line):
        """Appends a line to the samples log (`heapbound report`'s input)."""
        if self.samples_log is None:
            return
        try:
            with open(self.samples_log, "a") as out:
                out.write(json.dumps(line) + "\n")
        except OSError as exc:
            LOG.error("heapbound monitor: cannot append to %s: %s; the log stops", self.samples_log, exc)
            self.samples_log = None

    def _fire(self, alert):
        key = (alert["kind"], alert["component"])
        if key in self.fired:
            return False
        self.fired.add(key)
        if self.dump_dir is not None:
            self.dumps += 1
            path = os.path.join(self.dump_dir, f"heapbound-flight-{len(self.steps)}-{self.dumps}.json")
            try:
                self.dump(path)
                alert["dump"] = path
            except OSError as exc:
                LOG.error("flight recorder: cannot write %s: %s", path, exc)
        LOG.warning("%s", alert)
        self._log({"alert": {"message": str(alert["message"]), "dump": alert.get("dump"), "command": self.command or None}})
        self.alerts.append(alert)
        with self.lock:
            key = (("kind", alert["kind"]),)
            self.alert_counts[key] = self.alert_counts.get(key, 0) + 1
        if self.on_alert is not None:
            self.on_alert(alert)
        return True

    # -- the thread and the endpoint --

    def start(self):
        """Samples every `interval` seconds on a daemon thread, and serves
        /metrics when `port` was given (0: any free port, see `self.port`)."""
        if self.port is not None:
            self.server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
            self.port = self.server.server_address[1]
            threading.Thread(target=self.server.serve_forever, name="heapbound-metrics", daemon=True).start()
        if self.interval:
            self.thread = threading.Thread(target=self._run, name="heapbound-monitor", daemon=True)
            self.thread.start()
        return self

    def _run(self):
        while not self.stopping.wait(self.interval):
            try:
                self.sample()
            except Exception:  # noqa: BLE001 - a monitor must not kill the bot
                LOG.exception("heapbound monitor: sampling failed")

    def stop(self):
        self.stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def prometheus(self):
        """The figures in the Prometheus text format."""
        with self.lock:
            figures = {name: dict(series) for name, series in self.figures.items()}
            if self.alert_counts:
                figures["heapbound_alerts_total"] = dict(self.alert_counts)
        lines = []
        for name in sorted(figures):
            kind = "counter" if name.endswith("_total") else "gauge"
            lines.append(f"# TYPE {name} {kind}")
            for labels, value in sorted(figures[name].items()):
                text = ",".join(f'{key}="{_escape(val)}"' for key, val in labels)
                lines.append(f"{name}{{{text}}} {value}" if text else f"{name} {value}")
        return "\n".join(lines) + "\n"


def _handler(monitor):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404, "only /metrics here")
                return
            body = monitor.prometheus().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet: a scrape every few seconds
            pass

    return Handler


def _escape(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _alert(kind, component, message, now, **numbers):
    return Alert(kind=kind, component=component, message=message, time=now, **numbers)


def _call(bot, name):
    method = getattr(bot, name, None)
    return method() if callable(method) else None


def _components(bot):
    """(name, len, bound, bytes or None, capped) for each of the bot's
    components, as the protocol helper reads them (heapbound.bot)."""
    for item in _call(bot, "components") or ():
        name, length, bound, nbytes, capped = component_parts(item)
        yield name, 0 if length is None else length, bound, nbytes, capped


def _process():
    """RSS, VMS, threads and open fds from /proc/self (Linux); {} elsewhere."""
    figures = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key == "VmRSS":
                    figures["rss_bytes"] = int(value.split()[0]) * 1024
                elif key == "VmSize":
                    figures["vms_bytes"] = int(value.split()[0]) * 1024
                elif key == "Threads":
                    figures["threads"] = int(value)
        figures["open_fds"] = len(os.listdir("/proc/self/fd"))
    except OSError:
        pass
    return figures


def _step(step):
    """A recorded input as a scenario step: a candle in the protocol's
    ticks and lots, or an action as it was recorded."""
    if isinstance(step, dict):
        return {"bot": step}
    open_time_ms, open_, high, low, close, volume = step
    return {
        "recorded": {
            "open_time": int(open_time_ms),
            "open": round(open_ * TICKS_PER_QUOTE),
            "high": round(high * TICKS_PER_QUOTE),
            "low": round(low * TICKS_PER_QUOTE),
            "close": round(close * TICKS_PER_QUOTE),
            "volume": round(volume * LOTS_PER_BASE),
        }
    }


def _process_action(verb, args, last_close):
    """An action as heapbound's ProcessAction (what `replay --exec` sends
    back): ids modulo 65,536, quantities in lots, prices as basis points
    off the last close."""

    def bps(price):
        if not last_close:
            return 0
        return max(-32768, min(32767, round((price / last_close - 1.0) * 10_000)))

    if verb in ("add_session",):
        return {verb: {"id": int(args["id"]) % 65536, "payload_len": min(int(args["payload_len"]), 65535)}}
    if verb in ("get_session", "remove_session"):
        return {verb: {"id": int(args["id"]) % 65536}}
    if verb == "buy":
        qty = max(0, min(2**32 - 1, round(float(args["qty"]) * LOTS_PER_BASE)))
        return {"buy": {"qty": qty, "price_offset_bps": bps(float(args["price"]))}}
    if verb == "sell":
        return {"sell": {"price_offset_bps": bps(float(args["price"]))}}
    if verb == "cleanup":
        return {
            "cleanup": {
                "keep_trades": min(int(args["keep_trades"]), 65535),
                "keep_sessions": min(int(args["keep_sessions"]), 65535),
            }
        }
    LOG.warning("heapbound monitor: action %r is not one replay can send; not recorded", verb)
    return None
