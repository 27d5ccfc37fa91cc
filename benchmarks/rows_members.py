"""Benchmark rows of 团员管理 (issue 6) on the ``zhtj demo`` data set: saving one member,
searching by name / initials / ID suffix / 团员编号 across the top organisation's subtree, and opening
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


def _sample(ctx: BenchContext, n: int = 30) -> list[tuple[str, str, str, str | None]]:
    rows = ctx.query("SELECT name, name_initials, id_number, member_no FROM member WHERE active_id IS NOT NULL "
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


#: The raw SQL that answers each search (the first page of 201 rows by the same keys),
#: the baseline measured beside the service in the same run.
_RAW = {
    "name": "m.name LIKE ?",
    "initials": "m.name_initials >= ? AND m.name_initials < ?",
    "id_suffix": "m.id_rev >= ? AND m.id_rev < ?",
    "member_no": "m.member_no = ?",
}


def _raw_params(kind: str, text: str) -> tuple:
    if kind == "name":
        return (f"%{text}%",)
    if kind == "initials":
        t = text.lower()
        return (t, t[:-1] + chr(ord(t[-1]) + 1))
    if kind == "id_suffix":
        rev = text.upper()[::-1]
        return (rev, rev + "~")
    return (text,)


def _search(ctx: BenchContext, label: str, kind: str, pick) -> Result:
    from zhtj_tui.services.dto import Actor

    scope = ctx.top_id()
    svc, op = ctx.services, Actor.server_operator()
    sample = [s for s in _sample(ctx) if pick(s)]
    if not sample:
        raise NotAvailable(f"no member with a {label}")
    path = ctx.query("SELECT path FROM org WHERE id = ?", (scope,))[0][0]
    hi = path[:-1] + "0"
    it = itertools.cycle(sample)
    t = ctx.measure(lambda: svc.members.list(op, scope, pick(next(it)), by=kind))
    it2 = itertools.cycle(sample)
    # The best raw plan: on SQLite (no statistics on ranges) the key's index, not the path's,
    # when a key narrows more than the whole tree does (as the service writes it).
    col = "+m.path" if ctx.backend == "sqlite" and kind != "name" else "m.path"
    sql = (f"SELECT m.id, m.name, m.name_initials, m.id_number, m.member_no, m.birth_date, m.status "
           f"FROM member m WHERE {col} >= ? AND {col} < ? AND m.status = '1' AND {_RAW[kind]} "
           "ORDER BY m.name_initials, m.name, m.id LIMIT 201")
    base = ctx.measure(lambda: ctx.query(sql, (path, hi, *_raw_params(kind, pick(next(it2))))), memory=False)
    return (f"member search by {label}, whole tree", t.median_ms, base.median_ms,
            f"{len(sample)} sampled members; baseline: the same page in raw SQL")


def member_search_name(ctx: BenchContext) -> Result:
    return _search(ctx, "name", "name", lambda r: r[0])


def member_search_initials(ctx: BenchContext) -> Result:
    return _search(ctx, "initials", "initials", lambda r: r[1])


def member_search_id_suffix(ctx: BenchContext) -> Result:
    return _search(ctx, "ID suffix (6)", "id_suffix", lambda r: r[2][-6:])


def member_search_member_no(ctx: BenchContext) -> Result:
    return _search(ctx, "团员编号", "member_no", lambda r: r[3])


def member_page(ctx: BenchContext) -> Result:
    """What 团员管理 loads for a branch: the organisation, the first page, the totals."""
    from zhtj_tui.services.dto import Actor

    branch = _branch(ctx)
    svc, op = ctx.services, Actor.server_operator()
    t = ctx.measure(lambda: (svc.orgs.get(op, branch), svc.members.list(op, branch), svc.members.totals(op, branch)))
    return ("branch member page (org + list + totals)", t.median_ms, None, f"branch {branch}")


ROWS = [member_save, member_search_name, member_search_initials, member_search_id_suffix,
        member_search_member_no, member_page]
