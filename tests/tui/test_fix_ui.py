"""Fixing mistakes in the interface, keyboard only at 80x24: moving and deleting an
organisation in 下级管理 (R-TREE-6), a child's administrators with deactivation and reset
codes (R-REG-6, R-REG-7), 我的账号 (change password, hand over) and 忘记密码 on the login
screen (R-REG-7). Each checks the database through the services afterwards."""

from __future__ import annotations

from tests.helpers import PASSWORD, person, register_admin
from tests.member_helpers import member_values
from tests.tui.conftest import fill, settle
from tests.tui.flows import login, setup_admin
from zhtj_tui.app import make_app
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()
NEW_PASSWORD = "changed2026ok"


def build(services):
    """top ─┬─ 文学院团委 ── 数学专业2020级1班团支部 (misplaced, 2 members)
            └─ 理学院团委 ;  an administrator for 文学院团委."""
    top_id, who = setup_admin(services)
    me = services.accounts.login(who.mobile, PASSWORD).actor(top_id)
    a = services.orgs.create_child(me, top_id, "文学院团委", "团委").id
    b = services.orgs.create_child(me, top_id, "理学院团委", "团委").id
    br = services.orgs.create_child(OP, a, "数学专业2020级1班团支部", "团支部").id
    for _ in range(2):
        services.members.add(OP, br, member_values())
    session, child_admin = register_admin(services, services.codes.issue(me, a).code, person(name="文管理"))
    return who, me, {"top": top_id, "a": a, "b": b, "br": br}, child_admin


async def open_children(pilot, row_name: str | None = None):
    """下级管理 of the selected organisation, the table focused, the cursor on ``row_name``."""
    centre = pilot.app.screen
    centre.query_one("#panes").active = "children"
    await settle(pilot)
    pane = centre.panes["children"]
    pane.query_one("#children-table").focus()
    await settle(pilot)
    if row_name is not None:
        while pane.current_row().short_name != row_name:
            await pilot.press("down")
    return pane


async def test_move_child_by_keyboard(tui_settings, tui_services):
    # R-TREE-6: m, type to filter, ↓ Enter to choose, reason, Enter: moved with its members.
    from zhtj_tui.screens.fix_dialogs import MoveModal

    who, me, ids, _ = build(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        pilot.app.screen.select_org(ids["a"])
        await settle(pilot)
        pane = await open_children(pilot, "数学专业2020级1班团支部")
        assert "m 移动" in str(pane.query_one("#children-status").render())
        await pilot.press("m")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, MoveModal)
        assert all(w.region.right <= 80 and w.region.bottom <= 24 for w in dialog.query("Button"))
        await pilot.press(*"理学院")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert "理学院团委" in str(dialog.query_one("#move-chosen").render())
        await pilot.press(*"隶属关系错误", "enter")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, MoveModal)
    view = tui_services.orgs.get(me, ids["br"])
    assert view.parent_id == ids["b"]
    assert tui_services.members.list(me, ids["b"]).total == 2
    assert tui_services.audit.recent(me, ids["br"], action_prefix="org.move")[0].note == "隶属关系错误"


async def test_move_refusal_is_said_in_the_dialog(tui_settings, tui_services):
    # R-TREE-6: a refused move (no reason; a name already used there) keeps the dialog.
    from zhtj_tui.screens.fix_dialogs import MoveModal

    who, me, ids, _ = build(tui_services)
    tui_services.orgs.create_child(OP, ids["b"], "数学专业2020级1班团支部", "团支部")
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        pilot.app.screen.select_org(ids["a"])
        await settle(pilot)
        await open_children(pilot, "数学专业2020级1班团支部")
        await pilot.press("m")
        await settle(pilot)
        dialog = pilot.app.screen
        labels = [str(o.prompt) for o in dialog.query_one("#move-targets").options]
        assert any("理学院团委" in text and "已有同名" in text for text in labels)
        dialog.submit()  # nothing chosen yet
        await settle(pilot)
        assert "请先在列表中选择" in str(dialog.query_one("#move-error").render())
        await pilot.press("enter")  # the list has the focus, on its first entry
        await settle(pilot)
        assert dialog.chosen.short_name == "石河子大学团委"  # the taken one cannot be chosen
        await pilot.press("enter")  # no reason
        await settle(pilot)
        assert isinstance(pilot.app.screen, MoveModal)
        assert "请填写移动原因" in str(dialog.query_one("#move-error").render())
        await pilot.press("escape")
        await settle(pilot)
    assert tui_services.orgs.get(me, ids["br"]).parent_id == ids["a"]


