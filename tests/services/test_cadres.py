"""团干部 (R-MEM-6): posts, history, one 书记 per organisation, 本组织信息 shares the record."""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import person
from tests.member_helpers import build_tree, member_values
from zhtj_tui.domain.errors import DomainError, Forbidden


@pytest.fixture
def tree(svc):
    return build_tree(svc)


def _who(p):
    return {"name": p.name, "id_number": p.id_number, "mobile": p.mobile}


def test_one_secretary_and_a_change_keeps_history(svc, tree, clock):
    # R-MEM-6: exactly one 书记; a new one closes the old holding with an end date.
    first, second = person(name="钱书记"), person(name="孙书记")
    a = svc.cadres.appoint(tree.b1_admin, tree.b1, "书记", _who(first), date(2026, 9, 1))
    assert a.is_secretary and a.start_date == date(2026, 9, 1) and a.current
    assert svc.orgs.get(tree.b1_admin, tree.b1).secretary.name == "钱书记"
    b = svc.cadres.appoint(tree.b1_admin, tree.b1, "01", _who(second), date(2026, 10, 8))
    listing = svc.cadres.list(tree.b1_admin, tree.b1)
    assert [(c.name, c.post_label, c.is_secretary) for c in listing.current] == [("孙书记", "书记", True)]
    assert [(c.id, c.end_date, c.is_secretary) for c in listing.history] == [(a.id, date(2026, 10, 8), False)]
    assert svc.orgs.get(tree.b1_admin, tree.b1).secretary.name == "孙书记"
    assert svc.cadres.secretary(tree.b1_admin, tree.b1).id == b.id
    actions = [e.action for e in svc.audit.recent(tree.b1_admin, tree.b1, action_prefix="cadre.")]
    assert actions == ["cadre.appoint", "cadre.end", "cadre.appoint"]


def test_database_allows_one_open_secretary(svc, tree):
    # R-MEM-6: Cadre.secretary_of is unique, whatever the code above it does.
    from pony.orm import db_session
    from pony.orm.core import TransactionIntegrityError

    svc.cadres.appoint(tree.b1_admin, tree.b1, "书记", _who(person()))
    p = person()
    with pytest.raises(TransactionIntegrityError), db_session:
        s = svc.store
        s.Cadre(org=s.Org[tree.b1], post="01", name=p.name, id_number=p.id_number, mobile=p.mobile,
                start_date=date(2026, 1, 1), secretary_of=tree.b1, created_at=svc.settings.now())


def test_org_info_secretary_is_the_cadre_record(svc, tree):
    # R-MEM-6 / R-INFO-1: 本组织信息's secretary and the 书记 post are one record.
    p, q = person(name="周书记"), person(name="吴书记")
    info = {"full_name": "计算机专业2023级1班团支部全称", "industry": "普通高等院校",
            "secretary_name": p.name, "secretary_id": p.id_number, "secretary_mobile": p.mobile}
    view = svc.orgs.save_info(tree.b1_admin, tree.b1, info)
    current = svc.cadres.list(tree.b1_admin, tree.b1).current
    assert [(c.name, c.is_secretary, c.id_number) for c in current] == [("周书记", True, p.id_number)]
    # Same person, new mobile: the holding is updated, not duplicated.
    svc.orgs.save_info(tree.b1_admin, tree.b1, {**info, "secretary_mobile": "13700000001"}, view.version)
    listing = svc.cadres.list(tree.b1_admin, tree.b1)
    assert [(c.name, c.mobile) for c in listing.current] == [("周书记", "13700000001")] and listing.history == ()
    # Another person: the old holding closes and stays in the history.
    svc.orgs.save_info(tree.b1_admin, tree.b1, {
        "secretary_name": q.name, "secretary_id": q.id_number, "secretary_mobile": q.mobile})
    listing = svc.cadres.list(tree.b1_admin, tree.b1)
    assert [c.name for c in listing.current] == ["吴书记"] and [c.name for c in listing.history] == ["周书记"]
    # Appointing through the cadre screen shows in 本组织信息 as well.
    svc.cadres.appoint(tree.college_admin, tree.b1, "书记", _who(p))
    assert svc.orgs.get(tree.b1_admin, tree.b1).secretary.name == "周书记"


