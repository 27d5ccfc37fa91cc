"""Organisation rules: categories and the tree (R-TREE-2), names (R-TREE-4), required
information (R-INFO-1), staffing numbers (R-INFO-3)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import clean_name, clean_text, excerpt, normalize_name, to_halfwidth
from zhtj_tui.domain.vocab import Category, categories

GROUP_LABELS = {
    "leading": "领导机关",
    "committee": "团委",
    "general_branch": "团总支",
    "branch": "团支部",
}


@functools.cache
def _by_code_or_name() -> dict[str, Category]:
    return {key: cat for cat in categories() for key in (cat.code, cat.name)}


def category(value: object, field: str = "category") -> Category:
    """The category given by code or name ("团委" or "02")."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise DomainError("请选择组织类别", field, "required")
    known = _by_code_or_name()
    if text in known:  # the common case (stored codes): one look-up per row of a listing
        return known[text]
    for cat in categories():
        if text in (cat.code, cat.name) or (text.isdigit() and text.zfill(2) == cat.code):
            return cat
    names = "、".join(c.name for c in categories())
    raise DomainError(f"组织类别“{excerpt(text)}”不存在，可选：{names}", field, "not_in_list")


def may_write_members(actor_org_id: int | None, org_id: int, parent_id: int | None, *,
                      operator: bool = False) -> bool:
    """R-MEM-1: who enters and edits a branch's members: the branch's own administrator or
    its direct parent's (the server operator always may)."""
    if operator:
        return True
    return actor_org_id is not None and actor_org_id in (org_id, parent_id)


def allowed_child_categories(parent: Category) -> tuple[Category, ...]:
    """R-TREE-2: a branch has no children; a general branch only branches; a committee
    anything but a leading organ; a leading organ anything."""
    if parent.group == "branch":
        return ()
    if parent.group == "general_branch":
        return tuple(c for c in categories() if c.group == "branch")
    if parent.group == "committee":
        return tuple(c for c in categories() if c.group != "leading")
    return categories()


def check_child_category(parent: Category, child: Category, field: str = "category") -> None:
    allowed = allowed_child_categories(parent)
    if not allowed:
        raise DomainError(
            f"{parent.name}是最基层的团组织，不能创建下级组织", field, "branch_no_children"
        )
    if child not in allowed:
        names = "、".join(c.name for c in allowed)
        raise DomainError(
            f"{parent.name}的下级组织不能是{child.name}，可选：{names}", field, "child_category"
        )


#: A cohort year (R-TREE-4): four or two digits, not part of a longer number, then 级 or
#: 年级 ("2018级", "18级", "2018年级"); digits after ``normalize_name`` (NFKC) are ASCII.
_COHORT_RE = re.compile(r"(?<![0-9])([0-9]{4}|[0-9]{2})(?:年级|级)")
#: A branch name that looks like a class (班), or names a 级 it could not be read from.
_CLASS_LIKE_RE = re.compile(r"班|级|届")

#: One example of a well-formed 简称 per category code, for refusals and instructions.
NAME_EXAMPLES = {
    "01": "石河子团市委",
    "02": "石河子大学师范学院团委",
    "03": "石河子大学机关团工委",
    "04": "石河子大学化学系团总支",
    "05": "计算机专业2017级3班团支部",
    "06": "化学系教工联合团支部",
    "07": "2018级新生军训临时团支部",
}


@dataclass(frozen=True)
class OrgName:
    name: str
    cohort: int | None
    #: Accepted, but worth a second look (R-TREE-4: a class-like branch name without cohort).
    warnings: tuple[str, ...] = ()


def name_example(cat: Category) -> str:
    return NAME_EXAMPLES.get(cat.code) or f"单位名称{cat.suffixes[0]}"


