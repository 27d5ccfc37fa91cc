"""R-TREE-6 under concurrency: while an organisation is moved back and forth, others keep
creating branches and entering members below it. Every path written by either side is
true afterwards (the consistency check finds nothing): writers that copy a path lock the
chain of organisations above it, and a move locks it exclusively. Both backends."""

from __future__ import annotations

import threading

from tests.member_helpers import member_values
from tests.services.conftest import OP
from tests.services.test_org_fix import stored_paths_are_true
from zhtj_tui.domain.errors import DomainError


def test_paths_stay_true_while_moving(svc):
    top = svc.orgs.create_top(OP, "并发大学团委", "团委").id
    p1 = svc.orgs.create_child(OP, top, "甲学院团委", "团委").id
    p2 = svc.orgs.create_child(OP, top, "乙学院团委", "团委").id
    moved = svc.orgs.create_child(OP, p1, "并发系团总支", "团总支").id
    branch = svc.orgs.create_child(OP, moved, "并发2024级1班团支部", "团支部").id
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def guarded(fn):
        def run():
            start.wait()
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
        return run

    def mover():
        for i in range(12):
            svc.orgs.move(OP, moved, p2 if i % 2 == 0 else p1, f"第{i}次移动")

    def enterer():
        for _ in range(12):
            svc.members.add(OP, branch, member_values())

    def creator():
        for i in range(12):
            try:
                svc.orgs.create_child(OP, moved, f"并发2025级{i}班团支部", "团支部")
            except DomainError as exc:  # a refusal would be a bug here too
                errors.append(exc)

    threads = [threading.Thread(target=guarded(f)) for f in (mover, enterer, creator)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert stored_paths_are_true(svc) == []
    assert svc.members.list(OP, top).total == 12
    assert svc.orgs.get(OP, moved).parent_id == p1 and svc.orgs.get(OP, moved).child_count == 13
