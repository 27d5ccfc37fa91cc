"""The whole interface flow at 80x24 on a temporary SQLite database (SPEC §2's four
steps): first run → register → log in → fill in the information → create three children
→ show a code → batch codes to .xlsx → log out."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.helpers import PASSWORD
from tests.tui.conftest import click, fill, settle
from tests.tui.flows import TOP, TOP_FULL, admin_person, fill_person
from zhtj_tui.app import make_app
from zhtj_tui.screens.centre import CentreScreen
from zhtj_tui.screens.code_modal import CodeModal
from zhtj_tui.screens.confirm import ConfirmModal, PromptModal
from zhtj_tui.screens.first_run import FirstRunScreen
from zhtj_tui.screens.login import LoginScreen
from zhtj_tui.screens.register import RegisterScreen


async def test_whole_flow(tui_settings, tui_services, tmp_path):
    """R-CODE-6, R-REG-1, R-INFO-1/2, R-SUB-1, R-SUB-3, R-CODE-4 through the interface."""
    app = make_app(tui_settings, tui_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # 1. First run: the top organisation and its first code (R-CODE-6).
        screen = app.screen
        assert isinstance(screen, FirstRunScreen)
        fill(screen, "short_name", TOP)
        fill(screen, "full_name", TOP_FULL)
        await click(pilot, "#create")
        await settle(pilot)
        code = screen.code
        assert code is not None and code.org_name == TOP
        assert code.code in str(screen.query_one("#first-result").render())
        # 2. Register with that code (R-REG-1): code -> confirm the path -> personal data.
        await click(pilot, "#to-register")
        await settle(pilot)
        reg = app.screen
        assert isinstance(reg, RegisterScreen)
        assert reg.field("code").value == code.code
        await pilot.press("enter")
        await settle(pilot)
        assert TOP in str(reg.query_one("#code-info").render())
        await pilot.press("enter")
        await settle(pilot)
        assert reg.step == 2
        who = admin_person()
        fill_person(reg, who)
        reg.query_one("#input-password2").focus()
        await pilot.press("enter")
        await settle(pilot)
        # 3. Log in: the login field is prefilled with the mobile number.
        login = app.screen
        assert isinstance(login, LoginScreen)
        assert login.field("login").value == who.mobile
        assert "注册成功" in str(login.query_one("#login-message").render())
        fill(login, "password", PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        centre = app.screen
        assert isinstance(centre, CentreScreen)
        assert centre.view is not None and centre.view.short_name == TOP
        # 4. Fill in the organisation's information; the first save asks for confirmation.
        info = centre.panes["info"]
        assert info.field("full_name").value == TOP_FULL
        assert info.field("admin_quota").display  # committee: staffing fields shown (R-INFO-1)
        assert info.field("full_name").has_class("-required")
        fill(info, "industry", "03")
        for key, value in (("admin_quota", "3"), ("admin_actual", "2"), ("inst_quota", "1"), ("inst_actual", "0")):
            fill(info, key, value)
        fill(info, "secretary_name", who.name)
        fill(info, "secretary_id", who.id_number)
        fill(info, "secretary_mobile", who.mobile)
        info.field("email").focus_control()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await click(pilot, "#yes")
        await settle(pilot)
        view = tui_services.orgs.get(centre.actor, centre.actor.org_id)
        assert view.info_complete and view.locked
        assert info.field("full_name").disabled and info.field("industry").disabled  # R-INFO-2
        # 5. Create three children one by one; the form is ready for the next each time.
        tabs = centre.query_one("#panes")
        tabs.active = "create"
        await settle(pilot)
        create = centre.panes["create"]
        for name in ("师范学院团委", "机械学院团委", "计算机专业2018级1班团支部"):
            create.field("short_name").focus_control()
            fill(create, "short_name", name)
            await pilot.pause()
            assert create.field("category").value  # the category follows the name's suffix
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert create.field("short_name").value == ""
            assert app.focused is create.field("short_name").control
        rows = tui_services.orgs.list_children(centre.actor, view.id).items
        assert sorted(r.short_name for r in rows) == sorted(["师范学院团委", "机械学院团委", "计算机专业2018级1班团支部"])
        # The tree shows them under the top organisation.
        tree = centre.query_one("#tree")
        labels = {str(n.label) for n in tree.root.children}
        assert "师范学院团委" in labels
        # 6. 下级组织管理: show one child's code in full with its expiry.
        tabs.active = "children"
        await settle(pilot)
        children = centre.panes["children"]
        table = children.query_one("#children-table")
        assert table.row_count == 3
        table.focus()
        await pilot.press("c")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, CodeModal)
        first = children.rows[0]
        current = tui_services.codes.current(centre.actor, first.id)
        assert current is not None and modal.code.code == current.code
        assert tui_settings.fmt(current.expires_at, True) in str(modal.query_one("#code-expiry").render())
        await pilot.press("escape")
        await settle(pilot)
        # 7. 批量生成注册码 into an .xlsx at the path the user gives.
        await pilot.press("b")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PromptModal)
        # In the administrator's own folder, named without a folder.
        assert prompt.query_one("#prompt-input").value.startswith("注册码-石河子大学团委-")
        outside = tmp_path / "codes.xlsx"
        prompt.query_one("#prompt-input").value = str(outside)
        await pilot.press("enter")
        await settle(pilot)
        assert not outside.exists()  # a path outside the folder is refused
        await pilot.press("b")
        await settle(pilot)
        app.screen.query_one("#prompt-input").value = "codes"
        await pilot.press("enter")
        await settle(pilot)
        target = Path(tui_settings.files_dir) / str(centre.actor.account_id) / "codes.xlsx"
        assert target.exists()
        assert str(target) in str(children.query_one("#children-status").render())
        ws = load_workbook(target).active
        values = [[c.value for c in row] for row in ws.iter_rows(max_row=10, max_col=4)]
        header = values.index(["组织名称", "组织类别", "管理员注册码", "有效期至"])
        body = [r for r in values[header + 1:] if r[0] is not None]
        assert sorted(r[0] for r in body) == sorted(r.short_name for r in rows)
        by_name = {r[0]: r[2] for r in body}
        assert by_name[first.short_name] == current.code  # a valid code is kept, not replaced
        assert all(len(r[2]) == 8 for r in body)
        # Writing the batch to the same file again asks first: no silent overwrite.
        target.write_bytes(b"an older file")
        for answer in ("escape", "y"):
            await pilot.press("b")
            await settle(pilot)
            app.screen.query_one("#prompt-input").value = str(target)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmModal) and "文件已存在" in app.screen._message
            await pilot.press(answer)
            await settle(pilot)
            if answer == "escape":
                assert target.read_bytes() == b"an older file"
        assert load_workbook(target).active.max_row >= 4  # replaced by the new codes file
        # 8. Log out.
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
