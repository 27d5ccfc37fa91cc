"""Registration codes, R-CODE-1..6, on both backends."""

from datetime import timedelta

import pytest

from tests.helpers import person, register_admin
from tests.services.conftest import OP
from zhtj_tui.domain.errors import DomainError, Forbidden


def refused(fn, *args, **kw) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kw)
    return info.value


def test_code_shape_and_20_day_expiry(svc, tree, clock):
    # R-CODE-1, R-CODE-2
    code = svc.codes.issue(tree.me["top"], tree.ids["a"])
    assert len(code.code) == 8 and code.code.isalnum()
    assert code.issued_at == clock() and code.expires_at == clock() + timedelta(days=20)
    assert (code.org_id, code.org_name, code.category_name, code.reused) == (tree.ids["a"], "师范学院团委", "团委", False)


def test_expired_code_is_refused_at_the_exact_instant(svc, tree, clock):
    # R-CODE-2: valid for 20 days; at the expiry instant (whole seconds, microsecond 0,
    # as the FakeClock gives) it is refused, with a message saying the parent must issue a new one
    code = svc.codes.issue(tree.me["top"], tree.ids["a"])
    clock.advance(days=20, microseconds=-1)
    assert svc.codes.check(code.code).org_id == tree.ids["a"]
    clock.advance(microseconds=1)
    assert clock().microsecond == 0
    err = refused(svc.codes.check, code.code)
    assert err.code == "code_expired" and "过期" in err.message and "上级组织管理员生成新的注册码" in err.message
    who = person()
    err = refused(svc.accounts.register, code.code, "书记", who.name, who.id_number, who.mobile, who.join_month, "pass1234")
    assert err.code == "code_expired"
    assert svc.orgs.get(OP, tree.ids["a"]).admin_count == 1  # nobody was added


def test_expiry_with_microseconds(svc, tree, clock):
    # R-CODE-2 with a clock that has fractions of a second
    clock.advance(microseconds=123456)
    code = svc.codes.issue(tree.me["top"], tree.ids["a"])
    clock.advance(days=20, microseconds=-1)
    svc.codes.check(code.code)
    clock.advance(microseconds=1)
    assert refused(svc.codes.check, code.code).code == "code_expired"
    who = person()
    assert refused(svc.accounts.register, code.code, "书记", who.name, who.id_number, who.mobile,
                   who.join_month, "pass1234").code == "code_expired"


def test_reissue_revokes_the_unused_code(svc, tree):
    # R-CODE-5
    first = svc.codes.issue(tree.me["top"], tree.ids["a"])
    second = svc.codes.issue(tree.me["top"], tree.ids["a"])
    assert first.code != second.code
    err = refused(svc.codes.check, first.code)
    assert err.code == "code_revoked" and "最新的注册码" in err.message
    assert svc.codes.check(second.code).org_id == tree.ids["a"]
    assert svc.codes.current(tree.me["top"], tree.ids["a"]).code == second.code


def test_reissue_leaves_used_codes_alone(svc, tree):
    # R-CODE-5: an organisation may have several administrators, one code each
    code = svc.codes.issue(tree.me["top"], tree.ids["a"])
    register_admin(svc, code.code)
    svc.codes.issue(tree.me["top"], tree.ids["a"])
    assert refused(svc.codes.check, code.code).code == "code_used"
    assert svc.orgs.get(OP, tree.ids["a"]).admin_count == 2


def test_show_or_issue_reuses_a_valid_code(svc, tree, clock):
    # R-CODE-4: the code icon shows the valid code, or makes one
    assert svc.codes.current(tree.me["top"], tree.ids["a"]) is None
    first = svc.codes.show_or_issue(tree.me["top"], tree.ids["a"])
    assert not first.reused
    again = svc.codes.show_or_issue(tree.me["top"], tree.ids["a"])
    assert (again.code, again.reused) == (first.code, True)
    clock.advance(days=20)
    fresh = svc.codes.show_or_issue(tree.me["top"], tree.ids["a"])
    assert fresh.code != first.code and not fresh.reused


def test_issue_all_keeps_valid_codes_unless_renew(svc, tree):
    # R-CODE-4 batch, R-CODE-5
    kept = svc.codes.issue(tree.me["top"], tree.ids["a"])
    batch = svc.codes.issue_all(tree.me["top"], tree.ids["top"])
    by_org = {c.org_id: c for c in batch}
    assert set(by_org) == {tree.ids["a"], tree.ids["b"]}  # direct children only
    assert by_org[tree.ids["a"]].code == kept.code and by_org[tree.ids["a"]].reused
    assert not by_org[tree.ids["b"]].reused
    renewed = {c.org_id: c for c in svc.codes.issue_all(tree.me["top"], tree.ids["top"], renew=True)}
    assert renewed[tree.ids["a"]].code != kept.code and not renewed[tree.ids["a"]].reused
    assert refused(svc.codes.check, kept.code).code == "code_revoked"
    assert refused(svc.codes.check, by_org[tree.ids["b"]].code).code == "code_revoked"
    entries = svc.audit.recent(tree.me["top"], tree.ids["top"], action_prefix="code.issue_all")
    assert [e.after for e in entries] == [{"children": 2, "new": 2}, {"children": 2, "new": 1}]


def test_codes_only_for_direct_children(svc, tree):
    # R-CODE-4: the top administrator cannot issue for a grandchild, a child not for itself
    assert isinstance(refused(svc.codes.issue, tree.me["top"], tree.ids["a1"]), Forbidden)
    assert refused(svc.codes.issue, tree.me["a"], tree.ids["a"]).code == "not_direct_child"
    assert refused(svc.codes.issue, tree.me["b"], tree.ids["a1"]).code == "not_direct_child"
    assert refused(svc.codes.issue_all, tree.me["top"], tree.ids["a"]).code == "not_own_org"
    # the server operator may issue for any organisation (a lost code, R-CODE-6)
    assert svc.codes.issue(OP, tree.ids["a1"]).org_id == tree.ids["a1"]


def test_check_shows_the_path(svc, tree):
    # R-REG-1: the registrant sees which organisation the code belongs to, with its path
    code = svc.codes.issue(tree.me["a"], tree.ids["a1"])
    seen = svc.codes.check(code.code)
    assert seen.path_names == ("石河子大学团委", "师范学院团委", "计算机专业2017级3班团支部")
    assert seen.path_text == "石河子大学团委 / 师范学院团委 / 计算机专业2017级3班团支部"
    assert (seen.org_name, seen.category_name, seen.expires_at) == ("计算机专业2017级3班团支部", "团支部", code.expires_at)


def test_codes_are_case_sensitive(svc, tree):
    # R-CODE-1
    code = svc.codes.issue(tree.me["top"], tree.ids["a"]).code
    swapped = code.swapcase()
    assert refused(svc.codes.check, swapped).code == "code_unknown"


def test_issuing_is_audited_without_the_code(svc, tree):
    # SPEC §9: every change is audited; the code itself is a secret
    code = svc.codes.issue(tree.me["top"], tree.ids["a"])
    entries = svc.audit.recent(tree.me["top"], tree.ids["a"], action_prefix="code.issue")
    assert entries[0].action == "code.issue" and entries[0].org_id == tree.ids["a"]
    assert entries[0].actor_label == "王总"
    assert code.code not in repr(entries)
