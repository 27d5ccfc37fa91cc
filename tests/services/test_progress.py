"""Progress supervision on both backends: figures (R-PROG-2), completeness problems
(R-TREE-3, R-MEM-5) and deadline tasks (R-PROG-3), on a tree with known defects."""

from __future__ import annotations

from datetime import date

import pytest
from pony.orm import db_session

from tests.progress_tree import OP, add_member, build_tree
from zhtj_tui.domain.errors import DomainError, Forbidden
from zhtj_tui.services.progress import Figures


@pytest.fixture
def tree(svc):
    return build_tree(svc)


def F(*values):
    return Figures(*values)


def test_progress_per_child_rolled_up_worst_first(svc, tree):
    # R-PROG-2: per direct child, over its whole subtree; R-MEM-5: 超龄 at exactly 28.
    p = svc.progress.progress(OP, tree.ids["top"])
    assert [c.id for c in p.children] == [tree.ids["B"], tree.ids["A"], tree.ids["C"]]
    by = {c.id: c for c in p.children}
    #            orgs info sec admin branches with-members members over-age
    assert by[tree.ids["A"]].figures == F(4, 3, 3, 3, 3, 2, 4, 1)
    assert by[tree.ids["B"]].figures == F(5, 1, 1, 1, 1, 1, 2, 1)
    assert by[tree.ids["C"]].figures == F(1, 1, 1, 1, 1, 1, 4, 0)
    assert p.own == F(1, 1, 1, 1, 0, 0, 0, 0)
    assert p.total == F(11, 6, 6, 6, 5, 4, 10, 2)
    b = by[tree.ids["B"]]
    assert (b.info_complete, b.has_secretary, b.has_admin, b.child_count) == (False, False, False, 2)
    assert b.category_name == "团委" and by[tree.ids["C"]].is_branch
    assert p.path_names == ("大学团委",)
    assert by[tree.ids["A"]].figures.ratios() == {"info": 0.75, "secretary": 0.75, "admin": 0.75, "members": 2 / 3}


def test_each_child_names_its_problems_with_counts(svc, tree, clock):
    # R-PROG-2, R-TREE-3: per direct child, the problems of its subtree by kind, counted
    # as `problems` (zhtj check) counts them.
    p = svc.progress.progress(OP, tree.ids["top"])
    by = {c.id: dict(c.problems) for c in p.children}
    assert by[tree.ids["A"]] == {"no_secretary": 1, "no_admin": 1, "info_incomplete": 1, "branch_no_members": 1,
                                 "branch_few_members": 1, "branch_over_age": 1}
    assert by[tree.ids["B"]] == {"no_branch": 2, "general_branch_non_branch_child": 1, "no_secretary": 4,
                                 "no_admin": 4, "info_incomplete": 4, "branch_few_members": 1,
                                 "branch_over_age": 1}
    assert by[tree.ids["C"]] == {}
    # The order is that of PROBLEM_KINDS; a child's counts add up to the subtree's.
    assert [k for k, _ in next(c for c in p.children if c.id == tree.ids["A"]).problems][:2] == [
        "no_secretary", "no_admin"]
    pr = svc.progress.problems(OP, tree.ids["top"])
    for kind, n in pr.counts:
        assert sum(d.get(kind, 0) for d in by.values()) == n, kind
    clock.advance(days=17, hours=1)  # the unused codes of A2 and B now expire within 3 days
    p = svc.progress.progress(OP, tree.ids["top"])
    assert {c.id: dict(c.problems).get("code_expiring", 0) for c in p.children} == {
        tree.ids["A"]: 1, tree.ids["B"]: 1, tree.ids["C"]: 0}


