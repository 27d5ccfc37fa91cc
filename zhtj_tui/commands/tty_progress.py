"""A progress bar for long commands (import, export), on standard error and only when it is
a terminal: scripts and pipes get the plain result lines alone."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 24
EVERY = 0.1


class TtyProgress:
    """``progress(done, total)`` draws "label [#####-------]  45%  27,000/60,000" in place."""

    def __init__(self, label: str, stream: TextIO | None = None, force: bool = False):
        self.label = label
        self.stream = stream or sys.stderr
        self.on = force or _isatty(self.stream)
        self.drawn = False
        self.last = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        if not self.on:
            return
        now = time.monotonic()
        final = total is not None and done >= total
        if not final and now - self.last < EVERY:
            return
        self.last = now
        if total:
            frac = min(done / total, 1.0)
            filled = int(WIDTH * frac)
            line = f"{self.label} [{'#' * filled}{'-' * (WIDTH - filled)}] {frac:4.0%}"
        else:
            line = f"{self.label} {done:,}"
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Take the bar off the screen (the result lines follow)."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False

    def __enter__(self) -> TtyProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
