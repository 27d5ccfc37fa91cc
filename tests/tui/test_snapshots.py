"""Snapshots of every screen at 80x24 with deterministic data, clock and codes. After a
deliberate change of a screen: pytest tests/tui/test_snapshots.py --snapshot-update,
then look at the new SVG files before committing them."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from tests.tui.conftest import click, fill, settle
from tests.tui.flows import login, setup_admin, setup_top
from zhtj_tui.app import make_app
from zhtj_tui.domain.idcard import make_id_number


@pytest.fixture(autouse=True)
def fixed_codes(monkeypatch):
    """Registration codes in a fixed sequence (they are random in production)."""
    seq = itertools.count(1)
    monkeypatch.setattr("zhtj_tui.services.codes.generate_code", lambda: f"Ab{next(seq):06d}")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))


def test_first_run(snap_compare, tui_settings, tui_services):
    """R-CODE-6: the first-run screen."""
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await settle(pilot)
        fill(pilot.app.screen, "short_name", "石河子大学团委")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_first_run_created(snap_compare, tui_settings, tui_services):
    """R-CODE-6: the top organisation's first code and its expiry."""
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await settle(pilot)
        fill(pilot.app.screen, "short_name", "石河子大学团委")
        await click(pilot, "#create")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_first_run_demo_logins(snap_compare, tui_settings, tui_services):
    """The demo loaded from the first-run screen: its logins and password, at 80x24."""
    app = make_app(tui_settings.with_(offer_demo=True), tui_services)

    async def run(pilot):
        await settle(pilot)
        pilot.app.screen.query_one("#demo").focus()
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_login(snap_compare, tui_settings, tui_services):
    setup_top(tui_services)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_register_code_step(snap_compare, tui_settings, tui_services):
    """R-REG-1: the code's organisation path shown for confirmation."""
    _, code = setup_top(tui_services)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        fill(pilot.app.screen, "code", code)
        pilot.app.screen.query_one("#input-code").focus()
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_register_person_step(snap_compare, tui_settings, tui_services):
    """R-REG-1..4: the personal fields, with the join-age rule refused on leaving the field."""
    _, code = setup_top(tui_services)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        reg = pilot.app.screen
        fill(reg, "code", code)
        reg.query_one("#input-code").focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        fill(reg, "post", "01")
        fill(reg, "name", "王小明")
        fill(reg, "id_number", make_id_number("110105", date(2005, 6, 15), 1))
        fill(reg, "join_month", "2018-05")
        reg.field("join_month").focus_control()
        await pilot.press("tab")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


async def _centre(pilot, who, tab: str | None = None):
    await settle(pilot)
    await login(pilot, who)
    if tab:
        pilot.app.screen.query_one("#panes").active = tab
        await settle(pilot)


def _with_children(services, top_id, who):
    from tests.helpers import PASSWORD

    session = services.accounts.login(who.mobile, PASSWORD)
    me = session.actor(top_id)
    for name, cat in (("师范学院团委", "团委"), ("机械电气工程学院团委", "团委"), ("计算机专业2018级1班团支部", "团支部")):
        services.orgs.create_child(me, top_id, name, cat)
    return me


def test_centre_with_tree(snap_compare, tui_settings, tui_services):
    """The management centre: the tree and 本组织信息 of the top organisation."""
    top_id, who = setup_admin(tui_services)
    _with_children(tui_services, top_id, who)
    app = make_app(tui_settings, tui_services)
    assert snap_compare(app, terminal_size=(80, 24), run_before=lambda p: _centre(p, who))


def test_org_form_errors(snap_compare, tui_settings, tui_services):
    """R-INFO-1/3: required fields red, a staffing error under its field."""
    top_id, who = setup_admin(tui_services)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await _centre(pilot, who)
        pilot.app.screen.query_one("#tree").display = False  # F6: the form at full width
        info = pilot.app.screen.panes["info"]
        fill(info, "admin_quota", "2")
        fill(info, "admin_actual", "3")
        info.field("admin_actual").focus_control()
        await pilot.press("tab")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_create_child(snap_compare, tui_settings, tui_services):
    """R-SUB-1, R-TREE-4: the name rule checked as you type."""
    top_id, who = setup_admin(tui_services)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await _centre(pilot, who, "create")
        create = pilot.app.screen.panes["create"]
        fill(create, "category", "02")
        create.field("short_name").focus_control()
        await pilot.press(*"师范学院")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_children_table(snap_compare, tui_settings, tui_services):
    """R-SUB-3: the direct children with their status."""
    top_id, who = setup_admin(tui_services)
    _with_children(tui_services, top_id, who)
    app = make_app(tui_settings, tui_services)
    assert snap_compare(app, terminal_size=(80, 24), run_before=lambda p: _centre(p, who, "children"))


def test_code_modal(snap_compare, tui_settings, tui_services):
    """R-CODE-4: a child's code in full with its expiry."""
    top_id, who = setup_admin(tui_services)
    _with_children(tui_services, top_id, who)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await _centre(pilot, who, "children")
        pilot.app.screen.query_one("#children-table").focus()
        await pilot.press("c")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_batch_codes_prompt(snap_compare, tui_settings, tui_services, home):
    """R-CODE-4: 批量生成注册码 asks where to save, defaulting to the home directory."""
    top_id, who = setup_admin(tui_services)
    _with_children(tui_services, top_id, who)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await _centre(pilot, who, "children")
        pilot.app.screen.query_one("#children-table").focus()
        await pilot.press("b")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_help(snap_compare, tui_settings, tui_services):
    """F1: the keys of the current screen and the four-step workflow (SPEC §2)."""
    top_id, who = setup_admin(tui_services)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await _centre(pilot, who)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_role_choice(snap_compare, tui_settings, tui_services):
    """One person administering two organisations chooses one after logging in."""
    from tests.helpers import PASSWORD

    top_id, who = setup_admin(tui_services)
    me = _with_children(tui_services, top_id, who)
    child = tui_services.orgs.search(me, "师范学院团委")[0]
    code = tui_services.codes.issue(me, child.id).code
    tui_services.accounts.register(code, "副书记", who.name, who.id_number, who.mobile, who.join_month, PASSWORD)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await settle(pilot)
        await login(pilot, who)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_search(snap_compare, tui_settings, tui_services):
    """Quick jump: organisations found by part of the name, with their paths."""
    top_id, who = setup_admin(tui_services)
    _with_children(tui_services, top_id, who)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await _centre(pilot, who)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"学院")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_first_save_confirmation(snap_compare, tui_settings, tui_services):
    """R-INFO-2: before the first save, a confirmation that four fields lock."""
    top_id, who = setup_admin(tui_services)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await _centre(pilot, who)
        info = pilot.app.screen.panes["info"]
        fill(info, "industry", "03")
        info.field("email").focus_control()
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_correct_modal(snap_compare, tui_settings, tui_services):
    """R-INFO-2 decision: the parent's correction of a child's locked fields."""
    top_id, who = setup_admin(tui_services)
    _with_children(tui_services, top_id, who)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await _centre(pilot, who)
        centre = pilot.app.screen
        child = [n for n in centre.query_one("#tree").root.children if str(n.label) == "师范学院团委"][0]
        centre.select_org(child.data.org_id)
        await settle(pilot)
        centre.panes["info"].query_one("#info-correct").focus()
        await pilot.press("f8")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)
