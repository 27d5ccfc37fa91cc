"""Rows pasted from Excel/WPS (bracketed paste of tab-separated cells) into 批量创建 and into
团员's import: the same preview, checks and one-transaction commit as an uploaded file
(R-SUB-2, R-MEM-1, R-MEM-2). The paste reaches the app as a terminal sends it (an
``events.Paste`` to the app, forwarded to the focused widget)."""

from __future__ import annotations

import threading

import pytest
from textual import events

from tests.conftest import make_settings
from tests.excel.xlsx import MEMBER_HEADER, ORG_HEADER, member_row
from tests.helpers import person
from tests.tui.test_batch_import import Host, status, table_rows
from zhtj_tui.excel.paste import read_pasted
from zhtj_tui.screens.batch_import import BatchImportScreen
from zhtj_tui.services import Services, imports
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()


@pytest.fixture
def services(sqlite_url):
    svc = Services.open(make_settings(sqlite_url), client_key="test")
    yield svc
    svc.close()


def tsv(rows: list[list]) -> str:
    """What Excel puts on the clipboard: cells joined by tabs, rows by CRLF, a final CRLF."""
    return "".join("\t".join("" if v is None else str(v) for v in row) + "\r\n" for row in rows)


async def paste(pilot, text: str) -> None:
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def name(i: int) -> str:
    """A distinct Chinese name for each i (names hold no digits)."""
    digits = "零一二三四五六七八九"
    return "学生" + "".join(digits[int(d)] for d in str(i))


def branch(services):
    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    return services.orgs.create_child(OP, top.id, "计算机专业2018级1班团支部", "团支部")


async def test_org_paste_with_header_previews_then_creates(services):  # R-SUB-2
    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    screen = BatchImportScreen(services, OP, top.id, "orgs")
    text = tsv([ORG_HEADER, ["师范学院团委", "团委", None], ["经管学院", "团委", None]])
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        assert screen.focused is screen.query_one("#path")  # a paste into the path box is rows, not a path
        await paste(pilot, text)
        assert screen.query_one("#path").value == ""
        assert [r[:3] for r in table_rows(screen)] == [("2", "师范学院团委", "将创建"), ("3", "经管学院", "错误")]
        assert "检查完毕（粘贴的内容）：将创建 1，已存在 0，错误 1" in status(screen)
        assert services.orgs.children(OP, top.id).items == ()  # nothing written before F9
        await pilot.press("f9")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert [r[:3] for r in table_rows(screen)][0] == ("2", "师范学院团委", "已创建")
    assert [c.short_name for c in services.orgs.children(OP, top.id).items] == ["师范学院团委"]


async def test_org_paste_without_header_uses_template_order(services):  # R-SUB-2
    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    screen = BatchImportScreen(services, OP, top.id, "orgs")
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        await paste(pilot, tsv([["师范学院团委", "团委"], ["文学院团委", "团委", "共青团石河子大学文学院委员会"]]))
        assert [r[:3] for r in table_rows(screen)] == [("1", "师范学院团委", "将创建"), ("2", "文学院团委", "将创建")]
        assert screen.preview is not None and screen.preview.creatable == 2


async def test_member_paste_header_in_another_order(services):  # R-MEM-1, R-MEM-2
    b = branch(services)
    p, q = person(name="王芳"), person(name="李雷")
    header = ["身份证号码", "姓名", "序号", *MEMBER_HEADER[2:]]  # columns moved, an extra column
    bad = member_row(q)
    bad[6] = "1234"  # not a mobile number
    rows = [[r[1], r[0], i, *r[2:]] for i, r in enumerate([member_row(p), bad], 1)]
    screen = BatchImportScreen(services, OP, b.id, "members")
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        await paste(pilot, tsv([header, *rows]))
        got = table_rows(screen)
        assert [r[:3] for r in got] == [("2", "王芳", "将创建"), ("3", "李雷", "错误")]
        assert "手机号码" in got[1][3]
        await pilot.press("f9")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "导入完成：已创建 1 名团员" in status(screen)


async def test_member_paste_without_header(services):  # R-MEM-1
    b = branch(services)
    p = person(name="赵敏")
    row = member_row(p)
    full = [*row[:9], None, *row[9:]]  # the template's order has 职务名称 after 团内职务
    screen = BatchImportScreen(services, OP, b.id, "members")
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        await paste(pilot, tsv([full]))
        assert [r[:3] for r in table_rows(screen)] == [("1", "赵敏", "将创建")]


@pytest.mark.parametrize("text, words", [
    ("张三 李四 王五\r\n赵六\r\n", "没有分列"),  # a block of text, not cells
    ("\t".join(["x"] * 20) + "\r\n", "多于模板"),  # more columns than the template, no header
    (tsv([ORG_HEADER, ["师范学院团委", "团委"]]), "下级组织批量创建模板"),  # the other template's rows
    (tsv([["姓名", "民族"], ["张三", "汉族"]]), "缺少必填列"),
])
async def test_malformed_member_paste_is_refused_as_a_whole(services, text, words):  # R-MEM-1
    b = branch(services)
    screen = BatchImportScreen(services, OP, b.id, "members")
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        await paste(pilot, text)
        assert words in status(screen)
        assert screen.query_one("#status").has_class("error")
        assert table_rows(screen) == [] and screen.preview is None
        await pilot.press("f9")  # nothing to confirm
        await pilot.pause()
        assert "请先" in status(screen)


async def test_malformed_org_paste_is_refused(services):  # R-SUB-2
    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    screen = BatchImportScreen(services, OP, top.id, "orgs")
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        await paste(pilot, "师范学院团委\n文学院团委\n")
        assert "没有分列" in status(screen) and screen.preview is None


async def test_single_value_paste_goes_into_the_input(services):
    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    screen = BatchImportScreen(services, OP, top.id, "orgs")
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        await paste(pilot, "filled.xlsx")
        assert screen.query_one("#path").value == "filled.xlsx" and screen.preview is None


async def test_member_paste_of_5000_rows_keeps_every_row_off_the_event_loop(services, monkeypatch):  # R-MEM-1
    b = branch(services)
    people = [person(name=name(i)) for i in range(5000)]
    text = tsv([MEMBER_HEADER, *(member_row(p) for p in people)])
    threads = []

    def recording(text, spec):
        threads.append(threading.current_thread())
        return read_pasted(text, spec)

    monkeypatch.setattr(imports, "read_pasted", recording)
    screen = BatchImportScreen(services, OP, b.id, "members")
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        await paste(pilot, text)
        await pilot.pause()
        assert screen.preview is not None
        assert screen.preview.creatable == 5000 and screen.preview.errors == 0
        rows = table_rows(screen)
        assert len(rows) == 5000
        assert [int(r[0]) for r in rows] == list(range(2, 5002))  # none lost, none doubled
        assert [r[1] for r in rows] == [name(i) for i in range(5000)]
        await pilot.press("f9")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert "导入完成：已创建 5000 名团员" in status(screen)
    # Parsed in a thread worker, not on the event loop that draws the screen.
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    assert services.members.count(OP, b.id).members == 5000


async def test_org_paste_of_5000_rows(services):  # R-SUB-2
    top = services.orgs.create_top(OP, "石河子大学团委", "团委")
    text = tsv([["组织简称", "组织类别"], *([f"第{i}学院团委", "团委"] for i in range(5000))])
    screen = BatchImportScreen(services, OP, top.id, "orgs")
    async with Host(screen).run_test(size=(100, 30)) as pilot:
        await paste(pilot, text)
        assert screen.preview is not None and screen.preview.creatable == 5000
        assert len(table_rows(screen)) == 5000
