"""``zhtj progress [ORG]`` and ``zhtj check [ORG]`` (R-PROG-4): the progress figures and the
completeness problems for the server operator, without the interface.

``check`` exits 1 when there is any problem and 0 when there is none, so it can run from
cron; errors of use exit 2 like every subcommand."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table

from zhtj_tui.commands.orgref import resolve_org
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.services.consistency import CHECK_TITLES
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress import (
    PROBLEM_KINDS,
    PROBLEM_LIMIT,
    PROBLEM_SHORT,
    Figures,
    Problems,
    Progress,
    TaskView,
)

HEADERS = ("组织", "类别", "组织数", "信息完整", "书记已录入", "管理员已注册", "团支部", "有团员的团支部", "团员", "超龄团员")


def register(sub) -> None:
    p = sub.add_parser("progress", help="下级组织录入进度（表格、JSON 或 Excel）")
    p.add_argument("org", nargs="?", help="组织编号、全称或简称（默认：顶级组织）")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="以 JSON 输出")
    fmt.add_argument("--xlsx", metavar="FILE", help="写入 Excel 文件（文件已存在时须加 --force 才会替换）")
    p.add_argument("--force", action="store_true", help="与 --xlsx 一起使用：替换已存在的同名文件")
    p.add_argument("--width", type=int, metavar="列数",
                   help=f"表格宽度（默认：终端宽度，输出到管道时 200；小于 {WIDE} 时用窄表）")
    p.set_defaults(func=cmd_progress)

    c = sub.add_parser("check", help="检查组织树的完整性问题；有问题时退出码为 1（可用于 cron）")
    c.add_argument("org", nargs="?", help="组织编号、全称或简称（默认：顶级组织）")
    c.add_argument("--json", action="store_true", help="以 JSON 输出")
    c.add_argument("--limit", type=int, default=PROBLEM_LIMIT, help=f"每类问题最多列出的条数（默认 {PROBLEM_LIMIT}，计数总是准确的）")
    c.add_argument("--consistency", action="store_true",
                   help="改为检查数据一致性：由基础数据重新计算每个存储的派生值（信息完整标记、路径、层级、年级、书记等），"
                        "列出每处不一致；有不一致时退出码为 1")
    c.set_defaults(func=cmd_check)


def _org_id(svc, ref: str | None) -> int:
    if ref:
        return resolve_org(svc, ref)
    top = svc.orgs.top()
    if top is None:
        raise DomainError("系统中还没有任何组织，请先运行 zhtj init 创建顶级组织")
    return top.id


def _console(width: int | None = None) -> Console:
    # A terminal gets a table that fits its width (the narrow one below 130 columns); piped
    # output keeps whole rows; rich measures CJK width.
    if width is None:
        width = None if sys.stdout.isatty() else 200
    return Console(width=width, highlight=False, soft_wrap=False)


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} {round(100 * part / whole) if whole else 0}%"


def figure_cells(f: Figures) -> tuple:
    return (f.orgs, _share(f.info_complete, f.orgs), _share(f.secretaries, f.orgs), _share(f.with_admin, f.orgs),
            f.branches, _share(f.branches_with_members, f.branches), f.members, f.over_age)


def progress_rows(p: Progress):
    for c in p.children:
        yield (c.short_name, c.category_name, *figure_cells(c.figures))
    yield ("本级", p.category_name, *figure_cells(p.own))
    yield ("合计", "", *figure_cells(p.total))


def progress_json(p: Progress, tasks: tuple[TaskView, ...]) -> dict:
    return {
        "org": {"id": p.org_id, "name": p.short_name, "category": p.category_name, "path": list(p.path_names)},
        "today": p.today.isoformat(),
        "children": [
            {
                "id": c.id, "name": c.short_name, "category": c.category_name,
                "info_complete": c.info_complete, "has_secretary": c.has_secretary, "has_admin": c.has_admin,
                "figures": c.figures.as_dict(), "problems": dict(c.problems),
            }
            for c in p.children
        ],
        "own": p.own.as_dict(),
        "total": p.total.as_dict(),
        "tasks": [task_json(t) for t in tasks],
    }


def task_json(t: TaskView) -> dict:
    return {
        "id": t.id, "name": t.name, "kind": t.kind, "cohort": t.cohort, "due": t.due.isoformat(),
        "set_by": t.org_name, "done": t.done, "total": t.total, "complete": t.complete, "overdue": t.overdue,
        "missing_count": t.missing_count,
        "missing": [{"id": m.org_id, "name": m.org_name, "path": list(m.path_names), "reason": m.reason} for m in t.missing],
    }


def task_line(t: TaskView) -> str:
    state = "已完成" if t.complete else ("已逾期" if t.overdue else f"剩余{t.days_left}天")
    return f"{t.name}（截止 {t.due.isoformat()}，{state}）：{t.done}/{t.total}，待办 {t.missing_count} 项"


def cmd_progress(args, ctx) -> int:
    svc = ctx.services
    op = Actor.server_operator()
    org_id = _org_id(svc, args.org)
    p = svc.progress.progress(op, org_id)
    tasks = svc.progress.tasks(op, org_id)
    if args.json:
        print(json.dumps(progress_json(p, tasks), ensure_ascii=False, indent=2))
        return 0
    if args.xlsx:
        from zhtj_tui.excel.writer import write_table

        path = write_table(
            args.xlsx, "录入进度", HEADERS, progress_rows(p), widths=(30, 10, 8, 12, 12, 12, 8, 14, 8, 10),
            note=f"{p.path_text} 下级组织录入进度（{p.today.isoformat()}，各行含该组织及其全部下级组织）",
            overwrite=args.force,
        )
        print(f"已写入 {path}")
        return 0
    console = _console(args.width)
    if console.width < WIDE:
        print_narrow(console, p)
    else:
        table = Table(title=f"{p.path_text} 下级组织录入进度（{p.today.isoformat()}）",
                      caption="各行为该组织及其全部下级组织的合计；按完成程度从低到高排列")
        for i, h in enumerate(HEADERS):
            table.add_column(h, justify="left" if i < 2 else "right", no_wrap=True)
        rows = list(progress_rows(p))
        for i, row in enumerate(rows):
            table.add_row(*(str(v) for v in row), end_section=(i == len(rows) - 3))
        console.print(table)
    problems = [(c.short_name, problems_line(c)) for c in p.children if c.problems]
    if problems:
        console.print("各下级组织的问题（zhtj check 组织名 列出具体组织）：", markup=False)
        for name, line in problems:
            console.print(f"  {name}：{line}", markup=False)
    if tasks:
        console.print("录入任务：")
        for t in tasks:
            console.print(("  ! " if t.overdue else "  - ") + task_line(t), markup=False)
    return 0


#: Below this many columns, ``zhtj progress`` prints the narrow table (percentages only).
WIDE = 130
NARROW_HEADERS = ("组织", "组织数", "信息", "书记", "管理员", "团支部", "有团员", "团员", "超龄")


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole) if whole else 0}%"


def print_narrow(console: Console, p: Progress) -> None:
    """The progress table in 80 columns: shares as percentages, no vertical rules."""
    from rich import box

    console.print(f"{p.path_text} 下级组织录入进度（{p.today.isoformat()}）", markup=False)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    for i, h in enumerate(NARROW_HEADERS):
        table.add_column(h, justify="left" if i == 0 else "right", no_wrap=True,
                         overflow="ellipsis", max_width=(22 if i == 0 else None))
    rows = [(c.short_name, c.figures) for c in p.children] + [("本级", p.own), ("合计", p.total)]
    for i, (name, f) in enumerate(rows):
        table.add_row(name, str(f.orgs), _pct(f.info_complete, f.orgs), _pct(f.secretaries, f.orgs),
                      _pct(f.with_admin, f.orgs), str(f.branches),
                      _pct(f.branches_with_members, f.branches) if f.branches else "—",
                      str(f.members), str(f.over_age), end_section=(i == len(rows) - 3))
    console.print(table)
    console.print("各行为该组织及其全部下级组织的合计，按完成程度从低到高排列；"
                  "“有团员”为有团员的团支部所占比例。", markup=False)


def problems_line(c) -> str:
    return " ".join(f"{PROBLEM_SHORT.get(k, k)}{n}" for k, n in c.problems)


def problems_json(pr: Problems, path_names: tuple[str, ...]) -> dict:
    return {
        "org": {"id": pr.org_id, "path": list(path_names)},
        "total": pr.total, "errors": pr.errors, "warnings": pr.warnings,
        "counts": dict(pr.counts),
        "problems": [
            {"kind": i.kind, "title": i.title, "severity": i.severity, "org_id": i.org_id, "org": i.org_name,
             "path": list(i.path_names), "detail": i.detail}
            for i in pr.items
        ],
    }


def cmd_consistency(args, ctx) -> int:
    """``zhtj check --consistency``: every stored derived value against its recomputation."""
    report = ctx.services.consistency.check(limit=max(0, args.limit))
    if args.json:
        print(json.dumps({
            "ok": report.ok, "total": report.total, "checked": dict(report.checked), "counts": dict(report.counts),
            "mismatches": [
                {"check": m.check, "table": m.table, "id": m.row_id, "column": m.column, "label": m.label,
                 "stored": _jsonable(m.stored), "expected": _jsonable(m.expected)}
                for m in report.mismatches
            ],
        }, ensure_ascii=False, indent=2))
        return 0 if report.ok else 1
    checked = "，".join(f"{table} {n} 行" for table, n in report.checked)
    if report.ok:
        print(f"数据一致：已重新计算全部派生值（{checked}），未发现不一致")
        return 0
    print(f"发现 {report.total} 处数据不一致（已检查 {checked}）：")
    for name, n in report.counts:
        if not n:
            continue
        shown = [m for m in report.mismatches if m.check == name]
        print(f"【{CHECK_TITLES.get(name, name)}】{n} 处")
        for m in shown:
            print(f"  {m.text()}")
        if n > len(shown):
            print(f"  …… 另有 {n - len(shown)} 处（用 --limit 调整列出的条数）")
    return 1


def _jsonable(value):
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def cmd_check(args, ctx) -> int:
    if args.consistency:
        return cmd_consistency(args, ctx)
    svc = ctx.services
    op = Actor.server_operator()
    org_id = _org_id(svc, args.org)
    pr = svc.progress.problems(op, org_id, limit=max(0, args.limit))
    names = svc.orgs.path_names(org_id)
    if args.json:
        print(json.dumps(problems_json(pr, names), ensure_ascii=False, indent=2))
        return 1 if pr.total else 0
    where = " / ".join(names)
    if not pr.total:
        print(f"{where}：未发现问题")
        return 0
    print(f"{where}：{pr.errors} 个错误，{pr.warnings} 个警告")
    counts = dict(pr.counts)
    for kind, severity, title in PROBLEM_KINDS:
        if not counts[kind]:
            continue
        print(f"【{severity}】{title}（{counts[kind]}）")
        shown = [i for i in pr.items if i.kind == kind]
        for i in shown:
            print(f"  {i.path_text}" + (f"：{i.detail}" if i.detail else ""))
        if counts[kind] > len(shown):
            print(f"  …… 另有 {counts[kind] - len(shown)} 个（用 --limit 调整列出的条数）")
    return 1
