"""R-INFO-4, R-TREE-3, R-MEM-6 (DESIGN: a stored derived value is written in the same
transaction by every write that changes its inputs): random sequences of service calls,
on SQLite and PostgreSQL, after which the consistency check (``zhtj check
--consistency``) recomputes every stored derived value and finds no mismatch.

The calls: create organisations (names with 18级 / 2018年级 / full-width digits / spaces),
correct a 简称, save the organisation's information (with or without a secretary),
appoint and end cadres (书记 included, sometimes a member of the branch), add members
(some as 书记), change a member's 团内职务 or ID number (so their birth date), remove and transfer members, import pasted rows of members, register
administrators, move and delete organisations. Refusals (``DomainError``) are part of the
game; anything else fails the test.

Cost: ``ZHTJ_PROPERTY_EXAMPLES`` examples (default 40; 400 with ``ZHTJ_THOROUGH=1``) of up
to ``ZHTJ_PROPERTY_STEPS`` steps (default 30; 50 when thorough): about 500 service calls per
backend by default. Raise them for a longer search.
"""

from __future__ import annotations

import itertools
import os
from datetime import date

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pony.orm import db_session

from tests.helpers import PASSWORD, THOROUGH, examples, person
from tests.member_helpers import member_values
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.imports import Pasted

OP = Actor.server_operator()
EXAMPLES = int(os.environ.get("ZHTJ_PROPERTY_EXAMPLES", examples(40)))
STEPS = int(os.environ.get("ZHTJ_PROPERTY_STEPS", 50 if THOROUGH else 30))

_college = itertools.count(1)
_names = itertools.count(1)

UNITS = ("计算机", "高级护理", "外语", "化学", "机关")
COHORTS = ("2018级", "18级", "２０１８级", "2017年级", "2019 级", "", "三班")
SUFFIX = {"团委": "学院团委", "团总支": "系团总支", "团支部": "班团支部", "临时团支部": "临时团支部"}
CATEGORIES = ("团委", "团总支", "团支部", "团支部", "临时团支部")
POSTS = ("书记", "副书记", "组织委员", None)
#: Birth dates of the members added or corrected: 超龄 and not, several per branch.
BIRTHS = (date(1990, 4, 2), date(1996, 12, 31), date(1999, 6, 15), date(2003, 2, 2), date(2005, 3, 10))

pick = st.integers(min_value=0, max_value=10**6)
#: Service calls made and consistency checks run, for the figures the test prints.
STATS = {"steps": 0, "checks": 0}