def test_progress_of_a_college_and_visibility(svc, tree):
    a = tree.actors["A"]
    p = svc.progress.progress(a, tree.ids["A"])
    assert [c.id for c in p.children] == [tree.ids["A3"], tree.ids["A2"], tree.ids["A1"]]
    figs = {c.id: c.figures for c in p.children}
    assert figs[tree.ids["A1"]] == F(1, 1, 1, 1, 1, 1, 3, 1)
    assert figs[tree.ids["A2"]] == F(1, 1, 1, 0, 1, 1, 1, 0)
    assert figs[tree.ids["A3"]] == F(1, 0, 0, 1, 1, 0, 0, 0)
    assert p.total == F(4, 3, 3, 3, 3, 2, 4, 1)
    # §9: an administrator sees only their own subtree.
    with pytest.raises(Forbidden):
        svc.progress.progress(a, tree.ids["top"])
    with pytest.raises(Forbidden):
        svc.progress.problems(a, tree.ids["B"])


def test_progress_is_always_current(svc, tree):
    # R-PROG-2: no cache; a new member counts at once.
    add_member(svc, tree.ids["A3"], date(1980, 1, 1))
    p = svc.progress.progress(OP, tree.ids["top"])
    a = next(c for c in p.children if c.id == tree.ids["A"])
    assert a.figures == F(4, 3, 3, 3, 3, 3, 5, 2)


def test_problems_name_every_defect(svc, tree, clock):
    # R-TREE-3: every kind, exactly, in path order, with the path of names.
    pr = svc.progress.problems(OP, tree.ids["top"])
    got = {}
    for item in pr.items:
        got.setdefault(item.kind, []).append(item.org_id)
    ids = tree.by_path
    assert got == {
        "no_branch": ids("B2", "B2a"),
        "general_branch_non_branch_child": ids("B2"),
        "no_secretary": ids("A3", "B", "B1", "B2", "B2a"),
        "no_admin": ids("A2", "B", "B1", "B2", "B2a"),
        "info_incomplete": ids("A3", "B", "B1", "B2", "B2a"),
        "branch_no_members": ids("A3"),
        "branch_few_members": ids("A2", "B1a"),
        "branch_over_age": ids("A1", "B1a"),  # R-MEM-5
    }
    assert dict(pr.counts) == {
        "no_branch": 2, "general_branch_non_branch_child": 1, "no_secretary": 5, "no_admin": 5,
        "info_incomplete": 5, "branch_no_members": 1, "branch_few_members": 2, "branch_over_age": 2,
        "code_expiring": 0,
    }
    assert (pr.total, pr.errors, pr.warnings) == (23, 19, 4)
    assert [i.detail for i in pr.items if i.kind == "branch_over_age"] == ["超龄团员1人", "超龄团员1人"]
    few = [i for i in pr.items if i.kind == "branch_few_members"]
    assert [i.detail for i in few] == ["现有团员1人", "现有团员2人"]
    assert few[0].severity == "警告" and pr.items[0].severity == "错误"
    gb = next(i for i in pr.items if i.kind == "general_branch_non_branch_child")
    assert gb.detail == "下级组织“英语系团委”不是团支部"
    assert gb.path_names == ("大学团委", "外语学院团委", "外语学院研究生团总支")
    # Two unused codes issued today expire in 20 days: after 17 days they are 3 days away.
    clock.advance(days=17, hours=1)
    pr = svc.progress.problems(OP, tree.ids["top"])
    codes = [i for i in pr.items if i.kind == "code_expiring"]
    assert [i.org_id for i in codes] == ids("A2", "B")
    assert codes[0].detail.startswith("有效期至 2026-11-21")
    clock.advance(days=3)  # expired now: no longer "about to expire"
    assert svc.progress.problems(OP, tree.ids["top"]).count("code_expiring") == 0


def test_problems_limit_keeps_counts_exact(svc, tree):
    pr = svc.progress.problems(OP, tree.ids["top"], limit=1)
    assert dict(pr.counts)["no_secretary"] == 5
    assert [i.org_id for i in pr.items if i.kind == "no_secretary"] == tree.by_path("A3")
    assert len(pr.items) == 8
    none = svc.progress.problems(OP, tree.ids["top"], limit=0)
    assert none.items == () and none.total == 23


def test_problems_of_a_clean_subtree(svc, tree):
    for _ in range(2):
        add_member(svc, tree.ids["A2"])
    pr = svc.progress.problems(OP, tree.ids["C"])
    assert pr.total == 0 and pr.items == ()
    pr = svc.progress.problems(tree.actors["A1"], tree.ids["A1"])
    assert dict(pr.counts)["branch_over_age"] == 1 and pr.total == 1  # R-MEM-5: its one 超龄 member


