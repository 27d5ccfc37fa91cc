"""Progress supervision at scale: prints figures, not a test (DESIGN: benchmarks).

University scale on SQLite (about 3,000 organisations, 60,000 members)::

    PYTHONPATH=. python benchmarks/progress_bench.py [--demo]

(``--demo`` times ``zhtj demo``'s data instead of this script's.) Province scale on PostgreSQL (about 300,000 organisations, 5,000,000 members), in a
database the script creates and drops (``zhtj_bench_progress``)::

    PYTHONPATH=. python benchmarks/progress_bench.py --scale province \\
        --pg postgresql://postgres@127.0.0.1:5432/postgres

The data are generated with raw bulk inserts (executemany on SQLite, COPY on
PostgreSQL). The script times ``ProgressService.progress`` (the login window and
``zhtj progress``), ``problems`` (``zhtj check``) and ``tasks`` for the top organisation
and for one college/city, best and median of several runs, and prints the query plans'
main steps of every statement ``progress`` issues.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import sqlite3
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from urllib.parse import urlparse, urlunparse

from pony.orm import db_session

from zhtj_tui.config import Settings
from zhtj_tui.db import open_store
from zhtj_tui.db.schema import org_initials
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress import ProgressService

NOW = datetime(2026, 11, 10, 4, 0)
#: The problems the login window lists (``screens.progress.view.PROBLEM_LIST_LIMIT``).
PROBLEM_LIST_LIMIT = 50
BENCH_DB = "zhtj_bench_progress"

# (category, group, name template, children per parent) per level below the top.
SHAPES = {
    "university": {
        "top": ("02", "committee", "大学团委"),
        "levels": [
            ("02", "committee", "第{n}学院团委", 40),
            ("04", "general_branch", "第{i}学院{year}级团总支", 4),
            ("05", "branch", "专业{i}{year}级{n}班团支部", 17),
        ],
        "members": (0, 44),
    },
    "province": {
        "top": ("01", "leading", "团省委"),
        "levels": [
            ("01", "leading", "第{n}市团市委", 14),
            ("01", "leading", "第{i}-{n}县团县委", 10),
            ("02", "committee", "第{i}-{n}单位团委", 20),
            ("04", "general_branch", "第{i}{year}级团总支", 5),
            ("05", "branch", "专业{i}{year}级{n}班团支部", 20),
        ],
        "members": (6, 30),
    },
}
YEARS = (2015, 2016, 2017, 2018, 2019)


def generate(scale: str, seed: int = 7):
    """Rows for org, account, admin_role, cadre, reg_code, member (tuples in column order)."""
    rng = random.Random(seed)
    shape = SHAPES[scale]
    orgs, accounts, roles, cadres, codes = [], [], [], [], []
    ts = NOW - timedelta(days=30)
    next_id = [0]

    def add_org(parent, path, depth, cat, group, name, cohort):
        next_id[0] += 1
        oid = next_id[0]
        mypath = f"{path}{oid}/"
        complete = rng.random() < 0.8
        orgs.append((oid, parent, mypath, depth, cat, group, name, org_initials(name), None, cohort, "03" if complete else None,
                     None, None, None, None, None, None, ts if complete else None, complete, ts, None, ts, 1))
        if rng.random() < 0.85:
            cadres.append((len(cadres) + 1, oid, "01", None, "书记", f"S{oid:017d}", "13900000000", None,
                           date(2026, 10, 1), None, oid, ts))
        if rng.random() < 0.75:
            aid = len(accounts) + 1
            accounts.append((aid, "管理员", f"A{aid:017d}", f"1{aid:010d}", date(2000, 1, 1), "男", "2014-05",
                             "x", 0, None, ts, None))
            roles.append((len(roles) + 1, aid, oid, "01", None, None, ts, True))
        elif rng.random() < 0.1:
            codes.append((len(codes) + 1, f"C{len(codes):07d}", oid, None, NOW - timedelta(days=18),
                          NOW + timedelta(days=rng.choice((1, 2, 5, 10))), None, None, None))
        return oid, mypath

    top_cat, top_group, top_name = shape["top"]
    frontier = [add_org(None, "/", 0, top_cat, top_group, top_name, None)]
    branch_paths = []
    for depth, (cat, group, template, per_parent) in enumerate(shape["levels"], start=1):
        nxt = []
        for parent, path in frontier:
            for n in range(1, per_parent + 1):
                year = YEARS[n % len(YEARS)] if group != "branch" else YEARS[(parent + n) % len(YEARS)]
                name = template.format(i=parent, n=n, year=year)
                cohort = year if group == "branch" else None
                oid, p = add_org(parent, path, depth, cat, group, name, cohort)
                nxt.append((oid, p))
                if group == "branch":
                    branch_paths.append((oid, p))
        frontier = nxt
    lo, hi = shape["members"]

    def members():
        mid = 0
        for oid, path in branch_paths:
            for _ in range(rng.randint(lo, hi)):
                mid += 1
                active = rng.random() < 0.97
                birth = date(1995, 1, 1) + timedelta(days=rng.randrange(14 * 365))
                idn = f"M{mid:017d}"
                yield (mid, oid, path, "团员", "ty", idn, idn[::-1], idn if active else None, birth, "女", "01", "03",
                       "2012-05", "21", "13800000000", None, None, None, None, None, "1" if active else "3",
                       None, None, ts, ts, 1)

    return {"org": orgs, "account": accounts, "admin_role": roles, "cadre": cadres, "reg_code": codes}, members


def load_sqlite(path: str, tables, members) -> int:
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = OFF")
    from zhtj_tui.demo.writer import COLUMNS

    def insert(table):
        return f"INSERT INTO {table} ({', '.join(COLUMNS[table])}) VALUES ({','.join('?' * len(COLUMNS[table]))})"

    for table, rows in tables.items():
        con.executemany(insert(table), [tuple(_sqlite(v) for v in r) for r in rows])
    n = 0
    batch = []
    for row in members():
        batch.append(tuple(_sqlite(v) for v in row))
        if len(batch) == 50000:
            con.executemany(insert("member"), batch)
            n += len(batch)
            batch = []
    if batch:
        con.executemany(insert("member"), batch)
        n += len(batch)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return n


def _sqlite(v):
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


def _copy_text(v) -> str:
    if v is None:
        return r"\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    return str(v)


def load_postgres(dsn: str, tables, members) -> int:
    import psycopg2

    con = psycopg2.connect(dsn)
    cur = con.cursor()
    # Load member without its secondary indexes (rebuilt once afterwards: much faster).
    cur.execute("""SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'member'
                   AND indexname NOT IN (SELECT conname FROM pg_constraint)""")
    member_indexes = cur.fetchall()
    for name, _ in member_indexes:
        cur.execute(f'DROP INDEX "{name}"')

    from zhtj_tui.demo.writer import COLUMNS

    def copy(table, rows):
        head = f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN"
        buf = io.StringIO()
        n = 0
        for r in rows:
            buf.write("\t".join(_copy_text(v) for v in r))
            buf.write("\n")
            n += 1
            if n % 200000 == 0:
                buf.seek(0)
                cur.copy_expert(head, buf)
                buf = io.StringIO()
        buf.seek(0)
        cur.copy_expert(head, buf)
        return n

    for table in ("org", "account", "admin_role", "cadre", "reg_code"):
        copy(table, tables[table])
    n = copy("member", members())
    con.commit()
    for _, sql in member_indexes:
        cur.execute(sql)
    con.commit()
    con.autocommit = True
    cur.execute("VACUUM ANALYZE")
    con.close()
    return n


def timed(fn, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times), statistics.median(times)


class Recorder:
    """Keeps the statements ``ProgressService`` issues, to explain them afterwards."""

    def __init__(self):
        self.statements: list[tuple[str, dict]] = []
        self.on = False
        original = ProgressService._rows

        def rows(service, sql, params):
            if self.on:
                self.statements.append((sql, dict(params)))
            return original(service, sql, params)

        ProgressService._rows = rows


def explain(svc, statements, provider: str, dsn: str | None) -> None:
    for sql, params in statements:
        head = " ".join(sql.split())[:90]
        print(f"\n  -- {head}…")
        if provider == "sqlite":
            con = sqlite3.connect(svc.store.url.path)
            text = re.sub(r"\$(\w+)", r":\1", sql)
            for row in con.execute("EXPLAIN QUERY PLAN " + text, {k: _sqlite(v) for k, v in params.items()}):
                print("     ", row[-1])
            con.close()
        else:
            import psycopg2

            con = psycopg2.connect(dsn)
            cur = con.cursor()
            text = re.sub(r"\$(\w+)", r"%(\1)s", sql)
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + text, params)
            for (line,) in cur.fetchall():
                stripped = line.strip()
                if (stripped.startswith("->") or "Scan" in line or "Join" in line or "Aggregate" in line
                        or "Execution Time" in line or "SubPlan" in line or line == line.lstrip()):
                    if "Buffers" in line or "Worker" in line:
                        continue
                    print("     ", line[:150])
            con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=sorted(SHAPES), default="university")
    ap.add_argument("--pg", metavar="URL", help="PostgreSQL server (province scale runs there)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--demo", action="store_true", help="use zhtj demo's data (zhtj_tui.demo) instead of this script's")
    ap.add_argument("--name", default=BENCH_DB, help=f"the PostgreSQL database to create (default {BENCH_DB})")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL database for another timing run")
    ap.add_argument("--reuse", action="store_true", help="time a database kept by --keep (no generation)")
    ap.add_argument("--url", metavar="URL", help="time this existing PostgreSQL database (e.g. made by zhtj demo "
                    "--scale province); nothing is generated or dropped")
    args = ap.parse_args()
    # Never hang: a statement that runs for more than a minute fails loudly.
    os.environ["PGOPTIONS"] = (os.environ.get("PGOPTIONS", "") + " -c statement_timeout=60000").strip()
    tmpdir = None
    dsn = None
    if args.url:
        dsn = url = args.url
        args.reuse = True
    elif args.pg:
        import psycopg2

        admin = psycopg2.connect(args.pg)
        admin.autocommit = True
        if not args.reuse:
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{args.name}"')
            admin.cursor().execute(f'CREATE DATABASE "{args.name}" TEMPLATE template0 ENCODING \'UTF8\'')
        dsn = urlunparse(urlparse(args.pg)._replace(path=f"/{args.name}"))
        url = dsn
    else:
        tmpdir = tempfile.mkdtemp(prefix="zhtj-bench-")
        url = f"sqlite:///{os.path.join(tmpdir, 'bench.sqlite')}"
    try:
        if args.demo and not args.reuse:
            from zhtj_tui.demo import generate as demo_generate

            open_store(url).disconnect()
            t0 = time.perf_counter()
            demo_settings = Settings(db_url=url, clock=lambda: NOW)
            demo_svc = Services(open_store(url), demo_settings, client_key="bench")
            demo_generate(url, demo_settings, demo_svc.accounts.hasher, args.scale, 2018, False)
            demo_svc.close()
            print(f"zhtj demo --scale {args.scale} on {'PostgreSQL' if dsn else 'SQLite'}: "
                  f"generated in {time.perf_counter() - t0:.1f} s")
        elif not (dsn and args.reuse):
            open_store(url).disconnect()
            t0 = time.perf_counter()
            tables, members = generate(args.scale)
            if dsn:
                n_members = load_postgres(dsn, tables, members)
            else:
                n_members = load_sqlite(url[len("sqlite:///"):], tables, members)
            print(f"{args.scale} on {'PostgreSQL' if dsn else 'SQLite'}: {len(tables['org']):,} organisations, "
                  f"{n_members:,} members, {len(tables['admin_role']):,} administrators, "
                  f"{len(tables['cadre']):,} secretaries; generated and loaded in {time.perf_counter() - t0:.1f} s")
            del tables
            # The counts kept per organisation (db.tally), from the rows just loaded.
            from zhtj_tui.db import tally

            store = open_store(url)
            with db_session:
                tally.rebuild(store.db)
            store.disconnect()
        recorder = Recorder()
        svc = Services(open_store(url), Settings(db_url=url, clock=lambda: NOW), client_key="bench")
        op = Actor.server_operator()
        top = svc.orgs.top().id
        if not svc.progress.tasks(op, top):
            svc.progress.create_task(op, top, "2018级新生团支部建立", "cohort_branches", date(2026, 11, 9), 2018)
            svc.progress.create_task(op, top, "团员信息录入", "members_entered", date(2026, 11, 15))
        second = min(c.id for c in svc.progress.progress(op, top).children)
        # The deepest administrators' window too: a committee whose children are branches.
        host = db_session(lambda: svc.store.select(
            "SELECT max(parent_id) FROM org WHERE cat_group = 'branch'")[0])()
        for label, oid in (("top organisation", top), ("one child of the top", second),
                           ("a committee holding branches", host)):
            p = svc.progress.progress(op, oid)
            print(f"\n{label} (id {oid}): {len(p.children)} children, totals {p.total.as_dict()}")
            best, med = timed(lambda oid=oid: svc.progress.progress(op, oid), args.runs)
            print(f"  progress (zhtj progress / login window): best {best:.1f} ms, median {med:.1f} ms")
            pr = svc.progress.problems(op, oid)
            best, med = timed(lambda oid=oid: svc.progress.problems(op, oid), max(3, args.runs // 2))
            print(f"  problems (zhtj check): {pr.total:,} problems {dict(pr.counts)}")
            print(f"    best {best:.1f} ms, median {med:.1f} ms")
            best, med = timed(lambda oid=oid: svc.progress.tasks(op, oid), max(3, args.runs // 2))
            ts = svc.progress.tasks(op, oid)
            print(f"  tasks: {[(t.name, t.done, t.total, t.missing_count) for t in ts]}")
            print(f"    best {best:.1f} ms, median {med:.1f} ms")

            def window(oid=oid):  # what the login window (R-PROG-1, screens.progress.view) loads
                svc.progress.progress(op, oid)
                svc.progress.tasks(op, oid, limit=0)
                svc.progress.problems(op, oid, limit=PROBLEM_LIST_LIMIT)

            best, med = timed(window, max(3, args.runs // 2))
            print(f"  login window (progress, tasks without lists, first {PROBLEM_LIST_LIMIT} problems): "
                  f"best {best:.1f} ms, median {med:.1f} ms")
            best, med = timed(lambda oid=oid: db_session(lambda: svc.store.select(
                "SELECT id, short_name, path FROM org WHERE parent_id = $x", {"x": oid}))(), args.runs)
            print(f"  baseline, raw SELECT of the direct children: best {best:.2f} ms, median {med:.2f} ms")
        for label, call in (("progress(top)", lambda: svc.progress.progress(op, top)),
                            ("problems(top)", lambda: svc.progress.problems(op, top)),
                            ("tasks(top)", lambda: svc.progress.tasks(op, top))):
            print(f"\nquery plans of {label}:")
            recorder.statements.clear()
            recorder.on = True
            call()
            recorder.on = False
            explain(svc, recorder.statements, svc.store.provider, dsn)
        svc.close()
    finally:
        if dsn and args.pg and not (args.keep or args.url):
            import psycopg2

            admin = psycopg2.connect(args.pg)
            admin.autocommit = True
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{args.name}" WITH (FORCE)')
            admin.close()
        if tmpdir:
            for f in os.listdir(tmpdir):
                os.remove(os.path.join(tmpdir, f))
            os.rmdir(tmpdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
