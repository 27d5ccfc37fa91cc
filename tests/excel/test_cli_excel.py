"""``zhtj export|template|import``: exit codes, JSON shape, masked exports, and no cell of
an export ever acts as a formula (R-CODE-4, R-SUB-2, R-MEM-1, SPEC §9)."""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import make_settings
from tests.excel.xlsx import MEMBER_HEADER, ORG_HEADER, member_row, write_xlsx
from tests.helpers import person
from zhtj_tui.cli import main
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.excel.writer import FORMULA_TRIGGERS, write_table
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()


@pytest.fixture
def db(sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("ZHTJ_CONFIG", str(tmp_path / "none.toml"))
    svc = Services.open(make_settings(sqlite_url), client_key="test")
    top = svc.orgs.create_top(OP, "石河子大学团委", "团委", "石河子大学共青团委员会")
    college = svc.orgs.create_child(OP, top.id, "=HYPERLINK(1)师范学院团委", "团委")
    branch = svc.orgs.create_child(OP, college.id, "计算机专业2017级3班团支部", "团支部")
    svc.close()
    return sqlite_url, top, college, branch


def run(url, *args) -> int:
    return main(["--db", url, *args])


def sheet_xml_has_formula(path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return any(re.search(rb"<f[ >]", zf.read(n)) for n in zf.namelist() if n.startswith("xl/worksheets/"))


def test_import_orgs_exit_codes_and_json(db, tmp_path, capsys):
    url, top, *_ = db
    good = write_xlsx(tmp_path / "good.xlsx", [ORG_HEADER, ["医学院团委", "团委"], ["理学院团委", "团委"]])
    assert run(url, "import", "orgs", str(good), "--parent", str(top.id), "--dry-run", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] is True and out["ok"] is True
    assert out["counts"] == {"created": 2, "existing": 0, "refused": 0}
    assert [(r["row"], r["name"], r["outcome"]) for r in out["rows"]] == [(2, "医学院团委", "将创建"), (3, "理学院团委", "将创建")]
    assert set(out["rows"][0]) == {"row", "name", "outcome", "reason", "field", "code"}
    assert run(url, "import", "orgs", str(good), "--parent", "石河子大学共青团委员会") == 0
    assert "已创建 2 个组织" in capsys.readouterr().out
    # Again: everything already exists, which is success.
    assert run(url, "import", "orgs", str(good), "--parent", str(top.id), "--json") == 0
    assert [r["outcome"] for r in json.loads(capsys.readouterr().out)["rows"]] == ["已存在", "已存在"]
    bad = write_xlsx(tmp_path / "bad.xlsx", [ORG_HEADER, ["农学院团委", "团委"], ["农学院", "团委"]])
    assert run(url, "import", "orgs", str(bad), "--parent", str(top.id), "--json") == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["counts"] == {"created": 1, "existing": 0, "refused": 1}
    assert out["rows"][1]["code"] == "name_suffix"


def test_import_of_a_refused_file_exits_2_with_one_chinese_line(db, tmp_path, capsys):
    url, top, *_ = db
    csv = tmp_path / "orgs.xlsx"
    csv.write_text("组织简称 组织类别\n", encoding="utf-8")  # text, not a table
    assert run(url, "import", "orgs", str(csv), "--parent", str(top.id)) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert run(url, "import", "orgs", str(csv), "--parent", str(top.id), "--json") == 2
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["code"] == "not_spreadsheet" and out["rows"] == [] and ".xlsx" in out["error"]


def test_import_members_exit_codes(db, tmp_path, capsys):
    url, _, _, branch = db
    p, q = person(birth=date(2001, 2, 3)), person(birth=date(2001, 2, 3))
    good = write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, member_row(p), member_row(q)])
    assert run(url, "import", "members", str(good), "--branch", str(branch.id), "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "members" and [r["outcome"] for r in out["rows"]] == ["已创建", "已创建"]
    mixed = write_xlsx(tmp_path / "m2.xlsx", [MEMBER_HEADER, member_row(p), member_row(person(), join="2099-01")])
    assert run(url, "import", "members", str(mixed), "--branch", str(branch.id)) == 1
    text = capsys.readouterr().out
    assert "第2行" in text and "已存在" in text and "第3行" in text and "错误" in text


def test_export_members_masks_unless_full_ids_and_says_so(db, tmp_path, capsys):
    url, top, college, branch = db
    p = person(birth=date(2001, 2, 3))
    write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, member_row(p) [:10] + ["=cmd|' /C calc'!A0"]])
    assert run(url, "import", "members", str(tmp_path / "m.xlsx"), "--branch", str(branch.id)) == 0
    masked, full = tmp_path / "masked.xlsx", tmp_path / "full.xlsx"
    assert run(url, "export", "members", "--org", str(top.id), "-o", str(masked)) == 0
    assert run(url, "export", "members", "--org", str(top.id), "-o", str(full), "--full-ids") == 0
    capsys.readouterr()
    m_rows = list(load_workbook(masked).active.iter_rows(values_only=True))
    f_rows = list(load_workbook(full).active.iter_rows(values_only=True))
    assert "部分隐藏" in m_rows[0][0] and "完整的身份证号码" in f_rows[0][0]
    assert m_rows[1][:5] == ("所在团支部", "姓名", "性别", "出生日期", "身份证号码")
    assert m_rows[2][4] == p.id_number[:6] + "********" + p.id_number[-4:] and m_rows[2][9] == p.mobile[:3] + "****" + p.mobile[-4:]
    assert f_rows[2][4] == p.id_number and f_rows[2][9] == p.mobile
    assert p.id_number not in str(m_rows) and p.mobile not in str(m_rows)
    assert f_rows[2][13] == "=cmd|' /C calc'!A0"  # the note, as text
    assert not sheet_xml_has_formula(full)
    # The export of a subtree below the branch's parent holds the branch's members too.
    assert run(url, "export", "members", "--org", str(college.id), "-o", str(tmp_path / "c.xlsx")) == 0
    assert len(list(load_workbook(tmp_path / "c.xlsx").active.iter_rows())) == 3


