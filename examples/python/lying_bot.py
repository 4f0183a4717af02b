#!/usr/bin/env python3
"""A bot whose answers lie about the protocol, for testing heapbound's checks.

    python3 examples/python/lying_bot.py MODE

It is the guide bot (guide_bot.py) in every respect except one lie, chosen
by MODE. "The Nth candles request" counts every candles request since the
process started (an empty batch counts too; reset does not restart the
count). Every answer not mentioned is the guide bot's own, correct one.

  wrong-type-sample     answers every sample request with {"type":"ok"}
  extra-line            answers the 2nd candles request correctly, then
                        writes one more valid line
                        {"type":"ok","fills":0,"cleanups":0}, so every later
                        answer arrives one request late
  missing-component     sample answers leave out the component "price_cache"
                        (hello and reset still declare it)
  undeclared-component  sample answers end with one more component,
                        {"name":"secret_cache","len":5,"bytes":100}, that
                        hello did not declare
  duplicate-hello       hello (and reset) declares "sessions" twice, the copy
                        right after the original, with the same bound
  duplicate-sample      sample answers list "sessions" twice, the copy (same
                        len and bytes) right after the original
  fills-go-down         the ok answer to the 3rd candles request reports fills
                        one lower than the answer to the 2nd: the 2nd answer
                        reports the true fills, or 5 when the true fills are
                        0, and the 3rd reports that number minus 1 (so 4 when
                        it had to invent 5). From the 4th candles request on,
                        the true fills are reported again (after an invented
                        5/4 that is another drop, to the true count)
  peak-below-current    every sample reports heap.peak = heap.current - 1
  float-len             every sample reports the first component's
                        ("sessions") len as len + 0.5, a non-integer number
  huge-line             answers the first sample with one valid JSON line of
                        about 50 MB: the correct sample answer plus a field
                        "bot_note" holding 50,000,000 "x" characters (written
                        in 1 MB pieces, then one flush); later samples are
                        normal
  negative-violation    every sample reports violations
                        [{"invariant":"cash-non-negative","observed":-1.5,
                        "allowed":0,"unit":"quote"}] (instead of the real ones)
  exit-1-after-bye      answers shutdown with {"type":"bye"}, then exits with
                        status 1
  output-after-bye      answers shutdown with {"type":"bye"}, then writes one
                        more line {"type":"ok"} and exits with status 0
  fork-setsid-hang      on the 2nd candles request (before processing it)
                        forks a child that calls os.setsid() and sleeps 60 s,
                        keeping every inherited descriptor open (stdin, the
                        protocol stdout, stderr) and writing nothing, then
                        exits 0 by itself; the bot itself exits at once with
                        status 4 without answering
  fork-hang             on the 2nd candles request (before processing it)
                        forks a child that stays in the bot's process group
                        (no setsid) and sleeps 60 s the same way (all
                        descriptors open, writes nothing, then exits 0); the
                        bot itself neither answers nor reads any more and
                        sleeps until killed
  close-stdout          answers the 1st candles request, then closes its
                        protocol stdout (the helper's stdout object, which
                        holds the only descriptor of the pipe, and fd 1) and
                        reads stdin to EOF without answering or acting on
                        anything, then exits with status 0
  string-len            every sample reports the first component's
                        ("sessions") len as a JSON string, its decimal digits
                        (e.g. "3" for 3 sessions, "0" when there are none)
  unknown-encoding      answers hello with "candle_encoding": "msgpack", an
                        encoding heapbound does not write

An unknown or missing MODE exits with status 2 and a usage line on stderr.
"""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from guide_bot import GuideBot  # noqa: E402  (guide_bot puts the checkout's python/ on sys.path)
from heapbound.bot import Server, serve, sleep_forever  # noqa: E402

MODES = (
    "wrong-type-sample",
    "extra-line",
    "missing-component",
    "undeclared-component",
    "duplicate-hello",
    "duplicate-sample",
    "fills-go-down",
    "peak-below-current",
    "float-len",
    "huge-line",
    "negative-violation",
    "exit-1-after-bye",
    "output-after-bye",
    "fork-setsid-hang",
    "fork-hang",
    "close-stdout",
    "string-len",
    "unknown-encoding",
)

HUGE_NOTE_CHARS = 50_000_000
HUGE_CHUNK = 1_000_000
CHILD_SLEEP_S = 60
INVENTED_FILLS = 5


def note(message):
    print(f"lying_bot: {message}", file=sys.stderr, flush=True)


