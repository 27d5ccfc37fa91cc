"""Pinyin keys of Chinese text, for searching names by initials ("zs" finds 张三)."""

from __future__ import annotations

from functools import lru_cache

# pypinyin loads its phrase dictionary on import (~0.15 s): it is imported on first use, so
# the interface starts without waiting for it.


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """Lower-case first letters of each character's pinyin (heteronyms: the common reading)."""
    # Most names are Chinese characters none of whose runs is a word of the phrase
    # dictionary: then each character's initial is its own (cached), the same as the full
    # conversion gives, at a tenth of the cost (a 50,000-member import spends seconds here).
    letters = []
    for ch in text:
        letter = _char_initial(ch)
        if letter is None:
            return _initials(text)
        letters.append(letter)
    if len(text) > 1 and _has_phrase(text):
        return _initials(text)
    return "".join(letters)


def _initials(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default") if p).lower()


@lru_cache(maxsize=30000)
def _char_initial(ch: str) -> str | None:
    """The initial of one Chinese character without phrase context; None for anything else."""
    if not "\u3400" <= ch <= "\u9fff":
        return None
    from pypinyin.pinyin_dict import pinyin_dict

    if ord(ch) not in pinyin_dict:
        return None
    return _initials(ch) or None


def _has_phrase(text: str) -> bool:
    from pypinyin.phrases_dict import phrases_dict

    n = len(text)
    return any(text[i:j] in phrases_dict for i in range(n - 1) for j in range(i + 2, n + 1))


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
