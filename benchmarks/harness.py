"""What benchmark rows share: the data set, the services, timing and memory.

A row is a callable ``row(ctx) -> Result`` (or a list of them), where ``Result`` is
``(name, median_ms, baseline_ms or None, note)``. Rows live in ``benchmarks/rows_*.py``
modules, each exposing ``ROWS = [...]``; ``run.py`` finds them all. A row measures with
``ctx.measure(fn)``: one warm-up call, then ``ctx.repeat`` timed calls, median; the peak
Python memory (tracemalloc) of one further call is recorded for the row automatically.
"""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Result = tuple[str, float | None, float | None, str]


class NotAvailable(Exception):
    """Raised by a row whose subject does not exist yet (printed as n/a with the reason)."""


@dataclass
class Timing:
    median_ms: float
    runs_ms: list[float]
    peak_kib: float | None


@dataclass
class BenchContext:
    scale: str
    backend: str
    db_url: str
    repeat: int
    settings: Any
    services: Any
    #: ``DemoReport`` of the data set built in this run, or None when it was reused.
    build: Any = None
    _peaks: list[float] = field(default_factory=list)
    _raw: Any = None

    # -- measuring --------------------------------------------------------------------
    def measure(self, fn: Callable[[], Any], repeat: int | None = None,
                setup: Callable[[], Any] | None = None, memory: bool = True) -> Timing:
        """Median wall time of ``fn()`` (``setup()``, when given, runs untimed before each
        call and its result is passed to ``fn``)."""
        n = repeat or self.repeat

        def once() -> float:
            arg = setup() if setup else None
            t0 = time.perf_counter()
            fn(arg) if setup else fn()
            return (time.perf_counter() - t0) * 1000

        once()  # warm-up: caches, prepared statements, imports
        runs = [once() for _ in range(n)]
        peak = None
        if memory:
            arg = setup() if setup else None
            gc.collect()
            tracemalloc.start()
            try:
                fn(arg) if setup else fn()
                peak = tracemalloc.get_traced_memory()[1] / 1024
            finally:
                tracemalloc.stop()
            self._peaks.append(peak)
        return Timing(statistics.median(runs), runs, peak)

    def take_peak(self) -> float | None:
        peak = max(self._peaks) if self._peaks else None
        self._peaks = []
        return peak

    # -- the data set ------------------------------------------------------------------
    def scalar(self, sql: str, params: tuple = ()):
        row = self.query(sql, params)
        return row[0][0] if row else None

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Raw SQL on a connection of the harness's own (``?`` placeholders on both backends),
        for finding test subjects and for baselines."""
        con = self.raw()
        if self.backend == "postgres":
            sql = sql.replace("?", "%s")
            with con.cursor() as cur:
                cur.execute(sql, params)
                out = cur.fetchall() if cur.description else []
            con.commit()
            return out
        return con.execute(sql, params).fetchall()

    def raw(self):
        if self._raw is None:
            from zhtj_tui.db import parse_url

            url = parse_url(self.db_url)
            if url.provider == "sqlite":
                import sqlite3

                self._raw = sqlite3.connect(url.path, isolation_level=None)
                self._raw.execute("PRAGMA synchronous = NORMAL")  # as the program's own connections
            else:
                import psycopg2

                self._raw = psycopg2.connect(url.dsn)
        return self._raw

    def top_id(self) -> int:
        return self.scalar("SELECT id FROM org WHERE parent_id IS NULL ORDER BY id LIMIT 1")

    def admin_of(self, org_id: int):
        """An ``Actor`` for an active administrator of ``org_id``."""
        from zhtj_tui.services.dto import Actor

        acc = self.scalar("SELECT account FROM admin_role WHERE org = ? AND active ORDER BY id LIMIT 1"
                          if self.backend == "postgres" else
                          "SELECT account FROM admin_role WHERE org = ? AND active = 1 ORDER BY id LIMIT 1", (org_id,))
        if acc is None:
            raise NotAvailable("该组织没有管理员")
        return Actor(account_id=acc, org_id=org_id, label="bench")

    def biggest_parent(self) -> tuple[int, int]:
        """The organisation with the most direct children, and how many."""
        row = self.query("SELECT parent_id, count(*) AS n FROM org WHERE parent_id IS NOT NULL "
                         "GROUP BY parent_id ORDER BY n DESC, parent_id LIMIT 1")
        return row[0][0], row[0][1]

    def close(self) -> None:
        if self._raw is not None:
            with contextlib.suppress(Exception):
                self._raw.close()
        self.services.close()


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "-"
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"
