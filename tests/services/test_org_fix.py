"""Correcting the tree (R-TREE-6): moving an organisation with its subtree and members, and
deleting one created by mistake; on both backends."""

from __future__ import annotations

import pytest
from pony.orm import db_session

from tests.member_helpers import member_values
from tests.services.conftest import OP
from zhtj_tui.domain.errors import DomainError, Forbidden


def stored_paths_are_true(svc) -> list[str]:
    """Every stored path and depth recomputed from the parent links (R-TREE-6, DESIGN 7),
    and the consistency check (every stored derived value) finds nothing."""
    report = svc.consistency.check()
    bad = [m.text() for m in report.mismatches]
    with db_session:
        orgs = {o.id: (o.parent.id if o.parent else None, o.path, o.depth) for o in svc.store.Org.select()}
        for oid, (parent, path, depth) in orgs.items():
            want = f"{orgs[parent][1] if parent else '/'}{oid}/"
            want_depth = orgs[parent][2] + 1 if parent else 0
            if (path, depth) != (want, want_depth):
                bad.append(f"org {oid}: {path} {depth} != {want} {want_depth}")
        for m in svc.store.Member.select():
            if m.path != orgs[m.branch.id][1]:
                bad.append(f"member {m.id}: {m.path} != {orgs[m.branch.id][1]}")
    return bad


def add_members(svc, branch_id: int, n: int) -> list[int]:
    return [svc.members.add(OP, branch_id, member_values()).id for _ in range(n)]


def test_move_branch_to_another_parent(svc, tree, clock):
    # R-TREE-6: a branch with its members moves under another organisation of the
    # actor's subtree; its path, depth and its members' paths are rewritten; audited.
    ids, top = tree.ids, tree.me["top"]
    members = add_members(svc, ids["a1"], 3)
    result = svc.orgs.move(top, ids["a1"], ids["b"], "隶属关系错误：该班属于化学系")
    assert (result.old_parent_id, result.new_parent_id, result.orgs, result.members) == (ids["a"], ids["b"], 1, 3)
    view = svc.orgs.get(top, ids["a1"])
    assert view.parent_id == ids["b"] and view.path == f"/{ids['top']}/{ids['b']}/{ids['a1']}/" and view.depth == 2
    assert view.path_names == ("石河子大学团委", "化学系团总支", "计算机专业2017级3班团支部")
    assert stored_paths_are_true(svc) == []
    # The members are found under the new parent's subtree, no longer under the old one.
    assert {m.id for m in svc.members.list(top, ids["b"]).items} >= set(members)
    assert not set(members) & {m.id for m in svc.members.list(top, ids["a"]).items}
    # The old parent's administrator no longer sees it; the new parent's does.
    with pytest.raises(Forbidden):
        svc.orgs.get(tree.me["a"], ids["a1"])
    assert svc.orgs.get(tree.me["b"], ids["a1"]).id == ids["a1"]
    entry = svc.audit.recent(top, ids["a1"], action_prefix="org.move")[0]
    assert entry.note == "隶属关系错误：该班属于化学系" and entry.at == clock()
    assert entry.before["parent"] == ids["a"] and entry.after["parent"] == ids["b"]


def test_move_subtree_shifts_depth_of_every_level(svc, tree):
    # R-TREE-6: a general branch with its branch and members moves one level down.
    ids, top = tree.ids, tree.me["top"]
    add_members(svc, ids["b1"], 2)
    extra = svc.orgs.create_child(tree.me["b"], ids["b"], "化学专业2019级1班团支部", "团支部").id
    add_members(svc, extra, 1)
    result = svc.orgs.move(top, ids["b"], ids["a"], "化学系并入师范学院")
    assert (result.orgs, result.members) == (3, 3)
    assert svc.orgs.get(top, ids["b1"]).depth == 3
    assert svc.orgs.get(top, extra).path == f"/{ids['top']}/{ids['a']}/{ids['b']}/{extra}/"
    assert stored_paths_are_true(svc) == []
    # The moved organisation's own administrator still works in it.
    assert svc.orgs.get(tree.me["b"], ids["b1"]).path_names[1] == "师范学院团委"
    # And back again: paths are true after any sequence of moves.
    svc.orgs.move(top, ids["b"], ids["top"], "恢复")
    assert stored_paths_are_true(svc) == []
    assert svc.orgs.get(top, ids["b1"]).depth == 2


def _snapshot(svc):
    with db_session:
        return (sorted((o.id, o.path, o.depth, o.version) for o in svc.store.Org.select()),
                sorted((m.id, m.path) for m in svc.store.Member.select()),
                svc.store.AuditEntry.select().count())


