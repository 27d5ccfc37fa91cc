"""Excel binary workbooks (.xlsb) as Excel writes them (R-MEM-2, R-EXCEL-*): the committed
excel_*.xlsb files were saved by Microsoft Excel (origin in fixtures/README.md); members.xlsb
is a member sheet inside excel_dates.xlsb's own container and styles, written by
fixtures/make_xlsb.py. Each is read through the same checks as an upload."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from pony.orm import db_session, select

from zhtj_tui.excel import sources
from zhtj_tui.excel.reader import read_sheet
from zhtj_tui.excel.refused import FileRefused
from zhtj_tui.excel.specs import MEMBER_SPEC
from zhtj_tui.services.dto import CREATE, ERROR, Actor

OP = Actor.server_operator()
FIXTURES = Path(__file__).parent / "fixtures"


def grids(name: str) -> dict[str, list[list]]:
    path, kind = sources.check_file(FIXTURES / name)
    assert kind == "xlsb"
    return {g.name: g.rows for g in sources.open_grids(path, kind)}


def test_excel_saved_xlsb_dates_and_numbers():
    # Cells Excel stored as RK numbers with a date format come back as dates; plain numbers as numbers.
    rows = grids("excel_dates.xlsb")["Sheet1"]
    assert rows[0] == [date(2021, 1, 1), 15.0]
    assert rows[1] == [date(2021, 1, 2), 16.0]


def test_excel_saved_xlsb_shared_strings_and_types():
    # Text from Excel's shared-string table (non-ASCII too), numbers, booleans and a date.
    sheets = grids("excel_types.xlsb")
    assert sheets["datatypes"] == [[1.0], [1.5], ["ab"], [False], ["test"], [date(2016, 10, 20)]]
    assert sheets["issue2"] == [[1.0, "a"], [2.0, "b"], [3.0, "c"]]
    assert ["☺"] in sheets["spc_chrs"] and ["àâéêèçöïî«»"] in sheets["spc_chrs"] and ["<"] in sheets["spc_chrs"]


def test_excel_saved_xlsb_without_a_member_header_is_refused_in_chinese():
    with pytest.raises(FileRefused) as err:
        read_sheet(FIXTURES / "excel_types.xlsb", MEMBER_SPEC)
    assert err.value.code == "no_header" and "表头" in str(err.value) and "姓名" in str(err.value)


def test_member_sheet_in_xlsb_each_row(svc, tmp_path):
    # R-MEM-2: national labels (公民身份号码, 联系电话, 发展团员编号, 最高学历); a date cell and text
    # in 入团年月; a mobile and a 团员编号 stored as numbers read as their digits; an ID number
    # Excel turned into a number is refused with what to do; Chinese names with the middle dot.
    top = svc.orgs.create_top(OP, "石河子大学团委", "团委")
    branch = svc.orgs.create_child(OP, top.id, "计算机专业2018级3班团支部", "团支部")
    sheet = read_sheet(FIXTURES / "members.xlsb", MEMBER_SPEC)
    assert sheet.rows[0].values["join_month"] == date(2014, 5, 1)
    assert sheet.rows[0].values["mobile"] == "13800000001"
    preview = svc.member_import.preview(OP, branch.id, FIXTURES / "members.xlsb")
    assert [(r.row, r.name, r.outcome, r.code) for r in preview.rows] == [
        (2, "张伟", CREATE, None),
        (3, "热依拉·买买提", CREATE, None),
        (4, "李娜", ERROR, "number_lost_digits"),
        (5, "王芳", CREATE, None),
    ]
    why = preview.rows[2].reason
    assert "身份证号码被 Excel 存成了数字" in why and "文本" in why
    svc.member_import.commit(OP, preview)
    with db_session:
        got = {m.name: (m.join_month, m.mobile, m.member_no, m.ethnic, m.political, m.education)
               for m in select(m for m in svc.store.Member if m.branch.id == branch.id)}
    assert got == {
        "张伟": ("2014-05", "13800000001", None, "01", "03", "10"),
        "热依拉·买买提": ("2015-09", "13800000002", None, "05", "03", "10"),
        "王芳": ("2019-09", "13800000004", "201909000001", "03", "03", "10"),
    }


def test_broken_xlsb_is_refused_in_chinese(tmp_path):
    # Cut short (as by an interrupted copy), and a sheet part whose records are garbage.
    cut = tmp_path / "cut.xlsb"
    cut.write_bytes((FIXTURES / "members.xlsb").read_bytes()[:3000])
    garbage = tmp_path / "garbage.xlsb"
    with zipfile.ZipFile(FIXTURES / "members.xlsb") as zin, zipfile.ZipFile(garbage, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.bin":
                data = data[:40] + b"\xff" * 7
            zout.writestr(info, data)
    for path in (cut, garbage):
        with pytest.raises(FileRefused) as err:
            read_sheet(path, MEMBER_SPEC)
        assert err.value.code == "corrupt" and "文件已损坏" in str(err.value) and "另存为" in str(err.value)


def test_xlsb_renamed_xlsx_is_read_by_its_content(tmp_path):
    # What a file is comes from its content, not its name.
    renamed = tmp_path / "members.xlsx"
    shutil.copy(FIXTURES / "members.xlsb", renamed)
    assert sources.check_file(renamed)[1] == "xlsb"
    assert len(read_sheet(renamed, MEMBER_SPEC).rows) == 4
