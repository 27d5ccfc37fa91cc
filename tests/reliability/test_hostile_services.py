"""Hostile input at the services (issue 8): every text argument of every service method
gets 10,000-character names, control characters, right-to-left overrides, zero-width
characters, emoji and NUL bytes. Each call ends in a value or a ``DomainError`` in
Chinese — never another exception — and a refusal writes nothing. Length limits come
from one place (``domain/text.LIMITS`` through ``clean_text``): what is stored never
exceeds them."""

from __future__ import annotations

import itertools
import re

import pytest
from pony.orm import db_session

from tests.helpers import PASSWORD, admin_of, person
from tests.reliability.conftest import tried
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import LIMITS
from zhtj_tui.services.dto import Actor

_seq = itertools.count()

HOSTILE = [
    "团" * 10_000,
    "1" * 10_000,
    "\U0001F600" * 5_000,
    "正常\u202e名称团委",
    "正常\u200b名称团委",
    "a\x00b团委",
    "\x1b[31m红色团委",
    "\ufeff团委",
    "\u0301\u0301团委",
    "=cmd|' /C calc'!A0团委",
    "",
    " ",
]


def _calls(svc, me, top_id, code):
    idn, mobile = person().id_number, person().mobile
    org = svc.orgs
    return {
        "orgs.create_child.short_name": lambda v: org.create_child(me, top_id, v, "团委"),
        "orgs.create_child.full_name": lambda v: org.create_child(me, top_id, "某某学院团委", "团委", v),
        "orgs.create_child.category": lambda v: org.create_child(me, top_id, "某某学院团委", v),
        "orgs.save_info.full_name": lambda v: org.save_info(me, top_id, {"full_name": v}),
        "orgs.save_info.email": lambda v: org.save_info(me, top_id, {"email": v}),
        "orgs.save_info.contact_phone": lambda v: org.save_info(me, top_id, {"contact_phone": v}),
        "orgs.save_info.industry": lambda v: org.save_info(me, top_id, {"industry": v}),
        "orgs.save_info.admin_quota": lambda v: org.save_info(me, top_id, {"admin_quota": v}),
        "orgs.save_info.secretary_name": lambda v: org.save_info(
            me, top_id, {"secretary_name": v, "secretary_id": idn, "secretary_mobile": mobile}),
        "orgs.save_info.secretary_id": lambda v: org.save_info(
            me, top_id, {"secretary_name": "张三", "secretary_id": v, "secretary_mobile": mobile}),
        "orgs.save_info.secretary_mobile": lambda v: org.save_info(
            me, top_id, {"secretary_name": "张三", "secretary_id": idn, "secretary_mobile": v}),
        "orgs.search": lambda v: org.search(me, v),
        "codes.check": lambda v: svc.codes.check(v),
        "accounts.login.login": lambda v: svc.accounts.login(v, PASSWORD),
        "accounts.login.password": lambda v: svc.accounts.login(mobile, v),
        "accounts.register.code": lambda v: svc.accounts.register(v, "书记", "张三", idn, mobile, "2015-05", PASSWORD),
        "accounts.register.post": lambda v: svc.accounts.register(code, v, "张三", idn, mobile, "2015-05", PASSWORD),
        "accounts.register.post_name": lambda v: svc.accounts.register(
            code, "其他", "张三", idn, mobile, "2015-05", PASSWORD, post_name=v),
        "accounts.register.name": lambda v: svc.accounts.register(code, "书记", v, idn, mobile, "2015-05", PASSWORD),
        "accounts.register.id_number": lambda v: svc.accounts.register(code, "书记", "张三", v, mobile, "2015-05", PASSWORD),
        "accounts.register.mobile": lambda v: svc.accounts.register(code, "书记", "张三", idn, v, "2015-05", PASSWORD),
        "accounts.register.join_month": lambda v: svc.accounts.register(code, "书记", "张三", idn, mobile, v, PASSWORD),
        "accounts.register.password": lambda v: svc.accounts.register(code, "书记", "张三", idn, mobile, "2015-05", v),
        "accounts.change_password": lambda v: svc.accounts.change_password(me.account_id, PASSWORD, v),
        **_member_calls(svc, me, top_id),
    }


