"""Year-months (入团年月) in the shapes people type and spreadsheets hold."""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import excerpt, to_halfwidth


class YearMonth(NamedTuple):
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:  # type: ignore[override]  # a month's ordinal, not tuple.index
        """Months since year 0, for differences and comparisons."""
        return self.year * 12 + self.month - 1

    @classmethod
    def of(cls, d: date) -> YearMonth:
        return cls(d.year, d.month)


_PATTERNS = [
    re.compile(r"(?a)^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:月)?(?:\s*[-/.]?\s*\d{1,2}\s*日?)?$"),
    re.compile(r"(?a)^(\d{4})(\d{2})$"),
    re.compile(r"(?a)^(\d{4})(\d{2})\d{2}$"),
]


def parse_month(value: object, field: str = "join_month", label: str = "入团年月") -> YearMonth:
    """Read 2019-09, 201909, 2019.9, 2019/9, 2019年9月, 2019-09-01 or a date value.

    A number cell (201909, or 2019.9 typed into a cell formatted as a number) is read the
    same way. Raises ``DomainError`` with the accepted shapes.
    """
    if isinstance(value, YearMonth):
        return value
    if isinstance(value, date):  # a date or datetime cell: the same range as typed text
        if 1900 <= value.year <= 2100:
            return YearMonth(value.year, value.month)
        raise DomainError(f"{label}“{value.year}年{value.month}月”超出1900年至2100年的范围，请核对", field, "month_range")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A number cell: 201909, or 2019.9 / 2019.12 typed into a cell formatted as a number.
        if not -1e9 < value < 1e9:  # also NaN and infinities: no month is that number
            raise DomainError(f"{label}无法识别，请按 2019-09、201909、2019.9 或 2019年9月 的格式填写", field, "month_format")
        text = str(int(value)) if float(value).is_integer() else repr(float(value))
        if re.fullmatch(r"\d{4}\.1", text):
            # 2018.1 as a number: typed 2018.1 (January) or 2018.10 (October, the 0 dropped).
            raise DomainError(
                f"{label}“{text}”是数字格式，无法判断是{text[:4]}年1月还是{text[:4]}年10月。请把“{label}”列的单元格格式"
                f"设置为“文本”，写成 {text[:4]}-01 或 {text[:4]}-10 后再上传", field, "month_ambiguous")
    else:
        text = to_halfwidth("" if value is None else str(value)).strip()
    if not text:
        raise DomainError(f"请填写{label}", field, "required")
    for pattern in _PATTERNS:
        m = pattern.match(text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12 and 1900 <= year <= 2100:
                return YearMonth(year, month)
            break
    raise DomainError(
        f"{label}“{excerpt(text)}”无法识别，请按 2019-09、201909、2019.9 或 2019年9月 的格式填写",
        field,
        "month_format",
    )