def test_tasks_cohort_and_members(svc, tree, clock):
    # R-PROG-3: the seed's two tasks, set by the top organisation.
    top = tree.actors["top"]
    t1 = svc.progress.create_task(top, tree.ids["top"], "2018级新生团支部建立", "cohort_branches", date(2026, 11, 9), 2018)
    t2 = svc.progress.create_task(top, tree.ids["top"], "团员信息录入", "members_entered", date(2026, 11, 15))
    # Missing: the committees and general branches first (R-PROG-3: also those with no
    # branch at all, B2 and the committee B2a below it), then the branches not done.
    assert (t1.done, t1.total, t1.missing_count, t1.complete, t1.overdue) == (1, 2, 4, False, False)
    assert [(m.org_id, m.reason) for m in t1.missing] == [
        (tree.ids["B"], "尚未建立2018级团支部"), (tree.ids["B2"], "尚未建立任何团支部（应有2018级团支部）"),
        (tree.ids["B2a"], "尚未建立任何团支部（应有2018级团支部）"), (tree.ids["A2"], "没有管理员")]
    assert t1.missing[0].path_names == ("大学团委", "外语学院团委")
    assert (t2.done, t2.total, t2.missing_count) == (4, 5, 1)
    assert [(m.org_id, m.reason) for m in t2.missing] == [(tree.ids["A3"], "尚未录入团员")]
    assert t1.days_left == 8 and t1.editable

    # Descendants see the ancestor's tasks, evaluated over their own subtree.
    a_view = svc.progress.tasks(tree.actors["A"], tree.ids["A"])
    assert [t.id for t in a_view] == [t1.id, t2.id]
    assert (a_view[0].done, a_view[0].total, a_view[0].missing_count) == (1, 2, 1)
    assert not a_view[0].editable and a_view[0].org_name == "大学团委"
    b_view = svc.progress.task(OP, t1.id, tree.ids["B"])
    assert (b_view.done, b_view.total, b_view.missing_count, b_view.complete) == (0, 0, 3, False)

    # Overdue: after the due date and not complete.
    clock.advance(days=8)  # 2026-11-09: due today, not overdue
    assert not svc.progress.tasks(top, tree.ids["top"])[0].overdue
    clock.advance(days=1)
    first, second = svc.progress.tasks(top, tree.ids["top"])
    assert first.overdue and not second.overdue and first.days_left == -1

    # Completing the work completes the task; a complete task is never overdue.
    svc.codes.issue(OP, tree.ids["A2"])
    from tests.helpers import admin_of
    admin_of(svc, tree.ids["A2"])
    svc.orgs.create_child(OP, tree.ids["B1"], "英语专业2018级1班团支部", "团支部")
    t = svc.progress.task(top, t1.id)
    assert (t.done, t.total, t.missing_count) == (2, 3, 3)
    assert t.overdue and t.missing[-1].reason == "未录入书记、没有管理员"


def test_members_task_of_one_cohort(svc, tree):
    top = tree.actors["top"]
    t = svc.progress.create_task(top, tree.ids["top"], "2017级团员录入", "members_entered", date(2026, 11, 15), 2017)
    assert (t.done, t.total, t.cohort) == (1, 2, 2017)
    assert [m.org_id for m in t.missing] == [tree.ids["A3"]]


