"""Keyboard-only use at 80x24 over SSH: the panes are reached without a mouse, and help
and quitting are always said on screen."""

from __future__ import annotations

from textual.widgets import Tabs

from tests.tui.conftest import settle
from tests.tui.flows import login, setup_admin
from zhtj_tui.app import make_app


async def test_f5_reaches_the_tabs_then_the_pane(tui_settings, tui_services):
    """F5 focuses the row of tabs (←→ choose), F5 again enters the chosen pane."""
    _, who = setup_admin(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        await pilot.press("f5")
        assert isinstance(pilot.app.focused, Tabs)
        await pilot.press("right")
        await settle(pilot)
        assert centre.query_one("#panes").active == "children"
        await pilot.press("f5")
        assert pilot.app.focused is centre.query_one("#children-table")
        await pilot.press("escape")
        assert pilot.app.focused is centre.query_one("#tree")


async def test_top_bar_says_help_and_quit(tui_settings, tui_services):
    setup_admin(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = str(pilot.app.screen.query_one("#topbar-help").render())
        assert "F1 帮助" in text and "Ctrl+Q 退出" in text
        assert pilot.app.screen.query_one("#topbar-help").region.right <= 80


async def test_branch_admin_gets_the_form_full_width(tui_settings, tui_services):
    """A branch has nothing below it: no one-line tree beside a cut-off form; F4 shows it.
    The centre opens on 团员, a branch administrator's main work."""
    from tests.helpers import admin_of, person
    from zhtj_tui.services.dto import Actor

    op = Actor.server_operator()
    top = tui_services.orgs.create_top(op, "石河子大学团委", "团委", None)
    branch = tui_services.orgs.create_child(op, top.id, "计算机专业2023级1班团支部", "团支部")
    who = person(name="唐可萍")
    admin_of(tui_services, branch.id, who)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        tree = centre.query_one("#tree")
        assert not tree.display
        assert centre.query_one("#panes").active == "members"
        assert pilot.app.focused is not None and pilot.app.focused.id == "member-table"
        assert pilot.app.focused.region.width >= 60
        await pilot.press("f4")
        assert tree.display and pilot.app.focused is tree


async def test_f7_opens_batch_create_from_the_tree(tui_settings, tui_services):
    """R-SUB-2: F7 works wherever the focus is in the centre; the import screen's labels
    stand on the same line as their inputs (no bordered-input padding left over)."""
    from zhtj_tui.screens.batch_import import BatchImportScreen

    _, who = setup_admin(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        assert pilot.app.focused is pilot.app.screen.query_one("#tree")
        await pilot.press("f7")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, BatchImportScreen)
        for row in screen.query(".row"):
            label, field = row.children
            assert label.content_region.y == field.content_region.y
        await pilot.press("escape")
        await settle(pilot)


async def test_f7_on_a_branch_says_why_not(tui_settings, tui_services):
    from tests.helpers import PASSWORD

    top_id, who = setup_admin(tui_services)
    me = tui_services.accounts.login(who.mobile, PASSWORD).actor(top_id)
    branch = tui_services.orgs.create_child(me, top_id, "数学专业2018级1班团支部", "团支部")
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        centre.select_org(branch.id, reveal=True)
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert pilot.app.screen is centre
        assert any("团支部之下不设组织" in str(n.message) for n in pilot.app._notifications)


async def test_no_input_blinks_and_nothing_animates(tui_settings, tui_services):
    """Over SSH: no animation, and no blinking cursor even in inputs made without
    ``make_input`` (the 批量创建 screen's paths)."""
    from textual.widgets import Input

    _, who = setup_admin(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert pilot.app.animation_level == "none"
        await login(pilot, who)
        await pilot.press("f7")
        await settle(pilot)
        focused = pilot.app.focused
        assert isinstance(focused, Input) and focused.id == "path"
        assert focused.cursor_blink is False


def test_help_lines_align_by_terminal_cells():
    from rich.cells import cell_len

    from zhtj_tui.screens.help import WORKFLOW, key_line

    assert cell_len(key_line("space", "展开/收起").split("展开")[0]) == cell_len(key_line("f3", "查找").split("查找")[0])
    assert key_line("ctrl+q", "退出程序").strip().startswith("Ctrl+Q")
    assert all(cell_len(line) <= 66 for line in WORKFLOW.splitlines())  # no wrap in the dialog


async def test_progress_pane_fits_beside_the_tree(tui_settings, tui_services):
    """R-PROG-1 in the centre: each child's row is inside the pane at 80x24 with the tree
    showing (a percentage instead of a bar), its problems named (wrapped, never cut), and
    the footer is not cut."""
    from tests.helpers import PASSWORD

    top_id, who = setup_admin(tui_services)
    me = tui_services.accounts.login(who.mobile, PASSWORD).actor(top_id)
    for i in range(1, 4):
        tui_services.orgs.create_child(me, top_id, f"计算机专业2023级{i}班团支部", "团支部")
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        centre.query_one("#panes").active = "progress"
        await settle(pilot)
        table = centre.query_one("#pv-table")
        total = sum(col.get_render_width(table) for col in table.columns.values())
        assert total + 1 <= table.region.width  # room for a one-cell scroll bar
        first = [str(c) for c in table.get_row_at(0)]
        assert first[0] == "计算…2023级1班团支部" and first[1].strip() == "0%" and first[2] == "0"
        assert first[-1] == "缺书记1 缺管理员1 信息不全1 支部无团员1"
        assert table.rows[next(iter(table.rows))].height >= 2  # wrapped within its column
        footer = centre.query_one("Footer")
        assert footer.virtual_size.width <= 80  # the pane's keys are in the footer, whole


def test_fit_middle_keeps_from_the_first_digit():
    from zhtj_tui.widgets.cells import fit_middle

    assert fit_middle("计算机专业2017级1班团支部", 20) == "计算…2017级1班团支部"
    assert fit_middle("外语学院研究生团总支", 20) == "外语学院研究生团总支"
    assert fit_middle("马克思主义学院", 13) == "马克…主义学院"


async def test_long_locked_full_name_is_said_in_full(tui_settings, tui_services, small_demo):
    """A locked field cannot be scrolled; beside the tree the full name is longer than its
    box, so it is repeated in full under it (the parent's view of a saved child)."""
    from tests.tui.conftest import fill

    demo = small_demo
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        fill(screen, "login", demo.logins[0].mobile)
        fill(screen, "password", demo.password)
        screen.query_one("#input-password").focus()
        await pilot.press("enter")
        await settle(pilot)
        centre = pilot.app.screen
        await pilot.press("down", "enter")  # the first college, chosen in the tree
        await settle(pilot)
        assert centre.view.locked and not centre.view.editable
        field = centre.query_one("#field-full_name")
        assert field.disabled and field.message == centre.view.full_name


async def test_f8_corrects_from_the_tree(tui_settings, tui_services, small_demo):
    """R-INFO (locked fields): the note says F8, and F8 works with the focus in the tree;
    on the administrator's own organisation it says who may correct."""
    from tests.tui.conftest import fill
    from zhtj_tui.screens.org_info import CorrectModal

    demo = small_demo
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        fill(screen, "login", demo.logins[0].mobile)
        fill(screen, "password", demo.password)
        screen.query_one("#input-password").focus()
        await pilot.press("enter")
        await settle(pilot)
        centre = pilot.app.screen
        await pilot.press("f8")
        await settle(pilot)
        assert pilot.app.screen is centre
        assert any("直属上级组织的管理员" in str(n.message) for n in pilot.app._notifications)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert pilot.app.focused is centre.query_one("#tree")
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CorrectModal)


def test_no_branch_is_named_and_never_complete():
    """R-TREE-3 in the progress window: an organisation with no branch is not shown as
    100% done, and its row says why."""
    from zhtj_tui.screens.progress import ProgressView
    from zhtj_tui.services.progress import ChildProgress, Figures

    child = ChildProgress(1, "马克思主义学院团总支", "团总支", "general_branch", True, True, True,
                          Figures(orgs=1, info_complete=1, secretaries=1, with_admin=1), problems=(("no_branch", 1),))
    for compact in (False, True):
        cells = ProgressView(None, None, 1, compact=compact)._cells(child)
        assert "100%" not in str(cells[1]) and "75%" in str(cells[1])
        assert str(cells[-1]) == "无团支部1"
