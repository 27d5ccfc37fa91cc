"""A small organisation tree with an administrator in each organisation, on both backends."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.helpers import admin_of, person
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()
NAMES = {"a": "李甲", "b": "李乙", "a1": "赵一", "b1": "钱二"}


@dataclass
class Tree:
    """top (团委) ─┬─ a (团委) ── a1 (团支部)
                   └─ b (团总支) ── b1 (团支部)
    Each has one administrator: ``me[key]`` is its Actor, ``ids[key]`` its id."""

    ids: dict
    me: dict


def build_tree(svc) -> Tree:
    top = svc.orgs.create_top(OP, "石河子大学团委", "团委", "石河子大学共青团委员会")
    ids = {"top": top.id}
    me = {"top": admin_of(svc, top.id, person(name="王总"))}
    for key, parent, name, category in [
        ("a", "top", "师范学院团委", "团委"),
        ("b", "top", "化学系团总支", "团总支"),
        ("a1", "a", "计算机专业2017级3班团支部", "团支部"),
        ("b1", "b", "化学专业2018级1班团支部", "团支部"),
    ]:
        ids[key] = svc.orgs.create_child(me[parent], ids[parent], name, category).id
        me[key] = admin_of(svc, ids[key], person(name=NAMES[key]))
    return Tree(ids, me)


@pytest.fixture
def tree(svc) -> Tree:
    return build_tree(svc)
