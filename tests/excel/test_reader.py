"""The upload reader against the real-world spreadsheets of issue 5 (R-SUB-2, R-MEM-1/2):
every refusal is a FileRefused with a Chinese message, never a traceback."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from tests.excel.xlsx import MEMBER_HEADER, ORG_HEADER, write_xlsx
from zhtj_tui.domain.months import YearMonth, parse_month
from zhtj_tui.excel import reader, sources
from zhtj_tui.excel.reader import read_sheet
from zhtj_tui.excel.refused import FileRefused
from zhtj_tui.excel.specs import MEMBER_SPEC, ORG_SPEC

ID = "110105200005170025"


def rewrite_member(path, name_part: str, fn) -> None:
    """Rewrite one member of the zip (to forge what openpyxl would not write)."""
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            if name_part in info.filename:
                data = fn(data)
            zf.writestr(info.filename, data)


def refused(path, spec=ORG_SPEC) -> FileRefused:
    with pytest.raises(FileRefused) as err:
        read_sheet(path, spec)
    assert re.search(r"[\u4e00-\u9fff]", str(err.value))  # a Chinese message
    return err.value


# -- not an .xlsx ------------------------------------------------------------------------------
def test_damaged_xls_is_refused_with_save_as_advice(tmp_path):
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    err = refused(p)
    assert err.code == "corrupt" and "另存为" in str(err)


def test_renamed_text_is_refused(tmp_path):
    fake = tmp_path / "renamed.xlsx"
    fake.write_text("just some text", encoding="utf-8")
    err = refused(fake)
    assert err.code == "not_spreadsheet" and ".xlsx" in str(err)


def test_corrupt_zip_and_plain_zip_and_empty_file(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [ORG_HEADER, ["师范学院团委", "团委"]])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[:400])
    assert refused(broken).code == "corrupt"
    plain = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert refused(plain).code == "not_spreadsheet"
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert refused(empty).code == "empty"
    assert refused(tmp_path / "missing.xlsx").code == "not_found"


def test_garbage_inside_a_valid_zip_is_a_clear_refusal(tmp_path):
    p = write_xlsx(tmp_path / "bad.xlsx", [ORG_HEADER, ["师范学院团委", "团委"]])
    rewrite_member(p, "worksheets/sheet1.xml", lambda data: b"<worksheet><sheetData><row")
    assert refused(p).code == "corrupt"


def test_file_over_20_mb_is_refused_unopened(tmp_path):
    p = tmp_path / "big.xlsx"
    with open(p, "wb") as fh:
        fh.write(b"PK\x03\x04")
        fh.truncate(sources.MAX_FILE_BYTES + 1)
    err = refused(p)
    assert err.code == "too_big" and "20 MB" in str(err)


def test_zip_bomb_refused_by_ratio_before_openpyxl(tmp_path, monkeypatch):
    p = write_xlsx(tmp_path / "bomb.xlsx", [ORG_HEADER, ["师范学院团委", "团委"]])
    rewrite_member(p, "sharedStrings", lambda data: data)  # keep the rest as it is
    with zipfile.ZipFile(p, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * (3 * 1024 * 1024))  # ratio ~1000
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: opened.append(1))
    assert refused(p).code == "zip_bomb"
    assert opened == []


def test_zip_bomb_refused_by_total_unpacked_size(tmp_path, monkeypatch):
    p = write_xlsx(tmp_path / "big.xlsx", [ORG_HEADER, ["师范学院团委", "团委"]])
    monkeypatch.setattr(sources, "MAX_UNPACKED_BYTES", 2000)
    assert refused(p).code == "zip_bomb"


def test_claimed_dimension_over_100000_rows_is_refused_quickly(tmp_path):
    p = write_xlsx(tmp_path / "claims.xlsx", [ORG_HEADER, ["师范学院团委", "团委"]])
    rewrite_member(p, "worksheets/sheet1.xml",
                   lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', d))
    err = refused(p)
    assert err.code == "too_many_rows" and "100,000" in str(err)


def test_more_data_rows_than_the_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "MAX_ROWS", 5)
    rows = [ORG_HEADER] + [[f"第{i}团委", "团委"] for i in range(8)]
    p = write_xlsx(tmp_path / "many.xlsx", rows)
    rewrite_member(p, "worksheets/sheet1.xml", lambda d: re.sub(rb'<dimension ref="[^"]*"/>', b"", d))
    assert refused(p).code == "too_many_rows"


def test_formulas_without_values_are_refused(tmp_path):
    p = write_xlsx(tmp_path / "formulas.xlsx", [ORG_HEADER, ['=CONCAT("师范","学院团委")', "团委"]], formulas=True)
    err = refused(p)
    assert err.code == "formulas" and "A2" in str(err) and "选择性粘贴" in str(err)


def test_formula_with_saved_result_reads_the_value(tmp_path):
    p = write_xlsx(tmp_path / "cached.xlsx", [ORG_HEADER, ['=CONCAT("师范","学院团委")', "团委"]], formulas=True)
    rewrite_member(p, "worksheets/sheet1.xml", lambda d: re.sub(
        rb'<c r="A2"([^>]*)><f>(.*?)</f><v\s*/?>(</v>)?', '<c r="A2" t="str"><f>\\2</f><v>师范学院团委</v>'.encode(), d))
    sheet = read_sheet(p, ORG_SPEC)
    assert [r.values["short_name"] for r in sheet.rows] == ["师范学院团委"]


# -- finding the sheet and its columns --------------------------------------------------------
def test_columns_in_any_order_extra_columns_spaces_and_fullwidth_headers(tmp_path):
    rows = [["序号", "  组织类别 ", "备注", "组织简称＊（必填）", "\u3000组织全称"],
            [1, "团支部", "x", "  计算机专业2017级3班团支部  ", None]]
    sheet = read_sheet(write_xlsx(tmp_path / "o.xlsx", rows), ORG_SPEC)
    assert sheet.rows[0].values == {"category": "团支部", "short_name": "计算机专业2017级3班团支部", "full_name": None}
    assert sheet.rows[0].row == 2


def test_empty_rows_are_skipped_and_row_numbers_are_excels(tmp_path):
    rows = [ORG_HEADER, ["甲团委", "团委"], [None, None], ["", "  "], ["乙团委", "团委"]]
    sheet = read_sheet(write_xlsx(tmp_path / "o.xlsx", rows), ORG_SPEC)
    assert [(r.row, r.values["short_name"]) for r in sheet.rows] == [(2, "甲团委"), (5, "乙团委")]


def test_second_sheet_after_instructions_is_found(tmp_path):
    p = write_xlsx(tmp_path / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"]], title="数据", before=["填写说明"])
    sheet = read_sheet(p, ORG_SPEC)
    assert sheet.sheet_name == "数据" and sheet.rows[0].values["short_name"] == "甲团委"


def test_hidden_sheet_is_found(tmp_path):
    p = write_xlsx(tmp_path / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"]], title="隐藏", before=["说明"], hidden=True)
    sheet = read_sheet(p, ORG_SPEC)
    assert sheet.sheet_name == "隐藏" and len(sheet.rows) == 1


def test_merged_header_cells_title_row_and_two_row_header(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "2018级团员信息汇总表"
    ws.merge_cells("A1:G1")
    ws.append(["姓名", "身份证号码", "基本信息", None, None, "学历", "手机号码"])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:E2")
    ws.merge_cells("F2:F3")
    ws.merge_cells("G2:G3")
    ws.append([None, None, "民族", "政治面貌", "入团年月", None, None])
    ws.append(["张三", ID, "汉族", "共青团员", "2014-05", "本科", "13900000001"])
    p = tmp_path / "merged.xlsx"
    wb.save(p)
    sheet = read_sheet(p, MEMBER_SPEC)
    assert sheet.header_row == 3
    assert [(r.row, r.values["name"], r.values["ethnic"], r.values["mobile"]) for r in sheet.rows] == [
        (4, "张三", "汉族", "13900000001")]


def test_member_sheet_uploaded_as_orgs_is_refused_naming_the_right_template(tmp_path):
    p = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, ["张三", ID]])
    err = refused(p, ORG_SPEC)
    assert err.code == "wrong_template"
    assert "团员信息导入模板" in str(err) and "请下载“下级组织批量创建模板”" in str(err)


def test_org_sheet_uploaded_as_members_is_refused_naming_the_right_template(tmp_path):
    p = write_xlsx(tmp_path / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"]])
    err = refused(p, MEMBER_SPEC)
    assert err.code == "wrong_template" and "请下载“团员信息导入模板”" in str(err)


def test_sheet_without_header_and_missing_required_column(tmp_path):
    p = write_xlsx(tmp_path / "x.xlsx", [["a", "b"], [1, 2]])
    assert refused(p).code == "no_header"
    p2 = write_xlsx(tmp_path / "y.xlsx", [["组织简称", "组织全称"], ["甲团委", None]])
    err = refused(p2)
    assert err.code == "missing_columns" and "组织类别" in str(err)


# -- cell values ------------------------------------------------------------------------------
def test_numbers_where_text_was_meant(tmp_path):
    rows = [MEMBER_HEADER,
            ["张三", ID, "汉族", "共青团员", "2014-05", "本科", 13900000001, 201905123456],
            ["李四", float(ID), "汉族", "共青团员", "2014-05", "本科", 13900000002.0],
            ["王五", int(ID), "汉族", "共青团员", "2014-05", "本科", 13900000003]]
    # A program may write all 18 digits as a number: a spreadsheet number holds 15-16 digits
    # only (Excel shows 1.10105E+17), so it is refused like Excel's own.
    p = write_xlsx(tmp_path / "m.xlsx", rows)
    rewrite_member(p, "worksheets/sheet1.xml", lambda d: d[::-1].replace(
        b"<v>1.1010520000517e+17</v>"[::-1], f"<v>{ID}</v>".encode()[::-1], 1)[::-1])
    sheet = read_sheet(p, MEMBER_SPEC)
    first, second, third = sheet.rows
    assert (first.values["id_number"], first.values["mobile"], first.values["member_no"]) == (
        ID, "13900000001", "201905123456")
    assert first.error is None
    assert second.values["mobile"] == "13900000002"
    assert second.error is not None and second.error.code == "number_lost_digits"
    assert "1.10105e+17" in str(second.error) and "文本" in str(second.error)
    assert third.error is not None and third.error.code == "number_lost_digits"


def test_rows_sharing_their_repeating_cells_each_keep_their_own_values(tmp_path):
    # 民族, 政治面貌, 入团年月, 学历 ... are cleaned once per combination of cells as written;
    # cells equal as keys but not as cells (True and 1.0) are not taken for one another, each
    # row gets a dictionary of its own, and a row with only repeating cells is not empty.
    rows = [MEMBER_HEADER,
            ["张三", ID, "汉族", "共青团员", "2014-05", "本科", "13900000001"],
            ["李四", "110105200005170033", " 汉族", "共青团员", "2014-05", "本科", "13900000002"],
            ["王五", "110105200005170041", True, "共青团员", "2014-05", "本科", "13900000003"],
            ["赵六", "110105200005170050", 1, "共青团员", "2014-05", "本科", "13900000004"],
            [None, None, None, None, None, None, None],
            [None, None, "汉族", "共青团员", "2014-05", "本科", None]]
    sheet = read_sheet(write_xlsx(tmp_path / "m.xlsx", rows), MEMBER_SPEC)
    got = [(r.row, r.values["name"], r.values["ethnic"], r.values["political"], r.values["mobile"])
           for r in sheet.rows]
    assert got == [(2, "张三", "汉族", "共青团员", "13900000001"), (3, "李四", "汉族", "共青团员", "13900000002"),
                   (4, "王五", True, "共青团员", "13900000003"), (5, "赵六", 1, "共青团员", "13900000004"),
                   (7, None, "汉族", "共青团员", None)]
    assert type(got[2][2]) is bool and type(got[3][2]) is float  # calamine: every number a float
    first, second = sheet.rows[0].values, sheet.rows[1].values
    first["ethnic"] = "回族"
    assert second["ethnic"] == "汉族" and sheet.rows[4].values["ethnic"] == "汉族"


def test_fullwidth_digits_and_spaces_are_normalised(tmp_path):
    rows = [MEMBER_HEADER, ["\u3000张三 ", "１１０１０５ ２００００５１７００２５", "汉族", "共青团员", "２０１４－０５", "本科",
                            " １３９ ０００ ０００ ０１ "]]
    values = read_sheet(write_xlsx(tmp_path / "m.xlsx", rows), MEMBER_SPEC).rows[0].values
    assert values["name"] == "张三"
    assert values["id_number"] == ID and values["mobile"] == "13900000001"
    assert parse_month(values["join_month"]) == YearMonth(2014, 5)


@pytest.mark.parametrize("cell", [datetime(2019, 9, 1), datetime(2019, 9, 15), "2019-09", "201909", "2019.9",
                                  "2019年9月", 201909, " 2019-09 "])
def test_join_month_shapes_all_read_as_the_same_month(tmp_path, cell):
    rows = [MEMBER_HEADER, ["张三", ID, "汉族", "共青团员", cell, "本科", "13900000001"]]
    values = read_sheet(write_xlsx(tmp_path / "m.xlsx", rows), MEMBER_SPEC).rows[0].values
    assert parse_month(values["join_month"]) == YearMonth(2019, 9)


def test_progress_is_reported_in_batches_not_per_row(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "PROGRESS_EVERY", 0.0)
    rows = [ORG_HEADER] + [[f"第{i}团委", "团委"] for i in range(1000)]
    calls = []
    read_sheet(write_xlsx(tmp_path / "o.xlsx", rows), ORG_SPEC, progress=lambda done, total: calls.append(done))
    assert 1 < len(calls) <= 1000 // 200 + 1
    assert calls[-1] == 1000


def test_the_zip_checks_do_not_trust_openpyxl_with_a_bad_stream(tmp_path):
    # A zip whose workbook part is not XML: a refusal, not a traceback.
    p = tmp_path / "weird.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "not xml")
    p.write_bytes(buf.getvalue())
    assert refused(p).code == "corrupt"


def test_sound_workbook_with_another_file_name_is_read(tmp_path):
    p = write_xlsx(tmp_path / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"]])
    renamed = p.rename(tmp_path / "下级组织(1).xlsx.download")
    assert read_sheet(renamed, ORG_SPEC).rows[0].values["short_name"] == "甲团委"


def test_formulas_outside_the_data_or_with_saved_empty_results_are_fine(tmp_path):
    rows = [ORG_HEADER + ["辅助列"], ["甲团委", "团委", None, '=LEN(A2)'], ["乙团委", "团委", '=IF(1,"","")', None]]
    p = write_xlsx(tmp_path / "o.xlsx", rows, formulas=True)
    # Excel saves an empty text result as t="str" with an empty value.
    rewrite_member(p, "worksheets/sheet1.xml", lambda d: re.sub(
        rb'<c r="C3"([^>]*)><f>(.*?)</f><v\s*/?>(</v>)?', b'<c r="C3" t="str"><f>\\2</f><v></v>', d))
    sheet = read_sheet(p, ORG_SPEC)
    assert [(r.row, r.values["short_name"], r.values["full_name"]) for r in sheet.rows] == [
        (2, "甲团委", None), (3, "乙团委", None)]