def check_short_name(value: object, cat: Category, field: str = "short_name") -> OrgName:
    """R-TREE-4, R-TREE-5: the normalised 简称 ends with a suffix of its category and not
    with the longer suffix of another category (…临时团支部 is not a plain 团支部); a
    name's cohort year; a class-like branch name without one is accepted with a warning."""
    name = clean_name(value, "short_name", required=True)
    suffix = next((s for s in sorted(cat.suffixes, key=len, reverse=True) if name.endswith(s)), None)
    if suffix is None:
        want = "或".join(f"“{s}”" for s in cat.suffixes)
        raise DomainError(
            f"{cat.name}的组织简称应以{want}结尾（命名规则：单位名称+{cat.suffixes[0]}，"
            f"例如 {name_example(cat)}）",
            field,
            "name_suffix",
        )
    other = _longer_suffix_of_other_category(name, cat, suffix)
    if other is not None:
        other_suffix, other_cat = other
        raise DomainError(
            f"组织简称以“{other_suffix}”结尾，组织类别应选“{other_cat.name}”，不是“{cat.name}”"
            f"（{cat.name}例如 {name_example(cat)}）",
            field,
            "name_other_category",
        )
    if len(name) <= len(suffix):
        raise DomainError(
            f"组织简称不能只有“{suffix}”，请在前面写上单位名称", field, "name_too_short"
        )
    cohort = cohort_of(name)
    warnings: tuple[str, ...] = ()
    if cat.is_branch and cohort is None and _CLASS_LIKE_RE.search(name[: -len(suffix)]):
        warnings = (
            "没有从名称中读出入学年级：班级团支部请写成“（专业）入学年份+级+班号+团支部”，"
            "例如 计算机专业2017级3班团支部（也可写 17级、2017年级）；否则年级任务不会统计它",
        )
    return OrgName(name=name, cohort=cohort, warnings=warnings)


def _longer_suffix_of_other_category(name: str, cat: Category, suffix: str) -> tuple[str, Category] | None:
    """The longest suffix of any category the name ends with, when it is longer than the
    one matched and belongs to another category only."""
    best: tuple[str, Category] | None = None
    for other in categories():
        for s in other.suffixes:
            longer = len(s) > (len(best[0]) if best else len(suffix))
            if longer and name.endswith(s) and s not in cat.suffixes:
                best = (s, other)
    return best


def infer_category(name: str, allowed: Sequence[Category]) -> Category | None:
    """R-TREE-4: the allowed category whose name the organisation's name ends with (the
    longest such name: 团总支 before 团支部's shorter rivals)."""
    text = name.strip()
    best: Category | None = None
    for cat in allowed:
        if cat.name in cat.suffixes and text.endswith(cat.name) and (best is None or len(cat.name) > len(best.name)):
            best = cat
    return best


def category_for_name(name: str, chosen: Category | None, allowed: Sequence[Category]) -> Category | None:
    """The category a name being typed belongs to: the chosen one, unless the name's suffix
    names another allowed category and the name does not fit the chosen one (or none is
    chosen); then that one."""
    inferred = infer_category(name, allowed)
    if inferred is None or inferred == chosen:
        return chosen
    if chosen is not None:
        try:
            check_short_name(name, chosen)
            return chosen
        except DomainError:
            pass
    return inferred


def cohort_of(name: str) -> int | None:
    """R-TREE-4: the cohort year a name gives: 2018级, 18级, 2018年级 (full-width digits
    too); two digits are 20xx up to 69 and 19xx from 70. 高级护理学院 gives none."""
    m = _COHORT_RE.search(normalize_name(name))
    if not m:
        return None
    digits = m.group(1)
    year = int(digits) if len(digits) == 4 else (2000 + int(digits) if int(digits) < 70 else 1900 + int(digits))
    return year if 1950 <= year <= 2100 else None


#: Labels of the information fields, by key.
INFO_LABELS: dict[str, str] = {
    "category": "组织类别",
    "short_name": "组织简称",
    "full_name": "组织全称",
    "industry": "单位所属行业类别",
    "admin_quota": "本级团组织行政编制数",
    "admin_actual": "行政编制实际配备数",
    "inst_quota": "本级团组织事业编制数",
    "inst_actual": "事业编制实际配备数",
    "secretary_name": "书记姓名",
    "secretary_id": "书记身份证号码",
    "secretary_mobile": "书记手机号码",
    "contact_phone": "联系电话",
    "email": "电子邮箱",
}

