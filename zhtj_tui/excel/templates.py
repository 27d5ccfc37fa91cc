"""The Excel templates users fill in: child organisations (R-SUB-2) and members (R-MEM-2).

Templates need a normal (not write-only) workbook for their drop-down lists; a list longer
than Excel's 255-character limit for inline lists goes on a hidden sheet behind a defined
name. Text columns are formatted '@' so that Excel keeps ID numbers' digits.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from zhtj_tui.domain import orgs as org_rules
from zhtj_tui.domain.member_no import MEMBER_NO_CUTOVER
from zhtj_tui.domain.vocab import (
    MEMBER_POLITICAL,
    Category,
    education_levels,
    ethnic_groups,
    league_posts,
    political_statuses,
)
from zhtj_tui.excel.specs import MEMBER_SPEC, ORG_SPEC, SheetSpec
from zhtj_tui.excel.writer import check_output_path, save_atomic, set_text

#: Rows of the data area that get drop-downs and text formatting.
ORG_ROWS = 1000
MEMBER_ROWS = 5000
LISTS_SHEET = "下拉选项"
INLINE_LIST_CHARS = 80

REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
OPTIONAL_FILL = PatternFill("solid", fgColor="595959")
HEADER_FONT = Font(bold=True, color="FFFFFF")
NAMING_RULE = (
    "“组织简称”的命名规则：简称为“单位名称+类别后缀（团委、团工委、团总支、团支部等）”，例如：石河子大学师范学院团委。"
    "班级团支部以“（专业）入学年份+班号+团支部”命名，例如：计算机专业2017级3班团支部。"
)


def header_label(spec: SheetSpec, key: str) -> str:
    col = spec.column(key)
    return col.label + ("*" if col.required else "")


def _header(ws, spec: SheetSpec, widths: dict[str, int], hints: dict[str, str]) -> None:
    for i, col in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=i)
        set_text(cell, header_label(spec, col.key))
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if col.required else OPTIONAL_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        hint = hints.get(col.key)
        if hint:
            cell.comment = Comment(hint, "zhtj")
        ws.column_dimensions[get_column_letter(i)].width = widths.get(col.key, 14)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 22


def _text_columns(ws, spec: SheetSpec, keys: Sequence[str], rows: int) -> None:
    """Format whole columns as text, and the cells of the data area explicitly (some
    spreadsheet programs ignore column styles when the user types)."""
    for key in keys:
        idx = [c.key for c in spec.columns].index(key) + 1
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].number_format = "@"
        for r in range(2, rows + 2):
            ws.cell(row=r, column=idx).number_format = "@"


def _list_validation(wb: Workbook, ws, spec: SheetSpec, key: str, items: Sequence[str], rows: int,
                     name: str) -> DataValidation:
    """A drop-down on column ``key`` (rows 2..rows+1) listing ``items``."""
    idx = [c.key for c in spec.columns].index(key) + 1
    letter = get_column_letter(idx)
    inline = ",".join(items)
    # Excel's limit for an inline list is 255 characters; stay well below it (some
    # programs count bytes), and put longer lists on the hidden sheet.
    if len(inline) <= INLINE_LIST_CHARS and not any("," in i or '"' in i for i in items):
        formula = f'"{inline}"'
    else:
        if LISTS_SHEET in wb.sheetnames:
            lists = wb[LISTS_SHEET]
        else:
            lists = wb.create_sheet(LISTS_SHEET)
            lists.sheet_state = "hidden"
        col = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value is not None else 1
        col_letter = get_column_letter(col)
        set_text(lists.cell(row=1, column=col), spec.column(key).label)
        for r, item in enumerate(items, start=2):
            set_text(lists.cell(row=r, column=col), item)
        ref = f"{quote_sheetname(LISTS_SHEET)}!${col_letter}$2:${col_letter}${len(items) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        formula = name
    label = spec.column(key).label
    dv = DataValidation(
        type="list", formula1=formula, allow_blank=not spec.column(key).required, showDropDown=False,
        showErrorMessage=True, errorTitle=f"{label}不在可选范围内",
        error=f"请从下拉列表中选择{label}", promptTitle=label, prompt=f"请从下拉列表中选择{label}",
        showInputMessage=True,
    )
    dv.add(f"{letter}2:{letter}{rows + 1}")
    ws.add_data_validation(dv)
    return dv


def _instructions(wb: Workbook, title: str, lines: Sequence[str]) -> None:
    ws = wb.create_sheet("填写说明")
    ws.column_dimensions["A"].width = 110
    cell = ws.cell(row=1, column=1)
    set_text(cell, title)
    cell.font = Font(bold=True, size=14)
    for r, line in enumerate(lines, start=3):
        c = ws.cell(row=r, column=1)
        set_text(c, line)
        c.alignment = Alignment(wrap_text=True, vertical="top")


# -- child organisations ------------------------------------------------------------------
def suffix_rule(allowed) -> str:
    """Instruction 5: the suffix each category's 简称 must end with, with an example
    (the same rule and examples as the refusals of ``domain.orgs.check_short_name``)."""
    parts = []
    for cat in allowed:
        ends = "或".join(f"“{s}”" for s in cat.suffixes)
        parts.append(f"{cat.name}以{ends}结尾（如 {org_rules.name_example(cat)}）")
    if not parts:
        return "团支部不能创建下级组织。"
    return ("组织简称须以所选类别的后缀结尾：" + "；".join(parts)
            + "。以“临时团支部”“联合团支部”结尾的名称请选对应的类别，不要选“团支部”。"
            "简称中的全角数字、字母会转为半角，汉字前后的空格会被去掉。")


def org_template_workbook(parent: Category, parent_name: str = "") -> Workbook:
    """R-SUB-2: 组织简称, 组织类别 (drop-down of the categories a child of ``parent`` may
    have), optional 组织全称, and the instructions with the naming rule."""
    allowed = org_rules.allowed_child_categories(parent)
    wb = Workbook()
    ws = wb.active
    ws.title = "下级组织"
    _header(ws, ORG_SPEC, {"short_name": 34, "category": 18, "full_name": 44}, {
        "short_name": "必填。单位名称+类别后缀，例如 石河子大学师范学院团委、石河子大学化学系团总支",
        "category": "必填。请从下拉列表中选择",
        "full_name": "选填。组织全称在全系统中不能重复",
    })
    _text_columns(ws, ORG_SPEC, ("short_name", "full_name"), ORG_ROWS)
    if allowed:
        _list_validation(wb, ws, ORG_SPEC, "category", [c.name for c in allowed], ORG_ROWS, "CategoryList")
    names = "、".join(c.name for c in allowed) or "（无：团支部不能创建下级组织）"
    whose = f"“{parent_name}”" if parent_name else "本组织"
    _instructions(wb, "下级组织批量创建模板 填写说明", [
        f"1. 本模板用于为{whose}批量创建直属下级团组织，每行一个组织。请在“下级组织”工作表中填写，不要修改、删除或移动表头（第1行）。",
        "2. 红色表头为必填列：组织简称、组织类别；灰色表头为选填列：组织全称（全称在全系统中不能重复）。",
        f"3. “组织类别”提供了下拉选项，请根据表格提供的数据项选择填写。{whose}的下级组织可选：{names}。",
        f"4. {NAMING_RULE}",
        "5. " + suffix_rule(allowed),
        "6. 填好后保存为 .xlsx 文件并上传。系统会先逐行检查并显示结果（将创建 / 已存在 / 错误及原因），确认后才会创建。",
        "7. 有错误的行可改正后重新上传整个文件：已经创建的组织会显示为“已存在”，不会重复创建。",
    ])
    wb.active = 0
    return wb


def write_org_template(path: str | os.PathLike, parent: Category, parent_name: str = "",
                       overwrite: bool = False) -> Path:
    check_output_path(path, overwrite)  # before building the workbook
    return save_atomic(org_template_workbook(parent, parent_name), path, overwrite)


# -- members ---------------------------------------------------------------------------------
def member_template_workbook(branch_name: str = "") -> Workbook:
    """R-MEM-2: the member columns with drop-downs for 民族, 政治面貌, 学历, 团内职务; ID,
    mobile, 入团年月 and 团员编号 formatted as text."""
    wb = Workbook()
    ws = wb.active
    ws.title = "团员信息"
    _header(ws, MEMBER_SPEC, {
        "name": 12, "id_number": 22, "ethnic": 10, "political": 20, "join_month": 12, "education": 16,
        "mobile": 15, "member_no": 16, "post": 12, "post_name": 14, "join_unit": 28, "note": 24,
    }, {
        "id_number": "必填。18位身份证号码，本列已设置为文本格式，请勿改为数字",
        "join_month": "必填。例如 2019-09，也可写 201909、2019.9、2019年9月",
        "mobile": "必填。11位手机号码",
        "member_no": f"12位数字，前四位为入团年份；{MEMBER_NO_CUTOVER.year}年{MEMBER_NO_CUTOVER.month}月1日以后入团的必填",
        "post_name": "团内职务选“其他”时必填",
    })
    _text_columns(ws, MEMBER_SPEC, ("id_number", "mobile", "join_month", "member_no"), MEMBER_ROWS)
    _list_validation(wb, ws, MEMBER_SPEC, "ethnic", [i.name for i in ethnic_groups()], MEMBER_ROWS, "EthnicList")
    _list_validation(wb, ws, MEMBER_SPEC, "political",
                     [i.name for i in political_statuses() if i.code in MEMBER_POLITICAL], MEMBER_ROWS,
                     "PoliticalList")
    _list_validation(wb, ws, MEMBER_SPEC, "education", [i.name for i in education_levels()], MEMBER_ROWS,
                     "EducationList")
    _list_validation(wb, ws, MEMBER_SPEC, "post", [i.name for i in league_posts()], MEMBER_ROWS, "PostList")
    where = f"“{branch_name}”" if branch_name else "团支部"
    cut = f"{MEMBER_NO_CUTOVER.year}年{MEMBER_NO_CUTOVER.month}月{MEMBER_NO_CUTOVER.day}日"
    _instructions(wb, "团员信息导入模板 填写说明", [
        f"1. 本模板用于向{where}批量录入团员，每行一名团员。请在“团员信息”工作表中填写，不要修改、删除或移动表头（第1行）。",
        "2. 红色表头为必填列：姓名、身份证号码、民族、政治面貌、入团年月、学历、手机号码；灰色表头为选填列。",
        "3. 民族、政治面貌、学历、团内职务提供了下拉选项，请从列表中选择。团内职务选“其他”时，请在“职务名称”列填写职务。",
        "4. 身份证号码、手机号码、团员编号列已设置为文本格式。请勿改成数字格式，否则 Excel 会把18位身份证号码的末尾几位变成0。",
        "5. 入团年月可写为 2019-09、201909、2019.9 或 2019年9月。入团时年龄须满13周岁（2016年9月1日以前入团的须满12周岁）。",
        f"6. 团员编号为12位数字，前四位是入团年份；{cut}以后入团的团员必须填写。团员编号和身份证号码在全系统中不能重复。",
        "7. 填好后保存为 .xlsx 文件并上传。系统会先逐行检查并显示结果（将创建 / 已存在 / 错误及原因），确认后才会导入。",
        "8. 有错误的行可改正后重新上传整个文件：已经导入本支部的团员会显示为“已存在”，不会重复导入。",
    ])
    wb.active = 0
    return wb


def write_member_template(path: str | os.PathLike, branch_name: str = "", overwrite: bool = False) -> Path:
    check_output_path(path, overwrite)  # before building the workbook
    return save_atomic(member_template_workbook(branch_name), path, overwrite)
