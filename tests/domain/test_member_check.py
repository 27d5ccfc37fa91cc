"""R-MEM-2, R-MEM-4: an imported sheet's rows are checked by ``MemberCheck``, which remembers
the answers for values that repeat. Whatever the rows and their order, each row's verdict
(the data, or the refusal's field, code and message) is the one ``check_member`` gives for
that row alone: the remembering changes the cost, never the rule."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import examples
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.domain.joinage import JoinAgePolicy
from zhtj_tui.domain.member import MemberCheck, check_member

TODAY = date(2026, 11, 1)
IDS: list = [make_id_number("110105", date(2000, 5, 17), i) for i in range(1, 4)]
IDS += [
    make_id_number("659001", date(2004, 3, 8), 7), make_id_number("990101", date(2010, 1, 2), 1),
    # Other days of the months above, and both ends of one month: the join-age answers are
    # remembered by birth month, and must be what each day's own check gives.
    make_id_number("110105", date(2000, 5, 1), 4), make_id_number("659001", date(2004, 3, 31), 2),
    make_id_number("110105", date(2005, 9, 1), 3), make_id_number("110105", date(2005, 9, 30), 3),
    make_id_number("110105", date(2005, 10, 1), 3),  # 13 years 11 months in 2019-09: refused
    "110105200005170000", "12345", None,
    # The same birth digits as an accepted number, written otherwise or with another fault:
    # remembering the birth date must not let them through unread.
    IDS[0][:17].lower() + IDS[0][17].lower(), " " + IDS[0], "１１０１０５" + IDS[0][6:], 110105200005170025,
    "999999" + IDS[0][6:17] + "0", make_id_number("110105", date(2030, 5, 17), 1)]
VALUES = {
    "name": ["张三", "热依拉·买买提", "张　伟", "A", None],
    "id_number": IDS,
    "ethnic": ["汉族", "汉", "维吾尔", "火星族", None, 1],
    "political": ["共青团员", "团员", "群众", "中共党员", "党团员", None],
    "join_month": ["2014-05", "2019-09", "2019.9", 2018.1, 201909, datetime(2015, 9, 1), "2030-01", "九月", None],
    "education": ["本科", "大学本科", "本科在读", "博士后", None],
    "mobile": ["13800000001", 13800000002.0, "12345", None],
    "member_no": [None, "201909000001", "201809000001", 201909000002.0, "abc"],
    "post": [None, "书记", "组织委员", "其他", "掌门"],
    "post_name": [None, "宣传干事"],
    "join_unit": [None, "某中学"],
    "note": [None, "转入"],
}


def verdict(fn, values):
    try:
        return ("ok", fn(values))
    except DomainError as exc:
        return ("refused", exc.field, exc.code, str(exc))


rows = st.lists(st.fixed_dictionaries({k: st.sampled_from(v) for k, v in VALUES.items()}), min_size=1, max_size=40)


@settings(max_examples=examples(150), deadline=None)
@given(rows, st.sampled_from([JoinAgePolicy(), JoinAgePolicy(age_from_cutover=14)]))
def test_member_check_gives_each_row_check_members_verdict(sheet, policy):
    check = MemberCheck(TODAY, policy)
    assert [verdict(check, row) for row in sheet] == [verdict(lambda v: check_member(v, TODAY, policy), row)
                                                     for row in sheet]


def test_a_refused_value_is_refused_again_on_every_row():
    # A value that fails is not remembered as if it had passed, whichever row comes first.
    check = MemberCheck(TODAY)
    good = {"name": "张三", "id_number": IDS[0], "ethnic": "汉族", "political": "共青团员", "join_month": "2015-09",
            "education": "本科", "mobile": "13800000001"}
    for ethnic in ("火星族", "汉族", "火星族"):
        got = verdict(check, {**good, "ethnic": ethnic})
        assert (got[0] == "ok") == (ethnic == "汉族")
        if got[0] == "refused":
            assert got[1:3] == ("ethnic", "not_in_list") and "火星族" in got[3]
    # The same 入团年月 with two birth dates: the join-age verdict is per birth date.
    young = {**good, "id_number": make_id_number("110105", date(2004, 3, 8), 5), "join_month": "2016-10"}
    assert verdict(check, {**good, "join_month": "2016-10"})[0] == "ok"
    assert verdict(check, young)[1:3] == ("join_month", "join_age")


def test_r_mem_4_join_age_is_remembered_per_birth_month():
    # The join-age rule compares year and month: members born on different days of one
    # month share its answer, a month later in the same year does not (one day apart).
    check = MemberCheck(TODAY)

    def row(birth: date, i: int, join: str) -> tuple:
        return verdict(check, {"name": "张三", "id_number": make_id_number("110105", birth, i), "ethnic": "汉族",
                               "political": "共青团员", "join_month": join, "education": "本科",
                               "mobile": "13800000001", "member_no": f"{join[:4]}{join[5:]}000{i:03d}"})

    # Joined 2018-10, after the cut-over: 13 years old at least.
    got = [row(b, i, "2018-10") for i, b in enumerate(
        [date(2005, 10, 31), date(2005, 11, 1), date(2005, 10, 1), date(2005, 11, 30)])]
    assert [g[0] for g in got] == ["ok", "refused", "ok", "refused"]
    assert got[1][1:3] == got[3][1:3] == ("join_month", "join_age") and "12周岁11个月" in got[1][3]
    # Under 14 when joining: accepted with a warning, the same for every day of the month.
    warned = [row(b, 10 + i, "2019-09")[1].warnings for i, b in enumerate(
        [date(2005, 9, 30), date(2005, 10, 1), date(2005, 9, 1), date(2005, 10, 31)])]
    assert [bool(w) for w in warned] == [False, True, False, True]