STAFFING_FIELDS = ("admin_quota", "admin_actual", "inst_quota", "inst_actual")
SECRETARY_FIELDS = ("secretary_name", "secretary_id", "secretary_mobile")
IMMUTABLE_FIELDS = ("short_name", "full_name", "category", "industry")


def required_fields(cat: Category) -> tuple[str, ...]:
    """R-INFO-1: the fields required for the category's field group."""
    base = ("category", "short_name", "full_name")
    if cat.field_group == "branch":
        return base + ("industry",) + SECRETARY_FIELDS
    if cat.field_group == "leading":
        return base + STAFFING_FIELDS + SECRETARY_FIELDS + ("contact_phone", "email")
    return base + ("industry",) + STAFFING_FIELDS + SECRETARY_FIELDS


def missing_info(cat: Category, value_of, has_secretary: bool) -> tuple[str, ...]:
    """R-INFO-4: the required fields (R-INFO-1) of an organisation not filled in.

    ``value_of(key)`` gives the stored value of an information field; the secretary's
    three fields count as filled when the organisation has a secretary.
    """
    missing = []
    for key in required_fields(cat):
        if key in ("category", "short_name"):
            continue
        if key.startswith("secretary_"):
            if not has_secretary:
                missing.append(key)
            continue
        value = value_of(key)
        if value is None or value == "":
            missing.append(key)
    return tuple(missing)


def shown_fields(cat: Category) -> tuple[str, ...]:
    """Fields the form shows for the category (required ones plus the optional contacts)."""
    fields = list(required_fields(cat))
    if cat.field_group == "branch" or cat.field_group == "committee":
        fields.extend(("contact_phone", "email"))
    return tuple(dict.fromkeys(fields))


def parse_staffing(value: object, field: str) -> int | None:
    """R-INFO-3: a non-negative whole number; "none" is 0. Empty gives ``None``."""
    label = INFO_LABELS.get(field, field)
    if value is None:
        return None
    if isinstance(value, bool):
        raise DomainError(f"{label}应为0或正整数", field, "staffing")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = to_halfwidth(str(value)).strip()
        if not text:
            return None
        if text in ("无", "没有"):
            return 0
        # ASCII digits only: str.isdigit() also accepts "²" and "①", which int() refuses.
        if not re.fullmatch(r"[0-9]+", text):
            raise DomainError(f"{label}应为0或正整数（没有请填0），现在是“{excerpt(text)}”", field, "staffing")
        # Beyond the range anyway, and int() refuses strings over 4,300 digits.
        number = int(text) if len(text) <= 7 else 10**7
    if number < 0 or number > 100000:
        raise DomainError(f"{label}应为0到100000之间的整数", field, "staffing")
    return number


def check_staffing_pair(quota: int | None, actual: int | None, quota_field: str, actual_field: str) -> None:
    """*decision*: an actual number may not exceed its establishment number."""
    if quota is not None and actual is not None and actual > quota:
        raise DomainError(
            f"{INFO_LABELS[actual_field]}（{actual}）不能超过{INFO_LABELS[quota_field]}（{quota}）",
            actual_field,
            "staffing_exceeds",
        )


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(value: object, field: str = "email") -> str:
    text = clean_text(value, "email")
    if text and not _EMAIL_RE.match(text):
        raise DomainError("电子邮箱格式不正确，例如 tuanwei@example.edu.cn", field, "email")
    return text


def check_phone(value: object, field: str = "contact_phone") -> str:
    text = clean_text(value, "contact_phone")
    if text and not re.fullmatch(r"[0-9()（）\- +转]{7,30}", text):
        raise DomainError("联系电话只能包含数字、区号括号和“-”，例如 0993-2058888", field, "phone")
    return text
