"""Ctrl+Y copies a table to the user's own clipboard over SSH (OSC 52) as tab-separated text
that pastes into Excel as cells: an import's refused rows with reasons, 下级管理's codes
(R-CODE-4), the progress table (R-PROG-2) and the member list, masked as in a default export
(SPEC §9). The screen says what was copied and how to get a file instead."""

from __future__ import annotations

import base64

from textual import events
from textual.widgets import DataTable, TabbedContent

from tests.helpers import person
from tests.member_helpers import member_values
from tests.tui.conftest import settle
from tests.tui.flows import login, setup_admin
from tests.tui.member_app import PaneApp
from tests.tui.test_batch_import import Host
from tests.tui.test_members_excel_ui import RecordingApp, world  # noqa: F401 - fixture
from zhtj_tui.app import make_app
from zhtj_tui.domain.idcard import mask_id_number
from zhtj_tui.screens.batch_import import BatchImportScreen
from zhtj_tui.services.dto import Actor
from zhtj_tui.widgets.clipboard import tsv

OP = Actor.server_operator()


def cells(text: str) -> list[list[str]]:
    assert text.endswith("\r\n")
    return [line.split("\t") for line in text[:-2].split("\r\n")]


class Notes:
    """Keeps the app's notifications' text."""

    def __init__(self, app, monkeypatch):
        self.messages: list[str] = []
        original = app.notify

        def notify(message, **kw):
            self.messages.append(str(message))
            return original(message, **kw)

        monkeypatch.setattr(app, "notify", notify)


async def test_refused_rows_go_out_as_an_osc52_sequence(tui_services, monkeypatch):  # R-SUB-2
    top = tui_services.orgs.create_top(OP, "石河子大学团委", "团委")
    screen = BatchImportScreen(tui_services, OP, top.id, "orgs")
    app = Host(screen)
    async with app.run_test(size=(100, 30)) as pilot:
        written: list[str] = []
        monkeypatch.setattr(app._driver, "write", lambda data: written.append(data))
        notes = Notes(app, monkeypatch)
        app.post_message(events.Paste("组织简称\t组织类别\r\n师范学院团委\t团委\r\n经管\t学院\r\n"))
        await settle(pilot)
        assert screen.preview is not None and screen.preview.errors == 1
        await pilot.press("ctrl+y")
        await pilot.pause()
    sequences = [w for w in written if w.startswith("\x1b]52;c;")]
    assert len(sequences) == 1 and sequences[0].endswith("\a")
    text = base64.b64decode(sequences[0][len("\x1b]52;c;"):-1]).decode("utf-8")
    rows = cells(text)
    assert rows[0] == ["行号", "名称", "原因"]
    assert [r[:2] for r in rows[1:]] == [["3", "经管"]] and rows[1][2]  # the reason, in words
    assert app.clipboard == text
    assert any("已复制" in m and "1 行" in m and "改正后重新上传" in m for m in notes.messages)


def test_cells_hold_no_tabs_or_line_breaks():
    text, n = tsv(("a", "b"), [("x\ty", "第一行\n第二行"), (None, 3)])
    assert n == 2 and cells(text) == [["a", "b"], ["x y", "第一行 第二行"], ["", "3"]]


async def test_member_list_is_copied_masked(world, monkeypatch):  # noqa: F811 - R-MEM-2, SPEC §9
    svc, admin, college, b1, _b2 = world
    p = person(name="张三")
    svc.members.add(admin, b1, member_values(p, join_month="2019-09", member_no="201900000001"))
    app = PaneApp(svc, admin, b1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        notes = Notes(app, monkeypatch)
        await pilot.press("ctrl+y")
        await settle(pilot)
        rows = cells(app.clipboard)
    assert rows[0][:5] == ["所在团支部", "姓名", "性别", "出生日期", "身份证号码"]
    assert rows[1][1] == "张三" and rows[1][4] == mask_id_number(p.id_number)
    assert p.id_number not in app.clipboard and p.mobile not in app.clipboard
    assert any("1 名团员" in m and "部分隐藏" in m and "按 x 导出" in m for m in notes.messages)
    assert [e.action for e in svc.audit.recent(admin, b1, limit=5)][0] == "member.export"  # recorded as one


async def test_codes_and_progress_from_the_centre(tui_settings, tui_services, monkeypatch):  # R-CODE-4, R-PROG-2
    top_id, who = setup_admin(tui_services)
    app = make_app(tui_settings, tui_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = app.screen
        actor = centre.actor
        kids = [tui_services.orgs.create_child(actor, top_id, n, "团委") for n in ("师范学院团委", "文学院团委")]
        codes = {k.short_name: tui_services.codes.issue(actor, k.id).code for k in kids}
        notes = Notes(app, monkeypatch)
        centre.query_one("#panes", TabbedContent).active = "children"
        centre.panes["children"].load()
        await settle(pilot)
        centre.query_one("#children-table", DataTable).focus()
        await pilot.press("ctrl+y")
        await settle(pilot)
        rows = cells(app.clipboard)
        assert rows[0] == ["组织名称", "组织类别", "管理员注册码", "有效期至"]
        assert {r[0]: r[2] for r in rows[1:]} == codes
        assert any("2 个下级组织的注册码" in m and "按 b 批量生成" in m for m in notes.messages)

        centre.query_one("#panes", TabbedContent).active = "progress"
        await settle(pilot)
        centre.query_one("#pv-table", DataTable).focus()
        await pilot.press("r")  # read again: the children were created after it was shown
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        rows = cells(app.clipboard)
        assert rows[0][:3] == ["下级组织", "类别", "完成度%"], (notes.messages, app.focused)
        assert sorted(r[0] for r in rows[1:]) == ["师范学院团委", "文学院团委"]
        assert any("录入进度" in m and "已复制" in m for m in notes.messages)


async def test_login_fixed_to_the_keys_account(tui_settings, tui_services):
    # zhtj gate: the SSH key names the account; the login screen takes no other.
    from zhtj_tui.screens.login import LoginScreen

    _top_id, who = setup_admin(tui_services)
    app = make_app(tui_settings.with_(pinned_login=who.mobile), tui_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        box = screen.field("login")
        assert box.value == who.mobile and box.control.disabled
        assert app.focused is screen.query_one("#input-password")
        await login(pilot, who)
        assert app.session is not None
