"""Snapshots at 80x24 of the dialogs for fixing mistakes (R-TREE-6, R-REG-6, R-REG-7) and of
忘记密码, with fixed people so that what is shown does not depend on test order."""

from __future__ import annotations

from datetime import date

from tests.helpers import PASSWORD, Person
from tests.tui.conftest import settle
from tests.tui.flows import login, setup_admin
from zhtj_tui.app import make_app
from zhtj_tui.domain.idcard import make_id_number
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()
CHILD_ADMIN = Person("文管理", make_id_number("650102", date(1995, 4, 2), 31), "13712345678", "2009-05",
                     date(1995, 4, 2))


def build(services):
    top_id, who = setup_admin(services)
    me = services.accounts.login(who.mobile, PASSWORD).actor(top_id)
    a = services.orgs.create_child(me, top_id, "文学院团委", "团委").id
    services.orgs.create_child(me, top_id, "理学院团委", "团委")
    services.orgs.create_child(OP, a, "数学专业2020级1班团支部", "团支部")
    code = services.codes.issue(me, a).code
    p = CHILD_ADMIN
    services.accounts.register(code, "书记", p.name, p.id_number, p.mobile, p.join_month, PASSWORD)
    services.accounts.login(p.mobile, PASSWORD)
    return who, a


async def _children_row(pilot, org_id: int | None, name: str) -> None:
    centre = pilot.app.screen
    if org_id is not None:
        centre.select_org(org_id)
        await settle(pilot)
    centre.query_one("#panes").active = "children"
    await settle(pilot)
    pane = centre.panes["children"]
    pane.query_one("#children-table").focus()
    await settle(pilot)
    while pane.current_row().short_name != name:
        await pilot.press("down")


def test_move_dialog(snap_compare, tui_settings, tui_services):
    """R-TREE-6: the allowed new parents, filtered as typed; the reason."""
    who, a = build(tui_services)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await settle(pilot)
        await login(pilot, who)
        await _children_row(pilot, a, "数学专业2020级1班团支部")
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_admins_dialog(snap_compare, tui_settings, tui_services):
    """R-REG-6: a child's administrators, the mobile masked, the last login."""
    who, _ = build(tui_services)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await settle(pilot)
        await login(pilot, who)
        await _children_row(pilot, None, "文学院团委")
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_forgot_password(snap_compare, tui_settings, tui_services):
    """R-REG-7: 忘记密码 from the login screen (F3)."""
    build(tui_services)
    app = make_app(tui_settings, tui_services)

    async def run(pilot):
        await settle(pilot)
        await pilot.press(*CHILD_ADMIN.mobile, "f3")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)
