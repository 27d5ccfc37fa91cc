"""团员管理's Excel keys driven by keyboard alone at 80x24 on a temporary SQLite database:
``i`` imports a real member .xlsx into the branch (R-MEM-1, R-MEM-2: template, check,
preview, F9) and ``x`` exports the subtree's members, ID numbers masked unless the user
asks for full numbers (SPEC §9: exports that hold full ID numbers say so)."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from textual.widgets import Checkbox, DataTable, Input, Static

from tests.excel.xlsx import MEMBER_HEADER, member_row, write_xlsx
from tests.helpers import admin_of, person
from tests.member_helpers import member_values
from tests.tui.conftest import settle
from tests.tui.member_app import PaneApp
from zhtj_tui.domain.idcard import mask_id_number
from zhtj_tui.folders import account_folder, files_root
from zhtj_tui.screens import member_excel
from zhtj_tui.screens.batch_import import BatchImportScreen
from zhtj_tui.screens.member_excel import FULL_IDS_WARNING, ExportMembersModal
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.member_export import HEADERS

BRANCH = "计算机专业2024级1班团支部"


class RecordingApp(PaneApp):
    """The member pane's host, keeping the notifications' text for the assertions."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.messages: list[str] = []

    def notify(self, message, **kw) -> None:
        self.messages.append(str(message))
        super().notify(message, **kw)


@pytest.fixture
def world(tui_services):
    svc = tui_services
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "测试大学团委", "团委", "测试大学共青团委员会")
    college = svc.orgs.create_child(op, top.id, "计算机学院团委", "团委")
    b1 = svc.orgs.create_child(op, college.id, BRANCH, "团支部")
    b2 = svc.orgs.create_child(op, college.id, "计算机专业2024级2班团支部", "团支部")
    admin = admin_of(svc, college.id, person(name="李院"))  # the branches' direct parent (R-MEM-1)
    return svc, admin, college.id, b1.id, b2.id


def own_folder(svc, admin):
    return account_folder(files_root(svc.settings), admin.account_id)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*list(text))


def table_names(app) -> list[str]:
    table = app.query_one("#member-table", DataTable)
    return [str(table.get_row_at(i)[0]).lstrip("✓") for i in range(table.row_count)]


def footer_text(app) -> str:
    return " ".join(f"{b.binding.key} {b.binding.description}" for b in app.screen.active_bindings.values()
                    if b.binding.show)


def sheet_rows(path) -> list[tuple]:
    ws = load_workbook(path, read_only=True).active
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    start = rows.index(tuple(HEADERS)) + 1  # a note row sits above the header
    return rows[start:]


