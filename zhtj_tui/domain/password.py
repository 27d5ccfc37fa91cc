"""Passwords (R-REG-4): what a new password must be. Checked by the account service and,
for instant feedback, by the registration form: one rule."""

from __future__ import annotations

import re

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import LIMITS

MIN_PASSWORD = 8


def check_password(password: str, field: str = "password") -> str:
    """At least 8 characters with a letter and a digit; at most ``LIMITS['password']``."""
    password = password or ""
    longest = LIMITS["password"]
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"密码至少{MIN_PASSWORD}位，请包含字母和数字", field, "password_short")
    if len(password) > longest:
        raise DomainError(f"密码不能超过{longest}位", field, "password_long")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise DomainError("密码须同时包含字母和数字", field, "password_weak")
    return password