async def test_delete_empty_child_and_refuse_a_full_one(tui_settings, tui_services):
    # R-TREE-6: d on an empty child asks for a reason and deletes it; on one with members
    # the refusal says what is still there.
    from zhtj_tui.screens.confirm import PromptModal

    who, me, ids, _ = build(tui_services)
    wrong = tui_services.orgs.create_child(me, ids["top"], "误建团委", "团委").id
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        await open_children(pilot, "误建团委")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PromptModal)
        await pilot.press(*"重复创建", "enter")
        await settle(pilot)
        pane = pilot.app.screen.panes["children"]
        assert "误建团委" not in [r.short_name for r in pane.rows]
        pilot.app.screen.select_org(ids["a"])
        await settle(pilot)
        await open_children(pilot, "数学专业2020级1班团支部")
        await pilot.press("d")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, PromptModal)
        notes = [n.message for n in pilot.app._notifications]
        assert any("2 名团员" in n and "不能删除" in n for n in notes), notes
    try:
        tui_services.orgs.get(me, wrong)
        raise AssertionError("not deleted")
    except DomainError:
        pass
    assert tui_services.orgs.get(me, ids["br"]).id == ids["br"]


async def test_admins_deactivate_and_reset_code(tui_settings, tui_services):
    # R-REG-6, R-REG-7: a lists the child's administrators masked; r issues a reset code
    # shown once; x deactivates with a reason, and the row then says 没有管理员.
    from zhtj_tui.screens.fix_dialogs import AdminsModal, ResetCodeModal

    who, me, ids, child_admin = build(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        pane = await open_children(pilot, "文学院团委")
        await pilot.press("a")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, AdminsModal)
        assert all(w.region.right <= 80 and w.region.bottom <= 24 for w in dialog.query("*") if w.display)
        row = dialog.query_one("#admins-table").get_row_at(0)
        assert row[0] == "文管理" and row[1] != child_admin.mobile and "*" in row[1] and row[4] == "有效"
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        shown = pilot.app.screen
        assert isinstance(shown, ResetCodeModal)
        code = shown.view.code
        assert code in str(shown.query_one("#code-plain").render())
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press(*"调离本单位", "enter")
        await settle(pilot)
        assert dialog.query_one("#admins-table").get_row_at(0)[4] == "已停用"
        assert "没有管理员" in str(dialog.query_one("#admins-status").render())
        await pilot.press("escape")
        await settle(pilot)
        assert "没有管理员" in str(pane.query_one("#children-status").render())
    assert tui_services.orgs.get(me, ids["a"]).admin_count == 0
    try:
        tui_services.accounts.login(child_admin.mobile, PASSWORD)
        raise AssertionError("a deactivated administrator logged in")
    except DomainError as exc:
        assert exc.code == "deactivated"


async def test_change_own_password(tui_settings, tui_services):
    # R-REG-7: F10 我的账号, p, the old password and the new one twice.
    from zhtj_tui.screens.fix_dialogs import PasswordModal

    who, _, _, _ = build(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dialog = await _password_dialog(pilot, who)
        assert all(w.region.right <= 80 and w.region.bottom <= 24 for w in dialog.query("*") if w.display)
        await pilot.press(*"wrongpass1", "enter", *NEW_PASSWORD, "enter", *NEW_PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PasswordModal)
        assert "原密码不正确" in dialog.field("old_password").message
        fill(dialog, "old_password", PASSWORD)
        dialog.field("new_password2").focus_control()
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, PasswordModal)
    assert tui_services.accounts.login(who.mobile, NEW_PASSWORD).name == who.name