def _child_sleeps():
    """The forked child: sleeps CHILD_SLEEP_S seconds, writes nothing, exits 0.

    os._exit everywhere: no interpreter teardown, no buffer flushed, no
    traceback printed, whatever happens (SIGINT would otherwise print a
    KeyboardInterrupt traceback to the inherited stderr)."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        deadline = time.monotonic() + CHILD_SLEEP_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(left, 60))
    except BaseException:  # noqa: BLE001 - must not print anything
        pass
    os._exit(0)


def _first_with(components, name):
    for index, entry in enumerate(components):
        if entry.get("name") == name:
            return index
    raise RuntimeError(f"lying_bot: the guide bot has no component {name!r}")


class LyingServer(Server):
    mode = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches = 0  # candles requests seen since start
        self.samples = 0  # sample requests answered since start
        self.fills_answered = None  # fills reported in the last candles answer

    # -- hello / reset --

    def build(self, config):
        reply = super().build(config)
        if self.mode == "unknown-encoding":
            reply["candle_encoding"] = "msgpack"
        if self.mode == "duplicate-hello":
            components = reply["components"]
            index = _first_with(components, "sessions")
            components.insert(index + 1, dict(components[index]))
        return reply

    # -- candles --

    def handle_candles(self, request):
        self.batches += 1
        mode, batches = self.mode, self.batches
        if mode in ("fork-setsid-hang", "fork-hang") and batches == 2:
            self.fork_and_hang(setsid=mode == "fork-setsid-hang")
        reply = super().handle_candles(request)
        if mode == "extra-line" and batches == 2:
            self.answer(reply)
            note("extra-line: answered batch 2, writing one extra ok line")
            self.answer({"type": "ok", "fills": 0, "cleanups": 0})
            return None
        if mode == "fills-go-down":
            if batches == 2 and reply["fills"] == 0:
                note(f"fills-go-down: no fills yet, reporting {INVENTED_FILLS} on batch 2")
                reply["fills"] = INVENTED_FILLS
            elif batches == 3:
                previous = reply["fills"] if self.fills_answered is None else self.fills_answered
                lowered = max(previous - 1, 0)
                note(f"fills-go-down: batch 3 reports fills {lowered} after {previous} (true {reply['fills']})")
                reply["fills"] = lowered
            self.fills_answered = reply["fills"]
        if mode == "close-stdout" and batches == 1:
            self.answer(reply)
            self.close_stdout_and_drain()
        return reply

    def fork_and_hang(self, setsid):
        self.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            if setsid:
                os.setsid()
            _child_sleeps()  # never returns
        if setsid:
            note(f"fork-setsid-hang: forked child {pid} (own session, sleeps {CHILD_SLEEP_S} s); exiting with status 4")
            sys.stderr.flush()
            os._exit(4)
        note(f"fork-hang: forked child {pid} (same process group, sleeps {CHILD_SLEEP_S} s); sleeping forever")
        sleep_forever()

    def close_stdout_and_drain(self):
        note("close-stdout: answered batch 1, closing stdout and reading stdin to EOF")
        self.stdout.close()  # the helper's writer: the only descriptor of the protocol pipe
        try:
            os.close(1)  # the helper pointed fd 1 at stderr; closed all the same
        except OSError:
            pass
        read = self.stdin.read1 if hasattr(self.stdin, "read1") else self.stdin.read
        while read(1 << 16):
            pass
        note("close-stdout: EOF on stdin; exiting with status 0")
        sys.exit(0)  # not back into serve(), which would flush the closed stdout

    # -- sample --

    def handle_sample(self, request):
        mode = self.mode
        if mode == "wrong-type-sample":
            self.need_bot()
            return {"type": "ok"}
        reply = super().handle_sample(request)
        self.samples += 1
        components = reply["components"]
        if mode == "missing-component":
            reply["components"] = [c for c in components if c["name"] != "price_cache"]
        elif mode == "undeclared-component":
            components.append({"name": "secret_cache", "len": 5, "bytes": 100})
        elif mode == "duplicate-sample":
            index = _first_with(components, "sessions")
            components.insert(index + 1, dict(components[index]))
        elif mode == "peak-below-current":
            reply["heap"]["peak"] = reply["heap"]["current"] - 1
        elif mode == "float-len":
            components[0]["len"] = components[0]["len"] + 0.5
        elif mode == "string-len":
            components[0]["len"] = str(components[0]["len"])
        elif mode == "negative-violation":
            reply["violations"] = [
                {"invariant": "cash-non-negative", "observed": -1.5, "allowed": 0, "unit": "quote"}
            ]
        elif mode == "huge-line" and self.samples == 1:
            self.write_huge(reply)
            return None
        return reply

    def write_huge(self, reply):
        """Writes `reply` plus "bot_note": 50,000,000 x's as one line, in
        pieces, so that the bot never holds the 50 MB line in memory."""
        head = json.dumps(reply, separators=(",", ":"), allow_nan=False).encode("utf-8")
        assert head.endswith(b"}")
        head = head[:-1] + b',"bot_note":"'
        tail = b'"}\n'
        note(f"huge-line: answering sample 1 with a line of {len(head) + HUGE_NOTE_CHARS + len(tail)} bytes")
        out = self.stdout
        out.write(head)
        chunk = b"x" * HUGE_CHUNK
        left = HUGE_NOTE_CHARS
        while left > 0:
            piece = chunk if left >= HUGE_CHUNK else chunk[:left]
            out.write(piece)
            left -= len(piece)
        out.write(tail)
        out.flush()

    # -- shutdown --

    def handle_shutdown(self, request):
        mode = self.mode
        if mode == "exit-1-after-bye":
            self.answer(super().handle_shutdown(request))
            note("exit-1-after-bye: answered bye, exiting with status 1")
            sys.exit(1)
        if mode == "output-after-bye":
            self.answer(super().handle_shutdown(request))
            note("output-after-bye: answered bye, writing one more line")
            self.answer({"type": "ok"})
            return None  # finished is set: run() returns 0
        return super().handle_shutdown(request)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in MODES:
        print(f"usage: {sys.argv[0]} {{{'|'.join(MODES)}}}", file=sys.stderr)
        sys.exit(2)
    LyingServer.mode = sys.argv[1]
    serve(GuideBot, server_cls=LyingServer)


if __name__ == "__main__":
    main()
