"""Benchmark rows of the foundation: data generation, codes, the organisation tree,
search, and start-up to the first screen."""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from benchmarks.harness import BenchContext, NotAvailable, Result
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import make_id_number

ROOT = Path(__file__).resolve().parent.parent


def generation(ctx: BenchContext) -> Result:
    """The rate of ``zhtj demo`` for this scale (one run, when the data set was built now)."""
    if ctx.build is None:
        return ("data generation (zhtj demo)", None, None, "n/a (data set reused; run without --reuse)")
    b = ctx.build
    members = b.counts.get("member", 0)
    orgs = b.counts.get("org", 0)
    return ("data generation (zhtj demo)", b.seconds * 1000, None,
            f"{b.rows:,} rows ({orgs:,} orgs, {members:,} members) in {b.seconds:.1f} s = {b.rate:,.0f} rows/s")


def code_issue(ctx: BenchContext) -> Result:
    """A parent's administrator issues a child's code (revoking the old one), beside one raw
    INSERT of a code row in its own transaction."""
    top = ctx.top_id()
    actor = ctx.admin_of(top)
    child = ctx.scalar("SELECT id FROM org WHERE parent_id = ? ORDER BY id LIMIT 1", (top,))
    svc = ctx.services
    t = ctx.measure(lambda: svc.codes.issue(actor, child))
    now = ctx.settings.now()
    made: list[str] = []

    def raw_insert():
        code = f"b{random.randrange(10**7):07d}"
        ctx.query("INSERT INTO reg_code (code, org, issued_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?)",
                  (code, child, now, now, now))
        made.append(code)

    base = ctx.measure(raw_insert, memory=False)
    for code in made:  # leave the child's newest code the service's
        ctx.query("DELETE FROM reg_code WHERE code = ?", (code,))
    return ("code issue (services.codes.issue)", t.median_ms, base.median_ms, "baseline: one raw INSERT + commit")


def code_redeem(ctx: BenchContext) -> Result:
    """Registering an administrator with a fresh code (argon2id hash included), beside the
    argon2id hash alone."""
    top = ctx.top_id()
    actor = ctx.admin_of(top)
    svc = ctx.services
    children = [r[0] for r in ctx.query("SELECT id FROM org WHERE parent_id = ? ORDER BY id", (top,))]
    rng = random.Random()
    state = {"i": 0}

    def setup():
        state["i"] += 1
        child = children[state["i"] % len(children)]
        code = svc.codes.issue(actor, child).code
        birth = date.fromordinal(date(1988, 1, 1).toordinal() + rng.randrange(3000))
        idn = make_id_number("110101", birth, rng.randrange(1000))
        mobile = f"144{rng.randrange(10**8):08d}"
        return code, idn, mobile, birth

    def redeem(arg):
        code, idn, mobile, birth = arg
        try:
            svc.accounts.register(code, "书记", "测试员", idn, mobile, f"{birth.year + 14}-05", "bench2026pass")
        except DomainError as exc:  # a collision with an earlier run's person: rare, retry once
            if exc.code not in ("account_taken", "mobile_taken", "existing_account_password"):
                raise
            code, idn, mobile, birth = setup()
            svc.accounts.register(code, "书记", "测试员", idn, mobile, f"{birth.year + 14}-05", "bench2026pass")

    n = min(ctx.repeat, 5)
    t = ctx.measure(redeem, repeat=n, setup=setup)
    base = ctx.measure(lambda: svc.accounts.hasher.hash("bench2026pass"), repeat=n, memory=False)
    return ("code redeem (accounts.register)", t.median_ms, base.median_ms, "baseline: the argon2id hash alone")


def _children_baseline(ctx: BenchContext, parent: int):
    return lambda: ctx.query(
        "SELECT id, short_name, category, info_complete FROM org WHERE parent_id = ? "
        "ORDER BY short_name, id LIMIT 201", (parent,))


