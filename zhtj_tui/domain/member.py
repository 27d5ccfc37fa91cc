"""A member's fields (R-MEM-2, R-MEM-4): one check used by single entry, editing and
Excel import alike. Uniqueness across the system (R-MEM-3) is the database's and the
services' business; this checks the values alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import parse_id_number
from zhtj_tui.domain.joinage import DEFAULT_POLICY, JoinAgePolicy, check_join_month
from zhtj_tui.domain.member_no import MEMBER_NO_CUTOVER, check_member_no
from zhtj_tui.domain.mobile import normalize_mobile
from zhtj_tui.domain.months import parse_month
from zhtj_tui.domain.pinyin import stored_initials
from zhtj_tui.domain.text import clean_person_name, clean_text
from zhtj_tui.domain.vocab import (
    MEMBER_POLITICAL,
    OTHER_POST,
    education_levels,
    ethnic_groups,
    league_posts,
    political_statuses,
)

#: Field keys and labels of the member form, in form order (* = required).
MEMBER_FIELDS: dict[str, str] = {
    "name": "姓名",
    "id_number": "身份证号码",
    "ethnic": "民族",
    "political": "政治面貌",
    "join_month": "入团年月",
    "education": "学历",
    "mobile": "手机号码",
    "member_no": "团员编号",
    "post": "团内职务",
    "post_name": "职务名称",
    "join_unit": "入团时所在单位",
    "note": "备注",
}
REQUIRED_MEMBER_FIELDS = ("name", "id_number", "ethnic", "political", "join_month", "education", "mobile")


@dataclass(frozen=True)
class MemberData:
    name: str
    id_number: str
    birth_date: date
    sex: str
    ethnic: str
    political: str
    join_month: str  # "YYYY-MM"
    education: str
    mobile: str
    member_no: str | None
    post: str | None
    post_name: str | None
    join_unit: str | None
    note: str | None
    warnings: tuple[str, ...] = ()


def check_member(
    values: dict,
    today: date,
    policy: JoinAgePolicy = DEFAULT_POLICY,
    member_no_cutover: date = MEMBER_NO_CUTOVER,
) -> MemberData:
    """Validate a member's fields given by key (``MEMBER_FIELDS``); value-list fields take
    a code or a name. Raises ``DomainError`` naming the first wrong field, in form order."""
    name = clean_person_name(values.get("name"), "name")
    info = parse_id_number(values.get("id_number"), today)
    ethnic = ethnic_groups().resolve(values.get("ethnic"), "ethnic")
    political = check_member_political(values.get("political"))
    month = parse_month(values.get("join_month"))
    warnings = info.warnings + check_join_month(info.birth_date, month, today, policy)
    education = education_levels().resolve(values.get("education"), "education")
    mobile = normalize_mobile(values.get("mobile"))
    member_no = check_member_no(values.get("member_no"), month, member_no_cutover)
    post = league_posts().resolve(values.get("post"), "post", required=False)
    post_name = None
    if post == OTHER_POST:
        post_name = clean_text(values.get("post_name"), "post_name", required=True, label="职务名称")
    join_unit = clean_text(values["join_unit"], "join_unit") or None if values.get("join_unit") is not None else None
    note = clean_text(values["note"], "note") or None if values.get("note") is not None else None
    return MemberData(
        name=name, id_number=info.number, birth_date=info.birth_date, sex=info.sex, ethnic=ethnic,
        political=political, join_month=str(month), education=education, mobile=mobile,
        member_no=member_no, post=post, post_name=post_name, join_unit=join_unit, note=note,
        warnings=warnings,
    )


def check_member_political(value: object) -> str:
    """政治面貌 of a League member (R-MEM-2): 群众 is refused as not a member."""
    statuses = political_statuses()
    code = statuses.resolve(value, "political")
    if code not in MEMBER_POLITICAL:
        raise DomainError(
            f"政治面貌为“{statuses.name_of(code)}”的人不是共青团员，不能录入为团员。团员的政治面貌应为共青团员"
            "（或保留团籍的中共党员、中共预备党员），请核对", "political", "not_league_member")
    return code


__all__ = ["check_member_political", "MemberData", "check_member", "MEMBER_FIELDS", "REQUIRED_MEMBER_FIELDS", "DomainError"]


#: Width of ``member.name_initials``.
MEMBER_INITIALS_WIDTH = 30


def member_initials(name: str) -> str:
    """``member.name_initials``: the pinyin initials of the name (search by "zs"), as every
    write of a member and the consistency check compute it."""
    return stored_initials(name, MEMBER_INITIALS_WIDTH)
