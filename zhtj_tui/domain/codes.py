"""Administrator registration codes, R-CODE-1 and R-CODE-2."""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from datetime import datetime

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import to_halfwidth

CODE_LENGTH = 8
ALPHABET = string.digits + string.ascii_letters


#: The states of a registration code (R-CODE-2, R-CODE-3, R-CODE-5), with their labels. How
#: long a code is valid is ``Settings.code_valid_days`` (the one value).
USED, REVOKED, EXPIRED, VALID = "used", "revoked", "expired", "valid"
STATE_LABELS = {USED: "已使用", REVOKED: "已作废", EXPIRED: "已过期", VALID: "有效"}


def code_state(used_at: datetime | None, revoked_at: datetime | None, expires_at: datetime,
               now: datetime) -> str:
    """The one rule of "this code is still usable": unused, not revoked and not expired
    (a code expires at ``expires_at`` itself). Queries use ``services.codes.usable_codes``
    and ``USABLE_SQL``, the same three conditions."""
    if used_at is not None:
        return USED
    if revoked_at is not None:
        return REVOKED
    if expires_at <= now:
        return EXPIRED
    return VALID


def generate_code(rng: secrets.SystemRandom | None = None) -> str:
    """8 characters of digits and letters containing both, from a cryptographic source."""
    choice = rng.choice if rng is not None else secrets.choice
    while True:
        code = "".join(choice(ALPHABET) for _ in range(CODE_LENGTH))
        if any(c.isdigit() for c in code) and any(c.isalpha() for c in code):
            return code


def normalize_code(raw: object, field: str = "code") -> str:
    """Check the shape of a typed code (case is kept: codes are case-sensitive)."""
    text = re.sub(r"\s+", "", to_halfwidth("" if raw is None else str(raw)))
    if not text:
        raise DomainError("请填写管理员注册码", field, "required")
    if len(text) != CODE_LENGTH or not re.fullmatch(r"[0-9A-Za-z]+", text):
        raise DomainError(
            "管理员注册码是8位数字和字母（区分大小写），请核对后重新输入", field, "code_format"
        )
    if not (re.search(r"\d", text) and re.search(r"[A-Za-z]", text)):
        raise DomainError(
            "管理员注册码同时包含数字和字母，请核对后重新输入", field, "code_format"
        )
    return text


#: A password reset code (R-REG-7) has the shape of a registration code and is valid 24 hours.
RESET_VALID_HOURS = 24


def normalize_reset_code(raw: object, field: str = "reset_code") -> str:
    """Check the shape of a typed password reset code (case-sensitive, like R-CODE-1)."""
    text = re.sub(r"\s+", "", to_halfwidth("" if raw is None else str(raw)))
    if not text:
        raise DomainError("请填写密码重置码", field, "required")
    if (len(text) != CODE_LENGTH or not re.fullmatch(r"[0-9A-Za-z]+", text)
            or not (re.search(r"\d", text) and re.search(r"[A-Za-z]", text))):
        raise DomainError("密码重置码是8位数字和字母（区分大小写），请核对后重新输入", field, "code_format")
    return text


def code_digest(code: str) -> str:
    """What is stored of a reset code: its SHA-256, so the table never holds a usable code."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()
