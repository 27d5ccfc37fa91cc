"""Pinyin keys of Chinese text, for searching names by initials ("zs" finds 张三)."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """Lower-case first letters of each character's pinyin (heteronyms: the common reading)."""
    return "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default") if p).lower()


@lru_cache(maxsize=4096)
def full(text: str) -> str:
    return "".join(lazy_pinyin(text, errors="default")).lower()


def matches(text: str, typed: str) -> bool:
    """Does ``typed`` match ``text`` directly, by pinyin initials, or by full pinyin prefix?"""
    typed = typed.strip().lower()
    if not typed:
        return True
    return typed in text.lower() or initials(text).startswith(typed) or full(text).startswith(typed)
