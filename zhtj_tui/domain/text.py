"""Text clean-up and the length limits of every text field, in one place."""

from __future__ import annotations

import re
import unicodedata

from zhtj_tui.domain.errors import DomainError

#: Maximum length (in characters) of each text field, by field key.
LIMITS: dict[str, int] = {
    "person_name": 30,
    "short_name": 60,
    "full_name": 120,
    "post_name": 30,
    "join_unit": 100,
    "note": 500,
    "reason": 200,
    "task_name": 60,
    "email": 100,
    "contact_phone": 30,
    "password": 128,
}

FIELD_LABELS: dict[str, str] = {
    "person_name": "姓名",
    "name": "姓名",
    "short_name": "组织简称",
    "full_name": "组织全称",
    "post_name": "职务名称",
    "join_unit": "入团时所在单位",
    "note": "备注",
    "reason": "原因",
    "task_name": "任务名称",
    "email": "电子邮箱",
    "contact_phone": "联系电话",
    "password": "密码",
}

# Control characters, and the invisible format characters that can reorder or hide text
# (right-to-left marks and overrides, zero-width joiners, byte-order marks).
_BAD_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
_SPACES = re.compile(r"\s+")


def excerpt(value: object, limit: int = 20) -> str:
    """What a refusal may quote of the user's input: at most ``limit`` characters, with
    control and invisible direction characters shown as "?" (a message never carries a
    terminal escape sequence or a 10,000-character paste back to the screen)."""
    text = "" if value is None else str(value)
    text = _BAD_CHARS.sub("?", text.replace("\t", " ").replace("\r", " ").replace("\n", " "))
    return text if len(text) <= limit else text[:limit] + "…"


def search_text(value: object, limit: int = 30) -> str:
    """What a search box may send to the database: half-width, without white space or
    control and direction characters (a NUL byte is refused by PostgreSQL), at most
    ``limit`` characters. Never an error: an unusable query just finds nothing."""
    text = unicodedata.normalize("NFKC", to_halfwidth("" if value is None else str(value)))
    return _BAD_CHARS.sub("", re.sub(r"\s+", "", text))[:limit]


#: A Chinese character or CJK punctuation: white space next to one is dropped in names.
_CJK = "\u2e80-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\U00020000-\U0003ffff"
_SPACE_NEAR_CJK = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")


def normalize_name(value: object) -> str:
    """R-TREE-5: the one normal form of an organisation's name (and of other short text a
    person types or a spreadsheet holds): NFKC (full-width digits, letters and brackets
    become half-width), runs of white space folded to one space, and no space around or
    between Chinese characters ("师范学院 团委" -> "师范学院团委"; "IT Club团支部" keeps
    its inner space). Never an error: checks stay with ``clean_text``."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_NEAR_CJK.sub("", text)


def clean_name(value: object, field: str, *, required: bool = False, label: str | None = None) -> str:
    """An organisation's 简称 or 全称 as stored and compared (R-TREE-5): ``clean_text``'s
    checks (control characters, length, required) on the normalised name."""
    return clean_text(normalize_name(value), field, required=required, label=label)


_HALFWIDTH = {0x3000: " "} | {
    code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F) if chr(code).isalnum() or chr(code) in "＋－．／＠"
}


def to_halfwidth(value: str) -> str:
    """Full-width digits, letters and spaces to their ASCII forms (other text untouched)."""
    return value if value.isascii() else value.translate(_HALFWIDTH)


def clean_text(value: object, field: str, *, required: bool = False, label: str | None = None,
               limit_of: str | None = None) -> str:
    """Return ``value`` stripped, with runs of white space folded to one space.

    Refuses control and invisible direction characters and anything longer than the field's
    limit in ``LIMITS`` (the limit of ``limit_of`` when the form's field key is another). An
    empty result is refused when ``required``.
    """
    label = label or FIELD_LABELS.get(field, field)
    text = "" if value is None else str(value)
    text = unicodedata.normalize("NFC", text).replace("\t", " ").replace("\r", " ").replace("\n", " ")
    text = _SPACES.sub(" ", text).strip()
    if _BAD_CHARS.search(text):
        raise DomainError(f"{label}含有不可见的控制字符，请删除后重新输入", field, "control_chars")
    limit = LIMITS.get(limit_of or field)
    if limit is not None and len(text) > limit:
        raise DomainError(f"{label}不能超过{limit}个字，现在有{len(text)}个字", field, "too_long")
    if required and not text:
        raise DomainError(f"请填写{label}", field, "required")
    return text


#: The middle dot of minority and foreign names (阿依古丽·买买提) and what is typed for it:
#: bullet, katakana middle dot (full and half width), hyphenation point, dot operators, full
#: stop (ASCII and full width).
MIDDLE_DOT = "·"
_DOT_LIKES = re.compile("[·•・･‧∙⋅●.．]+")
_SPACE_NEAR_DOT = re.compile("(?<=·) +| +(?=·)")
_HAN = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_PERSON_NAME = re.compile(f"[{_HAN}A-Za-z· ]+")


def normalize_person_name(value: object) -> str:
    """A person's name as stored: ``normalize_name`` (NFKC, no white space inside or around
    Chinese characters: "张　伟" -> "张伟", one space between Latin words), with the middle
    dot's look-alikes made the middle dot and no space around it. Never an error."""
    return _SPACE_NEAR_DOT.sub("", _DOT_LIKES.sub(MIDDLE_DOT, normalize_name(value)))


#: Most names: 2 to 6 common Chinese characters, which every step below leaves as they are.
PLAIN_NAME = re.compile("[\u4e00-\u9fff]{2,6}")


def clean_person_name(value: object, field: str = "person_name", label: str = "姓名") -> str:
    """A person's name (members, secretaries, administrators): ``normalize_person_name``,
    then Chinese characters, letters and the middle dot only, at least 2 characters."""
    if value.__class__ is str and PLAIN_NAME.fullmatch(value):
        return value
    text = clean_text(normalize_person_name(value), "person_name", required=True, label=label)
    if len(text) < 2:
        raise DomainError(f"{label}至少2个字，请填写完整姓名", field, "too_short")
    if not _PERSON_NAME.fullmatch(text):
        raise DomainError(f"{label}只能包含汉字、字母和间隔号“·”", field, "bad_chars")
    if text.startswith(MIDDLE_DOT) or text.endswith(MIDDLE_DOT):
        raise DomainError(f"{label}的间隔号“·”只能写在两部分名字之间，请删除开头或末尾的“·”", field, "bad_dot")
    return text


#: The "sheet name" of pasted rows, in previews, messages and the audit log.
PASTE_SHEET = "粘贴的内容"


def looks_like_rows(text: str) -> bool:
    """Whether a paste is rows of cells (a tab, or more than one line) rather than a single
    value typed into one field."""
    body = text.strip("\r\n")
    return "\t" in body or "\n" in body or "\r" in body
