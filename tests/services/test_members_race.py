"""R-MEM-3 under concurrency: two real processes save the same ID number at the same
moment on one database; exactly one wins, the other is told who holds the person."""

from __future__ import annotations

import multiprocessing as mp

from tests.conftest import make_settings
from tests.helpers import FakeClock, person
from tests.member_helpers import build_tree, member_values


def _save(db_url: str, branch_id: int, people: list, barrier, out) -> None:
    from zhtj_tui.domain.errors import DomainError
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor

    svc = Services.open(make_settings(db_url, FakeClock()), client_key="race")
    try:
        for i, values in enumerate(people):
            barrier.wait(timeout=30)
            try:
                v = svc.members.add(Actor.server_operator(), branch_id, values)
                out.put((i, "ok", v.id))
            except DomainError as exc:
                out.put((i, exc.code, exc.message))
    except Exception as exc:  # reported to the test, never swallowed
        out.put((-1, "crash", repr(exc)))
    finally:
        svc.close()


def test_two_processes_same_id_number_exactly_one_wins(svc, settings):
    tree = build_tree(svc, admins=False)
    people = [person(name="并发") for _ in range(5)]
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    # Same people, different 团员编号, into two branches: only the ID numbers can clash.
    jobs = [ctx.Process(target=_save, args=(settings.db_url, b, [member_values(p) for p in people], barrier, out))
            for b in (tree.b1, tree.b3)]
    for j in jobs:
        j.start()
    results = [out.get(timeout=60) for _ in range(2 * len(people))]
    for j in jobs:
        j.join(timeout=30)
    assert not [r for r in results if r[1] == "crash"], results
    for i in range(len(people)):
        codes = sorted(r[1] for r in results if r[0] == i)
        assert codes[1] == "ok" and codes[0] in ("duplicate", "duplicate_in_subtree"), results
        loser = next(r for r in results if r[0] == i and r[1] != "ok")
        assert "团支部" in loser[2]  # names the holding organisation
    total = sum(c.members for c in svc.members.counts(tree.op, tree.top))
    assert total == len(people)
