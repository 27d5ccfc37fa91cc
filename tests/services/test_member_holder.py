"""R-MEM-3 before saving: who holds an ID number, worded for the case (the entry form asks
when the ID field is left): this branch, another branch the administrator manages (with
the member to move), or elsewhere (with its path); nobody gives None."""

from __future__ import annotations

import pytest

from tests.helpers import person
from tests.member_helpers import build_tree, member_values


@pytest.fixture
def tree(svc):
    return build_tree(svc)


def test_id_holder_in_each_case(svc, tree):
    here, there, far = person(name="本支"), person(name="邻支"), person(name="远方")
    svc.members.add(tree.college_admin, tree.b1, member_values(here))
    moved = svc.members.add(tree.college_admin, tree.b2, member_values(there))
    svc.members.add(tree.other_admin, tree.b3, member_values(far))
    ask = lambda p: svc.members.id_holder(tree.college_admin, tree.b1, p.id_number)  # noqa: E731
    same, inside, outside = ask(here), ask(there), ask(far)
    assert same.code == "duplicate_in_branch" and "已是本支部的团员 本支" in same.message
    assert inside.code == "duplicate_in_subtree" and inside.member_id == moved.id and "转入本支部" in inside.message
    assert outside.code == "duplicate" and outside.member_id is None and outside.holder_path in outside.message
    assert "远方" not in outside.message  # a name outside the administrator's subtree is not shown
    assert svc.members.id_holder(tree.college_admin, tree.b1, person(name="新人").id_number) is None
