"""Administrator registration R-REG-1..5 and login, on both backends."""

from datetime import date

import pytest

from tests.helpers import PASSWORD, person, register_admin
from tests.services.conftest import OP
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import make_id_number


def refused(fn, *args, **kw) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    return info.value


def register(svc, code, who, password=PASSWORD, post="书记", **kw):
    values = {"name": who.name, "id_number": who.id_number, "mobile": who.mobile, "join_month": who.join_month}
    values.update(kw)
    return svc.accounts.register(code, post, values["name"], values["id_number"], values["mobile"],
                                 values["join_month"], password)


@pytest.fixture
def code(svc, tree):
    return svc.codes.issue(tree.me["top"], tree.ids["a"]).code


def test_register_then_login_by_mobile_and_id_number(svc, tree, code):
    # R-REG-1, R-REG-5
    who = person(name="孙悟空")
    done = register(svc, code, who)
    assert done.org_id == tree.ids["a"] and done.new_account
    by_mobile = svc.accounts.login(who.mobile, PASSWORD)
    by_id = svc.accounts.login(who.id_number.lower(), PASSWORD)
    assert by_mobile.account_id == by_id.account_id == done.account_id
    assert [(r.org_id, r.post_name, r.path_names) for r in by_id.roles] == [
        (tree.ids["a"], "书记", ("石河子大学团委", "师范学院团委"))
    ]
    entries = svc.audit.recent(tree.me["top"], tree.ids["a"], action_prefix="account.register")
    assert entries[0].actor_label == "孙悟空" and entries[0].after == {"post": "01", "new_account": True}


def test_password_is_stored_as_argon2id(svc, code):
    # R-REG-5
    from pony.orm import db_session

    who = person()
    register(svc, code, who)
    with db_session:
        stored = svc.store.Account.get(mobile=who.mobile).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_registration_refusals(svc, tree, code):
    # R-REG-2 join age, R-REG-3 ID number, R-REG-4 mobile, password policy
    born = date(2005, 6, 15)
    young = person(birth=born, join_month="2018-05")
    err = refused(register, svc, code, young)
    assert (err.code, err.field) == ("join_age", "join_month") and "13周岁" in err.message
    who = person()
    bad_check = who.id_number[:17] + ("0" if who.id_number[17] != "0" else "1")
    assert refused(register, svc, code, who, id_number=bad_check).code == "id_check"
    assert refused(register, svc, code, who, mobile="12345678901").code == "mobile_prefix"
    assert refused(register, svc, code, who, password="short1").code == "password_short"
    assert refused(register, svc, code, who, password="onlyletters").code == "password_weak"
    assert refused(register, svc, code, who, name="X").code == "too_short"
    # nothing was used up by the refusals
    assert register(svc, code, who).org_id == tree.ids["a"]
    # R-REG-2: under 14 passes with a warning
    warned = person(birth=born, join_month="2018-06")
    done = register(svc, svc.codes.issue(tree.me["top"], tree.ids["a"]).code, warned)
    assert any("14" in w for w in done.warnings)


def test_used_revoked_unknown_codes(svc, tree, code):
    # R-CODE-3, R-CODE-5
    register(svc, code, person())
    err = refused(register, svc, code, person())
    assert err.code == "code_used" and "已被使用" in err.message
    old = svc.codes.issue(tree.me["top"], tree.ids["b"]).code
    svc.codes.issue(tree.me["top"], tree.ids["b"])
    assert refused(register, svc, old, person()).code == "code_revoked"
    assert refused(register, svc, "Zz9Zz9Zz", person()).code == "code_unknown"
    assert refused(register, svc, "short", person()).code == "code_format"


def test_wrong_codes_are_throttled(svc, tree, clock):
    # Repeated wrong codes are slowed down like wrong passwords: 5 tries, then 15 minutes
    for _ in range(5):
        assert refused(svc.codes.check, "Zz9Zz9Zz").code == "code_unknown"
    err = refused(svc.codes.check, "Zz9Zz9Zz")
    assert err.code == "throttled" and "2026-11-01 16:15" in err.message  # 08:00 UTC + 15 min, China time
    good = svc.codes.issue(tree.me["top"], tree.ids["a"]).code
    assert refused(svc.codes.check, good).code == "throttled"  # even a good code waits
    assert refused(register, svc, good, person()).code == "throttled"
    clock.advance(minutes=15)
    assert svc.codes.check(good).org_id == tree.ids["a"]
    # registering counts wrong codes too, and they come from the same place
    for _ in range(5):
        assert refused(register, svc, "Yy8Yy8Yy", person()).code == "code_unknown"
    assert refused(svc.codes.check, good).code == "throttled"


