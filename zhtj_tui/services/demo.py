"""Demo data from inside the interface (the first-run screen's 载入演示数据): a thin use
case over ``zhtj_tui.demo.generate`` that returns what the screen shows (the logins,
the shared password, the counts) as frozen dataclasses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zhtj_tui.services.base import Context


@dataclass(frozen=True)
class DemoLogin:
    mobile: str
    name: str
    org_name: str
    post: str


@dataclass(frozen=True)
class DemoResult:
    scale: str
    logins: tuple[DemoLogin, ...]
    password: str
    #: (table, rows) in the generator's order, e.g. ("org", 35), ("member", 1010).
    counts: tuple[tuple[str, int], ...]
    defects: tuple[str, ...] = ()

    def count(self, table: str) -> int:
        return dict(self.counts).get(table, 0)


class DemoService:
    """Loads the demonstration data set into this (empty) database."""

    def __init__(self, ctx: Context, hasher):
        self.ctx = ctx
        self.hasher = hasher

    def available(self) -> bool:
        try:
            from zhtj_tui.demo import generate  # noqa: F401
        except ImportError:
            return False
        return True

    def load(self, scale: str = "small", seed: int = 2026, progress: Callable | None = None) -> DemoResult:
        """Fill the database with the ``scale`` data set. Refuses (``DomainError``) a
        database that already holds data."""
        from zhtj_tui.demo import generate

        s = self.ctx.settings
        report = generate(s.db_url, s, self.hasher, scale=scale, seed=seed, force=False, progress=progress)
        logins = tuple(DemoLogin(x.mobile, x.name, x.org_name, x.post) for x in report.logins)
        return DemoResult(report.scale, logins, report.password, tuple(report.counts.items()),
                          tuple(report.defects.values()))
