"""Lost updates (issue 8): two administrators editing the same record. The second save is
refused with a message that the record changed meanwhile and what changed; it never
silently overwrites the first."""

from __future__ import annotations

import threading

import pytest

from tests.helpers import admin_of, person
from zhtj_tui.domain.errors import Conflict, DomainError
from zhtj_tui.services.dto import Actor


@pytest.fixture
def two_admins(svc):
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "并发大学团委", "团委")
    a = admin_of(svc, top.id, person(name="甲管理员"))
    b = admin_of(svc, top.id, person(name="乙管理员"))
    return top, a, b


def test_second_save_of_org_info_is_refused_and_says_what_changed(svc, two_admins):
    """R-INFO-*, issue 8: A and B open the form at the same version; A saves; B's save is
    refused naming the field A changed and its new value; A's values stay."""
    top, a, b = two_admins
    opened_a = svc.orgs.get(a, top.id)
    opened_b = svc.orgs.get(b, top.id)
    assert opened_a.version == opened_b.version
    saved = svc.orgs.save_info(a, top.id, {"admin_quota": 5, "admin_actual": 3, "email": "tw@example.cn"},
                               expected_version=opened_a.version)
    assert saved.version == opened_a.version + 1
    with pytest.raises(Conflict) as info:
        svc.orgs.save_info(b, top.id, {"admin_quota": 9, "admin_actual": 1, "email": "other@example.cn"},
                           expected_version=opened_b.version)
    msg = info.value.message
    assert "已被他人修改" in msg
    assert "本级团组织行政编制数" in msg and "5" in msg  # what changed, and its value now
    assert "电子邮箱" in msg and "tw@example.cn" in msg
    now = svc.orgs.get(a, top.id)
    assert (now.admin_quota, now.admin_actual, now.email) == (5, 3, "tw@example.cn")
    assert now.version == saved.version
    # Reopened at the new version, B's save goes through.
    svc.orgs.save_info(b, top.id, {"admin_quota": 9, "admin_actual": 1}, expected_version=now.version)
    assert svc.orgs.get(b, top.id).admin_quota == 9


def test_simultaneous_saves_exactly_one_wins(svc, two_admins):
    """Four saves at the same moment from the same opened version (threads: each its own
    connection): exactly one succeeds, the others get Conflict (or Busy), and the stored
    values are the winner's, whole."""
    top, a, b = two_admins
    version = svc.orgs.get(a, top.id).version
    barrier = threading.Barrier(4)
    results: dict[int, object] = {}

    def save(i: int):
        actor = a if i % 2 == 0 else b
        barrier.wait()
        try:
            svc.orgs.save_info(actor, top.id, {"admin_quota": 10 + i, "admin_actual": i,
                                               "email": f"t{i}@example.cn"}, expected_version=version)
            results[i] = "ok"
        except DomainError as exc:
            results[i] = exc

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [i for i, r in results.items() if r == "ok"]
    assert len(results) == 4 and len(winners) == 1, results
    assert all(isinstance(r, Conflict) for i, r in results.items() if i not in winners)
    w = winners[0]
    now = svc.orgs.get(a, top.id)
    assert (now.admin_quota, now.admin_actual, now.email) == (10 + w, w, f"t{w}@example.cn")
    assert now.version == version + 1
    saves = [e for e in svc.audit.recent(a, top.id) if e.action == "org.save_info"]
    assert len(saves) == 1


def test_parent_correction_and_child_save_do_not_overwrite_each_other(svc, two_admins):
    """A parent's correction (R-INFO-2) bumps the version: the child's form opened before
    it is refused rather than writing over the correction."""
    top, a, _ = two_admins
    child = svc.orgs.create_child(a, top.id, "数学学院团委", "团委")
    child_admin = admin_of(svc, child.id)
    opened = svc.orgs.get(child_admin, child.id)
    svc.orgs.correct(a, child.id, {"short_name": "数学科学学院团委"}, "按学院更名更正")
    with pytest.raises(Conflict):
        svc.orgs.save_info(child_admin, child.id, {"admin_quota": 1, "admin_actual": 1},
                           expected_version=opened.version)
    assert svc.orgs.get(child_admin, child.id).short_name == "数学科学学院团委"


def test_second_save_of_a_member_is_refused_and_says_what_changed(svc, two_admins):
    """R-MEM-1, issue 8: the branch's administrator and its parent's administrator edit the
    same member from the same opened version; the second save is refused naming what
    changed; the first stays whole."""
    from tests.member_helpers import member_values

    top, a, _ = two_admins
    branch = svc.orgs.create_child(a, top.id, "并发2024级1班团支部", "团支部")
    branch_admin = admin_of(svc, branch.id)
    values = member_values()
    m = svc.members.add(branch_admin, branch.id, values)
    opened_a = svc.members.get(a, m.id)
    opened_b = svc.members.get(branch_admin, m.id)
    svc.members.update(a, m.id, {**values, "education": "硕士", "note": "甲改"}, expected_version=opened_a.version)
    with pytest.raises(Conflict) as info:
        svc.members.update(branch_admin, m.id, {**values, "mobile": "13800001111", "note": "乙改"},
                           expected_version=opened_b.version)
    msg = info.value.message
    assert "已被他人修改" in msg and "学历" in msg and "备注" in msg
    now = svc.members.get(a, m.id)
    assert (now.education_name, now.note, now.mobile) == ("硕士", "甲改", values["mobile"])


def test_simultaneous_member_saves_exactly_one_wins(svc, two_admins):
    from tests.member_helpers import member_values

    top, a, b = two_admins
    branch = svc.orgs.create_child(a, top.id, "并发2024级2班团支部", "团支部")
    values = member_values()
    m = svc.members.add(a, branch.id, values)
    barrier = threading.Barrier(4)
    results: dict[int, object] = {}

    def save(i: int):
        barrier.wait()
        try:
            svc.members.update(a if i % 2 == 0 else b, m.id, {**values, "note": f"第{i}次"}, expected_version=m.version)
            results[i] = "ok"
        except DomainError as exc:
            results[i] = exc

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [i for i, r in results.items() if r == "ok"]
    assert len(results) == 4 and len(winners) == 1, results
    assert all(isinstance(r, Conflict) for i, r in results.items() if i not in winners)
    now = svc.members.get(a, m.id)
    assert now.note == f"第{winners[0]}次" and now.version == m.version + 1
