"""The management centre beyond the main flow: several roles, the tree's pages, quick jump,
the parent's correction, a lost update, help, and the terminal settings."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from tests.helpers import PASSWORD, person
from tests.tui.conftest import click, fill, settle
from tests.tui.flows import login, setup_admin
from zhtj_tui.app import make_app
from zhtj_tui.db.schema import org_initials
from zhtj_tui.screens.centre import CentreScreen
from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.help import HelpModal
from zhtj_tui.screens.org_info import CorrectModal
from zhtj_tui.screens.roles import RoleScreen
from zhtj_tui.screens.search import OrgSearchProvider, SearchModal
from zhtj_tui.services.dto import Actor
from zhtj_tui.widgets.org_tree import MoreNode, OrgNode, OrgTree


def _me(services, top_id, who):
    return services.accounts.login(who.mobile, PASSWORD).actor(top_id)


async def test_role_switcher(tui_settings, tui_services):
    """R-CODE-5 decision: one person administers two organisations and chooses one."""
    top_id, who = setup_admin(tui_services)
    me = _me(tui_services, top_id, who)
    child = tui_services.orgs.create_child(me, top_id, "师范学院团委", "团委")
    code = tui_services.codes.issue(me, child.id).code
    tui_services.accounts.register(code, "副书记", who.name, who.id_number, who.mobile, who.join_month, PASSWORD)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        assert isinstance(pilot.app.screen, RoleScreen)
        await pilot.press("down", "enter")
        await settle(pilot)
        centre = pilot.app.screen
        assert isinstance(centre, CentreScreen) and centre.role.org_id == child.id
        assert centre.view.short_name == "师范学院团委"
        await pilot.press("f2")  # switch to the other organisation
        await settle(pilot)
        assert isinstance(pilot.app.screen, RoleScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen.role.org_id == top_id


def _bulk_children(url: str, parent_id: int, path: str, n: int, depth: int = 1) -> None:
    now = datetime(2026, 11, 1, 8, 0).isoformat(sep=" ")
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    con.executemany(
        "INSERT INTO org (parent_id, depth, category, cat_group, short_name, name_initials, created_at, updated_at,"
        " version, info_complete) VALUES (?, ?, '05', 'branch', ?, ?, ?, ?, 1, 0)",
        [(parent_id, depth, f"专业{i:04d}班团支部", org_initials(f"专业{i:04d}班团支部"), now, now) for i in range(n)])
    con.execute("UPDATE org SET path = ? || id || '/' WHERE parent_id = ? AND path IS NULL", (path, parent_id))
    con.commit()
    con.close()


async def test_tree_pages_with_more_entry(tui_settings, tui_services):
    """DESIGN rule 8: a node with more than a page of children ends in “更多…”."""
    top_id, who = setup_admin(tui_services)
    top = tui_services.orgs.get(Actor.server_operator(), top_id)
    _bulk_children(tui_settings.db_url, top_id, top.path, 450)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        tree = pilot.app.screen.query_one(OrgTree)
        kids = tree.root.children
        assert len(kids) == 201 and isinstance(kids[-1].data, MoreNode)
        assert "共 450" in str(kids[-1].label)
        # The rows scroll inside the tree: its scroll bar spans them all.
        assert tree.show_vertical_scrollbar and tree.virtual_size.height == 202
        assert tree.vertical_scrollbar.window_virtual_size == 202
        layouts: list[object] = []
        pilot.app.screen.screen_layout_refresh_signal.subscribe(tree, layouts.append)
        tree.move_cursor(kids[-1])
        await pilot.press("enter")
        await settle(pilot)
        kids = tree.root.children
        assert len(kids) == 401 and "已显示 400" in str(kids[-1].label)
        # A page of rows changes what the tree scrolls, not the layout of the screen.
        assert tree.virtual_size.height == 402 and tree.vertical_scrollbar.window_virtual_size == 402
        assert layouts == []
        tree.move_cursor(kids[-1])
        await pilot.press("enter")
        await settle(pilot)
        kids = tree.root.children
        assert len(kids) == 450 and all(isinstance(k.data, OrgNode) for k in kids)
        assert str(kids[-1].label) == "专业0449班团支部"
        tree.move_cursor(kids[-1])
        tree.scroll_to_node(kids[-1], animate=False)
        await settle(pilot)
        assert tree.virtual_size.height == 451 and tree.scroll_y == tree.max_scroll_y > 0


def test_tree_labels_are_plain_text():
    """An organisation's name is shown as typed, never read as markup."""
    from zhtj_tui.services.dto import OrgBrief

    label = OrgTree._label(OrgBrief(1, "[b]一[/b]支部", "团支部", "branch", 1, 0, ()))
    assert label.plain == "[b]一[/b]支部" and not label.spans


