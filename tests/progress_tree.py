"""A small organisation tree with known defects, built through the services, for the
progress, check and task tests (SPEC §8, R-TREE-3).

    大学团委 (top)                      admin, complete
    ├ A 计算机学院团委                  admin, complete
    │  ├ A1 计算机专业2018级1班团支部   admin, complete, 3 members (1 超龄 exactly 28 today) + 1 left
    │  ├ A2 计算机专业2018级2班团支部   no admin (unused code), complete, 1 member
    │  └ A3 计算机专业2017级1班团支部   admin, incomplete (no secretary), no member
    ├ B 外语学院团委                    no admin (unused code), nothing filled in
    │  ├ B1 外语学院2017级团总支        no admin, nothing
    │  │  └ B1a 英语专业2017级1班团支部 admin, complete, 2 members (1 超龄)
    │  └ B2 外语学院研究生团总支        no admin, nothing
    │     └ B2a 英语系团委              a committee under a general branch (forced in the database)
    └ C 机关团支部                      admin, complete, 4 members
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from pony.orm import db_session

from tests.helpers import admin_of, person
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.domain.pinyin import initials
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()
_seq = itertools.count(1)


def fill(svc, actor, org_id: int, complete: bool = True, secretary: bool = True) -> None:
    """Save the organisation's information: everything required, or only 全称."""
    view = svc.orgs.get(actor, org_id)
    values = {"full_name": f"共青团{view.short_name}全称{org_id}"}
    if complete:
        values["industry"] = "普通高等院校"
        if not view.is_branch:
            values |= {"admin_quota": 2, "admin_actual": 1, "inst_quota": 0, "inst_actual": 0}
    if secretary:
        p = person(name="王书记")
        values |= {"secretary_name": p.name, "secretary_id": p.id_number, "secretary_mobile": p.mobile}
    svc.orgs.save_info(actor, org_id, values)


def add_member(svc, branch_id: int, birth: date = date(2002, 3, 4), active: bool = True) -> int:
    """A member row with every column filled (the member service lives elsewhere)."""
    n = next(_seq)
    idn = make_id_number("110105", birth, 500 + n % 400)
    now = svc.settings.now()
    with db_session:
        branch = svc.store.Org[branch_id]
        m = svc.store.Member(
            branch=branch, path=branch.path, name="团员", name_initials=initials("团员") or "ty",
            id_number=idn, active_id=idn if active else None, birth_date=birth,
            sex="女" if int(idn[16]) % 2 == 0 else "男", ethnic="01", political="03",
            join_month=f"{birth.year + 14}-{birth.month:02d}", education="21",
            mobile=f"138{n:08d}", member_no=None, post=None, post_name=None, join_unit=None,
            note=None, status="1" if active else "3", left_reason=None if active else "满28周岁离团",
            left_at=None if active else now, created_at=now, updated_at=now, version=1,
        )
        m.flush()
        return m.id


def force_category(svc, org_id: int, category: str, group: str, short_name: str) -> None:
    """A defect the services refuse to create (data from elsewhere, R-TREE-2)."""
    with db_session:
        org = svc.store.Org[org_id]
        org.category, org.group, org.short_name, org.cohort = category, group, short_name, None


@dataclass
class Tree:
    ids: dict[str, int] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)

    def by_path(self, *keys: str) -> list[int]:
        """The ids of ``keys`` in path order (the order problems are listed in)."""
        return [self.ids[k] for k in sorted(keys, key=lambda k: self.paths[k])]


def build_tree(svc, today: date | None = None) -> Tree:
    t = Tree()

    def make(key, parent, name, category):
        view = (svc.orgs.create_top(OP, name, category) if parent is None
                else svc.orgs.create_child(OP, t.ids[parent], name, category))
        t.ids[key], t.paths[key] = view.id, view.path

    make("top", None, "大学团委", "团委")
    make("A", "top", "计算机学院团委", "团委")
    make("A1", "A", "计算机专业2018级1班团支部", "团支部")
    make("A2", "A", "计算机专业2018级2班团支部", "团支部")
    make("A3", "A", "计算机专业2017级1班团支部", "团支部")
    make("B", "top", "外语学院团委", "团委")
    make("B1", "B", "外语学院2017级团总支", "团总支")
    make("B1a", "B1", "英语专业2017级1班团支部", "团支部")
    make("B2", "B", "外语学院研究生团总支", "团总支")
    make("B2a", "B2", "英语系2019级1班团支部", "团支部")
    make("C", "top", "机关团支部", "团支部")
    force_category(svc, t.ids["B2a"], "02", "committee", "英语系团委")
    for key in ("top", "A", "A1", "A3", "B1a", "C"):
        t.actors[key] = admin_of(svc, t.ids[key])
    for key in ("A2", "B"):
        svc.codes.issue(OP, t.ids[key])  # handed out, never used
    for key in ("top", "A", "A1", "A2", "B1a", "C"):
        fill(svc, OP, t.ids[key])
    fill(svc, OP, t.ids["A3"], complete=True, secretary=False)
    today = today or svc.settings.today()
    exactly_28 = today.replace(year=today.year - 28)
    add_member(svc, t.ids["A1"], exactly_28)
    add_member(svc, t.ids["A1"], date.fromordinal(exactly_28.toordinal() + 1))
    add_member(svc, t.ids["A1"])
    add_member(svc, t.ids["A1"], date(1990, 1, 1), active=False)
    add_member(svc, t.ids["A2"])
    add_member(svc, t.ids["B1a"], date(1990, 1, 1))
    add_member(svc, t.ids["B1a"])
    for _ in range(4):
        add_member(svc, t.ids["C"])
    return t