def test_throttle_is_per_client(svc, tree):
    from zhtj_tui.services import Services

    for _ in range(5):
        refused(svc.codes.check, "Zz9Zz9Zz")
    other = Services(svc.store, svc.settings, client_key="ssh:10.0.0.9")
    good = svc.codes.issue(tree.me["top"], tree.ids["a"]).code
    assert other.codes.check(good).org_id == tree.ids["a"]
    assert refused(svc.codes.check, good).code == "throttled"


def test_existing_account_adds_a_second_organisation(svc, tree, code):
    # R-REG-1 / R-CODE-5: one account per person, several organisations
    who = person(name="周瑜")
    first = register(svc, code, who)
    second_code = svc.codes.issue(tree.me["top"], tree.ids["b"]).code
    err = refused(register, svc, second_code, who, password="wrongpass1")
    assert (err.code, err.field) == ("existing_account_password", "password") and "原密码" in err.message
    assert svc.codes.check(second_code).org_id == tree.ids["b"]  # the code is still unused
    done = register(svc, second_code, who)
    assert (done.account_id, done.new_account) == (first.account_id, False)
    session = svc.accounts.login(who.mobile, PASSWORD)
    assert [r.org_id for r in session.roles] == [tree.ids["a"], tree.ids["b"]]
    # registering twice for one organisation is refused and does not use the code
    third_code = svc.codes.issue(tree.me["top"], tree.ids["a"]).code
    assert refused(register, svc, third_code, who).code == "already_admin"
    assert svc.codes.check(third_code).org_id == tree.ids["a"]


def test_mobile_taken(svc, tree, code):
    # One account per mobile number
    first = person()
    register(svc, code, first)
    other = person(name="黄忠")
    second = svc.codes.issue(tree.me["top"], tree.ids["b"]).code
    err = refused(register, svc, second, other, mobile=first.mobile)
    assert (err.code, err.field) == ("mobile_taken", "mobile")
    assert svc.codes.check(second).org_id == tree.ids["b"]


def test_account_uniqueness_is_the_databases(svc, tree, code, monkeypatch):
    # A second account for one ID number is refused by the database even when the
    # check before it is bypassed (two registrations racing)
    who = person()
    register(svc, code, who)
    second = svc.codes.issue(tree.me["top"], tree.ids["b"]).code
    real_read = svc.accounts.read
    monkeypatch.setattr(svc.accounts, "read", lambda fn: (None, None) if fn.__name__ == "find" else real_read(fn))
    err = refused(register, svc, second, who)
    assert err.code == "account_taken"
    monkeypatch.undo()
    assert svc.codes.check(second).org_id == tree.ids["b"]  # the code use was rolled back


def test_login_lock_after_five_wrong_passwords(svc, tree, code, clock):
    # 5 wrong passwords in a row lock the account for 15 minutes; the message says until when
    who = person()
    register(svc, code, who)
    for _ in range(4):
        assert refused(svc.accounts.login, who.mobile, "wrong1234").code == "bad_login"
    err = refused(svc.accounts.login, who.mobile, "wrong1234")
    assert err.code == "locked" and "2026-11-01 16:15" in err.message
    clock.advance(minutes=14, seconds=59)
    err = refused(svc.accounts.login, who.mobile, PASSWORD)  # even the right password
    assert err.code == "locked" and "16:15" in err.message
    clock.advance(seconds=1)
    assert svc.accounts.login(who.mobile, PASSWORD).name == who.name


def test_a_good_login_resets_the_count(svc, code):
    who = person()
    register(svc, code, who)
    for _ in range(4):
        refused(svc.accounts.login, who.id_number, "wrong1234")
    svc.accounts.login(who.id_number, PASSWORD)
    for _ in range(4):
        assert refused(svc.accounts.login, who.id_number, "wrong1234").code == "bad_login"


