"""How a member's stored codes read (团籍状态, 政治面貌, 团内职务), the reasons for leaving the
list (R-MEM-3), and the masked snapshot the audit log keeps (SPEC §9): shared by the
member lists, the member record and the writes."""

from __future__ import annotations

from zhtj_tui.domain.idcard import mask_id_number
from zhtj_tui.domain.mobile import mask_mobile
from zhtj_tui.domain.vocab import OTHER_POST, league_posts, member_statuses, political_statuses

#: Why a member leaves the branch's active list (a fixed list), and the 团籍状态 code kept
#: on the record. Codes 1-6 are ``vocab/member_status.csv``; 7 and 8 are ours (*decision*):
#: graduation and an entry made by mistake have no national status code.
REMOVE_REASONS: dict[str, str] = {
    "毕业离团": "7",
    "满28周岁离团": "3",
    "转出": "2",
    "自行脱团": "4",
    "自愿退团": "5",
    "开除团籍": "6",
    "录入错误": "8",
}
_LOCAL_STATUS = {"7": "毕业离团", "8": "录入错误"}


def status_name(code: str | None) -> str:
    return member_statuses().name_of(code) or _LOCAL_STATUS.get(code or "", "")


def political_short(code: str | None) -> str:
    item = political_statuses().get(code)
    return (item.short or item.name) if item else ""


def post_label(post: str | None, post_name: str | None) -> str:
    if not post:
        return ""
    if post == OTHER_POST and post_name:
        return post_name
    return league_posts().name_of(post)


def snapshot(m) -> dict:
    """A member's values for the audit log, personal data masked (SPEC §9)."""
    return {
        "name": m.name,
        "id_number": mask_id_number(m.id_number),
        "sex": m.sex,
        "ethnic": m.ethnic,
        "political": m.political,
        "join_month": m.join_month,
        "education": m.education,
        "mobile": mask_mobile(m.mobile),
        "member_no": m.member_no,
        "post": m.post,
        "post_name": m.post_name,
        "join_unit": m.join_unit,
        "note": m.note,
        "status": m.status,
        "left_reason": m.left_reason,
    }