def test_move_refusals_change_nothing(svc, tree):
    # R-TREE-6 with R-TREE-2, R-TREE-5 and the actor's subtree (SPEC §9).
    ids, top = tree.ids, tree.me["top"]
    add_members(svc, ids["a1"], 1)
    svc.orgs.create_child(tree.me["b"], ids["b"], "计算机专业2017级3班团支部", "团支部")
    before = _snapshot(svc)
    cases = [
        (top, ids["a"], ids["b"], "child_category"),  # a 团委 under a 团总支 (R-TREE-2)
        (top, ids["a"], ids["a1"], "into_itself"),  # under its own branch
        (top, ids["b"], ids["b1"], "into_itself"),
        (top, ids["a1"], ids["a"], "same_parent"),
        (top, ids["a1"], ids["b"], "duplicate_name"),  # b has a branch of that 简称 (R-TREE-5)
        (tree.me["a"], ids["a"], ids["top"], "own_org"),  # its own organisation
        (tree.me["a"], ids["a1"], ids["b"], "outside_subtree"),  # target outside a's subtree
        (tree.me["b"], ids["a1"], ids["b"], "outside_subtree"),  # org outside b's subtree
        (top, ids["top"], ids["a"], "top_org"),
        (OP, ids["top"], ids["a"], "top_org"),
    ]
    for actor, org, target, code in cases:
        with pytest.raises(DomainError) as info:
            svc.orgs.move(actor, org, target, "测试")
        assert info.value.code == code, (org, target, info.value.message)
        assert "\u4e00" <= info.value.message[0] <= "\u9fff" or info.value.message[0].isascii()
    with pytest.raises(DomainError) as info:
        svc.orgs.move(top, ids["a1"], ids["b"], "  ")
    assert info.value.code == "required" and "移动原因" in info.value.message
    assert _snapshot(svc) == before
    assert "化学系团总支 下已有名为“计算机专业2017级3班团支部”" in _message(svc, top, ids["a1"], ids["b"])


def _message(svc, actor, org, target) -> str:
    with pytest.raises(DomainError) as info:
        svc.orgs.move(actor, org, target, "测试")
    return info.value.message


def test_move_targets_are_the_allowed_parents(svc, tree):
    # R-TREE-6: only organisations that accept the category, inside the actor's subtree,
    # outside the moved subtree, not the present parent.
    ids, top = tree.ids, tree.me["top"]
    names = {t.short_name for t in svc.orgs.move_targets(top, ids["a1"])}
    assert names == {"石河子大学团委", "化学系团总支"}
    names = {t.short_name for t in svc.orgs.move_targets(top, ids["a"])}
    assert names == set()  # a 团委 fits only under the top (its present parent) here
    names = {t.short_name for t in svc.orgs.move_targets(top, ids["b"])}
    assert names == {"师范学院团委"}
    assert {t.short_name for t in svc.orgs.move_targets(top, ids["a1"], "化学")} == {"化学系团总支"}
    with pytest.raises(Forbidden):
        svc.orgs.move_targets(tree.me["a1"], ids["a1"])


def test_delete_empty_org(svc, tree, clock):
    # R-TREE-6: an organisation created by mistake, with a registration code, is deleted;
    # audited with the reason against its parent.
    me = tree.me["a"]
    wrong = svc.orgs.create_child(me, tree.ids["a"], "误建2018级9班团支部", "团支部").id
    svc.codes.issue(me, wrong)
    assert svc.orgs.delete_blockers(me, wrong) == ()
    result = svc.orgs.delete(me, wrong, "重复创建")
    assert (result.org_id, result.parent_id) == (wrong, tree.ids["a"])
    with pytest.raises(DomainError):
        svc.orgs.get(me, wrong)
    entry = svc.audit.recent(me, tree.ids["a"], action_prefix="org.delete")[0]
    assert entry.note == "重复创建" and entry.entity_id == wrong and entry.before["short_name"] == "误建2018级9班团支部"
    assert [c.short_name for c in svc.orgs.list_children(me, tree.ids["a"]).items] == ["计算机专业2017级3班团支部"]


def test_delete_refused_saying_what_is_still_there(svc, tree):
    # R-TREE-6: children, members, administrators and cadres each keep an organisation.
    ids, top = tree.ids, tree.me["top"]
    add_members(svc, ids["b1"], 2)
    p = member_values()
    svc.cadres.appoint(OP, ids["b1"], "01", {"name": p["name"], "id_number": p["id_number"], "mobile": p["mobile"]})
    before = _snapshot(svc)
    with pytest.raises(DomainError) as info:
        svc.orgs.delete(top, ids["b"], "误建")
    assert info.value.code == "not_empty" and "1 个下级组织" in info.value.message and "1 名管理员" in info.value.message
    with pytest.raises(DomainError) as info:
        svc.orgs.delete(top, ids["b1"], "误建")
    msg = info.value.message
    assert "2 名团员" in msg and "1 名管理员" in msg and "1 条团干部记录" in msg and "移动" in msg
    with pytest.raises(Forbidden):
        svc.orgs.delete(tree.me["b1"], ids["b1"], "误建")  # its own organisation
    with pytest.raises(Forbidden):
        svc.orgs.delete(tree.me["a"], ids["b1"], "误建")  # outside the subtree
    with pytest.raises(DomainError) as info:
        svc.orgs.delete(top, ids["b1"], "")
    assert info.value.code == "required"
    assert _snapshot(svc) == before
