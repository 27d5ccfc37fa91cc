"""The batch import screen (R-SUB-2, R-MEM-1) driven by Pilot, standalone in a tiny app on
a temporary SQLite database: template, check, preview table, confirm, result, Esc."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from textual.app import App
from textual.widgets import DataTable, Input, ProgressBar, Static

from tests.conftest import make_settings
from tests.excel.xlsx import MEMBER_HEADER, ORG_HEADER, member_row, write_xlsx
from tests.helpers import person
from zhtj_tui.screens.batch_import import BatchImportScreen, shown_rows
from zhtj_tui.services import Services
from zhtj_tui.services.dto import CREATE, ERROR, Actor, RowOutcome

OP = Actor.server_operator()


class Host(App):
    def __init__(self, screen: BatchImportScreen):
        super().__init__()
        self.batch = screen

    def on_mount(self) -> None:
        self.push_screen(self.batch)


@pytest.fixture
def services(sqlite_url):
    svc = Services.open(make_settings(sqlite_url), client_key="test")
    yield svc
    svc.close()


def table_rows(screen) -> list[tuple]:
    table = screen.query_one("#rows", DataTable)
    return [tuple(table.get_row_at(i)) for i in range(table.row_count)]


def status(screen) -> str:
    return str(screen.query_one("#status", Static).render())


async def submit(pilot, screen, selector: str, value: str) -> None:
    box = screen.query_one(selector, Input)
    box.value = value
    box.focus()
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_org_batch_flow_template_preview_confirm_result(services, tmp_path):
    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    screen = BatchImportScreen(services, OP, top.id, "orgs")
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        await submit(pilot, screen, "#template", str(tmp_path / "tpl"))
        assert (tmp_path / "tpl.xlsx").exists() and "模板已保存到" in status(screen)
        wb = load_workbook(tmp_path / "tpl.xlsx")
        ws = wb["下级组织"]
        ws["A2"], ws["B2"] = "师范学院团委", "团委"
        ws["A3"], ws["B3"] = "经管学院", "团委"
        wb.save(tmp_path / "filled.xlsx")
        await submit(pilot, screen, "#path", str(tmp_path / "filled.xlsx"))
        assert [r[:3] for r in table_rows(screen)] == [("2", "师范学院团委", "将创建"), ("3", "经管学院", "错误")]
        assert "将创建 1，已存在 0，错误 1" in status(screen)
        await pilot.press("down")
        await pilot.pause()
        detail = str(screen.query_one("#detail", Static).render())
        assert detail.startswith("第3行 经管学院：错误") and "例如 石河子大学师范学院团委" in detail
        assert services.orgs.children(OP, top.id).items == ()  # nothing written yet
        await pilot.press("f9")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert [r[:3] for r in table_rows(screen)] == [("2", "师范学院团委", "已创建"), ("3", "经管学院", "错误")]
        assert "已创建 1" in status(screen)
        assert [c.short_name for c in services.orgs.children(OP, top.id).items] == ["师范学院团委"]
        assert not screen.query_one("#progress", ProgressBar).display
        # The preview was used: F9 again does not import twice.
        await pilot.press("f9")
        await pilot.pause()
        assert "请先输入文件路径" in status(screen)
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is not screen


async def test_member_batch_refused_file_shows_message_not_traceback(services, tmp_path):
    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    branch = services.orgs.create_child(OP, top.id, "计算机专业2017级3班团支部", "团支部")
    screen = BatchImportScreen(services, OP, branch.id, "members")
    async with Host(screen).run_test(size=(80, 24)) as pilot:
        await submit(pilot, screen, "#path", str(write_xlsx(tmp_path / "o.xlsx", [ORG_HEADER, ["甲团委", "团委"]])))
        assert "团员信息导入模板" in status(screen) and screen.query_one("#status").has_class("error")
        assert table_rows(screen) == []
        p = person(birth=date(2001, 2, 3), name="张三")
        await submit(pilot, screen, "#path", str(write_xlsx(tmp_path / "m.xlsx", [MEMBER_HEADER, member_row(p)])))
        assert [r[:3] for r in table_rows(screen)] == [("2", "张三", "将创建")]
        await pilot.press("f9")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert [r[:3] for r in table_rows(screen)] == [("2", "张三", "已创建")]


async def test_path_input_completes_file_names(services, tmp_path):
    (tmp_path / "团员名单2018.xlsx").write_bytes(b"")
    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    screen = BatchImportScreen(services, OP, top.id, "orgs")
    async with Host(screen).run_test() as pilot:
        box = screen.query_one("#path", Input)
        box.focus()
        box.value = str(tmp_path / "团员")
        box.cursor_position = len(box.value)
        await pilot.pause()
        await pilot.press("right")
        await pilot.pause()
        assert box.value == str(tmp_path / "团员名单2018.xlsx")


def test_long_previews_list_refused_rows_first():
    rows = [RowOutcome(i, f"第{i}", ERROR if i % 4 == 0 else CREATE) for i in range(2, 12)]
    assert [r.row for r in shown_rows(rows, limit=20)] == list(range(2, 12))
    assert [r.row for r in shown_rows(rows, limit=4)] == [4, 8, 2, 3]


async def test_f2_asks_before_replacing_an_existing_template_file(services, tmp_path):
    # Bad input loses nothing: "文件已存在，是否覆盖？"; no keeps the old file and the typed
    # path, yes writes the template over it.
    from zhtj_tui.screens.confirm import ConfirmModal

    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    old = tmp_path / "tpl.xlsx"
    old.write_bytes(b"precious")
    screen = BatchImportScreen(services, OP, top.id, "orgs")
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        await submit(pilot, screen, "#template", str(tmp_path / "tpl"))
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmModal)
        assert "文件已存在，是否覆盖？" in str(confirm.query_one(".dialog-body", Static).render())
        await pilot.press("escape")  # no
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert pilot.app.screen is screen and old.read_bytes() == b"precious"
        assert "原文件未改动" in status(screen)
        assert screen.query_one("#template", Input).value == str(tmp_path / "tpl")
        assert screen.query_one("#template", Input).has_focus
        await pilot.press("f2")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("y")  # yes
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert pilot.app.screen is screen and "模板已保存到" in status(screen)
    assert "下级组织" in load_workbook(old).sheetnames
