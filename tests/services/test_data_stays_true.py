"""Data that stays true (both backends): stored derived values follow every write that
changes their inputs, and the consistency check agrees (R-INFO-4, R-TREE-3); names are
compared normalised (R-TREE-5); the cohort task finds those furthest behind (R-PROG-3,
R-TREE-4); 书记 is one record (R-MEM-6); a returning member keeps their 团员编号 (R-MEM-4);
transfers need the right to edit both branches (R-MEM-1); the 完善组织树 task (R-PROG-3)."""

from __future__ import annotations

from datetime import date

import pytest
from pony.orm import db_session

from tests.excel.xlsx import MEMBER_HEADER, ORG_HEADER, member_row, write_xlsx
from tests.helpers import admin_of, person
from tests.member_helpers import build_tree, member_values
from zhtj_tui.domain.errors import DomainError, Forbidden
from zhtj_tui.services.dto import CREATE, CREATED, ERROR, Actor

OP = Actor.server_operator()


@pytest.fixture
def tree(svc):
    return build_tree(svc)


def consistent(svc) -> bool:
    report = svc.consistency.check()
    assert report.ok, [m.text() for m in report.mismatches]
    return True


def fill_branch(svc, actor, org_id, secretary=None):
    values = {"full_name": f"共青团全称{org_id}", "industry": "普通高等院校"}
    if secretary is not None:
        values |= {"secretary_name": secretary.name, "secretary_id": secretary.id_number,
                   "secretary_mobile": secretary.mobile}
    return svc.orgs.save_info(actor, org_id, values)


def stored_complete(svc, org_id) -> bool:
    with db_session:
        return svc.store.Org[org_id].info_complete


# R-INFO-4, R-TREE-3 (defect 1: completeness went stale when the 书记 changed in 团干部)
def test_r_info_4_secretary_changes_in_cadres_update_completeness(svc, tree):
    first = person(name="周书记")
    assert fill_branch(svc, tree.b1_admin, tree.b1, first).info_complete
    sec = svc.cadres.secretary(tree.b1_admin, tree.b1)
    svc.cadres.end(tree.b1_admin, sec.id)
    assert stored_complete(svc, tree.b1) is False
    assert svc.orgs.get(tree.college_admin, tree.b1).info_complete is False
    incomplete = svc.progress.problems(OP, tree.college)
    assert tree.b1 in [p.org_id for p in incomplete.items if p.kind == "info_incomplete"]
    assert consistent(svc)
    second = person(name="吴书记")
    svc.cadres.appoint(tree.college_admin, tree.b1, "书记",
                       {"name": second.name, "id_number": second.id_number, "mobile": second.mobile})
    assert stored_complete(svc, tree.b1) is True
    assert [c.has_secretary and c.info_complete for c in svc.progress.progress(OP, tree.college).children
            if c.id == tree.b1] == [True]
    assert consistent(svc)


# R-INFO-4: the check finds a value a write forgot, and says which
def test_r_info_4_consistency_check_reports_each_mismatch(svc, tree):
    assert consistent(svc)
    with db_session:
        svc.store.execute("UPDATE org SET info_complete = $t, cohort = 1999 WHERE id = $i",
                          {"t": True, "i": tree.b2})
        svc.store.execute("UPDATE org SET depth = 7, full_name = $f WHERE id = $i",
                          {"i": tree.college, "f": "测试大学 计算机学院团委"})
    report = svc.consistency.check()
    found = {(m.table, m.row_id, m.column) for m in report.mismatches if m.table == "org"}
    assert found == {("org", tree.b2, "info_complete"), ("org", tree.b2, "cohort"), ("org", tree.college, "depth"),
                     ("org", tree.college, "full_name")}
    assert not report.ok
    # The counts kept per organisation copy the flag: they disagree with the tables too.
    assert ("org_tally", tree.b2, "info") in {(m.table, m.row_id, m.column) for m in report.mismatches}
    with db_session:  # put the values back for the checks after the test
        svc.store.execute("UPDATE org SET info_complete = $f, cohort = 2023 WHERE id = $i", {"f": False, "i": tree.b2})
        svc.store.execute("UPDATE org SET depth = 1, full_name = NULL WHERE id = $i", {"i": tree.college})
    assert consistent(svc)


