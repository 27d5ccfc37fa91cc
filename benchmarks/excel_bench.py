"""Excel import/export figures (issue 5). Prints numbers; not a test.

    PYTHONPATH=. python benchmarks/excel_bench.py [--members 10000] [--export 60000]

1. Import of N members into one branch: parse + validate + insert (``MemberImportService``)
   beside a baseline measured in the same run on the same file: openpyxl read-only reading
   plus a plain ``executemany`` into SQLite. Peak Python memory (tracemalloc) of a second run.
2. Export of M members of a subtree (write-only workbook): seconds and peak memory.
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook, load_workbook

from zhtj_tui.config import Settings
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.excel.exports import write_members
from zhtj_tui.excel.reader import MEMBER_SPEC
from zhtj_tui.excel.templates import header_label
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.member_export import HEADERS, WIDTHS

OP = Actor.server_operator()
ETHNIC = ["汉族", "回族", "维吾尔族", "哈萨克族", "蒙古族"]
EDUCATION = ["本科在读", "大专在读", "高中", "本科"]


def people(n: int, offset: int = 0):
    """n distinct valid people (ID, mobile) who joined before 2017 (no 团员编号 needed)."""
    base = date(1996, 1, 1)
    for i in range(offset, offset + n):
        birth = base + timedelta(days=i // 900)
        idn = make_id_number("659001", birth, i % 900)
        join = f"{birth.year + 14}-{birth.month:02d}"
        yield (f"学生{chr(0x4e00 + i % 2000)}{chr(0x4e00 + (i // 7) % 2000)}", idn, ETHNIC[i % 5], "共青团员", join,
               EDUCATION[i % 4], f"13{i:09d}", None, None, None, None, None)


def write_file(path: Path, n: int) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("团员信息")
    ws.append([header_label(MEMBER_SPEC, c.key) for c in MEMBER_SPEC.columns])
    for row in people(n):
        ws.append(list(row))
    wb.save(path)


def baseline(path: Path, tmp: Path) -> float:
    """openpyxl read-only read + plain executemany into SQLite."""
    t = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=True)
    rows = list(wb.worksheets[0].iter_rows(min_row=2, max_col=12, values_only=True))
    wb.close()
    con = sqlite3.connect(tmp / "baseline.sqlite")
    con.execute("create table m (name text, id_number text unique, ethnic text, political text, join_month text,"
                " education text, mobile text, member_no text, post text, post_name text, join_unit text, note text)")
    con.executemany("insert into m values (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.commit()
    con.close()
    return time.perf_counter() - t


def fresh_services(tmp: Path, name: str) -> tuple[Services, int, int]:
    svc = Services.open(Settings(db_url=f"sqlite:///{tmp / name}"), client_key="bench")
    top = svc.orgs.create_top(OP, "石河子大学团委", "团委")
    college = svc.orgs.create_child(OP, top.id, "师范学院团委", "团委")
    branch = svc.orgs.create_child(OP, college.id, "计算机专业2017级3班团支部", "团支部")
    return svc, top.id, branch.id


def ours(svc: Services, branch: int, path: Path) -> tuple[float, int]:
    t = time.perf_counter()
    result = svc.member_import.run_file(OP, branch, path)
    return time.perf_counter() - t, result.created


def peak(fn) -> tuple[object, float]:
    gc.collect()
    tracemalloc.start()
    try:
        value = fn()
        _, top = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return value, top / 1024 / 1024


def bench_import(n: int, tmp: Path) -> None:
    path = tmp / f"members-{n}.xlsx"
    write_file(path, n)
    print(f"== import of {n:,} members ({path.stat().st_size / 1024:.0f} KB file)")
    base = baseline(path, tmp)
    svc, _, branch = fresh_services(tmp, "import.sqlite")
    took, created = ours(svc, branch, path)
    svc.close()
    assert created == n, created
    print(f"baseline (openpyxl read-only + executemany): {base:6.2f} s  {n / base:8,.0f} rows/s")
    print(f"zhtj import (parse+validate+insert):         {took:6.2f} s  {n / took:8,.0f} rows/s"
          f"  = {base / took:.0%} of baseline")
    svc2, _, branch2 = fresh_services(tmp, "import-mem.sqlite")
    _, mb = peak(lambda: ours(svc2, branch2, path))
    svc2.close()
    print(f"peak Python memory of the import (tracemalloc): {mb:.1f} MB")


def seed_members(svc: Services, top_parent: int, m: int) -> None:
    """m members spread over 30 branches, by raw executemany (generated data)."""
    from pony.orm import db_session

    from zhtj_tui.domain.idcard import parse_id_number
    from zhtj_tui.domain.pinyin import initials
    from zhtj_tui.services.member_import import COLUMNS

    branches = [svc.orgs.create_child(OP, top_parent, f"测试专业2018级{i}班团支部", "团支部") for i in range(30)]
    now = "2026-11-01 08:00:00.000000"
    rows = []
    for i, p in enumerate(people(m, offset=100_000)):
        b = branches[i % 30]
        info = parse_id_number(p[1])
        rows.append((b.id, b.path, p[0], initials(p[0]), p[1], p[1][::-1], p[1], info.birth_date.isoformat(), info.sex,
                     "01", "03",
                     p[4], "05", p[6], None, None, None, None, None, "1", None, None, now, now, 1))
    with db_session:
        con = svc.store.db.get_connection()
        con.cursor().executemany(f"insert into member ({', '.join(COLUMNS)}) values ({', '.join('?' * len(COLUMNS))})",
                                 rows)


def bench_export(m: int, tmp: Path) -> None:
    print(f"== export of {m:,} members (write-only workbook)")
    svc, top, _ = fresh_services(tmp, "export.sqlite")
    seed_members(svc, top, m)
    out = tmp / "export.xlsx"

    def run():
        name, n = svc.member_export.start(OP, top)
        write_members(out, HEADERS, svc.member_export.rows(OP, top), WIDTHS, False, "now")
        return n

    t = time.perf_counter()
    n = run()
    took = time.perf_counter() - t
    assert n == m, n
    print(f"export: {took:6.2f} s  {m / took:8,.0f} rows/s  file {out.stat().st_size / 1024 / 1024:.1f} MB")
    _, mb = peak(run)
    print(f"peak Python memory of the export (tracemalloc): {mb:.1f} MB")
    svc.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=10_000)
    ap.add_argument("--export", type=int, default=60_000)
    args = ap.parse_args(argv)
    print(f"python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="zhtj-bench-") as d:
        tmp = Path(d)
        if args.members:
            bench_import(args.members, tmp)
        if args.export:
            bench_export(args.export, tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
