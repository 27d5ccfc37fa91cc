"""Member search over a subtree (R-MEM-2), on both backends: every kind of key across several
branches, paged in list order with the branch of each row, personal data masked (§9), left
members only when asked for; and the refusals of the one authority check the lists use."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import person
from tests.member_helpers import build_tree, member_values
from zhtj_tui.domain.errors import Forbidden, NotFound
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.member_list import _key_sql, _scoped_text


@pytest.fixture
def tree(svc):
    return build_tree(svc)


def test_r_mem_2_subtree_search_by_every_key(svc, tree):
    # R-MEM-2: a committee finds members of all its branches by name, initials, ID suffix
    # and 团员编号; another college's member is not found (§9).
    added = {}
    for branch, name in ((tree.b1, "张三"), (tree.b2, "张山"), (tree.b2, "章珊"), (tree.b3, "张散")):
        added[name] = svc.members.add(tree.op, branch, member_values(person(name=name, birth=date(2004, 5, 6))))
    college = lambda q, **kw: [(r.name, r.branch_name) for r in svc.members.list(tree.college_admin, tree.college, q, **kw).items]  # noqa: E731
    assert college("zs") == [("张三", "计算机专业2023级1班团支部"), ("张山", "计算机专业2023级2班团支部"),
                             ("章珊", "计算机专业2023级2班团支部")]
    assert college("张") == [("张三", "计算机专业2023级1班团支部"), ("张山", "计算机专业2023级2班团支部")]
    number = added["章珊"].id_number  # entered by the operator: the full number
    assert college(number[-6:]) == [("章珊", "计算机专业2023级2班团支部")]
    assert college(added["张山"].member_no) == [("张山", "计算机专业2023级2班团支部")]
    assert college(added["张散"].member_no) == [] and college("张散") == []  # another college's
    top = {r.name for r in svc.members.list(tree.top_admin, tree.top, "zs").items}
    assert top == {"张三", "张散", "张山", "章珊"}
    row = svc.members.list(tree.college_admin, tree.college, "章珊").items[0]
    assert row.id_masked == number[:6] + "********" + number[-4:] and row.age >= 18 and row.active


def test_r_mem_2_subtree_pages_and_left_members(svc, tree):
    # DESIGN 8: keyset pages over several branches, in list order; R-MEM-3: a removed member
    # is listed only with include_left, marked not active.
    names = ["赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七"]
    ids = {n: svc.members.add(tree.op, (tree.b1, tree.b2)[i % 2], member_values(person(name=n))).id
           for i, n in enumerate(names)}
    first = svc.members.list(tree.college_admin, tree.college, limit=3, count_all=True)
    assert first.total == 7
    seen, page = [], first
    while True:
        seen += [r.name for r in page.items]
        if page.next_after is None:
            break
        page = svc.members.list(tree.college_admin, tree.college, after=page.next_after, limit=3)
    assert seen == ["李四", "钱二", "孙三", "吴六", "郑七", "周五", "赵一"]
    svc.members.remove(tree.op, ids["孙三"], "转出")
    assert "孙三" not in [r.name for r in svc.members.list(tree.college_admin, tree.college).items]
    left = {r.name: r.active for r in svc.members.list(tree.college_admin, tree.college, "ss", include_left=True).items}
    assert left == {"孙三": False}
    assert svc.members.totals(tree.college_admin, tree.college).members == 6


def test_r_auth_lists_refuse_outside_the_subtree(svc, tree):
    # §9 / R-AUTH: the lists' one authority check refuses like every other read.
    with pytest.raises(Forbidden) as outside:
        svc.members.list(tree.other_admin, tree.college, "zs")
    assert outside.value.code == "outside_subtree"
    forged = Actor(account_id=tree.b1_admin.account_id, org_id=tree.college, label="伪造")
    with pytest.raises(Forbidden) as not_admin:
        svc.members.counts(forged, tree.b1)
    assert not_admin.value.code == "not_admin"
    with pytest.raises(NotFound):
        svc.members.totals(tree.college_admin, 10**9)
    with pytest.raises(Forbidden):
        svc.orgs.search(forged, "jsj")


def test_r_auth_selective_keys_check_authority_in_the_same_statement(svc, tree):
    # §9 / R-AUTH: 团员编号 and ID-suffix searches read the scope and the actor's role in the
    # statement that finds the rows; the same refusals, and nothing of another subtree.
    m = svc.members.add(tree.op, tree.b2, member_values(person(name="章珊", birth=date(2004, 5, 6))))
    other = svc.members.add(tree.op, tree.b3, member_values(person(name="张散", birth=date(2004, 5, 6))))
    assert m.member_no and other.member_no
    suffix = m.id_number[-6:]
    for admin, org in ((tree.college_admin, tree.college), (tree.college_admin, tree.b2), (tree.top_admin, tree.top)):
        for key in (m.member_no, suffix, m.id_number[-12:]):
            assert [r.name for r in svc.members.list(admin, org, key).items] == ["章珊"], (org, key)
    assert svc.members.list(tree.college_admin, tree.b1, m.member_no).items == ()  # another branch
    assert svc.members.list(tree.college_admin, tree.college, other.member_no).items == ()
    assert svc.members.list(tree.college_admin, tree.college, "0000000000009").items == ()
    with pytest.raises(Forbidden) as outside:
        svc.members.list(tree.other_admin, tree.college, m.member_no)
    assert outside.value.code == "outside_subtree"
    forged = Actor(account_id=tree.b1_admin.account_id, org_id=tree.college, label="伪造")
    with pytest.raises(Forbidden) as not_admin:
        svc.members.list(forged, tree.b2, suffix)
    assert not_admin.value.code == "not_admin"
    with pytest.raises(NotFound):
        svc.members.list(tree.college_admin, 10**9, m.member_no)
    with pytest.raises(NotFound):
        svc.members.list(tree.op, 10**9, suffix)
    svc.members.remove(tree.op, m.id, "转出")
    assert svc.members.list(tree.college_admin, tree.college, m.member_no).items == ()
    left = svc.members.list(tree.college_admin, tree.college, suffix, include_left=True).items
    assert [(r.name, r.active) for r in left] == [("章珊", False)]


def test_r_mem_2_each_key_seeks_its_index(tmp_path):
    # R-MEM-2 at scale, on SQLite (PostgreSQL plans by its statistics: benchmarks/run.py
    # --backend postgres prints the figures): in a subtree each search key is read through
    # its own index, where SQLite, with no statistics on ranges, would take the path's (a
    # scan of the whole subtree); a branch is read through the branch's.
    from pony.orm import db_session

    from tests.conftest import make_settings
    from zhtj_tui.services import Services

    svc = Services.open(make_settings(f"sqlite:///{tmp_path / 'plans.sqlite'}"), client_key="test")
    try:
        tree = build_tree(svc, admins=False)
        members = svc.members
        expected = {"initials": "INDEX idx_member_initials_name", "id_suffix": "INDEX idx_member__id_rev",
                    "member_no": "INDEX sqlite_autoindex_member", "name": "(path>? AND path<?)"}

        def plan(scope_id: int, kind: str, text: str) -> str:
            sql, params, _, _ = members.page_sql(members.visible_scope(tree.op, scope_id), kind, text, None, 200,
                                                 False)
            return " ".join(str(r) for r in svc.store.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())

        with db_session:
            for kind, text in (("initials", "zs"), ("id_suffix", "123456"), ("member_no", "201900000001"),
                               ("name", "张")):
                assert expected[kind] in plan(tree.college, kind, text), (kind, plan(tree.college, kind, text))
            assert "(branch=?" in plan(tree.b1, "initials", "zs")
            # A selective key read with the scope: the organisation by its key, then the index.
            for kind, text, index in (("member_no", "201900000001", "INDEX sqlite_autoindex_member"),
                                      ("id_suffix", "123456", "INDEX idx_member__id_rev")):
                for scope_id in (tree.college, tree.b1):
                    cols, joins, params = members.scope_sql(tree.op, scope_id)
                    sql = _scoped_text(cols, joins, True, False, kind, False)
                    params.update(_key_sql(kind, text)[1], lim=201)
                    steps = " ".join(str(r) for r in svc.store.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
                    assert "SEARCH o USING INTEGER PRIMARY KEY" in steps and index in steps, (kind, steps)
    finally:
        svc.close()


def test_member_row_init_sets_every_field_and_stays_frozen():
    # DESIGN 2: MemberRow's own __init__ (fast for pages of 200) must set exactly the
    # dataclass's fields, with their defaults, and the row must stay immutable.
    import dataclasses
    import inspect

    from zhtj_tui.services.dto import MemberRow

    names = [f.name for f in dataclasses.fields(MemberRow)]
    params = inspect.signature(MemberRow.__init__).parameters
    assert list(params)[1:] == names
    assert {n: p.default for n, p in params.items() if p.default is not p.empty} == \
        {f.name: f.default for f in dataclasses.fields(MemberRow) if f.default is not dataclasses.MISSING}
    row = MemberRow(*range(11))
    assert [getattr(row, n) for n in names] == [*range(11), True, ""]
    assert row == MemberRow(*range(11)) and dataclasses.replace(row, name="x").name == "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.name = "x"  # type: ignore[misc]
