"""Excel import/export figures. Prints numbers; not a test.

    PYTHONPATH=. python benchmarks/excel_bench.py [--members 2000,50000] [--export 60000] [--repeat 3]

1. Import of N members into one branch (``MemberImportService.run_file``: read, check every
   row, duplicates in the file and the database, one-transaction insert), beside baselines
   measured in the same run on the same file: openpyxl's read-only reading alone, calamine's
   reading alone, and a raw ``executemany`` of N prepared member rows into the same schema.
   The goal: within 1.5x of calamine + executemany. The import is timed after a 5-row import
   in the same process (first-use costs are paid once per process, not per file), with the
   pinyin of names and characters remembered from earlier rounds forgotten (each file's
   names are new to the program).
2. Export of M members of a subtree (``FileService.export_members``: raw keyset pages, the
   streamed workbook): rows per second, and the peak Python memory (tracemalloc) of M and of
   M/4 members (flat memory: the two are about the same).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook, load_workbook

from zhtj_tui.config import Settings
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.excel.specs import MEMBER_SPEC
from zhtj_tui.excel.templates import header_label
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()
ETHNIC = ["汉族", "回族", "维吾尔族", "哈萨克族", "蒙古族"]
EDUCATION = ["本科在读", "大专在读", "高中", "本科"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文玉红梅鑫宇浩然子轩欣怡雨晨佳琪思涵嘉俊博"


#: The days over which the generated people are born.
BIRTH_DAYS = 730


def name_of(i: int) -> str:
    """Names as rosters hold them: a surname and one or two given characters."""
    g1 = GIVEN[(i * 7) % len(GIVEN)]
    g2 = GIVEN[(i * 13 + 5) % len(GIVEN)] if i % 3 else ""
    return SURNAMES[i % len(SURNAMES)] + g1 + g2


def people(n: int, offset: int = 0):
    """n distinct valid people (ID, mobile) who joined before 2017 (no 团员编号 needed),
    born over two years as a year's intake is (each day's births numbered in turn)."""
    base = date(1996, 1, 1)
    for i in range(offset, offset + n):
        birth = base + timedelta(days=i % BIRTH_DAYS)
        idn = make_id_number("659001", birth, i // BIRTH_DAYS % 1000)
        join = f"{birth.year + 14}-{birth.month:02d}"
        yield (name_of(i), idn, ETHNIC[i % 5], "共青团员", join, EDUCATION[i % 4], f"13{i:09d}",
               None, None, None, None, None)


def write_file(path: Path, n: int, offset: int = 0) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("团员信息")
    ws.append([header_label(MEMBER_SPEC, c.key) for c in MEMBER_SPEC.columns])
    for row in people(n, offset):
        ws.append(list(row))
    wb.save(path)


def clocked(fn):
    """(wall seconds, CPU seconds of this process, value): on a shared machine the CPU time
    moves less with what the others run."""
    gc.collect()
    t, c = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - t, time.process_time() - c, value


def timed(fn):
    wall, _, value = clocked(fn)
    return wall, value


def read_openpyxl(path: Path) -> int:
    wb = load_workbook(path, read_only=True, data_only=True)
    rows = list(wb.worksheets[0].iter_rows(min_row=2, max_col=12, values_only=True))
    wb.close()
    return len(rows)


def read_calamine(path: Path) -> int:
    import python_calamine as pc

    with open(path, "rb") as fh:
        wb = pc.CalamineWorkbook.from_filelike(fh)
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
        wb.close()
    return len(rows) - 1


def fresh_services(tmp: Path, name: str) -> tuple[Services, int, int]:
    svc = Services.open(Settings(db_url=f"sqlite:///{tmp / name}"), client_key="bench")
    top = svc.orgs.create_top(OP, "石河子大学团委", "团委")
    college = svc.orgs.create_child(OP, top.id, "师范学院团委", "团委")
    branch = svc.orgs.create_child(OP, college.id, "计算机专业2017级3班团支部", "团支部")
    return svc, top.id, branch.id


def member_rows(branch, n: int, offset: int = 0) -> list[tuple]:
    """Rows of the member table (``member_import.COLUMNS``) for ``n`` generated people."""
    from zhtj_tui.domain.idcard import parse_id_number
    from zhtj_tui.domain.pinyin import initials

    now = "2026-11-01 08:00:00.000000"
    out = []
    for i, p in enumerate(people(n, offset=offset)):
        b = branch[i % len(branch)] if isinstance(branch, list) else branch
        info = parse_id_number(p[1])
        out.append((b.id, b.path, p[0], initials(p[0]), p[1], p[1][::-1], p[1], info.birth_date.isoformat(),
                    info.sex, "01", "03", p[4], "05", p[6], None, None, None, None, None, "1", None, None, now, now, 1))
    return out


def raw_insert(svc: Services, rows: list[tuple]) -> None:
    """The floor: one executemany of prepared rows into the real member table, one commit."""
    from pony.orm import db_session

    from zhtj_tui.services.member_import import COLUMNS

    with db_session:
        con = svc.store.db.get_connection()
        con.cursor().executemany(
            f"insert into member ({', '.join(COLUMNS)}) values ({', '.join('?' * len(COLUMNS))})", rows)


def forget_names() -> None:
    """Each round's names (and their characters) are new to the process, as a class is to
    the program of the administrator who imports it: the pinyin initials remembered from
    the previous round are dropped."""
    from zhtj_tui.domain import member, pinyin

    member.member_initials.cache_clear()
    pinyin.forget()


def import_round(n: int, tmp: Path, path: Path, k: int) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of calamine's reading alone, of the raw insert, and of the import."""
    t_calamine, c_calamine, got = clocked(lambda: read_calamine(path))
    assert got == n, got
    svc, _, branch_id = fresh_services(tmp, f"raw-{n}-{k}.sqlite")
    branch = svc.orgs.get(OP, branch_id)
    prepared = member_rows(branch, n)
    t_raw, c_raw, _ = clocked(lambda: raw_insert(svc, prepared))
    svc.close()
    svc, top, branch_id = fresh_services(tmp, f"import-{n}-{k}.sqlite")
    # First-use costs of a process (query compilation, the date parser, the pinyin phrase
    # dictionary) are paid once by a 5-row import into another branch, as a running program
    # has paid them before its administrator's second file.
    warm = tmp / f"warm-{n}.xlsx"
    write_file(warm, 5, offset=800_000)
    other = svc.orgs.create_child(OP, top, "预热2018级1班团支部", "团支部")
    assert svc.member_import.run_file(OP, other.id, warm).created == 5
    forget_names()
    t_ours, c_ours, result = clocked(lambda: svc.member_import.run_file(OP, branch_id, path))
    svc.close()
    assert result.created == n, (result.created, [r for r in result.rows if r.outcome != "已创建"][:3])
    return {"calamine": (t_calamine, c_calamine), "raw": (t_raw, c_raw), "ours": (t_ours, c_ours)}


