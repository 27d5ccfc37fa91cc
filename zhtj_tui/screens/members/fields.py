"""The entry form's fields: order, what is kept for the next member, value lists, hints."""

from __future__ import annotations

from zhtj_tui.domain.vocab import education_levels, ethnic_groups, league_posts, political_statuses

FORM_FIELDS = ("name", "id_number", "ethnic", "political", "join_month", "education", "mobile",
               "member_no", "post", "post_name", "join_unit", "note")
#: Carried over to the next member after a save (all overridable).
STICKY_FIELDS = ("ethnic", "political", "education", "join_month")


def _choices(key: str) -> tuple[str, ...]:
    if key == "ethnic":
        return tuple(i.name for i in ethnic_groups())
    if key == "political":
        return tuple(i.short or i.name for i in political_statuses())
    if key == "education":
        return tuple(i.name for i in education_levels())
    if key == "post":
        return tuple(i.name for i in league_posts())
    return ()


PLACEHOLDERS = {
    "name": "",
    "id_number": "18位，末位可为X",
    "ethnic": "如 汉 或 han",
    "political": "如 团员 或 gqty",
    "join_month": "2019-09 / 201909 / 2019.9",
    "education": "如 本科 或 bk",
    "mobile": "11位手机号码",
    "member_no": "12位；2017年后入团必填",
    "post": "可空；如 组织委员",
    "post_name": "职务为“其他”时填写",
    "join_unit": "可空",
    "note": "可空；在此按 Enter 保存",
}
