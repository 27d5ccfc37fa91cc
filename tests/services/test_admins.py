"""Administrators change (R-REG-6) and passwords (R-REG-7): the list of a child's
administrators, deactivation, hand-over, password change, one-time reset codes and the
server operator's unlock and reset; on both backends."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from pony.orm import db_session

from tests.helpers import PASSWORD, person, register_admin
from tests.services.conftest import OP
from zhtj_tui.domain.errors import Conflict, DomainError, Forbidden

NEW_PASSWORD = "newpass2026x"


def refused(fn, *args, **kw) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    return info.value


def another_admin(svc, org_id, name="孙三"):
    """A second administrator of ``org_id``: (Actor, Person)."""
    code = svc.codes.issue(OP, org_id).code
    session, who = register_admin(svc, code, person(name=name))
    return session.actor(org_id), who


# -- R-REG-6: the list -------------------------------------------------------------------
def test_list_shows_name_masked_mobile_last_login(svc, tree, clock):
    # R-REG-6: 下级管理 lists a child's administrators; personal data masked (SPEC §9).
    second, who = another_admin(svc, tree.ids["a"])
    admins = svc.admins.list(tree.me["top"], tree.ids["a"])
    assert [a.name for a in admins] == ["李甲", "孙三"]
    mine = admins[1]
    assert mine.mobile_masked != who.mobile and mine.mobile_masked[:3] == who.mobile[:3] and "*" in mine.mobile_masked
    assert mine.last_login_at == clock() and mine.active and mine.post_name == "书记"
    assert who.mobile not in repr(admins) and who.id_number not in repr(admins)
    with pytest.raises(Forbidden):
        svc.admins.list(tree.me["b"], tree.ids["a"])  # outside b's subtree


# -- R-REG-6: deactivation ----------------------------------------------------------------
def test_parent_deactivates_an_administrator(svc, tree, clock):
    # R-REG-6: the direct parent deactivates with a reason; only active administrators
    # count, so the organisation shows 没有管理员 again; the person can no longer log in
    # nor act with a session opened before.
    ids, top, a_admin = tree.ids, tree.me["top"], tree.me["a"]
    view = svc.admins.deactivate(top, ids["a"], a_admin.account_id, "调离本单位")
    assert not view.active
    assert svc.orgs.get(top, ids["a"]).admin_count == 0
    row = next(r for r in svc.orgs.list_children(top, ids["top"]).items if r.id == ids["a"])
    assert row.admin_count == 0
    problems = svc.progress.problems(top, ids["top"])
    assert ids["a"] in {p.org_id for p in problems.items if p.kind == "no_admin"}
    err = refused(svc.accounts.login, _mobile_of(svc, a_admin.account_id), PASSWORD)
    assert err.code == "deactivated" and "已停用" in err.message and "注册码" in err.message
    with pytest.raises(Forbidden):
        svc.orgs.get(a_admin, ids["a"])  # the old session is refused too
    entry = svc.audit.recent(top, ids["a"], action_prefix="admin.deactivate")[0]
    assert entry.note == "调离本单位" and entry.at == clock()
    assert refused(svc.admins.deactivate, top, ids["a"], a_admin.account_id, "再次").code == "already_inactive"
    assert [a.active for a in svc.admins.list(top, ids["a"])] == [False]


def _mobile_of(svc, account_id: int) -> str:
    with db_session:
        return svc.store.Account[account_id].mobile


def test_deactivation_refusals(svc, tree):
    # R-REG-6: only the direct parent (or the server operator), with a reason.
    ids = tree.ids
    cases = [
        (tree.me["a"], ids["a"], tree.me["a"].account_id),  # own organisation: hand over instead
        (tree.me["top"], ids["a1"], tree.me["a1"].account_id),  # not a direct child
        (tree.me["b"], ids["a1"], tree.me["a1"].account_id),  # outside the subtree
    ]
    for actor, org, acc in cases:
        with pytest.raises(Forbidden):
            svc.admins.deactivate(actor, org, acc, "原因")
    assert refused(svc.admins.deactivate, tree.me["top"], ids["a"], tree.me["a"].account_id, " ").code == "required"
    assert refused(svc.admins.deactivate, tree.me["top"], ids["a"], tree.me["b"].account_id, "原因").code == \
        "admin_not_found"
    assert all(a.active for a in svc.admins.list(OP, ids["a"]))
    svc.admins.deactivate(OP, ids["a"], tree.me["a"].account_id, "服务器管理员停用")
    assert svc.orgs.get(OP, ids["a"]).admin_count == 0


# -- R-REG-6: hand-over ---------------------------------------------------------------------
def test_hand_over_to_a_successor(svc, tree, clock):
    # R-REG-6: a code for the successor, then the administrator is deactivated; the
    # successor registers with it; the predecessor cannot log in any more.
    ids, a_admin = tree.ids, tree.me["a"]
    old = svc.codes.issue(tree.me["top"], ids["a"]).code  # an unused code handed out earlier
    result = svc.admins.hand_over(a_admin, "换届")
    assert result.org_id == ids["a"] and len(result.code.code) == 8 and result.code.code != old
    assert svc.orgs.get(OP, ids["a"]).admin_count == 0
    assert refused(svc.codes.check, old).code == "code_revoked"  # R-CODE-5
    with pytest.raises(Forbidden):
        svc.admins.hand_over(a_admin, "再次")
    session, _ = register_admin(svc, result.code.code, person(name="接任者"))
    assert [r.org_id for r in session.roles] == [ids["a"]]
    assert [a.name for a in svc.admins.list(OP, ids["a"]) if a.active] == ["接任者"]
    assert refused(svc.accounts.login, _mobile_of(svc, a_admin.account_id), PASSWORD).code == "deactivated"
    entry = svc.audit.recent(OP, ids["a"], action_prefix="admin.hand_over")[0]
    assert entry.note == "换届" and entry.actor_label == "李甲"
    assert refused(svc.admins.hand_over, session.actor(ids["a"]), "").code == "required"
    with pytest.raises(Forbidden):
        svc.admins.hand_over(OP, "服务器管理员没有组织")


def test_former_administrator_registers_again(svc, tree):
    # R-REG-6: a deactivated administrator may be given a new code; the same role is
    # active again (one role per person and organisation).
    ids = tree.ids
    second, who = another_admin(svc, ids["b"])
    svc.admins.deactivate(tree.me["top"], ids["b"], second.account_id, "暂停")
    code = svc.codes.issue(tree.me["top"], ids["b"]).code
    svc.accounts.register(code, "副书记", who.name, who.id_number, who.mobile, who.join_month, PASSWORD)
    mine = [a for a in svc.admins.list(OP, ids["b"]) if a.account_id == second.account_id]
    assert len(mine) == 1 and mine[0].active and mine[0].post_name == "副书记"
    assert svc.accounts.login(who.mobile, PASSWORD).roles[0].org_id == ids["b"]


# -- R-REG-7: passwords -----------------------------------------------------------------------
def test_change_own_password(svc, tree):
    # R-REG-7: the old password is required.
    _, who = another_admin(svc, tree.ids["b"])
    acc = svc.accounts.login(who.mobile, PASSWORD).account_id
    assert refused(svc.accounts.change_password, acc, "wrongpass1", NEW_PASSWORD).code == "bad_password"
    assert refused(svc.accounts.change_password, acc, PASSWORD, "short").field == "new_password"
    svc.accounts.change_password(acc, PASSWORD, NEW_PASSWORD)
    assert refused(svc.accounts.login, who.mobile, PASSWORD).code == "bad_login"
    assert svc.accounts.login(who.mobile, NEW_PASSWORD).account_id == acc


def test_reset_code_issued_by_parent_and_redeemed_once(svc, tree, clock):
    # R-REG-7: 8 characters like R-CODE-1, valid 24 hours, single use; the lock goes too.
    ids = tree.ids
    second, who = another_admin(svc, ids["a"])
    for _ in range(5):
        with pytest.raises(DomainError):
            svc.accounts.login(who.mobile, "wrongpass1")
    assert refused(svc.accounts.login, who.mobile, PASSWORD).code == "locked"
    view = svc.admins.issue_reset_code(tree.me["top"], ids["a"], second.account_id)
    assert len(view.code) == 8 and view.code.isalnum() and view.expires_at == clock() + timedelta(hours=24)
    with db_session:
        assert view.code not in repr(svc.store.Account[second.account_id].to_dict())  # only a digest
    assert view.code not in repr(svc.audit.recent(OP, ids["a"]))
    last = view.code[-1]  # changed within its kind: the code keeps a digit and a letter
    wrong = view.code[:-1] + (("1" if last != "1" else "2") if last.isdigit() else ("A" if last != "A" else "B"))
    assert refused(svc.accounts.redeem_reset_code, who.mobile, wrong, NEW_PASSWORD).code == "reset_wrong"
    assert refused(svc.accounts.redeem_reset_code, who.mobile, view.code, "short").field == "new_password"
    assert svc.accounts.redeem_reset_code(who.mobile, view.code, NEW_PASSWORD) == who.mobile
    assert svc.accounts.login(who.mobile, NEW_PASSWORD).account_id == second.account_id  # unlocked
    assert refused(svc.accounts.redeem_reset_code, who.mobile, view.code, "another2026x").code == "reset_none"
    entry = svc.audit.recent(OP, ids["a"], action_prefix="account.reset_code")[0]
    assert entry.actor_label == "王总"


def test_reset_code_expires_after_24_hours(svc, tree, clock):
    # R-REG-7: valid 24 hours; a new code replaces the earlier one.
    ids = tree.ids
    second, who = another_admin(svc, ids["b"])
    first = svc.admins.issue_reset_code(tree.me["top"], ids["b"], second.account_id)
    clock.advance(hours=24)
    err = refused(svc.accounts.redeem_reset_code, who.mobile, first.code, NEW_PASSWORD)
    assert err.code == "reset_expired" and "过期" in err.message and "上级组织" in err.message
    again = svc.admins.issue_reset_code(tree.me["top"], ids["b"], second.account_id)
    clock.advance(hours=23, minutes=59)
    assert refused(svc.accounts.redeem_reset_code, who.mobile, first.code, NEW_PASSWORD).code == "reset_wrong"
    svc.accounts.redeem_reset_code(who.id_number, again.code, NEW_PASSWORD)  # by ID number too
    assert svc.accounts.login(who.id_number, NEW_PASSWORD).account_id == second.account_id


def test_reset_code_refusals(svc, tree):
    # R-REG-7: only the direct parent's administrator (or the operator), for an active
    # administrator of the child.
    ids = tree.ids
    for actor, org, acc in [
        (tree.me["a"], ids["a"], tree.me["a"].account_id),  # own: change the password instead
        (tree.me["top"], ids["a1"], tree.me["a1"].account_id),  # not a direct child
        (tree.me["b"], ids["a"], tree.me["a"].account_id),
    ]:
        with pytest.raises(Forbidden):
            svc.admins.issue_reset_code(actor, org, acc)
    svc.admins.deactivate(tree.me["top"], ids["a"], tree.me["a"].account_id, "调离")
    with pytest.raises(Conflict):
        svc.admins.issue_reset_code(tree.me["top"], ids["a"], tree.me["a"].account_id)


def test_reset_code_used_once_under_a_race(svc, tree):
    # R-REG-7: redeeming is one conditional UPDATE: two submissions at once, one wins.
    second, who = another_admin(svc, tree.ids["a"])
    view = svc.admins.issue_reset_code(tree.me["top"], tree.ids["a"], second.account_id)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def redeem(pw: str) -> None:
        barrier.wait()
        try:
            svc.accounts.redeem_reset_code(who.mobile, view.code, pw)
            outcomes.append(pw)
        except DomainError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=redeem, args=(f"racer{i}pass2026",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o.startswith("racer")]
    assert len(winners) == 1, outcomes
    assert svc.accounts.login(who.mobile, winners[0]).account_id == second.account_id


def test_lock_message_says_who_can_help(svc, tree):
    # R-REG-7: after 5 wrong passwords, locked for 15 minutes; the message names the
    # parent organisation (reset code) and the server operator.
    _, who = another_admin(svc, tree.ids["a1"])
    for _ in range(4):
        refused(svc.accounts.login, who.mobile, "wrongpass1")
    err = refused(svc.accounts.login, who.mobile, "wrongpass1")
    assert err.code == "locked" and "16:15" in err.message
    assert "“师范学院团委”的管理员" in err.message and "忘记密码" in err.message and "zhtj account unlock" in err.message
    err = refused(svc.accounts.login, who.mobile, PASSWORD)
    assert err.code == "locked" and "师范学院团委" in err.message
    # The top organisation's administrator has no parent: the server operator helps.
    top_mobile = _mobile_of(svc, tree.me["top"].account_id)
    for _ in range(5):
        err = refused(svc.accounts.login, top_mobile, "wrongpass1")
    assert err.code == "locked" and "服务器管理员" in err.message and "的管理员为您" not in err.message


def test_operator_unlock_and_reset(svc, tree):
    # R-REG-7: the server operator can unlock or reset any account.
    _, who = another_admin(svc, tree.ids["b1"])
    for _ in range(5):
        refused(svc.accounts.login, who.mobile, "wrongpass1")
    acc_id, name, was = svc.accounts.unlock(OP, who.mobile)
    assert (name, was) == ("孙三", True)
    assert svc.accounts.login(who.mobile, PASSWORD).account_id == acc_id
    view = svc.accounts.operator_reset(OP, who.id_number.lower())
    svc.accounts.redeem_reset_code(who.mobile, view.code, NEW_PASSWORD)
    assert svc.accounts.login(who.mobile, NEW_PASSWORD).account_id == acc_id
    assert refused(svc.accounts.unlock, OP, "13900000000").code == "account_not_found"
    assert refused(svc.accounts.operator_reset, OP, "abc").code == "login_format"
    with db_session:
        actions = {(e.action, e.entity_id) for e in svc.store.AuditEntry.select() if e.entity == "account"}
    assert {("account.unlock", acc_id), ("account.reset_code", acc_id), ("account.reset_password", acc_id)} <= actions


def test_deactivated_administrator_does_not_keep_an_org_from_deletion(svc, tree):
    # R-REG-6 with R-TREE-6: only active administrators count, for deletion too.
    me = tree.me["a"]
    wrong = svc.orgs.create_child(me, tree.ids["a"], "误建2019级2班团支部", "团支部").id
    second, _ = another_admin(svc, wrong, name="误建管理")
    assert svc.orgs.delete_blockers(me, wrong) == ("1 名管理员",)
    svc.admins.deactivate(me, wrong, second.account_id, "误建组织")
    assert svc.orgs.delete_blockers(me, wrong) == ()
    svc.orgs.delete(me, wrong, "误建")
    assert refused(svc.accounts.login, _mobile_of(svc, second.account_id), PASSWORD).code == "deactivated"
