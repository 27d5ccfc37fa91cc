"""The join-age rule (R-REG-2, R-MEM-4) and ages (R-MEM-5)."""

from __future__ import annotations

from datetime import date

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.months import YearMonth
from zhtj_tui.domain.policy import JoinAgePolicy

__all__ = ["DEFAULT_POLICY", "JoinAgePolicy", "age_in_months", "age_on", "check_join_month", "is_over_age",
           "over_age_cutoff", "required_join_age", "rule_text"]

DEFAULT_POLICY = JoinAgePolicy()


def age_in_months(birth: date, month: YearMonth) -> int:
    """Whole months from the birth month to ``month`` (the national system compares
    year and month only)."""
    return month.index - YearMonth.of(birth).index


def required_join_age(join: YearMonth, policy: JoinAgePolicy = DEFAULT_POLICY) -> int:
    if join.index < YearMonth.of(policy.cutover).index:
        return policy.age_before_cutover
    return policy.age_from_cutover


def rule_text(policy: JoinAgePolicy = DEFAULT_POLICY) -> str:
    c = policy.cutover
    return (
        f"入团时须年满{policy.age_from_cutover}周岁"
        f"（{c.year}年{c.month}月{c.day}日前入团的须年满{policy.age_before_cutover}周岁）"
    )


def check_join_month(
    birth: date,
    join: YearMonth,
    today: date,
    policy: JoinAgePolicy = DEFAULT_POLICY,
    field: str = "join_month",
) -> tuple[str, ...]:
    """Check 入团年月 against the birth date; return warnings, raise on a refusal."""
    if join.index > YearMonth.of(today).index:
        raise DomainError(f"入团年月 {join} 晚于本月，请核对", field, "join_future")
    months = age_in_months(birth, join)
    if months < 0:
        raise DomainError(f"入团年月 {join} 早于出生年月，请核对", field, "join_before_birth")
    need = required_join_age(join, policy)
    if months < need * 12:
        raise DomainError(
            f"入团年月 {join} 时只有{months // 12}周岁{months % 12}个月，不符合规定："
            f"{rule_text(policy)}。请核对入团年月或身份证号码",
            field,
            "join_age",
        )
    if months < policy.warn_under * 12:
        return (f"入团时未满{policy.warn_under}周岁（团章规定年满十四周岁），请确认入团年月无误",)
    return ()


def age_on(birth: date, day: date) -> int:
    """Age in whole years on ``day``."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def is_over_age(birth: date, today: date, policy: JoinAgePolicy = DEFAULT_POLICY) -> bool:
    """R-MEM-5: aged 28 or over."""
    return age_on(birth, today) >= policy.over_age


def over_age_cutoff(today: date, policy: JoinAgePolicy | int = DEFAULT_POLICY) -> date:
    """R-MEM-5 for queries: a member is 超龄 exactly when ``birth_date <= cutoff``
    (born on or before this day ``over_age`` years ago; 29 February falls back to the 28th).
    ``policy`` may also be the age itself."""
    years = policy if isinstance(policy, int) else policy.over_age
    year = today.year - years
    try:
        return today.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 2, 28)
