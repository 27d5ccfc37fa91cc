"""Benchmark rows of 团员管理 (issue 6) on the ``zhtj demo`` data set: saving one member,
searching by name / initials / ID suffix across the top organisation's subtree, and opening
a branch's member page. ``benchmarks/members_bench.py`` adds the Pilot Ctrl+S figure."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from benchmarks.harness import BenchContext, NotAvailable, Result
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import make_id_number


def _branch(ctx: BenchContext) -> int:
    """The branch with the most members (a full class)."""
    row = ctx.query("SELECT branch, count(*) AS n FROM member WHERE active_id IS NOT NULL "
                    "GROUP BY branch ORDER BY n DESC, branch LIMIT 1")
    if not row:
        raise NotAvailable("数据中没有团员")
    return row[0][0]


def _sample(ctx: BenchContext, n: int = 30) -> list[tuple[str, str, str]]:
    rows = ctx.query("SELECT name, name_initials, id_number FROM member WHERE active_id IS NOT NULL "
                     "ORDER BY id LIMIT 5000")
    if not rows:
        raise NotAvailable("数据中没有团员")
    rng = random.Random(6)
    return [rows[rng.randrange(len(rows))] for _ in range(n)]


def member_save(ctx: BenchContext) -> Result:
    """One member entered into a branch by the operator's service path (checks, duplicate
    look-ups, insert, audit), beside one raw INSERT of an audit row."""
    from zhtj_tui.services.dto import Actor

    branch = _branch(ctx)
    svc = ctx.services
    op = Actor.server_operator()
    seq = itertools.count(random.randrange(1, 10**6))

    def setup():
        k = next(seq)
        birth = date(2004, 1, 1) + timedelta(days=k % 600)
        return {"name": "新同学", "id_number": make_id_number("120101", birth, k % 1000), "ethnic": "汉族",
                "political": "共青团员", "join_month": "2020-09", "education": "本科在读",
                "mobile": f"137{k % 10**8:08d}", "member_no": f"2020{k % 10**8:08d}"}

    refused = []

    def save(values):
        try:
            svc.members.add(op, branch, values)
        except DomainError as exc:  # a person of an earlier run (--reuse): counted in the note
            refused.append(exc.code)

    t = ctx.measure(save, setup=setup)
    note = f"branch {branch}" + (f", {len(refused)} refused ({refused[0]})" if refused else "")
    return ("member save (services.members.add)", t.median_ms, None, note)


def _search(ctx: BenchContext, label: str, pick) -> Result:
    from zhtj_tui.services.dto import Actor

    top = ctx.top_id()
    svc, op = ctx.services, Actor.server_operator()
    sample = _sample(ctx)
    it = itertools.cycle(sample)
    t = ctx.measure(lambda: svc.members.list(op, top, pick(next(it))))
    return (f"member search by {label}, whole tree", t.median_ms, None, f"{len(sample)} sampled members")


def member_search_name(ctx: BenchContext) -> Result:
    return _search(ctx, "name", lambda r: r[0])


def member_search_initials(ctx: BenchContext) -> Result:
    return _search(ctx, "initials", lambda r: r[1])


def member_search_id_suffix(ctx: BenchContext) -> Result:
    return _search(ctx, "ID suffix (6)", lambda r: r[2][-6:])


def member_page(ctx: BenchContext) -> Result:
    """What 团员管理 loads for a branch: the organisation, the first page, the totals."""
    from zhtj_tui.services.dto import Actor

    branch = _branch(ctx)
    svc, op = ctx.services, Actor.server_operator()
    t = ctx.measure(lambda: (svc.orgs.get(op, branch), svc.members.list(op, branch), svc.members.totals(op, branch)))
    return ("branch member page (org + list + totals)", t.median_ms, None, f"branch {branch}")


ROWS = [member_save, member_search_name, member_search_initials, member_search_id_suffix, member_page]
