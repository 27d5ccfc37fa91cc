"""R-SUB-3 at 80x24 with the organisation tree showing: every column of 下级组织管理 (name,
category, information, secretary, administrators, code status with its expiry) is inside
the table, and the highlighted row is said in full under it."""

from __future__ import annotations

from tests.helpers import PASSWORD
from tests.tui.conftest import settle
from tests.tui.flows import login, setup_admin
from zhtj_tui.app import make_app
from zhtj_tui.screens.children import short_org_name
from zhtj_tui.services.dto import ChildRow
from zhtj_tui.widgets.cells import fit_middle


def test_fit_middle_keeps_the_end_of_class_names():
    assert fit_middle("计算机专业2023级1班", 13) == "计…2023级1班"
    assert fit_middle("师范学院", 13) == "师范学院"
    assert fit_middle("马克思主义学院", 13) == "马克…主义学院"
    row = ChildRow(1, "软件工程专业2025级2班团支部", "", "团支部", "branch", True, "李", 1, 0, "有效", None)
    assert short_org_name(row) == "软…2025级2班"


async def test_every_column_is_visible_with_the_tree(tui_settings, tui_services):
    top_id, who = setup_admin(tui_services)
    me = tui_services.accounts.login(who.mobile, PASSWORD).actor(top_id)
    names = ["计算机专业2023级1班团支部", "软件工程专业2025级2班团支部", "马克思主义学院团总支"]
    names += [f"数学专业2025级{i}班团支部" for i in range(1, 20)]  # more rows than fit: a scroll bar
    for name in names:
        category = "团总支" if name.endswith("团总支") else "团支部"
        child = tui_services.orgs.create_child(me, top_id, name, category)
        if name.startswith("软件"):
            code = tui_services.codes.issue(me, child.id)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        assert centre.query_one("#tree").display
        centre.query_one("#panes").active = "children"
        await settle(pilot)
        pane = centre.panes["children"]
        table = pane.query_one("#children-table")
        table.focus()
        await settle(pilot)
        total = sum(col.get_render_width(table) for col in table.columns.values())
        assert table.show_vertical_scrollbar
        assert total <= table.scrollable_content_region.width, "columns cut off at 80 columns"
        assert [str(c.label) for c in table.columns.values()] == ["组织", "类别", "书记", "信息", "管理", "注册码"]
        cells = {table.get_row_at(i)[0]: table.get_row_at(i) for i in range(table.row_count)}
        soft = cells["软…2025级2班"]
        assert soft[1] == "团支部" and soft[2] == "—" and soft[3] == "不全" and soft[4] == "无"  # R-REG-6
        assert soft[5] == "有效至" + tui_settings.fmt(code.expires_at)[5:10]  # the code's expiry stays visible (R-CODE-4)
        assert cells["马克…主义学院"][5] == "未生成"
        # The highlighted row, in full, under the table.
        await pilot.press("down")
        status = str(pane.query_one("#children-status").render())
        row = pane.current_row()
        assert row.short_name in status and (f"管理员 {row.admin_count} 名" if row.admin_count else "没有管理员") in status
        assert all(w.region.right <= 80 for w in pane.query("Button"))
        # Nothing of the rows is hidden under the status lines.
        assert table.region.bottom <= pane.query_one("#children-status").region.y


async def test_code_dialog_says_what_happened(tui_settings, tui_services):
    """R-CODE-5: the first code of a child is not said to revoke an earlier one; a second
    look shows the same valid code; re-generating says the earlier one is void."""
    from zhtj_tui.screens.code_modal import CodeModal
    from zhtj_tui.screens.confirm import ConfirmModal

    top_id, who = setup_admin(tui_services)
    me = tui_services.accounts.login(who.mobile, PASSWORD).actor(top_id)
    tui_services.orgs.create_child(me, top_id, "师范学院团委", "团委")
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        centre.query_one("#panes").active = "children"
        await settle(pilot)
        centre.panes["children"].query_one("#children-table").focus()

        async def dialog_text(*keys):
            await pilot.press(*keys)
            await settle(pilot)
            assert isinstance(pilot.app.screen, CodeModal)
            text = " ".join(str(w.render()) for w in pilot.app.screen.query("Static"))
            await pilot.press("escape")
            await settle(pilot)
            return text

        first = await dialog_text("c")
        assert "已生成新的注册码" in first and "作废" not in first
        again = await dialog_text("c")
        assert "尚未使用的有效注册码" in again
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)
        assert "此前未使用的注册码将作废" in " ".join(str(w.render()) for w in pilot.app.screen.query("Static"))
        renewed = await dialog_text("y")
        assert "此前未使用的注册码已作废" in renewed