def test_task_rights_and_audit(svc, tree):
    top, a = tree.actors["top"], tree.actors["A"]
    t = svc.progress.create_task(top, tree.ids["top"], "团员信息录入", "members_entered", date(2026, 11, 15))
    with pytest.raises(Forbidden) as err:
        svc.progress.update_task(a, t.id, "改名", "members_entered", date(2026, 11, 20))
    assert err.value.code == "not_own_org"
    with pytest.raises(Forbidden):
        svc.progress.delete_task(a, t.id)
    with pytest.raises(Forbidden) as err:
        svc.progress.create_task(tree.actors["A1"], tree.ids["A1"], "任务", "members_entered", date(2026, 11, 15))
    assert err.value.code == "task_branch"
    with pytest.raises(DomainError) as err:
        svc.progress.create_task(top, tree.ids["top"], "任务", "cohort_branches", date(2026, 11, 15))
    assert err.value.field == "cohort"
    with pytest.raises(DomainError) as err:
        svc.progress.create_task(top, tree.ids["top"], "任务", "nonsense", date(2026, 11, 15))
    assert err.value.field == "kind"
    own = svc.progress.create_task(a, tree.ids["A"], "学院团员录入", "members_entered", date(2026, 11, 12))
    assert [x.name for x in svc.progress.tasks(a, tree.ids["A"])] == ["学院团员录入", "团员信息录入"]
    assert [x.name for x in svc.progress.tasks(top, tree.ids["top"])] == ["团员信息录入"]
    changed = svc.progress.update_task(top, t.id, "全部团员录入", "members_entered", date(2026, 11, 16))
    assert (changed.name, changed.due) == ("全部团员录入", date(2026, 11, 16))
    svc.progress.delete_task(a, own.id)
    assert [x.id for x in svc.progress.tasks(a, tree.ids["A"])] == [t.id]
    actions = [e.action for e in svc.audit.recent(OP, tree.ids["top"], action_prefix="task.")]
    assert actions == ["task.delete", "task.update", "task.create", "task.create"]


def test_seed_tasks_for_a_demo(svc, tree):
    # R-PROG-3: the seed's three tasks, 11-09 and 11-15 (twice).
    made = svc.progress.create_seed_tasks(tree.actors["top"], tree.ids["top"], 2026, cohort=2018)
    assert [(t.name, t.kind, t.cohort, t.due) for t in made] == [
        ("2018级新生团支部建立", "cohort_branches", 2018, date(2026, 11, 9)),
        ("全部团员信息录入", "members_entered", None, date(2026, 11, 15)),
        ("进一步完善组织树", "tree_complete", None, date(2026, 11, 15)),
    ]


def test_a_task_outside_its_subtree_is_not_found(svc, tree):
    from zhtj_tui.domain.errors import NotFound

    t = svc.progress.create_task(tree.actors["A"], tree.ids["A"], "学院团员录入", "members_entered", date(2026, 11, 12))
    assert svc.progress.task(tree.actors["A1"], t.id).total == 1  # the branch's own share
    with pytest.raises(NotFound):
        svc.progress.task(OP, t.id, tree.ids["B"])
    assert svc.progress.tasks(tree.actors["B1a"], tree.ids["B1a"]) == ()


def test_counts_per_cohort_are_kept_and_rebuilt_by_the_schema_step(svc, tree):
    """R-PROG-3 (DESIGN: stored derived values): the branches of each cohort below every
    organisation (all, done, with members) are kept in ``org_cohort_tally`` by every write;
    a database of schema version 6 (no such table, no cohort on ``org_tally``) gets them
    from its rows when opened."""
    from zhtj_tui.db import tally

    def cohorts():
        with db_session:
            return tally.stored_cohorts(svc.store.db)

    kept = cohorts()
    assert kept[(tree.ids["top"], 2018)][:3] == (2, 1, 2)  # A1 done with members, A2 no admin
    assert kept[(tree.ids["A"], 2017)][:3] == (1, 0, 0) and (tree.ids["C"], 2018) not in kept
    # A rename that changes the cohort moves the branch's counts to the new cohort.
    svc.orgs.correct(OP, tree.ids["A2"], {"short_name": "计算机专业2019级2班团支部"}, "简称有误")
    now = cohorts()
    assert now[(tree.ids["top"], 2018)][:3] == (1, 1, 1) and now[(tree.ids["top"], 2019)][:3] == (1, 0, 1)

    assert _upgraded_from(svc, 6, "DROP TABLE org_cohort_tally", "ALTER TABLE org_tally DROP COLUMN cohort",
                          read=tally.stored_cohorts) == now


