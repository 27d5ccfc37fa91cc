"""A member import's checked rows (one named tuple per row) and the duplicates within one
file (R-MEM-3, R-MEM-4), decided before the database is asked anything."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.member import MemberData
from zhtj_tui.excel.specs import ParsedSheet


class Planned(NamedTuple):
    """A checked row: its data, or why it is refused (a named tuple: one per row)."""

    row: int
    label: str
    data: MemberData | None = None
    error: DomainError | None = None


def in_file_duplicates(sheet: ParsedSheet, planned: list[Planned]) -> list[Planned]:
    """R-MEM-3, R-MEM-4 within one file: every row whose ID number or 团员编号 (as written,
    cleaned of spaces and case) appears on another row is refused, naming the other rows,
    whether or not the other copies are valid: which copy is right is for a person to say."""
    # First whether any value repeats (one pass each, nothing kept per row), then their rows.
    ids = list(map(str.upper, [v for row in sheet.rows if (v := row.values.get("id_number")).__class__ is str and v]))
    nos = [v for row in sheet.rows if (v := row.values.get("member_no")).__class__ is str and v]
    if len(set(ids)) == len(ids) and len(set(nos)) == len(nos):
        return planned
    twice = {("id", k) for k, n in Counter(ids).items() if n > 1} | {("no", k) for k, n in Counter(nos).items() if n > 1}
    dup_ids: dict[str, list[int]] = {}
    dup_nos: dict[str, list[int]] = {}
    for row in sheet.rows:
        idn, no = row.values.get("id_number"), row.values.get("member_no")
        if isinstance(idn, str) and ("id", idn.upper()) in twice:
            dup_ids.setdefault(idn.upper(), []).append(row.row)
        if isinstance(no, str) and ("no", no) in twice:
            dup_nos.setdefault(no, []).append(row.row)
    by_row = {row.row: row for row in sheet.rows}
    out = []
    for p in planned:
        values = by_row[p.row].values
        clashes = []
        field = None
        idn, no = values.get("id_number"), values.get("member_no")
        for what, key, table, fld in (("身份证号码", idn, dup_ids, "id_number"), ("团员编号", no, dup_nos, "member_no")):
            rows = table.get(key.upper() if fld == "id_number" else key) if isinstance(key, str) and key else None
            if rows:
                others = "、".join(str(r) for r in rows if r != p.row)
                clashes.append(f"与第{others}行的{what}重复")
                field = field or fld
        if not clashes:
            out.append(p)
            continue
        text = "，".join(clashes)
        if p.error is not None:
            message = f"{p.error}；另外，{text}"
            error = DomainError(message, p.error.field, p.error.code)
        else:
            error = DomainError(f"{text}：同一人只能导入一次，请核对后删除重复的行", field, "duplicate_in_file")
        out.append(Planned(p.row, p.label, error=error))
    return out
