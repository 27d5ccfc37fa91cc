"""Organisations: creating children R-SUB-1 / R-TREE-2,4,5, own information R-INFO-1..4,
the parent's correction R-INFO-2, listings R-SUB-3; on both backends."""

from datetime import timedelta

import pytest
from pony.orm import db_session

from tests.helpers import person
from tests.services.conftest import OP
from zhtj_tui.domain.errors import Conflict, DomainError

COMMITTEE_INFO = {
    "full_name": "石河子大学师范学院共青团委员会", "industry": "普通高等院校",
    "admin_quota": 2, "admin_actual": 1, "inst_quota": "0", "inst_actual": "无",
}


def refused(fn, *args, **kw) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    return info.value


def secretary(who=None):
    who = who or person(name="书记甲")
    return {"secretary_name": who.name, "secretary_id": who.id_number, "secretary_mobile": who.mobile}


# -- creating children -----------------------------------------------------------------
def test_create_child(svc, tree, clock):
    # R-SUB-1, R-TREE-4: path, depth, cohort; audited
    me = tree.me["a"]
    child = svc.orgs.create_child(me, tree.ids["a"], "软件工程专业2018级1班团支部", "团支部")
    assert child.path == f"/{tree.ids['top']}/{tree.ids['a']}/{child.id}/" and child.depth == 2
    assert (child.cohort, child.category_name, child.parent_id) == (2018, "团支部", tree.ids["a"])
    assert child.path_names == ("石河子大学团委", "师范学院团委", "软件工程专业2018级1班团支部")
    assert not child.info_complete and "full_name" in child.missing_fields
    entry = svc.audit.recent(me, child.id, action_prefix="org.create")[0]
    assert (entry.entity_id, entry.actor_label, entry.at) == (child.id, "李甲", clock())
    assert entry.after["short_name"] == "软件工程专业2018级1班团支部"


def test_create_child_refusals(svc, tree):
    me = tree.me["a"]
    # R-TREE-4: the suffix must match the category
    err = refused(svc.orgs.create_child, me, tree.ids["a"], "软件工程专业2018级1班", "团支部")
    assert (err.code, err.field) == ("name_suffix", "short_name")
    # R-TREE-5: 简称 unique under one parent ...
    svc.orgs.create_child(me, tree.ids["a"], "数学系团总支", "团总支")
    err = refused(svc.orgs.create_child, me, tree.ids["a"], "数学系团总支", "团总支")
    assert (err.code, err.field) == ("duplicate_name", "short_name")
    # ... but the same 简称 under another parent is fine
    svc.orgs.create_child(tree.me["top"], tree.ids["top"], "数学系团总支", "团总支")
    # R-TREE-5: 全称 unique system-wide, and the message says where it is used
    svc.orgs.create_child(me, tree.ids["a"], "物理系团总支", "团总支", "石河子大学物理系团总支")
    err = refused(svc.orgs.create_child, tree.me["top"], tree.ids["top"], "物理学院团委", "团委", "石河子大学物理系团总支")
    assert err.code == "duplicate_full_name" and "师范学院团委" in err.message
    # R-TREE-2: a general branch has only branches below; a branch has no children
    err = refused(svc.orgs.create_child, tree.me["b"], tree.ids["b"], "化学一组团委", "团委")
    assert err.code == "child_category"
    err = refused(svc.orgs.create_child, tree.me["a1"], tree.ids["a1"], "一组团支部", "团支部")
    assert err.code == "branch_no_children"
    # a committee may not create a leading organ
    assert refused(svc.orgs.create_child, me, tree.ids["a"], "某团市委", "领导机关团组织").code == "child_category"
    assert refused(svc.orgs.create_child, me, tree.ids["a"], "某团委", "团小组").code == "not_in_list"


