"""heapbound.coverage: which lines of the bot's own code ran, as the
coverage signal of guided `heapbound explore --exec`.

libFuzzer keeps an input that reaches a new edge of instrumented code; a
bot process is not instrumented, so when heapbound asks for coverage in
`hello` (`"coverage": true`) the helper traces the bot's calls with
`sys.settrace` and reports, with each sample, the lines run for the first
time in this process. heapbound keeps the scenarios that reached new
lines and mutates them, so a branch that needs a specific order of events
(an id removed while it still owns an open order) is reached step by step.

A line is a 16-bit number: a CRC of the function's qualified name and
first line, plus the line number, so the numbers are the same in every
process. Code of the helper itself and of Python's standard library is
not traced. Nothing here allocates per line: the lines seen are a
preallocated bitmap, the new ones a preallocated array, so tracing adds
nothing to the heap the bot is measured by but those two buffers
(64 KiB + 8 KiB, there before the bot is built).
"""

from __future__ import annotations

import array
import os
import sys
import sysconfig
import zlib

#: Distinct line numbers (a 16-bit hash of function and line).
LINE_SLOTS = 1 << 16
#: New lines reported in one sample at most; the rest count as new later.
MAX_NEW = 4096

_HELPER_DIR = os.path.dirname(os.path.abspath(__file__))
_SKIPPED_DIRS = tuple(
    {_HELPER_DIR + os.sep}
    | {os.path.abspath(sysconfig.get_paths()[name]) + os.sep for name in ("stdlib", "platstdlib")}
)


class LineCoverage:
    """Traces the bot's lines while `tracing()` is entered."""

    def __init__(self):
        self.seen = bytearray(LINE_SLOTS)
        self.new = array.array("H", bytes(2 * MAX_NEW))
        self.count = 0
        # code object -> its function's base number, or None when skipped;
        # one entry per function of the bot, computed at its first call.
        self.bases = {}

    def _base(self, code):
        base = self.bases.get(code, 0)
        if base == 0:
            path = code.co_filename
            if path.startswith("<") or os.path.abspath(path).startswith(_SKIPPED_DIRS):
                base = None
            else:
                qualname = getattr(code, "co_qualname", code.co_name)  # 3.11+
                name = f"{qualname}:{code.co_firstlineno}".encode()
                base = zlib.crc32(name) | 1
            self.bases[code] = base
        return base

    def _on_call(self, frame, event, arg):
        if self._base(frame.f_code) is None:
            return None
        return self._on_line

    def _on_entry(self, frame, event, arg):
        base = self._base(frame.f_code)
        if base is not None:
            self._mark(base & (LINE_SLOTS - 1))

    def _on_line(self, frame, event, arg):
        if event == "line":
            self._mark((self.bases[frame.f_code] + frame.f_lineno * 40503) & (LINE_SLOTS - 1))
        return self._on_line

    def _mark(self, slot):
        if not self.seen[slot] and self.count < MAX_NEW:
            self.seen[slot] = 1
            self.new[self.count] = slot
            self.count += 1

    def start(self, lines=True):
        """Traces calls made from here on (in this thread): each line run,
        or with lines=False only each function entered (for the candle
        path, which runs thousands of times per request)."""
        sys.settrace(self._on_call if lines else self._on_entry)

    @staticmethod
    def stop():
        sys.settrace(None)

    def take_new(self):
        """The lines first run since the last call, as a list."""
        new = self.new[: self.count].tolist()
        self.count = 0
        return new
