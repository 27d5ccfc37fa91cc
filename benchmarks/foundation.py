"""How long one registration-code redemption and one child creation take.

Prints the median (and quartiles) over N repetitions on SQLite in a temporary file, and on
PostgreSQL when --pg URL (or ZHTJ_TEST_PG) names a server where a throwaway database may be
created. Password hashing uses the program's real argon2id cost (the redemption includes
it) unless --cheap-hash is given. Not a test: it prints figures.

    PYTHONPATH=. python benchmarks/foundation.py [-n 40] [--pg postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pony  # noqa: E402

from zhtj_tui.config import Settings  # noqa: E402
from zhtj_tui.domain.idcard import make_id_number  # noqa: E402
from zhtj_tui.services import Services  # noqa: E402
from zhtj_tui.services.dto import Actor  # noqa: E402


def measure(url: str, n: int, cheap: bool) -> dict[str, list[float]]:
    extra = {"argon2_time_cost": 1, "argon2_memory_cost": 1024} if cheap else {}
    svc = Services.open(Settings(db_url=url, **extra), client_key="bench")
    op = Actor.server_operator()
    try:
        top = svc.orgs.create_top(op, "基准测试大学团委", "团委")
        top_code = svc.codes.issue(op, top.id).code
        svc.accounts.register(top_code, "书记", "基准", make_id_number("110105", date(1990, 1, 1), 1),
                              "13800000000", "2004-05", "bench2026ok")
        me = svc.accounts.login("13800000000", "bench2026ok").actor(top.id)
        times: dict[str, list[float]] = {"create_child": [], "redeem_code": [], "issue_code": []}
        for i in range(n):
            t = time.perf_counter()
            child = svc.orgs.create_child(me, top.id, f"基准{i}系团总支", "团总支")
            times["create_child"].append(time.perf_counter() - t)
            t = time.perf_counter()
            code = svc.codes.issue(me, child.id).code
            times["issue_code"].append(time.perf_counter() - t)
            t = time.perf_counter()
            svc.accounts.register(code, "书记", "基准人员", make_id_number("110105", date(2000, 1, 1), 100 + i),
                                  f"139{i:08d}", "2015-01", "bench2026ok")
            times["redeem_code"].append(time.perf_counter() - t)
        # the hash alone, to tell the database's share from argon2's
        t0 = time.perf_counter()
        for _ in range(max(3, n // 4)):
            svc.accounts.hasher.hash("bench2026ok")
        times["argon2_hash_alone"] = [(time.perf_counter() - t0) / max(3, n // 4)]
        return times
    finally:
        svc.close()


def report(label: str, times: dict[str, list[float]]) -> None:
    print(f"\n{label}")
    for key, values in times.items():
        values = sorted(values)
        med = statistics.median(values) * 1000
        if len(values) >= 4:
            q = statistics.quantiles(values, n=4)
            print(f"  {key:18s} median {med:7.2f} ms   (q1 {q[0]*1000:.2f}, q3 {q[2]*1000:.2f}, n={len(values)})")
        else:
            print(f"  {key:18s} {med:7.2f} ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=40, help="repetitions (default 40)")
    ap.add_argument("--pg", default=os.environ.get("ZHTJ_TEST_PG", ""), help="PostgreSQL server URL")
    ap.add_argument("--cheap-hash", action="store_true", help="argon2id at test cost instead of the real one")
    args = ap.parse_args()
    from importlib.metadata import version as dist_version

    print(f"CPUs: {os.cpu_count()}  Python {platform.python_version()}  SQLite {sqlite3.sqlite_version}  "
          f"Pony {pony.__version__}  argon2-cffi {dist_version('argon2-cffi')}  {platform.platform()}")
    print(f"argon2id: {'test cost (t=1, m=1 MiB)' if args.cheap_hash else 'real cost (t=3, m=64 MiB)'}; n={args.n}")
    with tempfile.TemporaryDirectory() as tmp:
        report("SQLite (WAL, temporary file)", measure(f"sqlite:///{tmp}/bench.sqlite", args.n, args.cheap_hash))
    if args.pg:
        from tests import pg

        pg.PG_URL = args.pg
        url = pg.create_database()
        try:
            import psycopg2

            with psycopg2.connect(args.pg) as con, con.cursor() as cur:
                cur.execute("show server_version")
                version = cur.fetchone()[0]
            report(f"PostgreSQL {version} (throwaway database)", measure(url, args.n, args.cheap_hash))
        finally:
            pg.drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
