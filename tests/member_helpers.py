"""Helpers for member and cadre tests: a small tree with administrators at each level,
and valid member form values."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from tests.helpers import Person, admin_of, person
from zhtj_tui.services.dto import Actor

_no = itertools.count(1)


def member_values(p: Person | None = None, **overrides) -> dict:
    """Form values of a valid member (a fresh person unless ``p`` is given)."""
    p = p or person(birth=date(2005, 3, 10), join_month="2019-09")
    year = p.join_month[:4]
    values = {
        "name": p.name, "id_number": p.id_number, "ethnic": "汉族", "political": "共青团员",
        "join_month": p.join_month, "education": "本科在读", "mobile": p.mobile,
        "member_no": f"{year}{next(_no) % 10**8:08d}" if int(year) >= 2017 else "",
    }
    values.update(overrides)
    return values


@dataclass
class Tree:
    op: Actor
    top: int
    college: int
    b1: int
    b2: int
    other: int
    b3: int
    top_admin: Actor
    college_admin: Actor
    b1_admin: Actor
    other_admin: Actor


def build_tree(svc, admins: bool = True) -> Tree:
    """大学团委 → 计算机学院团委 → two class branches; 化学学院团委 → one branch."""
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "测试大学团委", "团委", "测试大学共青团委员会")
    college = svc.orgs.create_child(op, top.id, "计算机学院团委", "团委")
    b1 = svc.orgs.create_child(op, college.id, "计算机专业2023级1班团支部", "团支部")
    b2 = svc.orgs.create_child(op, college.id, "计算机专业2023级2班团支部", "团支部")
    other = svc.orgs.create_child(op, top.id, "化学学院团委", "团委")
    b3 = svc.orgs.create_child(op, other.id, "化学专业2023级1班团支部", "团支部")
    if admins:
        top_admin = admin_of(svc, top.id, person(name="王校"))
        college_admin = admin_of(svc, college.id, person(name="李院"))
        b1_admin = admin_of(svc, b1.id, person(name="赵班"))
        other_admin = admin_of(svc, other.id, person(name="孙化"))
    else:
        top_admin = college_admin = b1_admin = other_admin = op
    return Tree(op, top.id, college.id, b1.id, b2.id, other.id, b3.id, top_admin, college_admin, b1_admin,
                other_admin)
