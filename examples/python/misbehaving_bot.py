#!/usr/bin/env python3
"""A bot that breaks the protocol on purpose, for testing heapbound's side.

    python3 examples/python/misbehaving_bot.py MODE

It is the guide bot (guide_bot.py) in every respect except MODE:

  exit-mid-run     reads and processes the second candles batch, then exits
                   with status 3 without answering it
  hang             answers the first candles batch, then stops: reads no more
                   requests (so large writes to its stdin block once the pipe
                   is full), answers nothing, sleeps until killed
  garbage          answers the first candles batch with a line that is not
                   JSON, then carries on normally
  wrong-version    answers hello (and reset) with "protocol": 99
  flood-stderr     writes 10 MiB (10,485,760 bytes, in 1 KiB lines) to stderr
                   while handling the first candles batch, before answering
                   it; otherwise well behaved (blocks if stderr is not read)
  ignore-shutdown  never answers shutdown and does not exit (ignores EOF on
                   stdin too); sleeps until killed (SIGTERM still kills it)

An unknown or missing MODE exits with status 2 and a usage line on stderr.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from guide_bot import GuideBot  # noqa: E402  (guide_bot puts the checkout's python/ on sys.path)
from heapbound.bot import Server, serve, sleep_forever  # noqa: E402

MODES = ("exit-mid-run", "hang", "garbage", "wrong-version", "flood-stderr", "ignore-shutdown")
FLOOD_BYTES = 10 * 1024 * 1024
FLOOD_LINE = 1024


def note(message):
    print(f"misbehaving_bot: {message}", file=sys.stderr, flush=True)


def flood_stderr():
    line = b"flood-stderr " + b"x" * (FLOOD_LINE - len(b"flood-stderr ") - 1) + b"\n"
    chunk = line * 64
    out = sys.stderr.buffer if hasattr(sys.stderr, "buffer") else None
    written = 0
    while written < FLOOD_BYTES:
        if out is not None:
            out.write(chunk)
        else:
            os.write(2, chunk)
        written += len(chunk)
    if out is not None:
        out.flush()


class MisbehavingServer(Server):
    mode = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches = 0
        if self.mode == "wrong-version":
            self.protocol = 99

    def handle_candles(self, request):
        reply = super().handle_candles(request)
        self.batches += 1
        mode, batches = self.mode, self.batches
        if mode == "exit-mid-run" and batches == 2:
            note("exit-mid-run: exiting with status 3 instead of answering batch 2")
            sys.exit(3)
        if mode == "hang" and batches == 1:
            self.answer(reply)
            note("hang: answered batch 1, now sleeping forever")
            sleep_forever()
        if mode == "garbage" and batches == 1:
            note("garbage: answering batch 1 with a line that is not JSON")
            self.write_line(b"this is not JSON {{{ ok fills=0")
            return None
        if mode == "flood-stderr" and batches == 1:
            flood_stderr()
        return reply

    def handle_shutdown(self, request):
        if self.mode == "ignore-shutdown":
            note("ignore-shutdown: not answering shutdown, sleeping forever")
            sleep_forever()
        return super().handle_shutdown(request)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in MODES:
        print(f"usage: {sys.argv[0]} {{{'|'.join(MODES)}}}", file=sys.stderr)
        sys.exit(2)
    MisbehavingServer.mode = sys.argv[1]
    serve(GuideBot, server_cls=MisbehavingServer)


if __name__ == "__main__":
    main()