async def test_selecting_a_child_in_the_tree_shows_its_panes(tui_settings, tui_services):
    """R-TREE-2: a branch has no 下级组织管理 / 创建下级组织; the parent may correct it."""
    top_id, who = setup_admin(tui_services)
    me = _me(tui_services, top_id, who)
    branch = tui_services.orgs.create_child(me, top_id, "计算机专业2018级1班团支部", "团支部")
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        tree = centre.query_one(OrgTree)
        tree.move_cursor(tree.find(branch.id))
        await pilot.press("enter")
        await settle(pilot)
        assert centre.view.id == branch.id
        tabs = centre.query_one("#panes")
        assert tabs.get_tab("children").display is False and tabs.get_tab("create").display is False
        info = centre.panes["info"]
        assert info.field("full_name").disabled  # the child's own information is its own
        assert not info.field("admin_quota").display  # branch: no staffing fields (R-INFO-1)
        assert info.query_one("#info-correct").display


async def test_parent_corrects_a_locked_name(tui_settings, tui_services):
    """R-INFO-2 decision: the parent corrects a locked field, giving a reason."""
    top_id, who = setup_admin(tui_services)
    me = _me(tui_services, top_id, who)
    child = tui_services.orgs.create_child(me, top_id, "师范学院团委", "团委")
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        centre.select_org(child.id)
        await settle(pilot)
        centre.panes["info"].query_one("#info-save").focus()
        centre.query_one("#panes").active = "info"
        await pilot.press("f8")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, CorrectModal)
        fill(modal, "short_name", "教育学院团委")
        await click(pilot, "#ok")
        await settle(pilot)
        assert modal.field("reason").has_error  # the reason is required
        fill(modal, "reason", "学院更名")
        modal.field("reason").focus_control()
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is centre
        assert tui_services.orgs.get(me, child.id).short_name == "教育学院团委"
        assert centre.view.short_name == "教育学院团委"


async def test_conflicting_save_is_refused_and_keeps_the_form(tui_settings, tui_services):
    """A save over someone else's change (expected_version) is refused with a message."""
    top_id, who = setup_admin(tui_services)
    app = make_app(tui_settings, tui_services)
    notes: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = app.screen
        info = centre.panes["info"]
        me = centre.actor
        # Someone else saves first (the same organisation, another session).
        tui_services.orgs.save_info(me, top_id, {"full_name": "共青团石河子大学委员会", "industry": "03"})
        app.notify = lambda message, **kw: notes.append(message)
        fill(info, "email", "tw@example.edu.cn")
        fill(info, "industry", "03")
        info.field("email").focus_control()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)  # this form was opened before the first save
        await click(pilot, "#yes")
        await settle(pilot)
        assert any("已被他人修改" in n for n in notes)
        assert info.field("email").value == "tw@example.edu.cn"


