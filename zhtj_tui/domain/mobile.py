"""Mobile numbers, R-REG-4."""

from __future__ import annotations

import re

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import to_halfwidth

#: ASCII digits only: ``\d`` and ``str.isdigit`` also take Arabic-Indic, superscript ... digits.
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def normalize_mobile(raw: object, field: str = "mobile", label: str = "手机号码") -> str:
    """Return the 11-digit number, or raise ``DomainError``.

    Spaces and hyphens are ignored, and so is a leading +86 / 86.
    """
    if raw.__class__ is str and MOBILE_RE.fullmatch(raw):
        return raw  # already an 11-digit mobile number
    text = to_halfwidth("" if raw is None else str(raw))
    text = re.sub(r"[\s\-]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not text:
        raise DomainError(f"请填写{label}", field, "required")
    if not re.fullmatch(r"[0-9]+", text):
        raise DomainError(f"{label}只能包含数字，请核对", field, "mobile_chars")
    if len(text) != 11:
        raise DomainError(f"{label}应为11位数字，现在是{len(text)}位", field, "mobile_length")
    if not MOBILE_RE.match(text):
        raise DomainError(f"{label}应以13–19开头的11位数字，请核对", field, "mobile_prefix")
    return text


def mask_mobile(number: str | None) -> str:
    if not number:
        return ""
    if len(number) < 7:
        return "*" * len(number)
    return number[:3] + "****" + number[-4:]
