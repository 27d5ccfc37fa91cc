"""团员管理 services (R-MEM-1..5, SPEC §9) on both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.helpers import person
from tests.member_helpers import build_tree, member_values
from zhtj_tui.domain.errors import Conflict, DomainError, Forbidden
from zhtj_tui.services.members import REMOVE_REASONS, DuplicateMember, classify_query, over_age_cutoff


@pytest.fixture
def tree(svc):
    return build_tree(svc)


def test_branch_admin_adds_member_with_derived_fields(svc, tree):
    # R-MEM-1, R-MEM-2: entered by the branch administrator; sex and birth from the ID number.
    p = person(birth=date(2005, 3, 10), name="张三", join_month="2019-09")
    v = svc.members.add(tree.b1_admin, tree.b1, member_values(p))
    assert v.editable and v.id_number == p.id_number  # full ID for someone who may edit
    assert (v.birth_date, v.age, v.sex in ("男", "女")) == (date(2005, 3, 10), 21, True)
    assert v.ethnic_name == "汉族" and v.political_name == "中国共产主义青年团团员"
    row = svc.members.list(tree.b1_admin, tree.b1).items[0]
    assert row.name == "张三" and row.id_masked == p.id_number[:6] + "********" + p.id_number[-4:]
    assert row.political_name == "共青团员" and not row.over_age
    entry = svc.audit.recent(tree.b1_admin, tree.b1)[0]
    assert entry.action == "member.add" and entry.entity_id == v.id
    # SPEC §9: personal data is masked in the audit log too.
    assert entry.after["id_number"] == row.id_masked and p.id_number not in str(entry.after)
    assert p.mobile not in str(entry.after)


def test_parent_admin_may_enter_grandparent_and_others_may_not(svc, tree):
    # R-MEM-1 (public): the branch's direct parent's administrator may enter members too.
    v = svc.members.add(tree.college_admin, tree.b1, member_values())
    assert v.branch_id == tree.b1 and v.editable
    for actor in (tree.top_admin, tree.other_admin):
        with pytest.raises(Forbidden):
            svc.members.add(actor, tree.b1, member_values())
    # The grandparent reads but may not edit: the ID number is masked for it.
    seen = svc.members.get(tree.top_admin, v.id)
    assert not seen.editable and "*" in seen.id_number and "*" in seen.mobile
    with pytest.raises(Forbidden):
        svc.members.get(tree.other_admin, v.id)
    with pytest.raises(Forbidden):
        svc.members.list(tree.other_admin, tree.b1)


def test_only_branches_hold_members(svc, tree):
    # R-TREE-2
    with pytest.raises(DomainError) as err:
        svc.members.add(tree.top_admin, tree.college, member_values())
    assert err.value.code == "not_branch"


def test_join_age_rule_refuses_with_field(svc, tree):
    # R-MEM-4 / R-REG-2: born 2010-05, joined 2022-09 is 12 after the cut-over.
    p = person(birth=date(2010, 5, 1), join_month="2022-09")
    with pytest.raises(DomainError) as err:
        svc.members.add(tree.b1_admin, tree.b1, member_values(p))
    assert err.value.field == "join_month" and err.value.code == "join_age"
    assert svc.members.list(tree.b1_admin, tree.b1).total == 0


def test_duplicate_id_inside_subtree_offers_the_holder(svc, tree):
    # R-MEM-3: refused with the holding organisation's name; inside the actor's subtree the
    # error carries the member id so the form can offer to move the member here.
    p = person(name="李四")
    held = svc.members.add(tree.college_admin, tree.b2, member_values(p))
    with pytest.raises(DuplicateMember) as err:
        svc.members.add(tree.college_admin, tree.b1, member_values(p))
    assert err.value.code == "duplicate_in_subtree" and err.value.member_id == held.id
    assert "计算机专业2023级2班团支部" in err.value.message and err.value.field == "id_number"


def test_duplicate_id_anywhere_in_the_system_is_refused(svc, tree):
    # R-MEM-3: the holder is in another college: named, but not offered.
    p = person(name="王五")
    svc.members.add(tree.other_admin, tree.b3, member_values(p))
    with pytest.raises(DuplicateMember) as err:
        svc.members.add(tree.b1_admin, tree.b1, member_values(p))
    assert err.value.code == "duplicate" and err.value.member_id is None
    assert "化学学院团委" in err.value.message and "化学专业2023级1班团支部" in err.value.message


def test_member_no_is_unique_system_wide(svc, tree):
    # R-MEM-4: 团员编号 unique across the whole system.
    first = member_values()
    svc.members.add(tree.other_admin, tree.b3, first)
    with pytest.raises(DomainError) as err:
        svc.members.add(tree.b1_admin, tree.b1, member_values(member_no=first["member_no"]))
    assert err.value.code == "duplicate_member_no" and err.value.field == "member_no"
    assert "化学专业2023级1班团支部" in err.value.message


def test_database_keeps_active_id_and_member_no_unique(svc, tree):
    # R-MEM-3/4: the database itself refuses a second active holder (no check-then-insert only).
    from pony.orm import db_session
    from pony.orm.core import TransactionIntegrityError

    v = svc.members.add(tree.b1_admin, tree.b1, member_values())
    s = svc.store
    with db_session:
        m = s.Member[v.id]
        copy = {k: getattr(m, k) for k in ("path", "name", "name_initials", "id_number", "id_rev", "birth_date",
                                           "sex", "ethnic", "political", "join_month", "education", "mobile",
                                           "created_at", "updated_at", "active_id", "member_no")}
        branch_id = m.branch.id
    for clash in ({"member_no": None}, {"active_id": None}):
        with pytest.raises(TransactionIntegrityError), db_session:
            s.Member(branch=s.Org[branch_id], **{**copy, **clash})


def test_remove_keeps_the_record_and_frees_the_id(svc, tree):
    # R-MEM-3 / §9: nothing is deleted; the status says why; the person may be entered again.
    p = person(name="赵六")
    values = member_values(p)
    v = svc.members.add(tree.b1_admin, tree.b1, values)
    with pytest.raises(DomainError) as err:
        svc.members.remove(tree.b1_admin, v.id, "不想要了")
    assert err.value.code == "bad_reason"
    gone = svc.members.remove(tree.b1_admin, v.id, "录入错误")
    assert gone.status == REMOVE_REASONS["录入错误"] and gone.status_name == "录入错误" and gone.left_at
    assert svc.members.list(tree.b1_admin, tree.b1).total == 0
    kept = svc.members.list(tree.b1_admin, tree.b1, include_left=True).items
    assert [(r.id, r.active) for r in kept] == [(v.id, False)]
    # Same person, same 团员编号: the closed record gives the number up.
    again = svc.members.add(tree.b1_admin, tree.b1, values)
    assert again.id != v.id and again.member_no == values["member_no"]
    assert svc.members.get(tree.b1_admin, v.id).member_no == ""
    left = svc.members.remove(tree.b1_admin, again.id, "满28周岁离团")
    assert left.status == "3" and left.status_name == "满28周岁离团"
    with pytest.raises(DomainError):
        svc.members.update(tree.b1_admin, again.id, values, left.version)
    assert [a.action for a in svc.audit.recent(tree.b1_admin, tree.b1)][:2] == ["member.remove", "member.add"]


def test_search_by_name_initials_id_suffix_and_member_no(svc, tree):
    # R-MEM-2 / issue: searched in the database by name, initials, ID suffix, 团员编号.
    people = {n: person(name=n) for n in ("张三", "张珊珊", "李四")}
    people["王小明"] = person(name="王小明", birth=date(2005, 1, 2), join_month="2019-09")
    added = {n: svc.members.add(tree.b1_admin, tree.b1, member_values(p)) for n, p in people.items()}
    svc.members.add(tree.b1_admin, tree.b1, member_values(person(name="周石")))

    def names(q, **kw):
        return [r.name for r in svc.members.list(tree.b1_admin, tree.b1, q, **kw).items]

    assert names("zs") == ["周石", "张三", "张珊珊"]  # by initials, then name
    assert names("ZSS") == ["张珊珊"]
    assert names("张") == ["张三", "张珊珊"]
    assert names("小明") == ["王小明"]
    suffix = people["李四"].id_number[-6:]
    assert names(suffix) == ["李四"]
    assert names(people["李四"].id_number[-12:]) == ["李四"]  # 12 digits, not a 团员编号: an ID suffix
    assert added["王小明"].member_no and names(added["王小明"].member_no) == ["王小明"]
    assert names("zs", by="name") == []
    # The committee searches its whole subtree; a branch in another college is not seen.
    assert [r.name for r in svc.members.list(tree.top_admin, tree.top, "ls").items] == ["李四"]
    assert svc.members.list(tree.other_admin, tree.other, "ls").items == ()
    assert classify_query("123X") == "id_suffix" and classify_query("201900000001") == "member_no"


def test_keyset_pages_cover_everything_in_order(svc, tree):
    # DESIGN 8: paged with a keyset, sorted in the database.
    for n in ("赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七"):
        svc.members.add(tree.b1_admin, tree.b1, member_values(person(name=n)))
    seen = []
    first = svc.members.list(tree.b1_admin, tree.b1, limit=3, count_all=True)
    assert first.total == 7 and svc.members.list(tree.b1_admin, tree.b1, limit=3).total is None
    page = first
    while True:
        seen += [r.name for r in page.items]
        if page.next_after is None:
            break
        page = svc.members.list(tree.b1_admin, tree.b1, after=page.next_after, limit=3)
    assert seen == ["李四", "钱二", "孙三", "吴六", "郑七", "周五", "赵一"]  # ls qe ss wl zq zw zy


def test_over_age_flag_and_counts(svc, tree, clock):
    # R-MEM-5: aged 28 or over is 超龄, flagged in the list and counted per branch.
    old = person(birth=date(1998, 10, 31), name="老大", join_month="2012-09")
    young = person(birth=date(1998, 11, 2), name="老二", join_month="2012-09")
    svc.members.add(tree.b1_admin, tree.b1, member_values(old))
    svc.members.add(tree.b1_admin, tree.b1, member_values(young))
    svc.members.add(tree.college_admin, tree.b2, member_values())
    flags = {r.name: (r.over_age, r.age) for r in svc.members.list(tree.b1_admin, tree.b1).items}
    assert flags == {"老大": (True, 28), "老二": (False, 27)}
    counts = {c.branch_id: (c.members, c.over_age) for c in svc.members.counts(tree.college_admin, tree.college)}
    assert counts == {tree.b1: (2, 1), tree.b2: (1, 0)}
    assert svc.members.count(tree.b1_admin, tree.b1).over_age == 1
    total = svc.members.totals(tree.top_admin, tree.top)
    assert (total.members, total.over_age) == (3, 1)
    assert over_age_cutoff(date(2028, 2, 29), 28) == date(2000, 2, 29)


def test_subtree_totals_from_the_stored_counts_agree_with_the_members(svc, tree, clock):
    # R-MEM-5: a subtree's totals come from its stored counts by birth month and the members
    # born in the cut-off's own month (read directly): the day of the cut-off decides, a
    # removed member counts nowhere, and every level agrees with the members branch by branch.
    clock.advance(days=14)  # the cut-off falls in the middle of its month
    cutoff = over_age_cutoff(clock().date(), 28)
    births = {"甲": cutoff, "乙": cutoff.replace(day=1), "丙": cutoff + timedelta(days=1),
              "丁": cutoff.replace(day=1) - timedelta(days=1), "戊": date(1990, 5, 5), "己": date(2004, 1, 1)}
    added = {n: svc.members.add(tree.college_admin, tree.b2 if n in "甲丙戊" else tree.b1,
                                member_values(person(birth=b, name="周" + n)))
             for n, b in births.items()}
    svc.members.remove(tree.college_admin, added["戊"].id, "录入错误")
    for actor, org in ((tree.top_admin, tree.top), (tree.college_admin, tree.college)):
        per_branch = svc.members.counts(actor, org)
        total = svc.members.totals(actor, org)
        assert (total.members, total.over_age) == (sum(c.members for c in per_branch),
                                                   sum(c.over_age for c in per_branch))
        assert (total.members, total.over_age) == (5, 3)  # 甲 乙 丁 are 超龄; 丙 is a day short


def test_update_checks_and_optimistic_version(svc, tree):
    # R-MEM-2..4 on edit, and no lost update.
    p = person(name="张三")
    v = svc.members.add(tree.b1_admin, tree.b1, member_values(p))
    values = v.form_values()
    changed = svc.members.update(tree.b1_admin, v.id, {**values, "name": "张叁", "mobile": "13800000000"}, v.version)
    assert changed.name == "张叁" and changed.version == v.version + 1
    assert [r.name for r in svc.members.list(tree.b1_admin, tree.b1, "zs").items] == ["张叁"]
    with pytest.raises(Conflict) as err:
        svc.members.update(tree.college_admin, v.id, {**values, "political": "中共党员"}, v.version)
    assert "政治面貌" in err.value.message and "赵班" in err.value.message
    with pytest.raises(DomainError) as err:
        svc.members.update(tree.b1_admin, v.id, {**values, "join_month": "2030-01"}, changed.version)
    assert err.value.field == "join_month"
    other = svc.members.add(tree.b1_admin, tree.b1, member_values())
    with pytest.raises(DuplicateMember):
        svc.members.update(tree.b1_admin, other.id, {**other.form_values(), "id_number": p.id_number}, other.version)
    entry = svc.audit.recent(tree.b1_admin, tree.b1, action_prefix="member.update")[0]
    assert entry.before["name"] == "张三" and entry.after["name"] == "张叁"
    assert entry.after["mobile"] == "138****0000"
    with pytest.raises(Forbidden):
        svc.members.update(tree.top_admin, v.id, values, None)


def test_transfer_moves_members_inside_the_subtree(svc, tree):
    # Issue (transfer): one or many members, both branches managed by the actor, audited.
    a = svc.members.add(tree.b1_admin, tree.b1, member_values(person(name="钱甲")))
    b = svc.members.add(tree.b1_admin, tree.b1, member_values(person(name="钱乙")))
    res = svc.members.transfer(tree.college_admin, [a.id, b.id], tree.b2)
    assert set(res.moved) == {a.id, b.id} and res.to_branch_name == "计算机专业2023级2班团支部"
    assert [r.name for r in svc.members.list(tree.college_admin, tree.b2).items] == ["钱甲", "钱乙"]
    assert svc.members.list(tree.college_admin, tree.b1).total == 0
    moved = [e for e in svc.audit.recent(tree.college_admin, tree.b2) if e.action == "member.transfer"]
    assert {e.entity_id for e in moved} == {a.id, b.id}
    assert moved[0].before["branch_id"] == tree.b1 and moved[0].after["branch_id"] == tree.b2
    # The path moved too: the other college's committee does not see them; the top does.
    assert svc.members.counts(tree.top_admin, tree.top)[0].branch_id == tree.b2
    # A branch administrator manages no other branch.
    with pytest.raises(Forbidden):
        svc.members.transfer(tree.b1_admin, [a.id], tree.b1)
    with pytest.raises(DomainError) as err:
        svc.members.transfer(tree.college_admin, [a.id], tree.college)
    assert err.value.code == "not_branch"


def test_transfer_is_all_or_nothing(svc, tree):
    # One transaction: a member outside the subtree stops the whole move.
    mine = svc.members.add(tree.b1_admin, tree.b1, member_values())
    theirs = svc.members.add(tree.other_admin, tree.b3, member_values())
    with pytest.raises(Forbidden):
        svc.members.transfer(tree.college_admin, [mine.id, theirs.id], tree.b2)
    assert svc.members.get(tree.college_admin, mine.id).branch_id == tree.b1
    with pytest.raises(Forbidden):
        svc.members.transfer(tree.other_admin, [theirs.id], tree.b1)
    # R-MEM-1: the top organisation's administrator may not edit the branches' members
    # (only a branch's own or direct parent's administrator may), so may not move them.
    with pytest.raises(Forbidden):
        svc.members.transfer(tree.top_admin, [mine.id, theirs.id], tree.b2)
    assert svc.members.get(tree.college_admin, mine.id).branch_id == tree.b1
    res = svc.members.transfer(tree.op, [mine.id, theirs.id], tree.b2)
    assert set(res.moved) == {mine.id, theirs.id}


def test_transfer_targets_are_branches_in_the_subtree(svc, tree):
    # Transfer targets: branches the administrator manages, nothing outside the subtree.
    names = [b.short_name for b in svc.members.branches(tree.college_admin)]
    assert names == ["计算机专业2023级1班团支部", "计算机专业2023级2班团支部"]
    assert [b.short_name for b in svc.members.branches(tree.top_admin, "化学")] == ["化学专业2023级1班团支部"]
    assert svc.members.branches(tree.college_admin, "化学") == ()
    assert svc.members.branches(tree.college_admin)[0].path_names[0] == "计算机学院团委"


def test_id_suffix_follows_an_edited_id_number(svc, tree):
    # The reversed ID column is kept by the entity on every write (search by last digits).
    p, q = person(name="韩梅"), person(name="韩梅")
    v = svc.members.add(tree.b1_admin, tree.b1, member_values(p))
    svc.members.update(tree.b1_admin, v.id, {**v.form_values(), "id_number": q.id_number}, v.version)
    assert svc.members.list(tree.b1_admin, tree.b1, p.id_number[-6:]).items == ()
    assert [r.id for r in svc.members.list(tree.b1_admin, tree.b1, q.id_number[-6:]).items] == [v.id]


def test_form_values_round_trip_with_a_free_text_post(svc, tree):
    # R-MEM-2: 团内职务 “其他” needs 职务名称; the edit form gets both back and saves them.
    v = svc.members.add(tree.b1_admin, tree.b1, member_values(post="其他", post_name="心理委员"))
    assert (v.post, v.post_label) == ("99", "心理委员")
    again = svc.members.update(tree.b1_admin, v.id, {**v.form_values(), "note": "班长推荐"}, v.version)
    assert (again.post_label, again.note, again.version) == ("心理委员", "班长推荐", v.version + 1)