def list_children_top(ctx: BenchContext) -> Result:
    top = ctx.top_id()
    actor = ctx.admin_of(top)
    n = ctx.scalar("SELECT count(*) FROM org WHERE parent_id = ?", (top,))
    t = ctx.measure(lambda: ctx.services.orgs.list_children(actor, top))
    base = ctx.measure(_children_baseline(ctx, top), memory=False)
    return ("child listing, top org (orgs.list_children)", t.median_ms, base.median_ms,
            f"{n:,} children, first page of 200; baseline: one raw SELECT")


def list_children_big(ctx: BenchContext) -> Result:
    parent, n = ctx.biggest_parent()
    actor = ctx.admin_of(parent)
    t = ctx.measure(lambda: ctx.services.orgs.list_children(actor, parent))
    base = ctx.measure(_children_baseline(ctx, parent), memory=False)
    return ("child listing, biggest org (orgs.list_children)", t.median_ms, base.median_ms,
            f"{n:,} children, first page of 200; baseline: one raw SELECT")


def tree_expand(ctx: BenchContext) -> Result:
    parent, n = ctx.biggest_parent()
    actor = ctx.admin_of(parent)
    svc = ctx.services

    def expand_all():
        page = svc.orgs.children(actor, parent)
        while page.next_after is not None:
            page = svc.orgs.children(actor, parent, after=page.next_after)

    first = ctx.measure(lambda: svc.orgs.children(actor, parent))
    whole = ctx.measure(expand_all, memory=False)
    base = ctx.measure(_children_baseline(ctx, parent), memory=False)
    return ("tree node expansion (orgs.children)", first.median_ms, base.median_ms,
            f"node with {n:,} children: first page {first.median_ms:.1f} ms, all pages {whole.median_ms:.1f} ms")


def search(ctx: BenchContext) -> Result:
    top = ctx.top_id()
    actor = ctx.admin_of(top)
    total = ctx.scalar("SELECT count(*) FROM org")
    text = "3班"
    t = ctx.measure(lambda: ctx.services.orgs.search(actor, text))
    path = ctx.scalar("SELECT path FROM org WHERE id = ?", (top,))
    base = ctx.measure(lambda: ctx.query(
        "SELECT id, short_name FROM org WHERE (short_name LIKE ? OR full_name LIKE ?) AND path >= ? AND path < ? "
        "ORDER BY depth, short_name LIMIT 20", (f"%{text}%", f"%{text}%", path, path[:-1] + "0")), memory=False)
    return ("org search (orgs.search)", t.median_ms, base.median_ms,
            f"'{text}' over {total:,} orgs, 20 results; baseline: one raw LIKE SELECT")


def _probe(args: list[str], repeat: int) -> tuple[float, float]:
    """Median wall time of the start-up probe and its peak RSS (MiB)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs, rss = [], 0.0
    for _ in range(repeat + 1):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "startup_probe.py"), *args],
                             capture_output=True, text=True, env=env, timeout=120)
        elapsed = (time.perf_counter() - t0) * 1000
        if out.returncode != 0:
            raise NotAvailable(f"probe failed: {(out.stderr.strip().splitlines() or ['?'])[-1][:80]}")
        rss = max(rss, json.loads(out.stdout.strip().splitlines()[-1])["maxrss_mib"])
        runs.append(elapsed)
    return statistics.median(runs[1:]), rss


def startup(ctx: BenchContext) -> Result:
    """Process start to the first screen of ``zhtj`` (headless, 80x24), beside a bare
    Textual app started the same way."""
    try:
        from zhtj_tui.app import make_app  # noqa: F401
    except ImportError:
        return ("start-up to first screen", None, None, "n/a (interface not built)")
    n = min(ctx.repeat, 5)
    zhtj_ms, zhtj_rss = _probe(["zhtj", ctx.db_url], n)
    bare_ms, bare_rss = _probe(["bare"], n)
    ctx._peaks.append(zhtj_rss * 1024)
    return ("start-up to first screen (headless)", zhtj_ms, bare_ms,
            f"subprocess wall time; peak RSS {zhtj_rss:.0f} MiB (bare Textual {bare_rss:.0f} MiB)")


ROWS = [generation, code_issue, code_redeem, list_children_top, list_children_big, tree_expand, search, startup]
