"""Functions run in separate processes by the concurrency tests (module-level, so that
the 'spawn' start method can import them; kept free of pytest imports)."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def redeem_rounds(db_url: str, codes: list[str], worker: int, clock_start: datetime, barrier, results) -> None:
    """For each code in turn: wait for every worker at the barrier, then register with it."""
    from tests.helpers import FakeClock
    from zhtj_tui.config import Settings
    from zhtj_tui.domain.errors import DomainError
    from zhtj_tui.domain.idcard import make_id_number
    from zhtj_tui.services import Services

    settings = Settings(db_url=db_url, clock=FakeClock(clock_start), argon2_time_cost=1, argon2_memory_cost=1024)
    out = []
    try:
        services = Services.open(settings, client_key=f"worker{worker}")
        for rnd, code in enumerate(codes):
            birth = date(2000, 1, 1) + timedelta(days=rnd)
            id_number = make_id_number("110105", birth, 100 + worker)
            mobile = f"13{worker}{rnd:08d}"
            barrier.wait(timeout=60)
            try:
                services.accounts.register(code, "书记", "并发测试", id_number, mobile, "2015-01", "race2026ok")
                out.append("ok")
            except DomainError as exc:
                out.append(exc.code)
        services.close()
    except Exception as exc:  # reported to the test, which fails with it
        barrier.abort()
        out.append(f"crash:{type(exc).__name__}:{exc}")
    results.put((worker, out))


def open_at_once(db_url: str, barrier, results) -> None:
    """Open (and so create) the database at the same moment as the other processes."""
    from zhtj_tui.db import open_store, schema_version

    try:
        barrier.wait(timeout=60)
        store = open_store(db_url)
        results.put(("ok", schema_version(store)))
        store.disconnect()
    except Exception as exc:
        results.put(("crash", f"{type(exc).__name__}: {exc}"))