# R-TREE-5 (defect 3: names were compared raw), single and batch creation, search
def test_r_tree_5_names_are_compared_normalised(svc, tree):
    made = svc.orgs.create_child(tree.college_admin, tree.college, "化学专业２０１８级1班 团支部", "团支部")
    assert made.short_name == "化学专业2018级1班团支部" and made.cohort == 2018
    with pytest.raises(DomainError) as err:
        svc.orgs.create_child(tree.college_admin, tree.college, "化学专业2018级1班团支部", "团支部")
    assert err.value.code == "duplicate_name"
    svc.orgs.create_child(tree.top_admin, tree.top, "师范学院团委", "团委", "石河子大学 师范学院 团委")
    with pytest.raises(DomainError) as err:
        svc.orgs.create_child(tree.top_admin, tree.top, "师范学院 团委", "团委")
    assert err.value.code == "duplicate_name"
    with pytest.raises(DomainError) as err:
        svc.orgs.create_child(tree.top_admin, tree.top, "文学院团委", "团委", "石河子大学师范学院团委")
    assert err.value.code == "duplicate_full_name"
    # The batch: the same rows, written with full-width digits and spaces, already exist.
    path = write_xlsx(svc.files.folder(tree.college_admin).path / "orgs.xlsx", [
        ORG_HEADER, ["化学专业２０１８级１班团支部", "团支部", None], ["物理 专业 2018 级 1 班团支部", "团支部", None]])
    result = svc.org_import.run_file(tree.college_admin, tree.college, path)
    assert [(r.name, r.outcome) for r in result.rows] == [
        ("化学专业2018级1班团支部", "已存在"), ("物理专业2018级1班团支部", CREATED)]
    assert [o.short_name for o in svc.orgs.search(tree.college_admin, "物理 专业２０１８")] == ["物理专业2018级1班团支部"]
    assert consistent(svc)


# R-TREE-4: a class-like branch name without a cohort is accepted with a warning
def test_r_tree_4_class_like_name_without_cohort_warns_at_creation(svc, tree):
    view = svc.orgs.create_child(tree.college_admin, tree.college, "计算机专业三班团支部", "团支部")
    assert view.cohort is None and "没有从名称中读出入学年级" in view.warnings[0]
    assert svc.orgs.create_child(tree.college_admin, tree.college, "计算机专业19级3班团支部", "团支部").warnings == ()
    path = write_xlsx(svc.files.folder(tree.college_admin).path / "orgs.xlsx", [ORG_HEADER, ["软件工程四班团支部", "团支部", None]])
    preview = svc.org_import.preview(tree.college_admin, tree.college, path)
    assert preview.rows[0].outcome == CREATE and "没有从名称中读出入学年级" in preview.rows[0].reason


# R-PROG-3, R-TREE-4 (defect 2: the cohort task missed those furthest behind)
def test_r_prog_3_cohort_task_lists_those_furthest_behind(svc):
    top = svc.orgs.create_top(OP, "测试大学团委", "团委")
    empty = svc.orgs.create_child(OP, top.id, "新成立学院团委", "团委")  # no branch at all
    nursing = svc.orgs.create_child(OP, top.id, "高级护理学院团委", "团委")  # 级 in another sense
    svc.orgs.create_child(OP, nursing.id, "护理专业2017级1班团支部", "团支部")
    older = svc.orgs.create_child(OP, top.id, "外语学院2017级团总支", "团总支")  # names another cohort
    svc.orgs.create_child(OP, older.id, "英语专业2017级1班团支部", "团支部")
    cs = svc.orgs.create_child(OP, top.id, "计算机学院团委", "团委")
    two_digit = svc.orgs.create_child(OP, cs.id, "计算机专业18级1班团支部", "团支部")
    grade = svc.orgs.create_child(OP, cs.id, "计算机专业2018年级2班团支部", "团支部")
    staff = svc.orgs.create_child(OP, top.id, "机关团委", "团委")
    svc.orgs.create_child(OP, staff.id, "机关第一团支部", "团支部")  # no class branches: not expected
    task = svc.progress.create_task(OP, top.id, "2018级新生团支部建立", "cohort_branches", date(2026, 11, 9), 2018)
    assert (task.total, task.done) == (2, 0)
    missing = {m.org_id: m.reason for m in task.missing}
    assert set(missing) == {empty.id, nursing.id, two_digit.id, grade.id}
    assert missing[empty.id] == "尚未建立任何团支部（应有2018级团支部）"
    assert missing[nursing.id] == "尚未建立2018级团支部"
    # Committees and general branches first (those furthest behind), then the branches.
    assert [m.org_id for m in task.missing][:2] == [empty.id, nursing.id]
    assert consistent(svc)