def test_duplicate_names_are_refused_by_the_database(svc, tree, monkeypatch):
    # DESIGN rule 9: uniqueness is the database's, not a check-then-insert
    svc.orgs.create_child(tree.me["a"], tree.ids["a"], "数学系团总支", "团总支", "石河子大学数学系团总支")
    monkeypatch.setattr(svc.orgs, "_check_unique", lambda *a, **k: None)
    err = refused(svc.orgs.create_child, tree.me["a"], tree.ids["a"], "数学系团总支", "团总支")
    assert err.code == "duplicate_name"
    err = refused(svc.orgs.create_child, tree.me["b"], tree.ids["b"], "数学团支部", "团支部", "石河子大学数学系团总支")
    assert err.code == "duplicate_full_name"


def test_top_is_created_once(svc, tree):
    # R-CODE-6
    assert refused(svc.orgs.create_top, OP, "另一个团委", "团委").code == "top_exists"
    assert refused(svc.orgs.create_top, tree.me["top"], "另一个团委", "团委").code == "need_operator"
    assert svc.orgs.top().id == tree.ids["top"]


# -- own information -----------------------------------------------------------------------
def test_save_info_completeness_by_group(svc, tree):
    # R-INFO-1 / R-INFO-4: a committee needs staffing, a branch does not
    me_a, me_a1 = tree.me["a"], tree.me["a1"]
    view = svc.orgs.save_info(me_a, tree.ids["a"], COMMITTEE_INFO)
    assert not view.info_complete
    assert view.missing_fields == ("secretary_name", "secretary_id", "secretary_mobile")
    view = svc.orgs.save_info(me_a, tree.ids["a"], secretary())
    assert view.info_complete and view.missing_fields == ()
    assert (view.inst_quota, view.inst_actual) == (0, 0)
    branch = svc.orgs.save_info(me_a1, tree.ids["a1"], {"full_name": "计算机专业2017级3班团支部", "industry": "03"})
    assert branch.missing_fields == ("secretary_name", "secretary_id", "secretary_mobile")
    branch = svc.orgs.save_info(me_a1, tree.ids["a1"], secretary())
    assert branch.info_complete  # no staffing numbers needed for a branch
    # the committee without staffing numbers is incomplete
    b = svc.orgs.save_info(tree.me["b"], tree.ids["b"], {"full_name": "化学系团总支", "industry": "03", **secretary()})
    assert b.missing_fields == ("admin_quota", "admin_actual", "inst_quota", "inst_actual")
    rows = {r.id: r for r in svc.orgs.list_children(tree.me["top"], tree.ids["top"]).items}
    assert rows[tree.ids["a"]].info_complete and not rows[tree.ids["b"]].info_complete


def test_leading_organ_needs_contacts(svc):
    top = svc.orgs.create_top(OP, "新疆团区委", "领导机关团组织")
    from tests.helpers import admin_of

    me = admin_of(svc, top.id)
    view = svc.orgs.save_info(me, top.id, {"full_name": "共青团新疆维吾尔自治区委员会", "admin_quota": 1,
                                           "admin_actual": 1, "inst_quota": 1, "inst_actual": 0, **secretary()})
    assert view.missing_fields == ("contact_phone", "email")
    err = refused(svc.orgs.save_info, me, top.id, {"email": "not-an-email"})
    assert (err.code, err.field) == ("email", "email")
    view = svc.orgs.save_info(me, top.id, {"contact_phone": "0991-1234567", "email": "tw@xj.gov.cn"})
    assert view.info_complete


def test_locked_fields_after_first_save(svc, tree):
    # R-INFO-2: 全称 and 行业类别 cannot be changed once saved
    me = tree.me["a"]
    svc.orgs.save_info(me, tree.ids["a"], COMMITTEE_INFO)
    err = refused(svc.orgs.save_info, me, tree.ids["a"], {"full_name": "别的名字"})
    assert (err.code, err.field) == ("locked", "full_name") and "上级组织管理员" in err.message
    err = refused(svc.orgs.save_info, me, tree.ids["a"], {"industry": "党政机关"})
    assert (err.code, err.field) == ("locked", "industry")
    # saving the same values again is fine, and the other fields stay editable
    view = svc.orgs.save_info(me, tree.ids["a"], {**COMMITTEE_INFO, "admin_quota": 5})
    assert (view.full_name, view.industry_name, view.admin_quota) == (COMMITTEE_INFO["full_name"], "普通高等院校", 5)
    # 简称 and 类别 are the parent's: ignored here
    view = svc.orgs.save_info(me, tree.ids["a"], {"short_name": "改名团委", "category": "团支部"})
    assert (view.short_name, view.category_name) == ("师范学院团委", "团委")


