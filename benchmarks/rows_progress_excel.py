"""Benchmark rows of progress supervision (issue 7) and Excel in and out (issue 5) on the
``zhtj demo`` data set. ``benchmarks/progress_bench.py`` and ``benchmarks/excel_bench.py``
give the longer versions (query plans, the 10,000-row import beside its baseline)."""

from __future__ import annotations

import itertools
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from benchmarks.harness import BenchContext, Result


def _operator():
    from zhtj_tui.services.dto import Actor

    return Actor.server_operator()


def progress_top(ctx: BenchContext) -> Result:
    """录入进度 of the top organisation: every figure of every direct child, rolled up."""
    top, op = ctx.top_id(), _operator()
    t = ctx.measure(lambda: ctx.services.progress.progress(op, top))
    return ("progress, top org (progress.progress)", t.median_ms, None, "all direct children, rolled up")


def check_top(ctx: BenchContext) -> Result:
    """zhtj check of the whole tree: every completeness problem, counted exactly."""
    top, op = ctx.top_id(), _operator()
    t = ctx.measure(lambda: ctx.services.progress.problems(op, top))
    total = ctx.services.progress.problems(op, top).total
    return ("check, whole tree (progress.problems)", t.median_ms, None, f"{total} problems found")


def tasks_top(ctx: BenchContext) -> Result:
    top, op = ctx.top_id(), _operator()
    t = ctx.measure(lambda: ctx.services.progress.tasks(op, top))
    return ("deadline tasks, top org (progress.tasks)", t.median_ms, None, "")


def export_members(ctx: BenchContext) -> Result:
    """All active members of the tree into a write-only workbook (masked numbers)."""
    from zhtj_tui.excel.exports import write_members
    from zhtj_tui.services.member_export import HEADERS, WIDTHS

    top, op, svc = ctx.top_id(), _operator(), ctx.services
    n = svc.member_export.start(op, top)[1]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "members.xlsx"
        t = ctx.measure(lambda: write_members(path, HEADERS, svc.member_export.rows(op, top), WIDTHS, False,
                                              "bench", overwrite=True), repeat=min(ctx.repeat, 3))
    rate = n / (t.median_ms / 1000) if t.median_ms else 0
    return ("member export, whole tree (xlsx)", t.median_ms, None, f"{n:,} members, {rate:,.0f} rows/s")


def import_members(ctx: BenchContext) -> Result:
    """A 2,000-row member sheet into a new branch: read + check every row (preview), then the
    one-transaction insert; beside openpyxl's read-only reading of the same file."""
    from openpyxl import Workbook, load_workbook

    from zhtj_tui.domain.idcard import make_id_number
    from zhtj_tui.excel.specs import MEMBER_SPEC
    from zhtj_tui.excel.templates import header_label

    top, op, svc = ctx.top_id(), _operator(), ctx.services
    parent = svc.orgs.create_child(op, top, f"基准测试{random.randrange(10**9)}学院团委", "团委")
    runs = itertools.count(random.randrange(10**5))
    rows_n = 2000

    def make_file(tmp: Path) -> tuple[Path, int]:
        k = next(runs)
        branch = svc.orgs.create_child(op, parent.id, f"基准专业2020级{k}班团支部", "团支部")
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("团员信息")
        ws.append([header_label(MEMBER_SPEC, c.key) for c in MEMBER_SPEC.columns])
        for i in range(rows_n):
            seq = k * rows_n + i
            birth = date(1996, 1, 1) + timedelta(days=seq // 900)
            idn = make_id_number("130102", birth, seq % 900)
            ws.append([f"基准{chr(0x4e00 + seq % 2000)}{chr(0x4e00 + (seq // 7) % 2000)}", idn, "汉族", "共青团员",
                       f"{birth.year + 14}-{birth.month:02d}", "本科在读", f"16{seq % 10**9:09d}"])
        path = tmp / f"m{k}.xlsx"
        wb.save(path)
        return path, branch.id

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)

        def read_only(arg):
            wb = load_workbook(arg[0], read_only=True)
            for _ in wb.worksheets[0].iter_rows(values_only=True):
                pass
            wb.close()

        def run(arg):
            path, branch = arg
            preview = svc.member_import.preview(op, branch, path)
            svc.member_import.commit(op, preview)

        repeat = min(ctx.repeat, 3)
        base = ctx.measure(read_only, setup=lambda: make_file(tmp), repeat=repeat, memory=False)
        t = ctx.measure(run, setup=lambda: make_file(tmp), repeat=repeat)
    rate = rows_n / (t.median_ms / 1000) if t.median_ms else 0
    return ("member import, 2,000 rows (preview + commit)", t.median_ms, base.median_ms,
            f"{rate:,.0f} rows/s; baseline: openpyxl read-only reading alone")


ROWS = [progress_top, check_top, tasks_top, export_members, import_members]
