"""Pinyin keys of Chinese text, for searching names by initials ("zs" finds 张三)."""

from __future__ import annotations

import re
from functools import lru_cache

# pypinyin loads its phrase dictionary on import (~0.15 s): it is imported on first use, so
# the interface starts without waiting for it.


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """Lower-case first letters of each character's pinyin (heteronyms: the common reading)."""
    # pypinyin reads the text as runs of Chinese characters (each character one syllable,
    # a run segmented by its phrase dictionary) and runs of anything else (one token
    # each, whose first character is its "initial"). Most names are Chinese runs none of
    # which holds a word of the phrase dictionary, and ASCII runs (digits, Latin letters):
    # then the initials are the cached ones of the characters and the first character of
    # each ASCII run, the same as the full conversion gives at a tenth of its cost (a
    # 50,000-member import or a province's organisations would spend a minute there).
    # The usual name, one run of Chinese characters: the table holds only characters of
    # that range, so a name whose characters are all in it needs no pattern match.
    try:
        chars: list[str | None] | None = [_CHARS[ch] for ch in text]
    except KeyError:
        chars = [_char_initial(ch) for ch in text] if _ALL_CJK(text) else None
    if chars is not None:
        if None in chars:
            return _initials(text)
        if len(text) > 1 and _has_phrase(text):
            return _segmented(text)
        return "".join(chars)  # type: ignore[arg-type]  # each one lower-case
    letters = []
    for run in _RUNS.findall(text):
        if run[0] < "\x80":
            letters.append(run[0])
            continue
        if not "\u3400" <= run[0] <= "\u9fff":
            return _initials(text)  # other characters: as pypinyin reads them
        chars = [_char_initial(ch) for ch in run]
        if None in chars:
            return _initials(text)
        if len(run) > 1 and _has_phrase(run):
            letters.append(_segmented(run))
        else:
            letters.extend(chars)
    return "".join(letters).lower()


#: Runs of CJK unified ideographs, of ASCII, and single other characters.
_RUNS = re.compile("[\u3400-\u9fff]+|[\x00-\x7f]+|.", re.S)
_ALL_CJK = re.compile("[\u3400-\u9fff]+").fullmatch


def stored_initials(text: str, width: int) -> str:
    """The initials kept in a column for searching a name (a member's, an organisation's
    简称): ``initials`` cut to the column's ``width``, or ``-`` when the name gives none.
    Every write of such a column and the consistency check use this one rule."""
    return initials(text)[:width] or "-"


def _initials(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default") if p).lower()


#: A character's initial alone (``_char_initial``), or None, by Chinese character (U+3400 to
#: U+9FFF): filled as characters are first met (at most the few tens of thousands there are).
_CHARS: dict[str, str | None] = {}


def _char_initial(ch: str) -> str | None:
    """The initial of one Chinese character without phrase context; None for anything else.
    What ``lazy_pinyin`` makes of the character alone (its entry as a one-character phrase,
    else its first reading, in the first-letter style), without segmenting a text of one
    character: a name's new characters cost a microsecond each, not thirty."""
    known = _CHARS.get(ch, _UNSEEN)
    if known is not _UNSEEN:
        return known  # type: ignore[return-value]
    if not "\u3400" <= ch <= "\u9fff":
        return None
    letter = None
    pinyin_dict, phrases_dict, first_letter = _tables()
    reading = pinyin_dict.get(ord(ch))
    if reading is not None:
        phrase = phrases_dict.get(ch)
        letter = first_letter(phrase[0][0] if phrase else reading.split(",", 1)[0]).lower() or None
    _CHARS[ch] = letter
    return letter


_UNSEEN = object()
#: pypinyin's phrase dictionary, once loaded (``_tables``).
_PHRASES: dict | None = None


def forget() -> None:
    """Drop the initials remembered for texts, words and characters (what a new process
    knows)."""
    _CHARS.clear()
    _WORDS.clear()
    initials.cache_clear()


@lru_cache(maxsize=1)
def _tables():
    """pypinyin's character and phrase dictionaries and its first-letter style."""
    from pypinyin import Style
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style import convert

    def first_letter(reading: str) -> str:
        return convert(reading, Style.FIRST_LETTER, True) or ""

    global _PHRASES
    _PHRASES = phrases_dict
    return pinyin_dict, phrases_dict, first_letter


#: A word of the phrase dictionary -> its initials (``_word_initials``), or None: filled as
#: words are first met.
_WORDS: dict[str, str | None] = {}


def _segmented(text: str) -> str:
    """The initials of a run of Chinese characters (all in ``_CHARS``) that holds a word of
    pypinyin's phrase dictionary, as ``lazy_pinyin`` reads it: cut by pypinyin's own
    segmenter into words of the dictionary and lone characters, a word's initials from its
    entry and a character's from ``_char_initial``. A tenth of the full conversion's cost
    (names such as 张文华 or 陈海燕 hold such a word)."""
    from pypinyin.seg.mmseg import seg

    out = []
    for word in seg.cut(text):
        letters = _char_initial(word) if len(word) == 1 else _word_initials(word)
        if letters is None:
            return _initials(text)
        out.append(letters)
    return "".join(out)


def _word_initials(word: str) -> str | None:
    """What ``lazy_pinyin`` makes of a word of the phrase dictionary: the first letter of
    its entry's first reading of each character; None if a reading gives no letter."""
    known = _WORDS.get(word, _UNSEEN)
    if known is not _UNSEEN:
        return known  # type: ignore[return-value]
    _, phrases_dict, first_letter = _tables()
    letters = [first_letter(readings[0]).lower() for readings in phrases_dict[word]]
    value = "".join(letters) if len(letters) == len(word) and all(letters) else None
    _WORDS[word] = value
    return value


def _has_phrase(text: str) -> bool:
    phrases_dict = _PHRASES if _PHRASES is not None else _tables()[1]
    n = len(text)
    if n == 2:
        return text in phrases_dict
    if n == 3:
        return text[:2] in phrases_dict or text[1:] in phrases_dict or text in phrases_dict
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