def test_staffing_rules(svc, tree):
    # R-INFO-3: non-negative integers; an actual number may not exceed its establishment
    me = tree.me["a"]
    err = refused(svc.orgs.save_info, me, tree.ids["a"], {"admin_quota": 2, "admin_actual": 3})
    assert (err.code, err.field) == ("staffing_exceeds", "admin_actual")
    err = refused(svc.orgs.save_info, me, tree.ids["a"], {"admin_quota": "-1"})
    assert (err.code, err.field) == ("staffing", "admin_quota")
    svc.orgs.save_info(me, tree.ids["a"], {"admin_quota": 2, "admin_actual": 2})
    # the check holds against the saved numbers when only one of the pair is sent
    err = refused(svc.orgs.save_info, me, tree.ids["a"], {"admin_actual": 3})
    assert err.code == "staffing_exceeds"
    err = refused(svc.orgs.save_info, me, tree.ids["a"], {"admin_quota": 1})
    assert err.code == "staffing_exceeds"
    assert svc.orgs.get(me, tree.ids["a"]).admin_actual == 2


def test_save_info_conflict(svc, tree):
    # Two administrators edit at once: the second save is refused, naming what changed
    me = tree.me["a"]
    opened = svc.orgs.get(me, tree.ids["a"])
    svc.orgs.save_info(me, tree.ids["a"], {"admin_quota": 4}, expected_version=opened.version)
    with pytest.raises(Conflict) as info:
        svc.orgs.save_info(me, tree.ids["a"], {"admin_quota": 6}, expected_version=opened.version)
    assert info.value.code == "changed" and "本级团组织行政编制数" in info.value.message
    assert svc.orgs.get(me, tree.ids["a"]).admin_quota == 4


def test_secretary_and_masking(svc, tree):
    # R-MEM-6: the secretary is one open 书记 holding; SPEC §9 masking for viewers who may not edit
    me = tree.me["a"]
    first = person(name="欧阳修")
    svc.orgs.save_info(me, tree.ids["a"], secretary(first))
    own = svc.orgs.get(me, tree.ids["a"]).secretary
    assert (own.name, own.id_number, own.mobile) == (first.name, first.id_number, first.mobile)
    seen = svc.orgs.get(tree.me["top"], tree.ids["a"]).secretary
    assert seen.id_number == first.id_number[:6] + "********" + first.id_number[-4:]
    assert seen.mobile == first.mobile[:3] + "****" + first.mobile[-4:]
    second = person(name="苏东坡")
    svc.orgs.save_info(me, tree.ids["a"], secretary(second))
    with db_session:
        rows = sorted((c.name, c.secretary_of is not None) for c in svc.store.Cadre.select())
    assert rows == [("欧阳修", False), ("苏东坡", True)]
    err = refused(svc.orgs.save_info, me, tree.ids["a"], {**secretary(second), "secretary_id": "123"})
    assert (err.code, err.field) == ("id_length", "secretary_id")
    # the audit log keeps personal data masked
    entry = svc.audit.recent(me, tree.ids["a"], action_prefix="org.save_info")[0]
    assert second.id_number not in repr(entry) and second.mobile not in repr(entry)


