"""Resident identity card numbers (GB 11643-1999), R-REG-3."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import to_halfwidth

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

#: Province-level region codes (first two digits). An unknown one is only a warning:
#: region codes change over time (SPEC vocab/README).
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门", "83": "台湾",
}

_FIELD = "id_number"


class IdInfo(NamedTuple):
    number: str
    birth_date: date
    sex: str  # "男" or "女"
    region: str
    warnings: tuple[str, ...] = ()


def check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        return CHECK_CHARS[_mod11(first17)]
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _mod11(first17: str) -> int:
    """sum(digit * weight) % 11 of 17 ASCII digits, in one call in C. The weights are
    2**17 ... 2**1 modulo 11, and 13 = 2 (mod 11): the sum is twice the digits read as a
    base-13 number, modulo 11. (Only for ASCII digits: ``int`` would also read a-c, _ and
    spaces.)"""
    return 2 * int(first17, 13) % 11
PLAIN_ID = re.compile(r"[0-9]{17}[0-9X]")


def known_birth(raw: object, births: dict[str, date], today: date | None = None) -> tuple[str, date, str] | None:
    """``parse_id_number``'s number, birth date and sex, for a number that needs no other
    step: plain characters, the right check character, a known region (so no warning), and
    eight date digits accepted before (``births``: those digits -> the date) or, given
    ``today``, acceptable now (they are then added to ``births``). None for anything else:
    ``parse_id_number`` reads it and says what is wrong. (An import of a class checks
    thousands of numbers sharing a few hundred birth dates.)"""
    # 17 ASCII digits and the right check character (a digit or X): what ``PLAIN_ID`` and
    # ``check_char`` ask, without a pattern match.
    if raw.__class__ is str and len(raw) == 18:
        head = raw[:17]
        if head.isdigit() and head.isascii() and raw[17] == CHECK_CHARS[_mod11(head)] and raw[:2] in PROVINCES:
            digits = raw[6:14]
            birth = births.get(digits)
            if birth is None and today is not None:
                got = _birth_of(digits, today)
                if isinstance(got, tuple):  # refused: parse_id_number says why
                    return None
                births[digits] = birth = got
            if birth is not None:
                return raw, birth, "男" if raw[16] in "13579" else "女"
    return None


def normalize_id_number(raw: object) -> str:
    """Strip spaces, turn full-width characters to ASCII and lower-case x to X."""
    if raw.__class__ is str and PLAIN_ID.fullmatch(raw):
        return raw  # already what the steps below would make of it
    text = to_halfwidth("" if raw is None else str(raw))
    text = re.sub(r"\s+", "", text)
    return text.upper()


def parse_id_number(raw: object, today: date | None = None, field: str = _FIELD) -> IdInfo:
    """Validate an 18-character ID number and derive birth date and sex.

    Raises ``DomainError`` saying which of length, characters, date or check character is
    wrong. ``today`` (when given) refuses birth dates in the future.
    """
    if isinstance(raw, str) and PLAIN_ID.fullmatch(raw):
        number = raw  # 18 characters of the right kinds already
    else:
        number = normalize_id_number(raw)
        if not number:
            raise DomainError("请填写身份证号码", field, "required")
        if len(number) != 18:
            raise DomainError(
                f"身份证号码应为18位，现在是{len(number)}位，请核对", field, "id_length"
            )
        if not PLAIN_ID.fullmatch(number):
            raise DomainError(
                "身份证号码前17位必须是数字，最后一位是数字或X，请核对", field, "id_chars"
            )
    birth = _birth_of(number[6:14], today)
    if isinstance(birth, tuple):
        raise DomainError(birth[0], field, birth[1])
    if number[17] != CHECK_CHARS[_mod11(number[:17])]:  # ``number`` matched PLAIN_ID
        raise DomainError(
            "身份证号码的校验位（最后一位）不正确，请逐位核对号码", field, "id_check"
        )
    warnings: tuple[str, ...] = ()
    region = PROVINCES.get(number[:2], "")
    if not region:
        warnings = (f"身份证号码的地区代码 {number[:6]} 不在已知省份中，请确认号码无误",)
    sex = "男" if number[16] in "13579" else "女"
    return IdInfo(number, birth, sex, region, warnings)


def _birth_of(yyyymmdd: str, today: date | None) -> date | tuple[str, str]:
    """The birth date of a number's eight date digits, or why it is refused (message,
    code): a day that exists, from 1800 on, and not after ``today`` when given."""
    birth = _birth_date(yyyymmdd)
    if birth is None:
        return f"身份证号码中的出生日期 {yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]} 不存在，请核对", "id_date"
    # GB 11643 sets no lower bound; its own example 440524188001010014 is born in 1880.
    if birth.year < 1800:
        return f"身份证号码中的出生日期 {birth.isoformat()} 不合理，请核对", "id_date"
    if today is not None and birth > today:
        return f"身份证号码中的出生日期 {birth.isoformat()} 晚于今天，请核对", "id_future"
    return birth


@lru_cache(maxsize=4096)
def _birth_date(yyyymmdd: str) -> date | None:
    """The date of eight digits, or None when there is no such day (ID numbers of one
    class or year share a few hundred birth dates)."""
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """Build a valid number from a 6-digit region, a birth date and a 3-digit sequence."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("region must be 6 digits and sequence 0..999")
    return first17 + check_char(first17)


def mask_id_number(number: str | None) -> str:
    """First 6 and last 4 characters shown, the rest as asterisks (SPEC §9)."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