def _member_calls(svc, me, top_id):
    """Members, cadres, progress: every text argument."""
    from datetime import date

    from tests.member_helpers import member_values
    from zhtj_tui.services.members import REMOVE_REASONS

    op = Actor.server_operator()
    branch = svc.orgs.create_child(op, top_id, f"敌意{next(_seq)}班团支部", "团支部").id
    reason = next(iter(REMOVE_REASONS))

    def add(field):
        return lambda v: svc.members.add(me, branch, member_values(**{field: v}))

    def update(field):
        def call(v):
            values = member_values()
            m = svc.members.add(op, branch, values)
            return svc.members.update(me, m.id, {**values, field: v}, expected_version=m.version)
        return call

    def remove_note(v):
        m = svc.members.add(op, branch, member_values())
        return svc.members.remove(me, m.id, reason, note=v)

    def cadre(field):
        def call(v):
            p = person(name="干部某")
            who = {"name": p.name, "id_number": p.id_number, "mobile": p.mobile}
            who[field] = v
            return svc.cadres.appoint(me, top_id, "01", who)
        return call

    calls = {f"members.add.{f}": add(f) for f in ("name", "id_number", "ethnic", "political", "join_month",
                                                   "education", "mobile", "member_no", "post", "post_name",
                                                   "join_unit", "note")}
    calls.update({f"members.update.{f}": update(f) for f in ("name", "note", "join_unit", "post_name")})
    calls["members.remove.reason"] = lambda v: svc.members.remove(me, 10**6, v)
    calls["members.remove.note"] = remove_note
    calls["members.list.query"] = lambda v: svc.members.list(me, branch, v)
    calls["members.branches.text"] = lambda v: svc.members.branches(me, v)
    calls.update({f"cadres.appoint.{f}": cadre(f) for f in ("name", "id_number", "mobile")})
    calls["cadres.appoint.post"] = lambda v: svc.cadres.appoint(me, top_id, v, {"name": "张三", "id_number": "x", "mobile": "y"})
    calls["progress.create_task.name"] = lambda v: svc.progress.create_task(me, top_id, v, "members_entered",
                                                                            date(2026, 11, 15))
    calls["progress.create_task.kind"] = lambda v: svc.progress.create_task(me, top_id, "任务", v, date(2026, 11, 15))
    return calls


def _stored_lengths(svc) -> dict[str, int]:
    """The longest stored value of each limited text column."""
    cols = {"org.short_name": "short_name", "org.full_name": "full_name", "org.email": "email",
            "org.contact_phone": "contact_phone", "cadre.name": "person_name", "account.name": "person_name",
            "admin_role.post_name": "post_name", "member.name": "person_name", "member.note": "note",
            "member.join_unit": "join_unit", "member.post_name": "post_name", "member.left_reason": "reason",
            "deadline_task.name": "task_name"}
    out = {}
    with db_session:
        for col, field in cols.items():
            table, column = col.split(".")
            longest = svc.store.db.select(f"select max(length({column})) from {table}")[0] or 0
            assert longest <= LIMITS[field], col
            out[col] = longest
    return out


def test_hostile_text_at_every_service_argument(svc):
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "敌意大学团委", "团委")
    me = admin_of(svc, top.id)
    child = svc.orgs.create_child(me, top.id, "被测学院团委", "团委")
    code = svc.codes.issue(me, child.id).code
    calls = _calls(svc, me, top.id, code)
    for name, call in calls.items():
        for value in HOSTILE:
            tried[f"services {name}"] += 1
            try:
                call(value)
            except DomainError as exc:
                msg = exc.message
                assert re.search(r"[\u4e00-\u9fff]", msg), (name, msg[:100])
                # A refusal quotes at most a short excerpt, and never control characters.
                assert len(msg) < 300, (name, msg[:100])
                assert not re.search("[\x00-\x1f\x7f\u200b\u202e\ufeff]", msg), (name, msg[:100])
    _stored_lengths(svc)
    # Nothing hostile was stored anywhere.
    with db_session:
        texts = svc.store.db.select("select short_name || coalesce(full_name, '') || coalesce(email, '') "
                                    "|| coalesce(contact_phone, '') from org")
        texts += svc.store.db.select("select name || coalesce(note, '') || coalesce(join_unit, '') || "
                                     "coalesce(post_name, '') || coalesce(left_reason, '') from member")
        texts += svc.store.db.select("select name from cadre")
        texts += svc.store.db.select("select name from deadline_task")
    for t in texts:
        assert not re.search("[\x00-\x1f\u200b\u202e\ufeff]", t), t


@pytest.mark.parametrize("field", sorted(LIMITS))
def test_every_limit_is_enforced_by_clean_text(field):
    """One place: a value one character over the limit is refused by clean_text itself."""
    from zhtj_tui.domain.text import clean_text

    assert clean_text("团" * LIMITS[field], field) == "团" * LIMITS[field]
    with pytest.raises(DomainError) as info:
        clean_text("团" * (LIMITS[field] + 1), field)
    assert info.value.code == "too_long"


def test_text_columns_are_no_wider_than_needed_for_the_limits(svc):
    """The schema's text columns and LIMITS agree: no column is narrower than its limit
    (a value that passed clean_text would be refused by the database)."""
    s = svc.store
    pairs = [(s.Org.short_name, "short_name"), (s.Org.full_name, "full_name"), (s.Org.email, "email"),
             (s.Org.contact_phone, "contact_phone"), (s.Account.name, "person_name"),
             (s.Cadre.name, "person_name"), (s.AdminRole.post_name, "post_name")]
    if hasattr(s.Member, "note"):
        pairs += [(s.Member.name, "person_name"), (s.Member.note, "note"), (s.Member.join_unit, "join_unit"),
                  (s.Member.post_name, "post_name")]
    for attr, field in pairs:
        assert attr.args[0] >= LIMITS[field], (attr, field)
