"""Cell values as spreadsheets hold them, made into what was meant: digits that Excel turned
into numbers (refused where digits were lost), full-width digits and spaces."""

from __future__ import annotations

import re

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import to_halfwidth

#: Floats are exact integers only below 2**53; longer digit strings lost digits.
_EXACT_FLOAT = 2**53


def digits_value(value: object, label: str, key: str) -> object:
    """An ID, mobile or member number as text: an integer cell gives its digits, a number
    that was rounded by the spreadsheet (1.10105e+17) is refused."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT_FLOAT:
            return str(int(value))
        raise DomainError(
            f"{label}被 Excel 存成了数字（显示为 {value:.6g}），末尾几位已经丢失。请把“{label}”列的单元格"
            "格式设置为“文本”，重新填写完整号码后再上传", key, "number_lost_digits")
    if isinstance(value, str):
        if value.isdigit() and value.isascii():
            return value
        # ASCII letters and digits (an ID ending in X) hold no space and nothing full-width.
        text = value if value.isascii() and value.isalnum() else re.sub(r"\s+", "", to_halfwidth(value))
        if _SCIENTIFIC.fullmatch(text):  # a .csv saved from a number cell: what Excel showed
            raise DomainError(
                f"{label}被 Excel 存成了数字（显示为 {text}），末尾几位已经丢失。请把“{label}”列的单元格"
                "格式设置为“文本”，重新填写完整号码后再上传", key, "number_lost_digits")
        return text
    return value


_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+?\d+")


FULLWIDTH_DIGIT_OR_SPACE = re.compile("[\uff10-\uff19\u3000]")


def plain_value(value: object) -> object:
    if isinstance(value, str):
        if not value.isascii() and FULLWIDTH_DIGIT_OR_SPACE.search(value):
            value = to_halfwidth(value)
        return value.strip()
    return value
