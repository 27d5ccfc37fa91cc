"""A search hit deep down the tree (F3 box, command palette) or a child chosen in 录入进度
is opened on the right *and* shown in the tree: its branches are loaded and opened, also
past the first page of children (DESIGN rule 8), and the cursor is on it."""

from __future__ import annotations

from tests.helpers import PASSWORD
from tests.tui.conftest import settle
from tests.tui.flows import login, setup_admin
from tests.tui.test_centre import _bulk_children
from zhtj_tui.app import make_app
from zhtj_tui.screens.centre import path_ids
from zhtj_tui.services.dto import Actor
from zhtj_tui.widgets.org_tree import MoreNode, OrgNode


def test_path_ids():
    assert path_ids("/1/7/42/") == (1, 7, 42)


def _deep(services, who, top_id):
    me = services.accounts.login(who.mobile, PASSWORD).actor(top_id)
    college = services.orgs.create_child(me, top_id, "师范学院团委", "团委")
    # Past the first page (200) of the college's children: "专业0000…专业0229" come first.
    op = Actor.server_operator()
    path = services.orgs.get(op, college.id).path
    _bulk_children(services.settings.db_url, college.id, path, 230)
    deep = services.orgs.create_child(op, college.id, "数学专业2018级1班团支部", "团支部")
    return college, deep


async def test_f3_hit_deep_down_is_revealed_in_the_tree(tui_settings, tui_services):
    top_id, who = setup_admin(tui_services)
    college, deep = _deep(tui_services, who, top_id)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        tree = centre.query_one("#tree")
        assert tree.find(deep.id) is None  # the college's branch is not loaded yet
        await pilot.press("f3")
        await pilot.press(*"数学专业")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert centre.view.id == deep.id
        node = tree.find(deep.id)
        assert node is not None and tree.cursor_node is node
        assert node.parent.is_expanded and node.parent.data.org_id == college.id
        # The college's pages up to the hit (its second) were loaded, with no “更多…” left
        # in between.
        kids = node.parent.children
        assert sum(isinstance(k.data, OrgNode) for k in kids) == 231
        assert not any(isinstance(k.data, MoreNode) for k in kids)
        # The cursor row is on screen.
        assert tree.scroll_offset.y <= tree.cursor_line < tree.scroll_offset.y + tree.scrollable_content_region.height


async def test_palette_hit_is_revealed_too(tui_settings, tui_services):
    top_id, who = setup_admin(tui_services)
    college, deep = _deep(tui_services, who, top_id)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        centre.select_org(deep.id, reveal=True)  # what the palette's hit calls
        await settle(pilot)
        tree = centre.query_one("#tree")
        assert tree.cursor_node is tree.find(deep.id) and tree.cursor_node is not None
        # Revealing again (already shown) keeps the tree as it is.
        count = len(tree.find(college.id).children)
        centre.select_org(deep.id, reveal=True)
        await settle(pilot)
        assert len(tree.find(college.id).children) == count and tree.cursor_node.data.org_id == deep.id


def test_hit_line_and_path_fit_one_line():
    from rich.cells import cell_len

    from zhtj_tui.screens.centre import fit_path
    from zhtj_tui.screens.search import HIT_CELLS, hit_line
    from zhtj_tui.services.dto import OrgBrief

    names = ("石河子大学团委", "医学院团委", "临床医学专业2023级2班团支部")
    b = OrgBrief(9, names[-1], "团支部", "branch", 2, 0, names)
    line = hit_line(b)
    assert line.count("临床医学专业2023级2班团支部") == 1  # not repeated in its path
    assert line.endswith("医学院团委") and cell_len(line) <= HIT_CELLS
    path = fit_path(names, "（团支部）", 60)
    assert cell_len(path) <= 60 and path.startswith("… / 医学院团委 / 临床")
    assert fit_path(names, "（团支部）", 49) == "… / 临床医学专业2023级2班团支部（团支部）"


async def test_down_then_enter_opens_the_first_hit(tui_settings, tui_services):
    top_id, who = setup_admin(tui_services)
    college, deep = _deep(tui_services, who, top_id)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        centre = pilot.app.screen
        await pilot.press("f3", *"数学专业")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert pilot.app.screen is centre and centre.view.id == deep.id