async def test_hand_over_then_logged_out(tui_settings, tui_services):
    # R-REG-6: F10, h, a reason: the successor's code is shown, then the administrator is
    # logged out and can no longer log in; the code registers the successor.
    from zhtj_tui.screens.code_modal import CodeModal
    from zhtj_tui.screens.login import LoginScreen

    who, _, ids, child_admin = build(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, child_admin)
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await pilot.press(*"换届", "enter")
        await settle(pilot)
        shown = pilot.app.screen
        assert isinstance(shown, CodeModal) and "继任者" in shown.note
        code = shown.code.code
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, LoginScreen)
    session, _ = register_admin(tui_services, code, person(name="继任者"))
    assert session.roles[0].org_id == ids["a"]
    try:
        tui_services.accounts.login(child_admin.mobile, PASSWORD)
        raise AssertionError("handed over but still logs in")
    except DomainError as exc:
        assert exc.code == "deactivated"


async def test_forgot_password_with_reset_code(tui_settings, tui_services):
    # R-REG-7: F3 on the login screen; account, reset code, new password twice; then the
    # new password logs in. A wrong code is said under its field, the typing kept.
    from zhtj_tui.screens.login import LoginScreen

    who, me, ids, child_admin = build(tui_services)
    code = _reset_code(tui_services, me, ids, child_admin)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        screen = await _forgot(pilot)
        last = code[-1]  # changed within its kind: the code keeps a digit and a letter
        wrong = code[:-1] + (("1" if last != "1" else "2") if last.isdigit() else ("A" if last != "A" else "B"))
        await pilot.press(*child_admin.mobile, "enter", *wrong, "enter", *NEW_PASSWORD, "enter", *NEW_PASSWORD,
                          "enter")
        await settle(pilot)
        assert "重置码不正确" in screen.field("reset_code").message
        assert screen.field("login").value == child_admin.mobile
        fill(screen, "reset_code", code)
        screen.field("new_password2").focus_control()
        await pilot.press("enter")
        await settle(pilot)
        login_screen = pilot.app.screen
        assert isinstance(login_screen, LoginScreen)
        assert "新密码已设置" in str(login_screen.query_one("#login-message").render())
    assert tui_services.accounts.login(child_admin.mobile, NEW_PASSWORD).name == "文管理"


def _account_id(services, who) -> int:
    return services.accounts.resolve_account(who.mobile)


def _reset_code(services, me, ids, who) -> str:
    return services.admins.issue_reset_code(me, ids["a"], _account_id(services, who)).code


async def _password_dialog(pilot, who):
    """Log in, then F10 我的账号 and p: 修改密码."""
    from zhtj_tui.screens.fix_dialogs import PasswordModal

    await login(pilot, who)
    await pilot.press("f10")
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, PasswordModal)
    return dialog


async def _forgot(pilot):
    """F3 on the login screen: 忘记密码."""
    from zhtj_tui.screens.forgot import ForgotPasswordScreen

    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ForgotPasswordScreen)
    return screen


async def test_new_password_typed_differently_is_refused_on_both_forms(tui_settings, tui_services):
    # R-REG-7: 修改密码 and 忘记密码 share the new-password fields: typed differently twice,
    # the second field says so and has the focus, the typing is kept, and nothing is changed.
    who, me, ids, child_admin = build(tui_services)
    code = _reset_code(tui_services, me, ids, child_admin)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        forgot = await _forgot(pilot)
        await pilot.press(*child_admin.mobile, "enter", *code, "enter", *NEW_PASSWORD, "enter", *"different99",
                          "enter")
        await settle(pilot)
        assert pilot.app.screen is forgot
        assert "两次输入的新密码不一致" in forgot.field("new_password2").message
        assert pilot.app.focused is forgot.field("new_password2").control
        assert forgot.field("reset_code").value == code and forgot.field("new_password").value == NEW_PASSWORD
        await pilot.press("escape")
        await settle(pilot)
        dialog = await _password_dialog(pilot, who)
        await pilot.press(*PASSWORD, "enter", *NEW_PASSWORD, "enter", *"different99", "enter")
        await settle(pilot)
        assert pilot.app.screen is dialog
        assert "两次输入的新密码不一致" in dialog.field("new_password2").message
        assert pilot.app.focused is dialog.field("new_password2").control
        assert dialog.field("old_password").value == PASSWORD
    # Neither form changed a password; the reset code is still unused.
    assert tui_services.accounts.login(who.mobile, PASSWORD).name == who.name
    assert tui_services.accounts.redeem_reset_code(child_admin.mobile, code, NEW_PASSWORD) == child_admin.mobile
