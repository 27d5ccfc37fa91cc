"""R-CODE-3: a code registers exactly one administrator, even when 8 processes submit it
at the same moment; and processes starting together on a fresh database all open it.
Real processes ('spawn'), on SQLite and on PostgreSQL."""

import multiprocessing as mp

from pony.orm import db_session, select

from tests.helpers import FakeClock
from tests.workers import open_at_once, redeem_rounds
from zhtj_tui.db import SCHEMA_VERSION
from zhtj_tui.services.dto import Actor

WORKERS = 8
ROUNDS = 25


def _run(target, args_for, n):
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(n)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args_for(i), barrier, results)) for i in range(n)]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return out


def test_eight_processes_redeem_one_code(svc, db_url):
    # R-CODE-3: exactly one administrator per code; the others are told it is used
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "并发测试团委", "团委")
    orgs, codes = [], []
    for rnd in range(ROUNDS):
        org = svc.orgs.create_child(op, top.id, f"并发{rnd}班团支部", "团支部")
        orgs.append(org.id)
        codes.append(svc.codes.issue(op, org.id).code)
    start = svc.settings.now()
    assert isinstance(svc.settings.clock, FakeClock)

    out = dict(_run(redeem_rounds, lambda i: (db_url, codes, i, start), WORKERS))

    crashes = [r for rs in out.values() for r in rs if r.startswith("crash")]
    assert crashes == []
    for rnd in range(ROUNDS):
        outcomes = sorted(out[w][rnd] for w in range(WORKERS))
        assert outcomes == ["code_used"] * (WORKERS - 1) + ["ok"], (rnd, outcomes)
    s = svc.store
    with db_session:
        for org_id, code in zip(orgs, codes, strict=True):
            roles = select(r for r in s.AdminRole if r.org.id == org_id)[:]
            assert len(roles) == 1
            row = s.RegCode.get(code=code)
            assert row.used_by is not None and row.used_by.id == roles[0].account.id
            assert row.used_at == start
        assert s.Account.select().count() == ROUNDS  # no account without its role


def test_processes_open_a_fresh_database_at_once(db_url):
    # Schema creation runs under a lock shared by all processes (DESIGN, known traps)
    out = _run(open_at_once, lambda i: (db_url,), 4)
    assert out == [("ok", SCHEMA_VERSION)] * 4