async def test_search_jumps_to_an_organisation(tui_settings, tui_services):
    """Quick jump by part of a name, searched in the database (dialog and palette)."""
    top_id, who = setup_admin(tui_services)
    me = _me(tui_services, top_id, who)
    college = tui_services.orgs.create_child(me, top_id, "师范学院团委", "团委")
    code = tui_services.codes.issue(me, college.id).code
    p = person(name="李四")
    tui_services.accounts.register(code, "书记", p.name, p.id_number, p.mobile, p.join_month, PASSWORD)
    college_admin = tui_services.accounts.login(p.mobile, PASSWORD).actor(college.id)
    deep = tui_services.orgs.create_child(college_admin, college.id, "数学专业2018级2班团支部", "团支部")
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        await pilot.press("f3")
        await settle(pilot)
        modal = pilot.app.screen
        assert isinstance(modal, SearchModal)
        await pilot.press(*"2018级")
        await settle(pilot)
        assert [b.id for b in modal.results] == [deep.id]
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is centre and centre.view.id == deep.id
        assert not pilot.app.busy  # replaced searches do not leave "正在处理…" behind
        assert centre.view.path_text == "石河子大学团委 / 师范学院团委 / 数学专业2018级2班团支部"
        assert "数学专业2018级2班团支部（团支部）" in str(centre.query_one("#org-path").render())
        # The command palette finds the same through the provider.
        provider = OrgSearchProvider(centre)
        hits = [h async for h in provider.search("师范")]
        assert [h.help for h in hits] == ["转到组织：石河子大学团委 / 师范学院团委"]


async def test_help_lists_the_screen_keys_and_the_workflow(tui_settings, tui_services):
    """F1 and ? show the current screen's keys and SPEC §2's four steps."""
    top_id, who = setup_admin(tui_services)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, HelpModal)
        keys = dict(modal._keys)
        assert keys.get("f2") == "注册管理员"
        await pilot.press("escape")
        await pilot.pause()
        await login(pilot, who)
        pilot.app.screen.query_one(OrgTree).focus()
        await pilot.press("question_mark")
        await pilot.pause()
        modal = pilot.app.screen
        assert isinstance(modal, HelpModal)
        texts = " ".join(str(s.render()) for s in modal.query("Static"))
        assert "查找组织" in texts and "退出登录" in texts
        for step in ("1. 向上级组织索取管理员注册码", "2. 在“本组织”标签录入本组织信息", "3. 在“创建下级”标签创建全部直属下级组织", "4. 在“下级管理”标签为直属下级组织生成注册码"):
            assert step in texts


async def test_terminal_settings(tui_settings, tui_services):
    """No animation and no cursor blink by default; settings may turn them on."""
    app = make_app(tui_settings, tui_services)
    assert app.animation_level == "none"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#input-short_name").cursor_blink is False
    app2 = make_app(tui_settings.with_(animations=True, cursor_blink=True), tui_services)
    assert app2.animation_level == "full"
    async with app2.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app2.screen.query_one("#input-short_name").cursor_blink is True


async def test_every_binding_has_an_id_and_a_chinese_description():
    """House habit: every Binding has an id and a description (in Chinese)."""
    import re

    from zhtj_tui.app import ZhtjApp
    from zhtj_tui.screens import (
        centre,
        children,
        code_modal,
        confirm,
        create_child,
        first_run,
        help,
        login,
        org_info,
        register,
        roles,
        search,
    )
    from zhtj_tui.widgets import org_tree

    classes = [ZhtjApp, org_tree.OrgTree]
    for mod in (centre, children, code_modal, confirm, create_child, first_run, help, login, org_info, register,
                roles, search):
        classes += [v for v in vars(mod).values() if isinstance(v, type) and v.__module__ == mod.__name__]
    seen = 0
    for cls in classes:
        for b in cls.__dict__.get("BINDINGS", []):
            seen += 1
            assert b.id, (cls, b)
            assert re.search(r"[\u4e00-\u9fff]", b.description), (cls, b)
            assert b.key not in ("ctrl+m", "ctrl+i", "ctrl+j", "ctrl+h", "ctrl+[")
    assert seen > 20


async def test_children_table_pages(tui_settings, tui_services):
    """R-SUB-3 / DESIGN rule 8: the children table shows a page at a time."""
    top_id, who = setup_admin(tui_services)
    top = tui_services.orgs.get(Actor.server_operator(), top_id)
    _bulk_children(tui_settings.db_url, top_id, top.path, 230)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        centre.query_one("#panes").active = "children"
        await settle(pilot)
        children = centre.panes["children"]
        table = children.query_one("#children-table")
        assert table.row_count == 200
        assert "共 230 个直属下级组织，第 1 页" in str(children.query_one("#children-status").render())
        table.focus()
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert table.row_count == 30 and children.rows[-1].short_name == "专业0229班团支部"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert table.row_count == 200 and children.rows[0].short_name == "专业0000班团支部"