async def test_import_members_by_keyboard_into_the_branch(world, tmp_path, monkeypatch):
    # R-MEM-1/R-MEM-2: i → path → Enter checks → F9 imports → Esc, and the table shows them.
    svc, admin, _college, b1, _b2 = world
    home = own_folder(svc, admin)  # the administrator's own folder: where files are
    people = [person(name=n, birth=date(2006, 3, 1 + i)) for i, n in enumerate(["赵一", "钱二", "孙三"])]
    bad = person(name="周四", birth=date(2006, 4, 1))
    rows = [member_row(p, join="2019-09", member_no=f"20190000010{i}") for i, p in enumerate(people)]
    rows.append(member_row(bad, join="2015-01"))  # aged 8 at joining: refused
    source = write_xlsx(home / "class.xlsx", [MEMBER_HEADER, *rows])
    app = RecordingApp(svc, admin, b1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert table_names(app) == []
        assert "i 导入" in footer_text(app) and "x 导出" in footer_text(app)
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchImportScreen) and screen.kind == "members" and screen.parent_id == b1
        assert app.focused is screen.query_one("#path", Input)
        await type_text(pilot, source.name)
        await pilot.press("enter")
        await settle(pilot)
        table = screen.query_one("#rows", DataTable)
        outcomes = [tuple(table.get_row_at(i))[1:3] for i in range(table.row_count)]
        assert outcomes == [("赵一", "将创建"), ("钱二", "将创建"), ("孙三", "将创建"), ("周四", "错误")]
        assert svc.members.totals(admin, b1).members == 0  # nothing written before F9
        await pilot.press("f9")
        await settle(pilot)
        assert "已创建 3 名团员" in str(screen.query_one("#status", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not screen
        names = [m.name for m in svc.members.list(admin, b1, "").items]
        assert sorted(names) == sorted(["赵一", "钱二", "孙三"])
        assert sorted(table_names(app)) == sorted(names)
        assert "共 3 人" in str(app.query_one("#members-status", Static).render())


async def test_import_on_a_committee_says_to_pick_a_branch(world):
    svc, admin, college, _b1, _b2 = world
    app = RecordingApp(svc, admin, college)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert not isinstance(app.screen, BatchImportScreen)
        assert any("团员只能导入到团支部" in m and "F4" in m for m in app.messages)


async def export_by_keyboard(pilot, app, path: str | None, full: bool = False) -> ExportMembersModal:
    await pilot.press("x")
    await settle(pilot)
    modal = app.screen
    assert isinstance(modal, ExportMembersModal)
    if path is not None:
        await pilot.press("ctrl+u")  # clear the suggested path
        await type_text(pilot, path)
    if full:
        await pilot.press("tab", "space")
        await pilot.pause()
        assert modal.query_one("#export-full", Checkbox).value
        warning = modal.query_one("#export-warning", Static)
        assert warning.display and str(warning.render()) == FULL_IDS_WARNING
        await pilot.press("f9")
    else:
        await pilot.press("enter")
    await settle(pilot)
    return modal


async def test_export_masked_by_default_and_full_when_chosen(world, tmp_path, monkeypatch):
    # SPEC §9: masked unless asked; the subtree's active members, removed ones left out.
    svc, admin, college, b1, b2 = world
    home = own_folder(svc, admin)  # the administrator's own folder: where files are
    monkeypatch.setenv("HOME", str(tmp_path))
    a, b, c, gone = (person(name=n, birth=date(2006, 3, 1)) for n in ("张三", "李四", "王五", "赵六"))
    for p, branch, no in ((a, b1, "201900000001"), (b, b1, "201900000002"), (c, b2, "201900000003"),
                          (gone, b1, "201900000004")):
        svc.members.add(admin, branch, member_values(p, join_month="2019-09", member_no=no))
    removed = next(m for m in svc.members.list(admin, b1, "").items if m.name == "赵六")
    svc.members.remove(admin, removed.id, "毕业离团")
    app = RecordingApp(svc, admin, college)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # The suggested name: 团员-<org>-<YYYYMMDD>.xlsx in the own folder, taken as it is.
        modal = await export_by_keyboard(pilot, app, None)
        assert app.screen is not modal
        default = home / f"团员-计算机学院团委-{svc.settings.today():%Y%m%d}.xlsx"
        assert default.is_file()
        rows = sheet_rows(default)
        assert sorted(r[1] for r in rows) == ["张三", "李四", "王五"]
        by_name = {r[1]: r for r in rows}
        assert by_name["张三"][4] == mask_id_number(a.id_number) != a.id_number
        assert by_name["王五"][0] == "计算机专业2024级2班团支部"
        assert any(str(default) in m and "3 名团员" in m and "部分隐藏" in m for m in app.messages)
        assert "部分隐藏" in load_workbook(default, read_only=True).active["A1"].value  # the file says so too

        full = home / "full.xlsx"
        await export_by_keyboard(pilot, app, "full", full=True)  # .xlsx is added
        rows = {r[1]: r for r in sheet_rows(full)}
        assert rows["张三"][4] == a.id_number and rows["李四"][9] == b.mobile
        note = load_workbook(full, read_only=True).active["A1"].value
        assert "完整的身份证号码" in note
        assert any(str(full) in m and "完整身份证号码" in m for m in app.messages)


async def test_export_refusal_keeps_the_dialog_and_the_typed_path(world, tmp_path, monkeypatch):
    svc, admin, _college, b1, _b2 = world
    home = own_folder(svc, admin)  # the administrator's own folder: where files are
    app = RecordingApp(svc, admin, b1)
    missing = "no-such-folder/m.xlsx"
    (home / "adir.xlsx").mkdir()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        modal = await export_by_keyboard(pilot, app, missing)
        assert app.screen is modal
        assert modal.query_one("#export-path", Input).value == missing
        error = str(modal.query_one("#export-error", Static).render())
        assert "不存在" in error and "no-such-folder" in error
        assert not (home / "no-such-folder").exists()  # never created behind the user's back
        # A directory is refused too; the typed text stays for correcting.
        await pilot.press("ctrl+u")
        await type_text(pilot, "adir.xlsx")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is modal and "不是普通文件" in str(modal.query_one("#export-error", Static).render())
        assert modal.query_one("#export-path", Input).value == "adir.xlsx"
        # Nothing outside the administrator's own folder (SPEC §9: nothing of one is another's).
        for outside in ("../m.xlsx", str(tmp_path / "m.xlsx"), "/tmp/m.xlsx"):
            await pilot.press("ctrl+u")
            await type_text(pilot, outside)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is modal and "只能使用您自己的文件夹" in str(modal.query_one("#export-error", Static).render())
        assert not (tmp_path / "m.xlsx").exists() and not (home.parent / "m.xlsx").exists()
        # A folder the user may not write to (simulated: the tests run as root).
        monkeypatch.setattr(member_excel, "can_write", lambda folder: False)
        await pilot.press("ctrl+u")
        await type_text(pilot, "ok.xlsx")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is modal and "没有权限写入" in str(modal.query_one("#export-error", Static).render())
        assert modal.query_one("#export-path", Input).value == "ok.xlsx" and not (home / "ok.xlsx").exists()
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ExportMembersModal)
    # Nothing was recorded as exported for the refused paths.
    assert not [e for e in svc.audit.recent(admin, b1, limit=50) if e.action == "member.export"]


async def test_keys_in_the_centre_footer_and_help_at_80x24(tui_settings, tui_services):
    # The keys are reachable by keyboard over SSH: shown in the Footer and listed by F1.
    from textual.widgets import Footer, TabbedContent

    from tests.tui.flows import login, setup_admin
    from zhtj_tui.app import make_app
    from zhtj_tui.screens.help import HelpModal

    top_id, who = setup_admin(tui_services)
    branch = tui_services.orgs.create_child(Actor.server_operator(), top_id, BRANCH, "团支部")
    app = make_app(tui_settings, tui_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = app.screen
        centre.select_org(branch.id)
        await settle(pilot)
        centre.query_one("#panes", TabbedContent).active = "members"
        await pilot.press("f5", "f5")  # to the row of tabs, then into the pane
        await settle(pilot)
        shown = {b.binding.id for b in centre.active_bindings.values() if b.binding.show}
        assert {"members.import", "members.export"} <= shown
        footer = centre.query_one(Footer)
        visible = [w for w in footer.query("FooterKey") if w.region.right <= 80 and w.region.width]
        assert {"导入", "导出"} <= {w.description for w in visible}
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpModal)
        keys = dict(app.screen._keys)
        assert keys.get("i") == "导入" and keys.get("x") == "导出"


async def test_export_to_an_existing_file_asks_before_replacing_it(world, tmp_path, monkeypatch):
    # Bad input loses nothing: "文件已存在，是否覆盖？"; no keeps the old file and the typed
    # path (nothing recorded), yes replaces it.
    from zhtj_tui.screens.confirm import ConfirmModal

    svc, admin, _college, b1, _b2 = world
    home = own_folder(svc, admin)  # the administrator's own folder: where files are
    old = home / "old.xlsx"
    old.write_bytes(b"precious")
    app = RecordingApp(svc, admin, b1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        modal = await export_by_keyboard(pilot, app, "old")  # .xlsx is added
        assert isinstance(app.screen, ConfirmModal)
        assert "文件已存在，是否覆盖？" in str(app.screen.query_one(".dialog-body", Static).render())
        await pilot.press("escape")  # no
        await settle(pilot)
        assert app.screen is modal and old.read_bytes() == b"precious"
        assert modal.query_one("#export-path", Input).value == "old"
        assert "原文件未改动" in str(modal.query_one("#export-error", Static).render())
        assert not [e for e in svc.audit.recent(admin, b1, limit=50) if e.action == "member.export"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")  # yes
        await settle(pilot)
        assert not isinstance(app.screen, (ConfirmModal, ExportMembersModal))
    assert old.read_bytes() != b"precious"
    assert sheet_rows(old) == []  # a real (empty) member list now
    assert any(str(old) in m for m in app.messages)