def run_machine(svc, top_id: int) -> None:
    class Machine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            college = svc.orgs.create_child(OP, top_id, f"第{next(_college)}学院团委", "团委")
            branch = svc.orgs.create_child(OP, college.id, f"计算机{next(_names)}18级1班团支部", "团支部")
            self.root = college.id  # kept: every rule has an organisation to work on
            self.orgs: dict[int, str] = {college.id: "committee", branch.id: "branch"}
            self.members: list[int] = []
            self.steps = 0

        # -- helpers ------------------------------------------------------------------
        def _org(self, i: int, groups=None) -> int | None:
            ids = [o for o, g in self.orgs.items() if groups is None or g in groups]
            return ids[i % len(ids)] if ids else None

        def _try(self, fn):
            try:
                return fn()
            except DomainError:
                return None

        # -- the organisation tree -----------------------------------------------------
        @rule(i=pick, unit=st.sampled_from(UNITS), cohort=st.sampled_from(COHORTS),
              cat=st.sampled_from(CATEGORIES), spaced=st.booleans())
        def create_org(self, i, unit, cohort, cat, spaced):
            parent = self._org(i, ("committee", "general_branch"))
            name = f"{unit}{next(_names)}{cohort}{SUFFIX[cat]}"
            if spaced:
                name = " ".join(name)
            view = self._try(lambda: svc.orgs.create_child(OP, parent, name, cat))
            if view is not None:
                self.orgs[view.id] = view.group

        @rule(i=pick, cohort=st.sampled_from(COHORTS))
        def correct_name(self, i, cohort):
            org = self._org(i)
            view = svc.orgs.get(OP, org)
            suffix = SUFFIX.get(view.category_name, view.category_name)
            self._try(lambda: svc.orgs.correct(OP, org, {"short_name": f"更正{next(_names)}{cohort}{suffix}"},
                                               "名称写错"))

        @rule(i=pick, j=pick)
        def move_org(self, i, j):
            self._try(lambda: svc.orgs.move(OP, self._org(i), self._org(j), "隶属关系错误"))

        @rule(i=pick)
        def delete_org(self, i):
            org = self._org(i)
            if org != self.root and self._try(lambda: svc.orgs.delete(OP, org, "误建")) is not None:
                del self.orgs[org]

        @rule(i=pick, secretary=st.booleans(), complete=st.booleans())
        def save_info(self, i, secretary, complete):
            org = self._org(i)
            view = svc.orgs.get(OP, org)
            values = {"full_name": f"共青团全称{org}"} if not view.full_name else {}
            if complete:
                values["industry"] = "普通高等院校"
                if not view.is_branch:
                    values |= {"admin_quota": 3, "admin_actual": 2, "inst_quota": 1, "inst_actual": 1}
            if secretary:
                p = person(name="李书记")
                values |= {"secretary_name": p.name, "secretary_id": p.id_number, "secretary_mobile": p.mobile}
            self._try(lambda: svc.orgs.save_info(OP, org, values))

        @rule(i=pick)
        def register_admin(self, i):
            org = self._org(i)
            code = svc.codes.issue(OP, org).code
            p = person(name="赵管理")
            self._try(lambda: svc.accounts.register(code, "组织委员", p.name, p.id_number, p.mobile, p.join_month,
                                                    PASSWORD))

        # -- cadres --------------------------------------------------------------------
        @rule(i=pick, post=st.sampled_from(POSTS[:3]), member=st.booleans(), k=pick)
        def appoint(self, i, post, member, k):
            org = self._org(i)
            who = None
            if member and self.orgs[org] == "branch":
                here = svc.members.list(OP, org).items
                if here:
                    m = svc.members.get(OP, here[k % len(here)].id)
                    who = {"name": m.name, "id_number": m.id_number, "mobile": m.mobile}
            if who is None:
                p = person(name="钱干部")
                who = {"name": p.name, "id_number": p.id_number, "mobile": p.mobile}
            self._try(lambda: svc.cadres.appoint(OP, org, post, who))

        @rule(i=pick, k=pick)
        def end_cadre(self, i, k):
            current = svc.cadres.list(OP, self._org(i)).current
            if current:
                self._try(lambda: svc.cadres.end(OP, current[k % len(current)].id))

        # -- members -------------------------------------------------------------------
        @precondition(lambda self: any(g == "branch" for g in self.orgs.values()))
        @rule(i=pick, post=st.sampled_from(POSTS), birth=st.sampled_from(BIRTHS))
        def add_member(self, i, post, birth):
            branch = self._org(i, ("branch",))
            p = person(birth=birth, join_month=f"{max(birth.year + 14, 2010)}-09")
            view = self._try(lambda: svc.members.add(OP, branch, member_values(p, post=post or "")))
            if view is not None:
                self.members.append(view.id)

        @precondition(lambda self: any(g == "branch" for g in self.orgs.values()))
        @rule(i=pick, births=st.lists(st.sampled_from(BIRTHS), min_size=1, max_size=4))
        def import_members(self, i, births):
            """Rows pasted into a branch: the raw bulk insert keeps the counts (by birth
            month, the oldest member) itself, whether the rows are older or younger than
            the branch's members."""
            branch = self._org(i, ("branch",))
            people = [person(birth=b, join_month=f"{max(b.year + 14, 2010)}-09") for b in births]
            lines = ["\t".join(["姓名", "身份证号码", "民族", "政治面貌", "入团年月", "学历", "手机号码"])]
            lines += ["\t".join([p.name, p.id_number, "汉族", "共青团员", p.join_month, "本科在读", p.mobile])
                      for p in people]
            result = self._try(lambda: svc.member_import.run_file(OP, branch, Pasted("\n".join(lines))))
            if result is not None and result.created:
                ids = {p.id_number for p in people}
                with db_session:
                    self.members += [m.id for m in svc.store.Member.select(lambda m: m.active_id in ids)]

        @precondition(lambda self: self.members)
        @rule(k=pick, post=st.sampled_from(POSTS), rename=st.booleans(),
              birth=st.one_of(st.none(), st.sampled_from(BIRTHS)))
        def update_member(self, k, post, rename, birth):
            mid = self.members[k % len(self.members)]
            v = svc.members.get(OP, mid)
            if not v.editable:
                return
            # A corrected ID number changes the birth date (the counts by birth date, R-MEM-5).
            idn = person(birth=birth).id_number if birth else v.id_number
            values = {"name": "周改名" if rename else v.name, "id_number": idn, "ethnic": v.ethnic_name,
                      "political": v.political_name, "join_month": v.join_month, "education": v.education_name,
                      "mobile": v.mobile, "member_no": v.member_no, "post": post or ""}
            self._try(lambda: svc.members.update(OP, mid, values))

        @precondition(lambda self: self.members)
        @rule(k=pick, reason=st.sampled_from(("毕业离团", "转出", "录入错误")))
        def remove_member(self, k, reason):
            self._try(lambda: svc.members.remove(OP, self.members[k % len(self.members)], reason))

        @precondition(lambda self: self.members)
        @rule(k=pick, i=pick)
        def transfer_member(self, k, i):
            target = self._org(i, ("branch",))
            if target is not None:
                # Up to three members at once: one flush moves the oldest of both branches.
                ids = sorted({self.members[(k + j) % len(self.members)] for j in range(1 + k % 3)})
                self._try(lambda: svc.members.transfer(OP, ids, target))

        @precondition(lambda self: self.members)
        @rule(k=pick, i=pick)
        def rejoin_member(self, k, i):
            """A member who left joins a branch again under the same ID number."""
            v = svc.members.get(OP, self.members[k % len(self.members)])
            branch = self._org(i, ("branch",))
            if v.active or branch is None:
                return
            values = {"name": v.name, "id_number": v.id_number, "ethnic": v.ethnic_name,
                      "political": v.political_name, "join_month": v.join_month, "education": v.education_name,
                      "mobile": v.mobile, "member_no": v.member_no}
            view = self._try(lambda: svc.members.add(OP, branch, values))
            if view is not None:
                self.members.append(view.id)

        # -- the property ----------------------------------------------------------------
        # Checked after every fifth call and at the end of each example (the check reads
        # the whole database, which grows over the run); a failure shrinks to the shortest
        # sequence of calls that leaves a stored value wrong.
        @invariant()
        def stored_values_are_true(self):
            self.steps += 1
            STATS["steps"] += 1
            if self.steps % 5 == 0:
                self._check()

        def teardown(self):
            self._check()

        def _check(self):
            STATS["checks"] += 1
            report = svc.consistency.check(limit=5)
            assert report.ok, [m.text() for m in report.mismatches]

    run_state_machine_as_test(Machine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


# R-INFO-4, R-TREE-3, R-TREE-4, R-MEM-6 on both backends
def test_r_info_4_random_service_calls_keep_every_derived_value_true(svc):
    top = svc.orgs.create_top(OP, "性质测试大学团委", "团委", "性质测试大学共青团委员会")
    steps, checks = STATS["steps"], STATS["checks"]
    run_machine(svc, top.id)
    assert svc.consistency.check().ok
    # The invariant runs once before the first call of each example, then after each call.
    print(f"consistency property: {STATS['steps'] - steps - EXAMPLES} service calls, "
          f"{STATS['checks'] - checks} consistency checks")