def bench_import(n: int, tmp: Path, repeat: int = 1) -> None:
    path = tmp / f"members-{n}.xlsx"
    write_file(path, n)
    print(f"== import of {n:,} members ({path.stat().st_size / 1024:.0f} KB .xlsx, one branch, SQLite)"
          + (f", best and median of {repeat} rounds" if repeat > 1 else ""))
    t_openpyxl, got = timed(lambda: read_openpyxl(path))
    assert got == n, got
    # Each round measures the baselines and the import one after the other, so that a busy
    # moment of a shared machine weighs on both sides of the round's ratio.
    rounds = [import_round(n, tmp, path, k) for k in range(repeat)]

    def best(key: str, clock: int) -> float:
        return min(r[key][clock] for r in rounds)

    def median_ratio(clock: int) -> float:
        ratios = sorted(r["ours"][clock] / (r["calamine"][clock] + r["raw"][clock]) for r in rounds)
        return ratios[len(ratios) // 2]

    def show(key: str) -> str:
        walls = sorted(r[key][0] for r in rounds)
        text = f"{walls[0]:6.2f} s  {n / walls[0]:9,.0f} rows/s"
        return text + (f"  (median {walls[len(walls) // 2]:.2f} s)" if repeat > 1 else "")

    print(f"  openpyxl read-only, reading alone:   {t_openpyxl:6.2f} s  {n / t_openpyxl:9,.0f} rows/s")
    print(f"  calamine, reading alone:             {show('calamine')}")
    print(f"  raw executemany of prepared rows:    {show('raw')}")
    print(f"  zhtj import (read+check+insert):     {show('ours')}")
    for clock, what in ((0, "wall"), (1, "CPU")):
        floor = best("calamine", clock) + best("raw", clock)
        line = f"  {what:4} time: {best('ours', clock) / floor:.2f}x calamine+executemany ({floor:.2f} s), best times"
        print(line + (f"; {median_ratio(clock):.2f}x the median round" if repeat > 1 else ""))


def peak(fn) -> tuple[object, float]:
    gc.collect()
    tracemalloc.start()
    try:
        value = fn()
        _, top = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return value, top / 1024 / 1024


def bench_export(m: int, tmp: Path) -> None:
    print(f"== export of {m:,} members (30 branches, SQLite, streamed workbook)")
    svc, top, _ = fresh_services(tmp, "export.sqlite")
    branches = [svc.orgs.create_child(OP, top, f"测试专业2018级{i}班团支部", "团支部") for i in range(30)]
    raw_insert(svc, member_rows(branches, m, offset=100_000))
    out = tmp / "bench-export.xlsx"  # the server operator writes anywhere

    def run(org=top):
        return svc.files.export_members(OP, org, out, overwrite=True).count

    took, n = timed(run)
    assert n == m, n
    size = out.stat().st_size / 1024 / 1024
    print(f"  export: {took:6.2f} s  {m / took:9,.0f} rows/s  file {size:.1f} MB")
    _, mb_all = peak(run)
    small = svc.orgs.create_child(OP, top, "小样本2018级1班团支部", "团支部")
    raw_insert(svc, member_rows(svc.orgs.get(OP, small.id), m // 4, offset=900_000))
    _, mb_quarter = peak(lambda: run(small.id))
    print(f"  peak Python memory (tracemalloc): {mb_all:.1f} MB for {m:,} members, "
          f"{mb_quarter:.1f} MB for {m // 4:,}")
    os.unlink(out)
    svc.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", default="2000,50000", help="import sizes, comma-separated (0: none)")
    ap.add_argument("--export", type=int, default=60_000)
    ap.add_argument("--repeat", type=int, default=1, help="rounds of each import measurement (best and median)")
    args = ap.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load:.1f}")
    with tempfile.TemporaryDirectory(prefix="zhtj-bench-") as d:
        tmp = Path(d)
        for n in (int(x) for x in args.members.split(",") if x.strip()):
            if n:
                bench_import(n, tmp, max(args.repeat, 1))
        if args.export:
            bench_export(args.export, tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