# R-PROG-3, R-TREE-3 (item 12: the notice's third deadline, 进一步完善组织树)
def test_r_prog_3_tree_complete_task(svc, tree, clock):
    t = svc.progress.create_task(tree.top_admin, tree.top, "进一步完善组织树", "tree_complete", date(2026, 11, 15))
    # 6 organisations; each has an administrator except b2 and b3; nobody has a secretary.
    assert (t.kind, t.total, t.done, t.missing_count, t.complete) == ("tree_complete", 6, 0, 6, False)
    reasons = {m.org_id: m.reason for m in t.missing}
    assert reasons[tree.b2] == "未录入书记、没有管理员"
    assert reasons[tree.college] == "未录入书记"
    assert [m.org_id for m in t.missing][:2] == sorted([tree.b2, tree.b3])  # missing most first
    for key in ("top", "college", "b1", "other"):
        org_id = getattr(tree, key)
        actor = {"top": tree.top_admin, "college": tree.college_admin, "b1": tree.b1_admin,
                 "other": tree.other_admin}[key]
        p = person(name="郑书记")
        svc.cadres.appoint(actor, org_id, "书记", {"name": p.name, "id_number": p.id_number, "mobile": p.mobile})
    new_committee = svc.orgs.create_child(tree.top_admin, tree.top, "新学院团委", "团委")
    t = svc.progress.task(tree.top_admin, t.id)
    assert (t.total, t.done) == (7, 4)
    assert {m.org_id: m.reason for m in t.missing}[new_committee.id] == "下面没有团支部、未录入书记、没有管理员"
    clock.advance(days=20)
    assert svc.progress.task(tree.top_admin, t.id).overdue
    # The college sees its own share.
    share = svc.progress.task(tree.college_admin, t.id)
    assert (share.total, share.done, share.missing_count) == (3, 2, 1)


# R-PROG-3: the seed's three deadlines
def test_r_prog_3_seed_tasks_include_the_tree(svc, tree):
    made = svc.progress.create_seed_tasks(tree.top_admin, tree.top, 2026, cohort=2026)
    assert [(t.kind, t.due) for t in made] == [
        ("cohort_branches", date(2026, 11, 9)), ("members_entered", date(2026, 11, 15)),
        ("tree_complete", date(2026, 11, 15))]


# R-MEM-6 (defect 4: 书记 twice), single entry
def test_r_mem_6_member_entered_as_secretary_is_the_one_secretary(svc, tree):
    fill_branch(svc, tree.b1_admin, tree.b1)
    first = svc.members.add(tree.b1_admin, tree.b1, member_values(post="书记"))
    sec = svc.cadres.secretary(tree.b1_admin, tree.b1)
    assert sec is not None and sec.member_id == first.id and sec.name == first.name
    assert stored_complete(svc, tree.b1) is True
    with pytest.raises(DomainError) as err:
        svc.members.add(tree.b1_admin, tree.b1, member_values(post="书记"))
    assert err.value.code == "secretary_exists" and first.name in err.value.message
    other = svc.members.add(tree.b1_admin, tree.b1, member_values(post="组织委员"))
    values = member_values(post="书记")
    with pytest.raises(DomainError):
        svc.members.update(tree.b1_admin, other.id, {**values, "name": other.name})
    # 职务变动: the secretary steps down as a member; the post and completeness follow.
    view = svc.members.get(tree.b1_admin, first.id)
    svc.members.update(tree.b1_admin, first.id, _values_of(svc, tree.b1_admin, first.id, post=""))
    assert svc.cadres.secretary(tree.b1_admin, tree.b1) is None
    assert stored_complete(svc, tree.b1) is False
    # Appointing in 团干部 a member of the branch gives them 团内职务 书记 (one record).
    svc.cadres.appoint(tree.b1_admin, tree.b1, "书记",
                       {"name": view.name, "id_number": view.id_number, "mobile": view.mobile})
    assert svc.members.get(tree.b1_admin, first.id).post_label == "书记"
    # Leaving the League ends the holding.
    svc.members.remove(tree.b1_admin, first.id, "毕业离团")
    assert svc.cadres.secretary(tree.b1_admin, tree.b1) is None
    assert consistent(svc)


def _values_of(svc, actor, member_id, **overrides) -> dict:
    v = svc.members.get(actor, member_id)
    return {"name": v.name, "id_number": v.id_number, "ethnic": v.ethnic_name, "political": v.political_name,
            "join_month": v.join_month, "education": v.education_name, "mobile": v.mobile,
            "member_no": v.member_no, **overrides}