def _over_age(svc, org_id):
    """(超龄 members, branches with 超龄 members) per direct child, from ``progress``, and
    the subtree's number of branches with 超龄 members from ``problems``."""
    p = svc.progress.progress(OP, org_id)
    per = {c.id: (c.figures.over_age, dict(c.problems).get("branch_over_age", 0)) for c in p.children}
    return per, dict(svc.progress.problems(OP, org_id).counts)["branch_over_age"]


def test_over_age_follows_the_date_and_every_member_write(svc, tree, clock):
    """R-MEM-5, R-PROG-2: the 超龄 figures come from counts kept by birth date
    (``db.tally_age``, by birth month, the cut-off's month read exactly), so a member turning 28 counts the next day without any write, and
    each write (birth date, leaving, returning, moving between branches, deleting, a subtree
    moved or deleted) changes them in its transaction (the teardown compares every kept
    count with the tables)."""
    from zhtj_tui.db import tally_age

    top, a, b, c = (tree.ids[k] for k in ("top", "A", "B", "C"))
    assert _over_age(svc, top) == ({a: (1, 1), b: (1, 1), c: (0, 0)}, 2)
    clock.advance(days=1)  # A1's second member is 28 today
    assert _over_age(svc, top)[0][a] == (2, 1)
    assert _over_age(svc, a)[0][tree.ids["A1"]] == (2, 1)
    clock.advance(days=31)  # the cut-off's month moves on: both now counted by their month's row
    assert _over_age(svc, a)[0][tree.ids["A1"]] == (2, 1)
    young = add_member(svc, tree.ids["C"], date(2004, 6, 1))
    assert _over_age(svc, top)[0][c] == (0, 0)
    with db_session:
        svc.store.Member[young].birth_date = date(1995, 6, 1)  # a corrected ID number
    assert _over_age(svc, top) == ({a: (2, 1), b: (1, 1), c: (1, 1)}, 3)
    with db_session:  # moved to B1a: C has none left, B1a holds two
        m = svc.store.Member[young]
        m.branch, m.path = svc.store.Org[tree.ids["B1a"]], tree.paths["B1a"]
    assert _over_age(svc, top) == ({a: (2, 1), b: (2, 1), c: (0, 0)}, 2)
    with db_session:  # left, then back
        svc.store.Member[young].status = "3"
    assert _over_age(svc, top)[0][b] == (1, 1)
    with db_session:
        svc.store.Member[young].status = "1"
    assert _over_age(svc, top)[0][b] == (2, 1)
    with db_session:
        svc.store.Member[young].delete()
    assert _over_age(svc, top)[0][b] == (1, 1)
    svc.orgs.move(OP, tree.ids["B1"], a, "隶属关系错误")  # B1a and its 超龄 member go to A
    assert _over_age(svc, top) == ({a: (3, 2), b: (0, 0), c: (0, 0)}, 2)
    with db_session:
        kept = tally_age.stored(svc.store.db)
    # Only birth dates someone is born on are kept, at every level above them.
    assert all(m > 0 or br > 0 for m, br in kept.values())
    assert {born for (org, born) in kept if org == top} == {born for (org, born) in kept if org != top}
    # A database of schema version 8 (no counts by birth month) gets them from its rows.

    assert _upgraded_from(svc, 8, "DROP TABLE org_age_tally", "DROP INDEX idx_tally_oldest",
                          "DROP INDEX idx_tally_branch_oldest",
                          "ALTER TABLE org_tally DROP COLUMN oldest", read=tally_age.stored) == kept


def _upgraded_from(svc, version: int, *undo: str, read):
    """Take the database back to schema ``version`` (``undo``: the later steps' DDL), open
    it again (the missing steps run and fill what they add) and return ``read(db)``."""
    from zhtj_tui.db import SCHEMA_VERSION, open_store, schema_version

    with db_session:
        for sql in undo:
            svc.store.execute(sql)
        svc.store.execute(f"UPDATE zhtj_meta SET value = '{version}' WHERE key = 'schema_version'")
    upgraded = open_store(svc.settings.db_url)
    try:
        assert schema_version(upgraded) == SCHEMA_VERSION
        with db_session:
            return read(upgraded.db)
    finally:
        upgraded.disconnect()