def test_post_change_closes_the_old_holding(svc, tree, clock):
    # R-MEM-6: 职务变动 — the record is updated and the change kept in history.
    p = person(name="郑委员")
    old = svc.cadres.appoint(tree.college_admin, tree.college, "组织委员", _who(p), date(2025, 9, 1))
    svc.cadres.appoint(tree.college_admin, tree.college, "副书记", _who(person(name="王副")), date(2025, 9, 1))
    new = svc.cadres.appoint(tree.college_admin, tree.college, "宣传委员", _who(p), date(2026, 3, 1))
    listing = svc.cadres.list(tree.college_admin, tree.college)
    assert sorted((c.name, c.post_label) for c in listing.current) == [("王副", "副书记"), ("郑委员", "宣传委员")]
    assert [(c.id, c.post_label, c.end_date) for c in listing.history] == [(old.id, "组织委员", date(2026, 3, 1))]
    assert new.current
    with pytest.raises(DomainError) as err:
        svc.cadres.appoint(tree.college_admin, tree.college, "宣传委员", _who(p))
    assert err.value.code == "already_holds"
    with pytest.raises(DomainError) as err:
        svc.cadres.appoint(tree.college_admin, tree.college, "其他", _who(person()))
    assert err.value.field == "post_name"
    other = svc.cadres.appoint(tree.college_admin, tree.college, "其他", {**_who(person()), "post_name": "联络员"})
    assert other.post_label == "联络员"


def test_end_a_holding(svc, tree):
    # R-MEM-6: 离任 closes the holding; it stays in the history.
    c = svc.cadres.appoint(tree.b1_admin, tree.b1, "组织委员", _who(person()), date(2026, 9, 1))
    with pytest.raises(DomainError) as err:
        svc.cadres.end(tree.b1_admin, c.id, date(2026, 8, 1))
    assert err.value.code == "end_before_start"
    ended = svc.cadres.end(tree.b1_admin, c.id, date(2026, 10, 31))
    assert ended.end_date == date(2026, 10, 31) and not ended.current
    with pytest.raises(DomainError):
        svc.cadres.end(tree.b1_admin, c.id)
    listing = svc.cadres.list(tree.b1_admin, tree.b1)
    assert listing.current == () and [h.id for h in listing.history] == [c.id]
    sec = svc.cadres.appoint(tree.b1_admin, tree.b1, "书记", _who(person()))
    svc.cadres.end(tree.b1_admin, sec.id)
    assert svc.orgs.get(tree.b1_admin, tree.b1).secretary is None


def test_who_may_manage_cadres(svc, tree):
    # R-MEM-1 analogue: own administrator or direct parent's; others read at most.
    svc.cadres.appoint(tree.b1_admin, tree.b1, "委员", _who(person()))
    svc.cadres.appoint(tree.college_admin, tree.b1, "委员", _who(person()))
    for actor in (tree.top_admin, tree.other_admin):
        with pytest.raises(Forbidden):
            svc.cadres.appoint(actor, tree.b1, "委员", _who(person()))
    seen = svc.cadres.list(tree.top_admin, tree.b1)
    assert not seen.editable and all("*" in c.id_number for c in seen.current)
    with pytest.raises(Forbidden):
        svc.cadres.list(tree.other_admin, tree.b1)


def test_committee_cadre_need_not_be_member_and_links_when_one(svc, tree):
    # R-MEM-6: a committee's cadre need not be a member; a member appointed is linked.
    outsider = svc.cadres.appoint(tree.college_admin, tree.college, "书记", _who(person(name="冯老师")))
    assert outsider.member_id is None
    p = person(name="陈同学")
    m = svc.members.add(tree.b1_admin, tree.b1, member_values(p))
    linked = svc.cadres.appoint(tree.b1_admin, tree.b1, "书记", _who(p))
    assert linked.member_id == m.id


def test_cadre_over_age_flag(svc, tree):
    # R-MEM-5 for cadres: the list flags a holder aged 28 or over.
    old = person(birth=date(1990, 1, 1), name="褚老")
    c = svc.cadres.appoint(tree.college_admin, tree.college, "委员", _who(old))
    assert c.over_age and c.age == 36