def test_screens_never_import_the_database_layer():
    """DESIGN rule 1: screens and widgets talk to services only (no pony, no db)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "zhtj_tui"
    files = [root / "app.py", *sorted((root / "screens").glob("*.py")), *sorted((root / "widgets").glob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("pony", "zhtj_tui.db", "sqlite3", "psycopg2")), (path.name, name)
    assert len(files) > 10


async def test_command_palette_lists_the_screen_actions(tui_settings, tui_services):
    """Ctrl+P lists the current screen's actions in Chinese."""
    import re

    top_id, who = setup_admin(tui_services)
    app = make_app(tui_settings, tui_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"查找组织", "退出登录", "帮助", "退出程序"} <= set(titles)
        # Only commands in Chinese: not Textual's own widget bindings (Cursor Down, Copy…).
        assert all(re.search(r"[\u4e00-\u9fff]", t) for t in titles), titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "ChinesePalette"  # Textual's palette, in Chinese
        assert app.screen.query_one("Input").placeholder == "输入操作或组织（名称、拼音首字母或数字）…"


async def test_typed_information_survives_looking_at_another_organisation(tui_settings, tui_services):
    """Esc / the tree take you elsewhere without losing what was typed in the form."""
    top_id, who = setup_admin(tui_services)
    me = _me(tui_services, top_id, who)
    child = tui_services.orgs.create_child(me, top_id, "师范学院团委", "团委")
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        info = centre.panes["info"]
        info.field("email").focus_control()
        fill(info, "email", "tw@example.edu.cn")
        await pilot.press("escape")  # back to the tree
        assert pilot.app.focused is centre.query_one(OrgTree)
        centre.select_org(child.id)
        await settle(pilot)
        assert info.field("email").value == ""
        centre.select_org(top_id)
        await settle(pilot)
        assert info.field("email").value == "tw@example.edu.cn"


async def test_a_node_opens_with_its_first_page_in_one_frame(tui_settings, tui_services, monkeypatch):
    """DESIGN rule 8: the key that opens a node whose children were never read shows the node
    open together with its first page; no frame shows it open and empty while the page is
    read (Textual would hold back the page's frame behind that one). A refused read leaves
    the node closed, says why, and the next key reads again."""
    import threading

    from zhtj_tui.domain.errors import DomainError
    from zhtj_tui.services.orgs import OrgService

    top_id, who = setup_admin(tui_services)
    me = _me(tui_services, top_id, who)
    college = tui_services.orgs.create_child(me, top_id, "大型学院团委", "团委")
    _bulk_children(tui_settings.db_url, college.id, college.path, 3, depth=2)
    read = OrgService.children
    gate = threading.Event()
    refuse = [True]

    def gated(self, actor, org_id, after=None):
        if org_id == college.id:
            gate.wait(30)
            if refuse[0]:
                refuse[0] = False
                raise DomainError("暂时无法读取下级组织", None, "test_refused")
        return read(self, actor, org_id, after=after)

    monkeypatch.setattr(OrgService, "children", gated)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        tree = pilot.app.screen.query_one(OrgTree)
        node = tree.find(college.id)
        assert node is not None and not node.is_expanded
        tree.move_cursor(node)
        await settle(pilot)
        frames: list[tuple[bool, int]] = []
        display = pilot.app._display

        def watch(screen, renderable) -> None:
            display(screen, renderable)
            if renderable is not None:
                frames.append((node.is_expanded, len(node.children)))

        pilot.app._display = watch
        for _ in range(2):  # refused, then read
            await pilot.press("space")
            for _ in range(5):  # frames may come while the page is read: none shows it open
                await pilot.pause(0.02)
            assert not node.is_expanded
            gate.set()
            await settle(pilot)
            gate.clear()
            if not node.is_expanded:
                assert not node.children and pilot.app._notifications  # said, and not open
        assert node.is_expanded and [str(k.label) for k in node.children] == [f"专业{i:04d}班团支部" for i in range(3)]
        assert (True, 0) not in frames and frames[-1] == (True, 3)
