"""Calendar dates in the shapes people type (任职日期, 离任日期, a task's 截止日期): the one
parser of every date field, so 2026/11/15 works wherever 2026-11-15 does."""

from __future__ import annotations

import re
from datetime import date

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import to_halfwidth

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: object, field: str = "date", label: str = "日期", default: date | None = None) -> date:
    """Read 2026-09-01, 20260901, 2026.9.1, 2026/9/1 or 2026年9月1日; empty → ``default``."""
    if isinstance(value, date):
        return value
    text = to_halfwidth("" if value is None else str(value)).strip()
    if not text:
        if default is not None:
            return default
        raise DomainError(f"请填写{label}", field, "required")
    m = _DATE.match(text) or _COMPACT.match(text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise DomainError(f"{label}应写成 YYYY-MM-DD，例如 2026-11-15", field, "date_format")
