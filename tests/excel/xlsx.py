"""Building real .xlsx files for the import tests."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

ORG_HEADER = ["组织简称", "组织类别", "组织全称"]
MEMBER_HEADER = ["姓名", "身份证号码", "民族", "政治面貌", "入团年月", "学历", "手机号码", "团员编号", "团内职务",
                 "入团时所在单位", "备注"]


def write_xlsx(path: Path, rows: list[list], title: str = "Sheet1", before: list[str] | None = None,
               hidden: bool = False, formulas: bool = False) -> Path:
    """A sheet holding ``rows`` (the header first). ``before`` adds sheets in front of it;
    ``hidden`` hides the data sheet (only with ``before``: a workbook needs a visible sheet);
    text starting with "=" is a formula only when ``formulas``."""
    wb = Workbook()
    first = wb.active
    if before:
        first.title = before[0]
        first["A1"] = "说明"
        for name in before[1:]:
            wb.create_sheet(name)
        ws = wb.create_sheet(title)
    else:
        ws = first
        ws.title = title
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("=") and not formulas:
                cell.data_type = "s"  # text that merely starts with "=", as a user typed it
    if hidden:
        ws.sheet_state = "hidden"
        wb.active = 0
    wb.save(path)
    return path


def member_row(p, *, join=None, ethnic="汉族", political="共青团员", education="本科在读", member_no=None,
               post=None, name=None) -> list:
    return [name or p.name, p.id_number, ethnic, political, join or p.join_month, education, p.mobile,
            member_no, post, None, None]