# R-MEM-6 (defect 4), the Excel import
def test_r_mem_6_import_with_secretary_rows(svc, tree):
    a, b, c = person(name="钱一"), person(name="钱二"), person(name="钱三")
    path = write_xlsx(svc.files.folder(tree.b1_admin).path / "m.xlsx", [MEMBER_HEADER, member_row(a, member_no=_no(a), post="书记"),
                                            member_row(b, member_no=_no(b), post="书记"),
                                            member_row(c, member_no=_no(c))])
    result = svc.member_import.run_file(tree.b1_admin, tree.b1, path)
    assert [r.outcome for r in result.rows] == [CREATED, ERROR, CREATED]
    assert "第2行已是书记" in result.rows[1].reason
    sec = svc.cadres.secretary(tree.b1_admin, tree.b1)
    assert sec.name == "钱一" and sec.member_id is not None
    again = write_xlsx(svc.files.folder(tree.b1_admin).path / "m2.xlsx", [MEMBER_HEADER, member_row(b, member_no=_no(b), post="书记")])
    preview = svc.member_import.preview(tree.b1_admin, tree.b1, again)
    assert preview.rows[0].outcome == ERROR and "已有书记 钱一" in preview.rows[0].reason
    assert consistent(svc)


def _no(p) -> str:
    return f"{p.join_month[:4]}{int(p.id_number[10:17]) % 10**8:08d}"


# R-MEM-4 (defect 5: the import refused a returning member's own 团员编号)
def test_r_mem_4_returning_member_keeps_own_number_in_single_entry_and_import(svc, tree):
    p, q = person(name="孙回"), person(name="孙再")
    for who, how in ((p, "import"), (q, "single")):
        number = _no(who)
        first = svc.members.add(tree.b1_admin, tree.b1, member_values(who, member_no=number))
        svc.members.remove(tree.b1_admin, first.id, "转出")
        if how == "import":
            path = write_xlsx(svc.files.folder(tree.b1_admin).path / "back.xlsx", [MEMBER_HEADER, member_row(who, member_no=number)])
            preview = svc.member_import.preview(tree.b1_admin, tree.b1, path)
            assert preview.rows[0].outcome == CREATE, preview.rows[0].reason
            assert "沿用本人" in preview.rows[0].reason
            assert svc.member_import.commit(tree.b1_admin, preview).rows[0].outcome == CREATED
        else:
            svc.members.add(tree.b1_admin, tree.b1, member_values(who, member_no=number))
        back = svc.members.list(tree.b1_admin, tree.b1, query=number).items
        assert [(m.name, m.member_no, m.active) for m in back] == [(who.name, number, True)]
    # Someone else's number stays refused, naming where it is held.
    other = person(name="孙别")
    path = write_xlsx(svc.files.folder(tree.b1_admin).path / "other.xlsx", [MEMBER_HEADER, member_row(other, member_no=_no(p))])
    row = svc.member_import.preview(tree.b1_admin, tree.b1, path).rows[0]
    assert row.outcome == ERROR and row.code == "duplicate_member_no"
    assert consistent(svc)


# R-MEM-1 (defect 6: transfers bypassed authority)
def test_r_mem_1_transfer_needs_the_right_to_edit_member_and_target(svc, tree):
    m = svc.members.add(tree.b1_admin, tree.b1, member_values())
    with pytest.raises(Forbidden):  # the top may not edit the branches' members
        svc.members.transfer(tree.top_admin, [m.id], tree.b3)
    with pytest.raises(Forbidden):  # the college may not enter members in another college's branch
        svc.members.transfer(tree.college_admin, [m.id], tree.b3)
    with pytest.raises(Forbidden):  # the branch may not enter members in its sister branch
        svc.members.transfer(tree.b1_admin, [m.id], tree.b2)
    assert svc.members.transfer(tree.college_admin, [m.id], tree.b2).moved == (m.id,)
    # Targets: only branches the actor may enter members in; an empty list says why.
    targets = svc.members.transfer_targets(tree.college_admin, tree.b2)
    assert [b.id for b in targets.items] == [tree.b1] and targets.reason == ""
    none = svc.members.transfer_targets(tree.b1_admin, tree.b1)
    assert none.items == () and "只管理本团支部" in none.reason and "计算机学院团委" in none.reason
    assert svc.members.transfer_targets(tree.top_admin, None).items == ()
    assert "没有其他直属团支部" in svc.members.transfer_targets(tree.top_admin, None).reason


# R-MEM-6: a secretary moved to another branch is no longer the old branch's 书记
def test_r_mem_6_transferred_secretary_leaves_the_post(svc, tree):
    fill_branch(svc, tree.b1_admin, tree.b1)
    m = svc.members.add(tree.b1_admin, tree.b1, member_values(post="书记"))
    assert stored_complete(svc, tree.b1)
    svc.members.transfer(tree.college_admin, [m.id], tree.b2)
    assert svc.cadres.secretary(tree.college_admin, tree.b1) is None
    assert stored_complete(svc, tree.b1) is False
    assert svc.members.get(tree.college_admin, m.id).post_label == ""
    assert consistent(svc)


def test_admin_registration_keeps_data_consistent(svc, tree):
    admin_of(svc, tree.b2, person(name="冯班"))
    assert consistent(svc)