# -- the parent's correction (R-INFO-2 decision) ---------------------------------------------
def test_parent_corrects_with_a_reason(svc, tree):
    svc.orgs.save_info(tree.me["a"], tree.ids["a"], COMMITTEE_INFO)
    assert refused(svc.orgs.correct, tree.me["a"], tree.ids["a"], {"full_name": "新全称"}, "写错了").code == "not_direct_child"
    assert refused(svc.orgs.correct, tree.me["top"], tree.ids["a"], {"full_name": "新全称"}, " ").code == "required"
    assert refused(svc.orgs.correct, tree.me["top"], tree.ids["a"], {"email": "x@y.cn"}, "写错了").code == "bad_field"
    view = svc.orgs.correct(tree.me["top"], tree.ids["a"],
                            {"full_name": "石河子大学师范学院团委员会", "short_name": "师范学院分团委", "industry": "党政机关"},
                            "全称漏字")
    assert (view.full_name, view.short_name, view.industry_name) == ("石河子大学师范学院团委员会", "师范学院分团委", "党政机关")
    entry = svc.audit.recent(tree.me["top"], tree.ids["a"], action_prefix="org.correct")[0]
    assert entry.note == "全称漏字" and entry.before["full_name"] == COMMITTEE_INFO["full_name"]
    assert entry.after["short_name"] == "师范学院分团委" and entry.actor_label == "王总"


def test_correct_category_keeps_the_tree_rules(svc, tree):
    # R-TREE-2: a committee with children cannot become a branch; a general branch under
    # a committee may become a committee
    err = refused(svc.orgs.correct, tree.me["top"], tree.ids["a"], {"category": "团支部", "short_name": "师范团支部"}, "x")
    assert err.code == "branch_no_children"
    err = refused(svc.orgs.correct, tree.me["top"], tree.ids["b"], {"category": "团委"}, "类别错了")
    assert err.code == "name_suffix"  # the name must follow the new category
    view = svc.orgs.correct(tree.me["top"], tree.ids["b"], {"category": "团委", "short_name": "化学学院团委"}, "已升格")
    assert (view.category_name, view.short_name) == ("团委", "化学学院团委")


# -- listings (R-SUB-3) ---------------------------------------------------------------------
def test_list_children_status(svc, tree, clock):
    me = tree.me["top"]
    extra = svc.orgs.create_child(me, tree.ids["top"], "外语学院团委", "团委")
    svc.codes.issue(me, extra.id)
    clock.advance(days=21)
    svc.orgs.save_info(tree.me["a"], tree.ids["a"], {**COMMITTEE_INFO, **secretary(person(name="韩愈"))})
    page = svc.orgs.list_children(me, tree.ids["top"])
    rows = {r.short_name: r for r in page.items}
    assert [r.short_name for r in page.items] == sorted(rows)
    assert page.total == 3 and page.next_after is None
    a = rows["师范学院团委"]
    assert (a.info_complete, a.secretary_name, a.admin_count, a.child_count, a.code_status) == (True, "韩愈", 1, 1, "已使用")
    x = rows["外语学院团委"]
    assert (x.admin_count, x.code_status, x.code_expires_at) == (0, "已过期", clock() - timedelta(days=1))
    y = svc.codes.issue(me, extra.id)
    svc.codes.issue(me, tree.ids["b"])
    rows = {r.short_name: r for r in svc.orgs.list_children(me, tree.ids["top"]).items}
    assert (rows["外语学院团委"].code_status, rows["外语学院团委"].code_expires_at) == ("有效", y.expires_at)
    assert rows["化学系团总支"].code_status == "有效"


def test_list_children_pages_over_200(svc, tree):
    # DESIGN rule 8: keyset paging, a few hundred rows a page
    me = tree.me["b"]
    names = [f"化学专业{2000 + i // 20}级{i % 20 + 1}班团支部" for i in range(230)]
    for name in names:
        svc.orgs.create_child(me, tree.ids["b"], name, "团支部")
    seen, after, pages = [], None, 0
    while True:
        page = svc.orgs.list_children(me, tree.ids["b"], after=after)
        pages += 1
        if pages == 1:
            assert page.total == 231 and len(page.items) == 200
        seen.extend(r.short_name for r in page.items)
        after = page.next_after
        if after is None:
            break
    assert pages == 2 and len(seen) == 231 == len(set(seen))
    assert seen == [r.short_name for r in sorted(
        (r for r in svc.orgs.children(me, tree.ids["b"], limit=1000).items), key=lambda r: (r.short_name, r.id))]
    small = svc.orgs.children(me, tree.ids["b"], limit=100)
    assert len(small.items) == 100 and small.next_after == (small.items[-1].short_name, small.items[-1].id)


