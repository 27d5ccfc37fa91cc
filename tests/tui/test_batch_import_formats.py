"""Administrators' own spreadsheets in the batch import screen (R-MEM-1, R-MEM-2) at 80x24:
the national system's .xls is read, the preview says which 学历 column was used and which
columns were not imported, and a refused value names the closest entries; the same on the
command line."""

from __future__ import annotations

from pathlib import Path

from tests.excel.test_cli_excel import db, run  # noqa: F401 - the fixture is used by name
from tests.tui.test_batch_import import Host, services, status, submit, table_rows  # noqa: F401
from zhtj_tui.screens.batch_import import BatchImportScreen
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()
NATIONAL = Path(__file__).parent.parent / "excel" / "fixtures" / "national.xls"


async def test_national_xls_in_the_interface(services, tmp_path):  # noqa: F811
    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    branch = services.orgs.create_child(OP, top.id, "计算机专业2018级3班团支部", "团支部")
    screen = BatchImportScreen(services, OP, branch.id, "members")
    async with Host(screen).run_test(size=(80, 24)) as pilot:
        await submit(pilot, screen, "#path", str(NATIONAL))
        text = status(screen)
        assert "将创建 4" in text and "错误 5" in text
        assert "学历取自“最高学历”列（“全日制学历”列未导入）" in text and "以下列未导入：序号、性别、全日制学历" in text
        rows = {r[0]: r for r in table_rows(screen)}
        assert rows["7"][2] == "错误" and "民族“火星”不在可选范围内" in rows["7"][3]
        assert rows["10"][2] == "错误" and "“硕士”、“博士”" in rows["10"][3]
        assert rows["6"][1] == "张伟" and rows["6"][2] == "将创建"


def test_national_xls_on_the_command_line(db, capsys):  # noqa: F811
    url, _, _, branch = db
    assert run(url, "import", "members", str(NATIONAL), "--branch", str(branch.id), "--dry-run") == 1
    out = capsys.readouterr()
    assert "学历取自“最高学历”列（“全日制学历”列未导入）" in out.out and "以下列未导入：序号、性别、全日制学历" in out.out
    assert "第10行  王八  错误：学历“研究生”可以是“硕士”、“博士”中的任何一个" in out.out
    assert "第7行  王五  错误：民族“火星”不在可选范围内" in out.out
    assert "\r" not in out.err  # no progress bar when standard error is not a terminal
