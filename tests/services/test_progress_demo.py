"""The small demo's planted defects, found by progress, check and the seed's tasks
(R-PROG-2, R-PROG-3, R-TREE-3, R-MEM-5), on both backends."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.helpers import FakeClock
from zhtj_tui.demo import generate
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress import Figures

OP = Actor.server_operator()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2018, 11, 1, 8, 0))  # the seed's own calendar


def test_demo_defects_are_found(svc, clock):
    generate(svc.settings.db_url, svc.settings, svc.accounts.hasher, "small", 2018, False)
    top = svc.orgs.top().id
    pr = svc.progress.problems(OP, top)
    found = sorted((i.kind, i.org_name) for i in pr.items)
    assert found == sorted([
        ("no_branch", "马克思主义学院团总支"),
        ("no_secretary", "计算机专业2018级2班团支部"),
        ("info_incomplete", "计算机专业2018级2班团支部"),
        ("no_secretary", "临床医学专业2018级2班团支部"),
        ("no_admin", "临床医学专业2018级2班团支部"),
        ("info_incomplete", "临床医学专业2018级2班团支部"),
        ("branch_no_members", "临床医学专业2018级2班团支部"),
        ("branch_few_members", "数学专业2018级1班团支部"),
        ("branch_over_age", "汉语言文学专业2015级1班团支部"),
    ])
    p = svc.progress.progress(OP, top)
    assert p.children[0].short_name == "马克思主义学院团总支"  # no branch: the worst
    assert p.total == Figures(35, 33, 33, 34, 30, 29, 1010, 1)
    branches, members = svc.progress.tasks(OP, top)
    assert (branches.done, branches.total, branches.overdue) == (7, 9, False)
    # R-PROG-3: the general branch with no branch at all is the furthest behind, listed first.
    assert [(m.org_name, m.reason) for m in branches.missing] == [
        ("马克思主义学院团总支", "尚未建立任何团支部（应有2018级团支部）"),
        ("计算机专业2018级2班团支部", "未录入书记"), ("临床医学专业2018级2班团支部", "未录入书记、没有管理员")]
    assert (members.done, members.total, [m.org_name for m in members.missing]) == (
        29, 30, ["临床医学专业2018级2班团支部"])
    clock.advance(days=9)  # 2018-11-10: the branch task is overdue, the members task not yet
    assert [t.overdue for t in svc.progress.tasks(OP, top)] == [True, False]