def test_unknown_logins(svc):
    assert refused(svc.accounts.login, "", "x").code == "required"
    assert refused(svc.accounts.login, "13900000000", "").code == "required"
    for _ in range(5):
        assert refused(svc.accounts.login, "13900000000", "whatever1").code == "bad_login"
    assert refused(svc.accounts.login, "13900000000", "whatever1").code == "throttled"


def test_change_password(svc, code):
    who = person()
    done = register(svc, code, who)
    assert refused(svc.accounts.change_password, done.account_id, "wrong1234", "newpass99").code == "bad_password"
    svc.accounts.change_password(done.account_id, PASSWORD, "newpass99")
    assert refused(svc.accounts.login, who.mobile, PASSWORD).code == "bad_login"
    assert svc.accounts.login(who.mobile, "newpass99").account_id == done.account_id


def test_region_warning_on_registration(svc, code):
    # R-REG-3: an unknown region is a warning
    who = person()
    who.id_number = make_id_number("990101", who.birth, 7)
    done = register(svc, code, who)
    assert any("990101" in w for w in done.warnings)


def test_register_admin_helper_roundtrip(svc, tree):
    session, _ = register_admin(svc, svc.codes.issue(OP, tree.ids["b1"]).code)
    assert session.roles[0].org_id == tree.ids["b1"]
    assert svc.orgs.get(OP, tree.ids["b1"]).admin_count == 2


def test_lock_time_is_stored_exactly(svc, code, clock):
    who = person()
    register(svc, code, who)
    clock.advance(microseconds=500)
    for _ in range(5):
        refused(svc.accounts.login, who.mobile, "wrong1234")
    clock.advance(minutes=15, microseconds=-1)
    assert refused(svc.accounts.login, who.mobile, PASSWORD).code == "locked"
    clock.advance(microseconds=1)
    assert svc.accounts.login(who.mobile, PASSWORD)


def test_join_age_policy_comes_from_settings(svc, tree):
    # R-REG-2 *public*: with the national 2017-01-01 cut-over, 12 suffices in 2016-10
    from zhtj_tui.domain.joinage import JoinAgePolicy
    from zhtj_tui.services import Services

    who = person(birth=date(2004, 3, 1), join_month="2016-10")
    code = svc.codes.issue(tree.me["top"], tree.ids["a"]).code
    assert refused(register, svc, code, who).code == "join_age"
    national = Services(svc.store, svc.settings.with_(join_age=JoinAgePolicy(cutover=date(2017, 1, 1))), "test")
    assert register(national, code, who).org_id == tree.ids["a"]


def test_registration_password_guesses_count_towards_the_lock(svc, tree, code, clock):
    # The existing-account password at registration is guarded like the login: a valid
    # code must not allow unlimited guesses at someone's password
    who = person()
    register(svc, code, who)
    second = svc.codes.issue(tree.me["top"], tree.ids["b"]).code
    for _ in range(4):
        assert refused(register, svc, second, who, password="guess1234").code == "existing_account_password"
    err = refused(register, svc, second, who, password="guess1234")
    assert err.code == "locked" and "16:15" in err.message
    assert refused(register, svc, second, who).code == "locked"  # even the right password
    assert refused(svc.accounts.login, who.mobile, PASSWORD).code == "locked"
    clock.advance(minutes=15)
    assert register(svc, second, who).org_id == tree.ids["b"]


def test_change_password_guesses_count_towards_the_lock(svc, code):
    who = person()
    done = register(svc, code, who)
    for _ in range(4):
        refused(svc.accounts.change_password, done.account_id, "wrong1234", "newpass99")
    err = refused(svc.accounts.change_password, done.account_id, "wrong1234", "newpass99")
    assert (err.code, err.field) == ("locked", "old_password")


def test_login_records_the_time(svc, code, clock):
    from pony.orm import db_session

    who = person()
    register(svc, code, who)
    clock.advance(hours=2, microseconds=7)
    svc.accounts.login(who.mobile, PASSWORD)
    with db_session:
        acc = svc.store.Account.get(mobile=who.mobile)
        assert (acc.last_login_at, acc.failed_logins, acc.locked_until) == (clock(), 0, None)
