"""Benchmarks: build (or reuse) a data set and print a table of measured figures.

    python benchmarks/run.py --scale small|university|province --backend sqlite|postgres
                             [--db URL] [--reuse] [--repeat N] [--only TEXT]

Without ``--db`` the data set goes to ``bench-data/SCALE.sqlite`` (SQLite) or to the
database ``zhtj_bench_SCALE`` on the server of ``ZHTJ_BENCH_PG`` / ``ZHTJ_TEST_PG``
(PostgreSQL; created when missing, and left in place for ``--reuse``). The data set is
made by ``zhtj demo`` with seed 2018; an existing demo data set is regenerated unless
``--reuse``.

Each figure is the median of ``--repeat`` runs (after one warm-up), with a baseline
measured in the same run where one exists, and the peak Python memory of one call
(tracemalloc; for start-up, the child process's peak RSS). Rows come from every
``benchmarks/rows_*.py`` module's ``ROWS`` list: add a module or a function there.
Nothing is asserted about time: this prints figures, it does not pass or fail on them.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import resource
import sqlite3
import sys
import time
import traceback
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import BenchContext, NotAvailable, fmt_ms  # noqa: E402


def discover_rows() -> list:
    rows = []
    for path in sorted((ROOT / "benchmarks").glob("rows_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        rows.extend(getattr(module, "ROWS", []))
    return rows


def default_url(scale: str, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{ROOT / 'bench-data' / f'{scale}.sqlite'}"
    base = os.environ.get("ZHTJ_BENCH_PG") or os.environ.get("ZHTJ_TEST_PG") or "postgresql://postgres@127.0.0.1:5432/postgres"
    return urlunparse(urlparse(base)._replace(path=f"/zhtj_bench_{scale}"))


def ensure_pg_database(url: str) -> None:
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    con = psycopg2.connect(urlunparse(parts._replace(path="/postgres")))
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
    finally:
        con.close()


def versions(ctx: BenchContext) -> list[tuple[str, str]]:
    out = [
        ("CPU count", str(os.cpu_count())),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
    ]
    if ctx.backend == "postgres":
        out.append(("PostgreSQL", str(ctx.scalar("SHOW server_version"))))
    else:
        out.append(("PostgreSQL", "n/a (SQLite run)"))
    for pkg in ("textual", "pony", "openpyxl", "psycopg2-binary"):
        try:
            out.append((pkg, metadata.version(pkg)))
        except metadata.PackageNotFoundError:
            out.append((pkg, "not installed"))
    return out


def build_data(url: str, scale: str, reuse: bool, settings):
    """Return the ``DemoReport`` of a fresh data set, or None when an existing one is reused."""
    from zhtj_tui.db import open_store
    from zhtj_tui.demo import META_SCALE, generate
    from zhtj_tui.services.accounts import AccountService
    from zhtj_tui.services.base import Context

    store = open_store(url)
    try:
        from pony.orm import db_session

        with db_session:
            row = store.db.select("select value from zhtj_meta where key = $k", {"k": META_SCALE})
        existing = row[0] if row else None
        if reuse and existing == scale:
            print(f"reusing the {scale} data set in {store.url.describe()}", flush=True)
            return None
        hasher = AccountService(Context(store, settings)).hasher
        print(f"building the {scale} data set in {store.url.describe()} ...", flush=True)
        last = [time.monotonic()]

        def progress(counts):
            if time.monotonic() - last[0] > 10:
                last[0] = time.monotonic()
                print(f"  ... {counts.rows['org']:,} orgs, {counts.rows['member']:,} members", flush=True)

        return generate(url, settings, hasher, scale, 2018, force=existing is not None, progress=progress)
    finally:
        store.disconnect()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="zhtj-tui benchmarks: prints figures, asserts nothing")
    p.add_argument("--scale", choices=("small", "university", "province"), default="small")
    p.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--db", help="database URL (default: bench-data/SCALE.sqlite or zhtj_bench_SCALE)")
    p.add_argument("--reuse", action="store_true", help="reuse a data set of the same scale if present")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per figure (median), default 5")
    p.add_argument("--only", help="run only rows whose function name contains this text")
    args = p.parse_args(argv)

    from zhtj_tui.config import Settings
    from zhtj_tui.db import parse_url
    from zhtj_tui.services import Services

    url = args.db or default_url(args.scale, args.backend)
    if parse_url(url).provider != args.backend:
        p.error(f"--db {url} is not a {args.backend} URL")
    if args.backend == "postgres":
        ensure_pg_database(url)
    else:
        Path(parse_url(url).path).parent.mkdir(parents=True, exist_ok=True)
    settings = Settings(db_url=url)
    build = build_data(url, args.scale, args.reuse, settings)
    ctx = BenchContext(args.scale, args.backend, url, max(1, args.repeat), settings,
                       Services.open(settings, client_key="bench"), build)
    failures = 0
    results = []
    try:
        for row in discover_rows():
            if args.only and args.only not in row.__name__:
                continue
            try:
                out = row(ctx)
            except NotAvailable as exc:
                out = (row.__name__, None, None, f"n/a ({exc})")
            except Exception as exc:  # noqa: BLE001 - report and go on; the exit status says so
                failures += 1
                traceback.print_exc()
                out = (row.__name__, None, None, f"ERROR {type(exc).__name__}: {str(exc)[:60]}")
            peak = ctx.take_peak()
            for name, ms, base, note in out if isinstance(out, list) else [out]:
                results.append((name, ms, base, peak, note))
        print()
        print(f"zhtj-tui benchmarks — scale {args.scale}, backend {args.backend}, median of {ctx.repeat} "
              f"runs, {time.strftime('%Y-%m-%d %H:%M')}")
        print(f"database: {parse_url(url).describe()}")
        print("  ".join(f"{k} {v}" for k, v in versions(ctx)))
        print()
        header = ("figure", "median ms", "baseline ms", "x base", "peak KiB", "note")
        widths = [max(len(header[0]), *(len(r[0]) for r in results)), 10, 11, 7, 8]
        print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths + [0], strict=True))).rstrip())
        for name, ms, base, peak, note in results:
            ratio = f"{ms / base:.1f}" if ms is not None and base else "-"
            peak_s = f"{peak:,.0f}" if peak is not None else "-"
            print(f"{name.ljust(widths[0])}  {fmt_ms(ms).rjust(10)}  {fmt_ms(base).rjust(11)}  {ratio.rjust(7)}  "
                  f"{peak_s.rjust(8)}  {note}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak RSS of this process (data generation included): {rss:.0f} MiB")
    finally:
        ctx.close()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