def test_export_codes_and_templates(db, tmp_path, capsys):
    url, top, college, branch = db
    codes = tmp_path / "codes.xlsx"
    assert run(url, "export", "codes", "--org", str(top.id), "-o", str(codes)) == 0
    rows = list(load_workbook(codes).active.iter_rows(values_only=True))
    assert rows[1] == ("组织名称", "组织类别", "管理员注册码", "有效期至")
    assert rows[2][:2] == ("=HYPERLINK(1)师范学院团委", "团委") and len(rows[2][2]) == 8
    assert not sheet_xml_has_formula(codes)
    assert run(url, "template", "orgs", "--parent", str(college.id), "-o", str(tmp_path / "t.xlsx")) == 0
    ws = load_workbook(tmp_path / "t.xlsx")["下级组织"]
    assert any("B2" in str(dv.sqref) and dv.type == "list" for dv in ws.data_validations.dataValidation)
    assert run(url, "template", "members", "-o", str(tmp_path / "tm.xlsx")) == 0
    assert "团员信息" in load_workbook(tmp_path / "tm.xlsx").sheetnames
    assert run(url, "template", "orgs", "--parent", str(branch.id), "-o", str(tmp_path / "tb.xlsx")) == 0
    assert "团支部不能创建下级组织" in " ".join(
        str(c.value) for c in load_workbook(tmp_path / "tb.xlsx")["填写说明"]["A"] if c.value)


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_exported_text_never_starts_a_formula(tmp_path, trigger):
    text = f"{trigger}SUM(1,2)"
    path = write_table(tmp_path / "t.xlsx", "表", ("a", "b"), [(text, "x"), ("ok", text)], note=text)
    assert not sheet_xml_has_formula(path)
    # XML turns a carriage return into a line feed on reading; it stays text either way.
    text = text.replace("\r", "\n")
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == text and rows[2] == (text, "x") and rows[3] == ("ok", text)


def test_export_refuses_a_path_that_is_not_a_plain_file(tmp_path):
    """Writing an export 'to' a device or directory is refused: renaming the finished file
    over /dev/null would replace the device node."""
    before = os.stat("/dev/null")
    for target in ("/dev/null", str(tmp_path)):
        with pytest.raises(DomainError) as err:
            write_table(target, "t", ("a",), [("x",)])
        assert err.value.code == "not_a_file"
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
