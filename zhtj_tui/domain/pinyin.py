"""Pinyin keys of Chinese text, for searching names by initials ("zs" finds 张三)."""

from __future__ import annotations

from functools import lru_cache

# pypinyin loads its phrase dictionary on import (~0.15 s): it is imported on first use, so
# the interface starts without waiting for it.


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """Lower-case first letters of each character's pinyin (heteronyms: the common reading)."""
    from pypinyin import Style, lazy_pinyin

    return "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default") if p).lower()


@lru_cache(maxsize=4096)
def full(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text, errors="default")).lower()


def matches(text: str, typed: str) -> bool:
    """Does ``typed`` match ``text`` directly, by pinyin initials, or by full pinyin prefix?"""
    typed = typed.strip().lower()
    if not typed:
        return True
    return typed in text.lower() or initials(text).startswith(typed) or full(text).startswith(typed)
