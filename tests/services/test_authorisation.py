"""Who may do what (SPEC §9, R-TREE-1, R-CODE-4, R-INFO-2): each service call against the
organisation 师范学院团委 (``a``), by an administrator of that organisation, of its parent,
of its child, of its sibling, of an unrelated organisation, and by the server operator."""

import itertools

import pytest

from tests.services.conftest import OP
from zhtj_tui.domain.errors import DomainError, Forbidden
from zhtj_tui.services.dto import Actor

_n = itertools.count(1)

CALLS = {
    "orgs.get": lambda s, who, t: s.orgs.get(who, t),
    "orgs.children": lambda s, who, t: s.orgs.children(who, t),
    "orgs.list_children": lambda s, who, t: s.orgs.list_children(who, t),
    "audit.recent": lambda s, who, t: s.audit.recent(who, t),
    "orgs.save_info": lambda s, who, t: s.orgs.save_info(who, t, {"admin_quota": next(_n)}),
    "orgs.create_child": lambda s, who, t: s.orgs.create_child(who, t, f"第{next(_n)}组团支部", "团支部"),
    "codes.issue_all": lambda s, who, t: s.codes.issue_all(who, t),
    "orgs.correct": lambda s, who, t: s.orgs.correct(who, t, {"full_name": f"更正全称{next(_n)}"}, "全称有误"),
    "codes.issue": lambda s, who, t: s.codes.issue(who, t),
    "codes.current": lambda s, who, t: s.codes.current(who, t),
    "codes.show_or_issue": lambda s, who, t: s.codes.show_or_issue(who, t),
}

RELATIONS = ("own", "parent", "child", "sibling", "unrelated", "operator")

# What SPEC allows: reading the subtree (own organisation and below), editing one's own
# organisation, creating and coding one's direct children, correcting a direct child.
ALLOWED = {
    "orgs.get": {"own", "parent", "operator"},
    "orgs.children": {"own", "parent", "operator"},
    "orgs.list_children": {"own", "parent", "operator"},
    "audit.recent": {"own", "parent", "operator"},
    "orgs.save_info": {"own", "operator"},
    "orgs.create_child": {"own", "operator"},
    "codes.issue_all": {"own", "operator"},
    "orgs.correct": {"parent", "operator"},
    "codes.issue": {"parent", "operator"},
    "codes.current": {"parent", "operator"},
    "codes.show_or_issue": {"parent", "operator"},
}


def test_authorisation_matrix(svc, tree):
    actors = {
        "own": tree.me["a"], "parent": tree.me["top"], "child": tree.me["a1"],
        "sibling": tree.me["b"], "unrelated": tree.me["b1"], "operator": OP,
    }
    target = tree.ids["a"]
    wrong = []
    for call, fn in CALLS.items():
        for rel in RELATIONS:
            try:
                fn(svc, actors[rel], target)
                outcome = "allowed"
            except Forbidden:
                outcome = "forbidden"
            except DomainError as exc:  # a refusal that is not about rights is a test bug
                outcome = f"refused:{exc.code}"
            expect = "allowed" if rel in ALLOWED[call] else "forbidden"
            if outcome != expect:
                wrong.append((call, rel, expect, outcome))
    assert wrong == []


def test_forged_actor_is_refused_everywhere(svc, tree):
    # An actor naming an organisation the account does not administer gets nothing
    forged = Actor(account_id=tree.me["b1"].account_id, org_id=tree.ids["top"], label="冒充")
    for call, fn in CALLS.items():
        with pytest.raises(Forbidden) as info:
            fn(svc, forged, tree.ids["a"])
        assert info.value.code == "not_admin", call
    with pytest.raises(Forbidden):
        svc.orgs.search(forged, "团")


def test_grandparent_reads_but_does_not_act(svc, tree):
    top, grandchild = tree.me["top"], tree.ids["a1"]
    assert svc.orgs.get(top, grandchild).id == grandchild
    assert svc.orgs.get(top, grandchild).secretary is None
    for call in ("orgs.save_info", "orgs.correct", "codes.issue"):
        with pytest.raises(Forbidden):
            CALLS[call](svc, top, grandchild)


def test_search_stays_in_the_subtree(svc, tree):
    assert {o.id for o in svc.orgs.search(tree.me["b"], "团")} == {tree.ids["b"], tree.ids["b1"]}
    assert {o.id for o in svc.orgs.search(OP, "团")} == set(tree.ids.values())


def test_operator_only_creates_the_top(svc, tree):
    with pytest.raises(Forbidden):
        svc.orgs.create_top(tree.me["top"], "另一团委", "团委")


def test_unknown_organisation(svc, tree):
    with pytest.raises(DomainError) as info:
        svc.orgs.get(tree.me["top"], 99999)
    assert info.value.code == "org_not_found"
