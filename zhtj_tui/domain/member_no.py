"""团员编号, R-MEM-4 (*public*): 12 digits, the first four the joining year; required for
people who joined on or after 2017-01-01."""

from __future__ import annotations

import re
from datetime import date

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.months import YearMonth
from zhtj_tui.domain.policy import MEMBER_NO_CUTOVER
from zhtj_tui.domain.text import excerpt, to_halfwidth

__all__ = ["MEMBER_NO_CUTOVER", "check_member_no"]


def check_member_no(
    raw: object, join: YearMonth, cutover: date = MEMBER_NO_CUTOVER, field: str = "member_no"
) -> str | None:
    text = re.sub(r"\s+", "", to_halfwidth("" if raw is None else str(raw)))
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if not text:
        if join.index >= YearMonth.of(cutover).index:
            raise DomainError(
                f"{cutover.year}年{cutover.month}月以后入团的团员须填写12位团员编号", field, "required"
            )
        return None
    if not re.fullmatch(r"[0-9]{12}", text):
        raise DomainError(f"团员编号应为12位数字，现在是“{excerpt(text)}”", field, "member_no_format")
    if int(text[:4]) != join.year:
        raise DomainError(
            f"团员编号的前四位应为入团年份 {join.year}，现在是 {text[:4]}，请核对", field, "member_no_year"
        )
    return text
