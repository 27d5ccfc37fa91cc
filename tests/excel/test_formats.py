"""Administrators' own spreadsheets (R-MEM-1, R-MEM-2, R-MEM-3, R-SUB-2): .xls (the national
system's template), .ods, .csv in the encodings Excel writes, .xlsx with the national
system's and rosters' column names; each row's verdict and message. The .xls and .ods
fixtures are committed, written by fixtures/make_fixtures.py."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from pony.orm import db_session, select

from tests.excel.xlsx import MEMBER_HEADER, write_xlsx
from tests.helpers import person
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.excel import extents, sources
from zhtj_tui.excel.reader import read_sheet
from zhtj_tui.excel.refused import FileRefused
from zhtj_tui.excel.specs import MEMBER_SPEC, ORG_SPEC
from zhtj_tui.services.dto import CREATE, ERROR, Actor

OP = Actor.server_operator()
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def branch(svc):
    top = svc.orgs.create_top(OP, "石河子大学团委", "团委")
    college = svc.orgs.create_child(OP, top.id, "师范学院团委", "团委")
    return svc.orgs.create_child(OP, college.id, "计算机专业2018级3班团支部", "团支部")


def verdicts(preview) -> list[tuple]:
    return [(r.row, r.name, r.outcome, r.code) for r in preview.rows]


def stored(svc, branch_id) -> dict:
    with db_session:
        return {m.name: (m.ethnic, m.political, m.education, m.join_month, m.mobile, m.post)
                for m in select(m for m in svc.store.Member if m.branch.id == branch_id)}


# -- .xls: the national system's template --------------------------------------------------------
def test_national_xls_each_row(svc, branch):
    # R-MEM-2: labels 公民身份号码 / 联系电话 / 现任团内职务; values 汉, 团员, 大学本科; 群众 refused;
    # a 2015.1 number month refused; 张　伟 -> 张伟; • -> ·; R-MEM-3 duplicates name each other.
    preview = svc.member_import.preview(OP, branch.id, FIXTURES / "national.xls")
    assert preview.sheet_name == "团员信息"
    assert verdicts(preview) == [
        (3, "王一", CREATE, None),
        (4, "王二", ERROR, "not_league_member"),
        (5, "王三", ERROR, "month_ambiguous"),
        (6, "张伟", CREATE, None),
        (7, "王五", ERROR, "not_in_list"),
        (8, "王六", ERROR, "duplicate_in_file"),
        (9, "阿依古丽·买买提", CREATE, None),
        (10, "王八", ERROR, "ambiguous"),
        (11, "王九", CREATE, None),
    ]
    why = {r.row: r.reason for r in preview.rows}
    assert "不是共青团员" in why[4]
    assert "2015年1月还是2015年10月" in why[5] and "文本" in why[5]
    assert "民族“火星”不在可选范围内" in why[7] and "与第8行的身份证号码重复" in why[7]
    assert "与第7行的身份证号码重复" in why[8]
    assert "“硕士”、“博士”" in why[10]
    # 学历: 最高学历 is read (SPEC R-MEM-2: the list has no full-time distinction), and said so.
    assert preview.notes == ("学历取自“最高学历”列（“全日制学历”列未导入）", "以下列未导入：序号、性别、全日制学历")
    result = svc.member_import.commit(OP, preview)
    assert (result.created, result.refused) == (4, 5)
    got = stored(svc, branch.id)
    assert got["王一"] == ("01", "03", "10", "2014-06", "13900000001", "03")  # 汉族 共青团员 本科, 组织委员
    assert got["张伟"][2] == "08" and got["张伟"][4] == "13900000004"  # 大学专科 -> 大专; a number mobile
    assert got["阿依古丽·买买提"][0] == "05" and got["阿依古丽·买买提"][2] == "11"  # 维吾尔族, 本科在读
    assert got["王九"][1:3] == ("02", "12")  # 中共预备党员, 硕士研究生 -> 硕士


def test_xls_reaching_the_whole_grid_is_refused_before_reading(svc, branch, monkeypatch):
    opened = []
    monkeypatch.setattr(sources, "_calamine", lambda p: opened.append(p))
    with pytest.raises(FileRefused) as err:
        read_sheet(FIXTURES / "far.xls", MEMBER_SPEC)
    assert err.value.code == "too_many_cells" and "65,536 行 × 256 列" in str(err.value) and opened == []


# -- .ods: a class roster ----------------------------------------------------------------------------
def test_roster_ods_each_row(svc, branch):
    preview = svc.member_import.preview(OP, branch.id, FIXTURES / "roster.ods")
    assert verdicts(preview) == [
        (2, "李一", CREATE, None),
        (3, "李二", CREATE, None),
        (4, "李三", ERROR, "duplicate_in_file"),
        (5, "李四", ERROR, "duplicate_in_file"),
        (6, "李五", ERROR, "not_in_list"),
    ]
    why = {r.row: r.reason for r in preview.rows}
    assert "与第5行的身份证号码重复" in why[4] and "与第4行的身份证号码重复" in why[5]
    assert "政治面貌“少先队员”不在可选范围内，最接近的是：" in why[6]
    assert preview.notes == ("以下列未导入：学号、宿舍号",)
    svc.member_import.commit(OP, preview)
    got = stored(svc, branch.id)
    assert got["李一"][:4] == ("02", "03", "11", "2014-06")  # 蒙古 -> 蒙古族; 2014.6 as text: June
    assert got["李二"][1:3] == ("01", "11")  # 党员 -> 中共党员; 大学本科在读 -> 本科在读


def test_ods_repeating_a_row_a_million_times_is_refused(tmp_path):
    src = zipfile.ZipFile(FIXTURES / "roster.ods")
    p = tmp_path / "repeat.ods"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "content.xml":
                data = data.replace(b"<table:table-row>", b'<table:table-row table:number-rows-repeated="1000000">', 2)
            out.writestr(info, data)
    with pytest.raises(FileRefused) as err:
        read_sheet(p, MEMBER_SPEC)
    assert err.value.code == "too_many_rows"


# -- .csv as Excel and WPS save it --------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "utf-16"])
def test_csv_in_each_encoding(svc, branch, tmp_path, encoding):
    a, b, c = (person(birth=date(2001, 3, 4), name=n) for n in ("赵一", "赵二", "赵三"))
    sep = "\t" if encoding == "utf-16" else ","  # Excel's "Unicode text" is tab-separated UTF-16
    lines = [["姓名", "身份证号码", "民族", "政治面貌", "入团年月", "学历", "联系方式"],
             [a.name, a.id_number, "汉", "共青团员", "2015-03", "本科", a.mobile],
             [b.name, b.id_number, "汉族", "团员", "2015.1", "本科", b.mobile],
             [c.name, "1.10105E+17", "汉族", "团员", "2015-03", "本科", c.mobile]]
    p = tmp_path / "members.csv"
    p.write_bytes("\r\n".join(sep.join(x) for x in lines).encode(encoding))
    preview = svc.member_import.preview(OP, branch.id, p)
    assert verdicts(preview) == [(2, "赵一", CREATE, None), (3, "赵二", ERROR, "month_ambiguous"),
                                 (4, "赵三", ERROR, "number_lost_digits")]


def test_csv_of_organisations(tmp_path):
    p = tmp_path / "orgs.csv"
    p.write_bytes("组织简称,组织类别\r\n师范学院团委,团委\r\n".encode("gbk"))
    sheet = read_sheet(p, ORG_SPEC)
    assert [r.values for r in sheet.rows] == [{"short_name": "师范学院团委", "category": "团委"}]


def test_csv_rows_shorter_than_the_header_read_the_missing_cells_as_empty(tmp_path):
    # A hand-written .csv leaves out the commas of empty cells at the end of a line.
    p = tmp_path / "orgs.csv"
    p.write_bytes("组织简称,组织类别,组织全称\r\n甲团委,团委\r\n乙团委\r\n\r\n丙团委,团委,丙单位团委\r\n".encode())
    sheet = read_sheet(p, ORG_SPEC)
    assert [(r.row, r.values) for r in sheet.rows] == [
        (2, {"short_name": "甲团委", "category": "团委", "full_name": None}),
        (3, {"short_name": "乙团委", "category": None, "full_name": None}),
        (5, {"short_name": "丙团委", "category": "团委", "full_name": "丙单位团委"})]


# -- .xlsx with the names in use -------------------------------------------------------------------------
def test_xlsx_with_national_and_roster_column_names(svc, branch, tmp_path):
    a, b = person(birth=date(2001, 3, 4), name="钱一"), person(birth=date(2001, 3, 4), name="钱二")
    header = ["序号", "姓名", "证件号码", "民族", "政治面貌", "入团日期", "文化程度", "手机号码", "联系电话",
              "团内现任职务", "发展团员编号"]
    rows = [header,
            [1, a.name, a.id_number, "汉族", "共青团员", "2015-03", "大学本科", a.mobile, "0993-1234567", "宣传委员", None],
            [2, b.name, b.id_number, "汉族", "共青团员", "2015-03", "本科", b.mobile, None, None, None]]
    preview = svc.member_import.preview(OP, branch.id, write_xlsx(tmp_path / "m.xlsx", rows))
    assert verdicts(preview) == [(2, "钱一", CREATE, None), (3, "钱二", CREATE, None)]
    assert preview.notes == ("手机号码取自“手机号码”列（“联系电话”列未导入）", "以下列未导入：序号、联系电话")
    svc.member_import.commit(OP, preview)
    assert stored(svc, branch.id)["钱一"][2:] == ("10", "2015-03", a.mobile, "04")


def test_mobile_from_a_roster_contact_column(svc, branch, tmp_path):
    a = person(birth=date(2001, 3, 4), name="孙一")
    rows = [["姓名", "公民身份号码", "民族", "政治面貌", "入团年月", "最高学历", "联系电话"],
            [a.name, a.id_number, "汉族", "共青团员", "2015-03", "本科", a.mobile]]
    preview = svc.member_import.preview(OP, branch.id, write_xlsx(tmp_path / "m.xlsx", rows))
    assert verdicts(preview) == [(2, "孙一", CREATE, None)] and preview.notes == ()


def test_duplicate_member_numbers_name_each_other_whatever_the_first_copy(svc, branch, tmp_path):
    a = person(birth=date(2004, 3, 8), name="周一", join_month="2019-09")
    b = person(birth=date(2004, 3, 8), name="周二", join_month="2019-09")
    rows = [["姓名", "身份证号码", "民族", "政治面貌", "入团年月", "学历", "手机号码", "团员编号"],
            [a.name, a.id_number, "火星族", "共青团员", "2019-09", "本科", a.mobile, "201909000001"],
            [b.name, b.id_number, "汉族", "共青团员", "2019-09", "本科", b.mobile, "201909000001"]]
    preview = svc.member_import.preview(OP, branch.id, write_xlsx(tmp_path / "m.xlsx", rows))
    assert verdicts(preview) == [(2, "周一", ERROR, "not_in_list"), (3, "周二", ERROR, "duplicate_in_file")]
    why = {r.row: r.reason for r in preview.rows}
    assert "与第3行的团员编号重复" in why[2] and "与第2行的团员编号重复" in why[3]


# -- files that would stop calamine ---------------------------------------------------------------------
def _xlsx_with(tmp_path, extra: bytes) -> Path:
    p = write_xlsx(tmp_path / "base.xlsx", [MEMBER_HEADER, ["张三", "110105200005170025"]])
    out = tmp_path / "far.xlsx"
    with zipfile.ZipFile(p) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", extra + b"</sheetData>")
            zout.writestr(info, data)
    return out


@pytest.mark.parametrize(("extra", "code"), [
    (b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>', "too_many_rows"),
    (b'<row r="90000"><c r="ZZ90000" t="inlineStr"><is><t>x</t></is></c></row>', "too_many_cells"),
    (b'<row r="3"><c t="inlineStr"><is><t>a</t></is></c></row><row r="200000"><c><v>1</v></c></row>',
     "too_many_rows"),  # cells without a reference: placed by counting, found by a real parse
    # An attribute ending in r before the real reference, and a tab before r: still found.
    (b'<row r="90000"><c xr="AB1" r="ZZ90000" t="inlineStr"><is><t>x</t></is></c></row>', "too_many_cells"),
    (b'<row r="90000"><c\tr="ZZ90000" t="inlineStr"><is><t>x</t></is></c></row>', "too_many_cells"),
    # The reference after another attribute, and a far cell after ordinary ones in its row.
    (b'<row r="90000"><c s="0" r="ZZ90000" t="inlineStr"><is><t>x</t></is></c></row>', "too_many_cells"),
    (b'<row r="7"><c r="A7" t="inlineStr"><is><t>a</t></is></c><c r="ZZZ7"><v>1</v></c></row>'
     b'<row r="90000"><c r="B90000"><v>1</v></c></row>', "too_many_cells"),
])
def test_xlsx_cell_far_away_is_refused_before_calamine(tmp_path, monkeypatch, extra, code):
    opened = []
    monkeypatch.setattr(sources, "_calamine", lambda p: opened.append(p))
    with pytest.raises(FileRefused) as err:
        read_sheet(_xlsx_with(tmp_path, extra), MEMBER_SPEC)
    assert err.value.code == code and opened == []


def test_xlsx_empty_formatted_cell_far_away_is_fine(tmp_path):
    p = _xlsx_with(tmp_path, b'<row r="1048576"><c r="XFD1048576" s="0"/></row>')
    assert [r.values["name"] for r in read_sheet(p, MEMBER_SPEC).rows] == ["张三"]


def _scan_xml(tmp_path, xml: bytes) -> bool:
    p = tmp_path / "scan.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    with zipfile.ZipFile(p) as zf:
        return extents.xlsx_scan(zf, "xl/worksheets/sheet1.xml", "Sheet1")


def test_xlsx_namespace_prefixed_cells_and_formulas_are_found(tmp_path):
    ns = b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
    end = b"</x:sheetData></x:worksheet>"
    plain = b'<x:row r="1" spans="1:2"><x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row>'
    assert _scan_xml(tmp_path, ns + plain + end) is False
    # A prefixed formula (whatever the spans="1:2" before it) holds a formula.
    formula = b'<x:row r="2"><x:c r="A2"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>'
    assert _scan_xml(tmp_path, ns + plain + formula + end) is True
    # Prefixed cells placed by counting are followed by a real parse: row 200000 is refused.
    far = b'<x:row r="200000"><x:c><x:v>1</x:v></x:c></x:row>'
    with pytest.raises(FileRefused) as err:
        _scan_xml(tmp_path, ns + plain + far + end)
    assert err.value.code == "too_many_rows"


def test_xlsx_wide_sheet_is_measured_by_its_lowest_cell(tmp_path):
    start = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    end = b"</sheetData></worksheet>"
    wide = b'<row r="5"><c r="A5"><v>1</v></c><c r="CA5"><v>1</v></c></row>'
    # 79 columns: fine with a few rows, and with an empty formatted cell far down (it holds nothing).
    assert _scan_xml(tmp_path, start + wide + end) is False
    assert _scan_xml(tmp_path, start + wide + b'<row r="99000"><c r="A99000" s="0"/></row>' + end) is False
    # 79 columns down to row 99,000 (each cell near enough alone) is a rectangle too big for calamine.
    with pytest.raises(FileRefused) as err:
        _scan_xml(tmp_path, start + wide + b'<row r="99000"><c r="A99000"><v>1</v></c></row>' + end)
    assert err.value.code == "too_many_cells"


def _record(rt: int, body: bytes) -> bytes:
    head = bytes([rt]) if rt < 0x80 else bytes([(rt & 0x7F) | 0x80, rt >> 7])
    return head + bytes([len(body)]) + body


def test_xlsb_records_far_away_are_refused():
    row = _record(0, (99_999).to_bytes(4, "little") + b"\0" * 8)
    cell = _record(7, (200).to_bytes(4, "little") + b"\0" * 8)  # BrtCellIsst at column 201
    with pytest.raises(FileRefused) as err:
        extents.xlsb_scan(row + cell, "sheet1.bin")
    assert err.value.code == "too_many_cells"
    extents.xlsb_scan(_record(0, (5).to_bytes(4, "little") + b"\0" * 8) + cell, "sheet1.bin")  # 6 x 201: fine
    with pytest.raises(FileRefused) as err:
        extents.xlsb_scan(_record(148, struct_dim(0, 2_000_000, 0, 3)), "sheet1.bin")
    assert err.value.code == "too_many_rows"


def struct_dim(r1: int, r2: int, c1: int, c2: int) -> bytes:
    return b"".join(x.to_bytes(4, "little") for x in (r1, r2, c1, c2))


def test_what_is_not_a_spreadsheet(tmp_path):
    doc = tmp_path / "a.xlsx"
    with zipfile.ZipFile(doc, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    with pytest.raises(FileRefused) as err:
        read_sheet(doc, MEMBER_SPEC)
    assert err.value.code == "not_spreadsheet" and "Word" in str(err.value)
    binary = tmp_path / "b.xlsx"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(FileRefused) as err:
        read_sheet(binary, MEMBER_SPEC)
    assert err.value.code == "not_spreadsheet" and re.search(r"[\u4e00-\u9fff]", str(err.value))


def test_single_id_from_make_id_number_is_valid():
    assert make_id_number("110105", date(2000, 5, 17), 1)[-1] in "0123456789X"
    assert io  # the module is used by other tests of this file


def test_many_columns_not_imported_are_counted(tmp_path):
    extra = [f"附加{i}" for i in range(12)]
    p = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER + extra, ["张三", "110105200005170025"]])
    sheet = read_sheet(p, MEMBER_SPEC)
    assert sheet.ignored == tuple(extra)
    assert sheet.notes == ("以下列未导入：" + "、".join(extra[:8]) + "等 12 列",)
