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
    text = to_halfwidth("" if value is None else str(value))
    return _BAD_CHARS.sub("", re.sub(r"\s+", "", text))[:limit]


def to_halfwidth(value: str) -> str:
    """Full-width digits, letters and spaces to their ASCII forms (other text untouched)."""
    out = []
    for ch in value:
        code = ord(ch)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E and (ch.isalnum() or ch in "＋－．／＠"):
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def clean_text(value: object, field: str, *, required: bool = False, label: str | None = None) -> str:
    """Return ``value`` stripped, with runs of white space folded to one space.

    Refuses control and invisible direction characters and anything longer than the field's
    limit in ``LIMITS``. An empty result is refused when ``required``.
    """
    label = label or FIELD_LABELS.get(field, field)
    text = "" if value is None else str(value)
    text = unicodedata.normalize("NFC", text).replace("\t", " ").replace("\r", " ").replace("\n", " ")
    text = _SPACES.sub(" ", text).strip()
    if _BAD_CHARS.search(text):
        raise DomainError(f"{label}含有不可见的控制字符，请删除后重新输入", field, "control_chars")
    limit = LIMITS.get(field)
    if limit is not None and len(text) > limit:
        raise DomainError(f"{label}不能超过{limit}个字，现在有{len(text)}个字", field, "too_long")
    if required and not text:
        raise DomainError(f"请填写{label}", field, "required")
    return text


def clean_person_name(value: object, field: str = "person_name", label: str = "姓名") -> str:
    """A person's name: Chinese characters, letters, the middle dot of minority names."""
    text = clean_text(value, "person_name", required=True, label=label)
    if len(text) < 2:
        raise DomainError(f"{label}至少2个字，请填写完整姓名", field, "too_short")
    if not re.fullmatch(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z·•. ]+", text):
        raise DomainError(f"{label}只能包含汉字、字母和间隔号“·”", field, "bad_chars")
    return text.replace("•", "·")


#: The "sheet name" of pasted rows, in previews, messages and the audit log.
PASTE_SHEET = "粘贴的内容"


def looks_like_rows(text: str) -> bool:
    """Whether a paste is rows of cells (a tab, or more than one line) rather than a single
    value typed into one field."""
    body = text.strip("\r\n")
    return "\t" in body or "\n" in body or "\r" in body
