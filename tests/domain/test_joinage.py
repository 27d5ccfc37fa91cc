"""The join-age rule, R-REG-2 / R-MEM-4, and the over-age flag R-MEM-5."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.joinage import (
    DEFAULT_POLICY,
    JoinAgePolicy,
    age_in_months,
    age_on,
    check_join_month,
    is_over_age,
    required_join_age,
)
from zhtj_tui.domain.months import YearMonth

TODAY = date(2026, 11, 1)


def refusal(birth, join, policy=DEFAULT_POLICY, today=TODAY):
    with pytest.raises(DomainError) as info:
        check_join_month(birth, join, today, policy)
    assert info.value.field == "join_month"
    return info.value


# R-REG-2: the SPEC's example: born 2005-06-15, joined 2018-06 is 13 and passes;
# 2018-05 is refused with a message that states the rule
def test_spec_example_whole_months():
    born = date(2005, 6, 15)
    assert check_join_month(born, YearMonth(2018, 6), TODAY)  # passes, with the under-14 warning
    err = refusal(born, YearMonth(2018, 5))
    assert err.code == "join_age"
    assert "年满13周岁" in err.message and "2016年9月1日前入团的须年满12周岁" in err.message


# R-REG-2: the cut-over compares months: joined 2016-08 needs 12, 2016-09 needs 13
def test_spec_example_cutover():
    assert required_join_age(YearMonth(2016, 8)) == 12
    assert required_join_age(YearMonth(2016, 9)) == 13
    born = date(2004, 8, 20)  # 12 in 2016-08, still 12 in 2016-09
    check_join_month(born, YearMonth(2016, 8), TODAY)
    assert refusal(born, YearMonth(2016, 9)).code == "join_age"
    check_join_month(date(2003, 9, 1), YearMonth(2016, 9), TODAY)


# R-REG-2 *public*: the cut-over date and both ages are settings
def test_policy_from_settings():
    born = date(2004, 3, 1)  # 12 years 7 months in 2016-10
    assert refusal(born, YearMonth(2016, 10)).code == "join_age"  # seed: 13 from 2016-09
    national = JoinAgePolicy(cutover=date(2017, 1, 1))  # the national FAQ's cut-over
    check_join_month(born, YearMonth(2016, 10), TODAY, national)
    assert refusal(born, YearMonth(2017, 1), national).code == "join_age"
    strict = JoinAgePolicy(cutover=date(2017, 1, 1), age_from_cutover=14, age_before_cutover=13)
    err = refusal(date(2004, 1, 1), YearMonth(2017, 1), strict)
    assert "年满14周岁" in err.message and "2017年1月1日前入团的须年满13周岁" in err.message


# R-REG-2 *decision*: under 14 passes with a warning; 14 and over passes silently
def test_under_fourteen_is_a_warning():
    born = date(2005, 6, 15)
    warnings = check_join_month(born, YearMonth(2019, 5), TODAY)
    assert len(warnings) == 1 and "14" in warnings[0]
    assert check_join_month(born, YearMonth(2019, 6), TODAY) == ()


# R-REG-2: 入团年月 not in the future and not before birth
def test_future_and_before_birth_are_refused():
    assert refusal(date(2000, 1, 1), YearMonth(2026, 12)).code == "join_future"
    check_join_month(date(2000, 1, 1), YearMonth(2026, 11), TODAY)
    assert refusal(date(2000, 5, 1), YearMonth(2000, 4)).code == "join_before_birth"


@given(st.dates(date(1950, 1, 1), date(2012, 12, 31)), st.integers(0, 40 * 12))
def test_refused_exactly_below_the_required_age(birth, offset):
    # R-REG-2 as a property: the decision depends on whole months only
    join_index = YearMonth.of(birth).index + offset
    join = YearMonth(join_index // 12, join_index % 12 + 1)
    if join.index > YearMonth.of(TODAY).index:
        return
    months = age_in_months(birth, join)
    assert months == offset
    need = required_join_age(join) * 12
    if months < need:
        assert refusal(birth, join).code == "join_age"
    else:
        warnings = check_join_month(birth, join, TODAY)
        assert bool(warnings) == (months < 14 * 12)


# R-MEM-5: 28 or over is 超龄
def test_age_and_over_age():
    assert age_on(date(2000, 5, 17), date(2028, 5, 16)) == 27
    assert age_on(date(2000, 5, 17), date(2028, 5, 17)) == 28
    assert not is_over_age(date(2000, 5, 17), date(2028, 5, 16))
    assert is_over_age(date(2000, 5, 17), date(2028, 5, 17))