def test_search(svc, tree):
    me = tree.me["a"]
    assert [o.short_name for o in svc.orgs.search(me, "团支部")] == ["计算机专业2017级3班团支部"]
    assert {o.short_name for o in svc.orgs.search(tree.me["top"], "团支部")} == {
        "计算机专业2017级3班团支部", "化学专业2018级1班团支部"}
    assert svc.orgs.search(tree.me["top"], "共青团委员会")[0].id == tree.ids["top"]  # by 全称
    assert svc.orgs.search(me, "%") == () and svc.orgs.search(me, "_") == ()
    assert svc.orgs.search(me, "  ") == ()
    assert [o.id for o in svc.orgs.search(OP, "化学")] == [tree.ids["b"], tree.ids["b1"]]


def test_search_by_pinyin_initials_and_digits(svc, tree):
    # The palette and F3 find organisations as administrators type them: pinyin initials,
    # digits, Chinese and digits apart (each run must match), inside the actor's subtree.
    top, me = tree.me["top"], tree.me["a"]
    ids = lambda text, who=top: [o.id for o in svc.orgs.search(who, text)]  # noqa: E731
    assert ids("jsj2017") == ids("计算机2017") == ids("JSJ 2017") == [tree.ids["a1"]]
    assert ids("hx2018") == ids("化学2018") == [tree.ids["b1"]]
    assert ids("hx") == [tree.ids["b"], tree.ids["b1"]]  # shallowest first
    assert ids("2018") == [tree.ids["b1"]] and ids("jsj2018") == [] and ids("zzz") == []
    assert ids("hx", me) == []  # §9: only the actor's own subtree


def test_every_change_is_audited(svc, clock):
    # SPEC §9: who, when, what, before and after, for each change in the §2 workflow
    from tests.helpers import admin_of

    top = svc.orgs.create_top(OP, "审计大学团委", "团委")
    me = admin_of(svc, top.id, person(name="审计员"))
    clock.advance(minutes=1)
    svc.orgs.save_info(me, top.id, {"full_name": "审计大学共青团委员会", "admin_quota": 1})
    child = svc.orgs.create_child(me, top.id, "审计学院团委", "团委")
    svc.codes.issue(me, child.id)
    svc.codes.issue_all(me, top.id, renew=True)
    svc.orgs.correct(me, child.id, {"short_name": "审计二院团委"}, "改名")
    entries = svc.audit.recent(me, top.id)
    assert [e.action for e in reversed(entries)] == [
        "org.create_top", "code.issue", "account.register", "org.save_info", "org.create", "code.issue",
        "code.issue_all", "org.correct",
    ]
    save = next(e for e in entries if e.action == "org.save_info")
    assert (save.actor_label, save.at, save.before["admin_quota"], save.after["admin_quota"]) == (
        "审计员", clock(), None, 1)
    assert entries[-1].actor_label == "服务器管理员"


def test_first_save_keeps_the_full_name_given_at_creation(svc, tree):
    # R-SUB-1 gives 全称 optionally at creation; a first save that does not send it keeps it
    view = svc.orgs.save_info(tree.me["top"], tree.ids["top"], {"admin_quota": 1})
    assert view.full_name == "石河子大学共青团委员会" and view.locked


def test_a_locked_field_never_filled_may_still_be_filled(svc, tree):
    # R-INFO-2: what was saved cannot change; what was never filled can be filled once
    me = tree.me["a"]
    svc.orgs.save_info(me, tree.ids["a"], {"full_name": "石河子大学师范学院共青团委员会"})
    view = svc.orgs.save_info(me, tree.ids["a"], {"industry": "普通高等院校", "full_name": ""})
    assert (view.industry_name, view.full_name) == ("普通高等院校", "石河子大学师范学院共青团委员会")
    assert refused(svc.orgs.save_info, me, tree.ids["a"], {"industry": "党政机关"}).code == "locked"
    err = refused(svc.orgs.save_info, me, tree.ids["a"], {"full_name": "石河子大学共青团委员会"})
    assert err.code == "locked"  # locked wins over the duplicate: nothing is looked up
