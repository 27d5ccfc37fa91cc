"""The management centre opens where the administrator works: a branch administrator on
团员, everyone on the tab they used last (remembered per account, across runs)."""

from __future__ import annotations

from tests.helpers import admin_of, person
from tests.tui.conftest import settle
from tests.tui.flows import login
from zhtj_tui.app import make_app
from zhtj_tui.screens.centre import CentreScreen
from zhtj_tui.services.dto import Actor


async def test_each_administrator_gets_back_the_last_tab(tui_settings, tui_services, tmp_path, monkeypatch):
    monkeypatch.setenv("ZHTJ_STATE_DIR", str(tmp_path / "state"))
    svc = tui_services
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "石河子大学团委", "团委", "石河子大学共青团委员会")
    college = svc.orgs.create_child(op, top.id, "师范学院团委", "团委")
    branch = svc.orgs.create_child(op, college.id, "数学专业2018级1班团支部", "团支部")
    boss, clerk = person(name="王健"), person(name="李四")
    admin_of(svc, college.id, boss)
    admin_of(svc, branch.id, clerk)

    async def centre_of(pilot, who) -> CentreScreen:
        await login(pilot, who)
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CentreScreen)
        return screen

    async with make_app(tui_settings, svc).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        centre = await centre_of(pilot, clerk)
        assert centre.query_one("#panes").active == "members"  # a branch: 团员 first
        centre = None
        pilot.app.logout()
        await settle(pilot)
        centre = await centre_of(pilot, boss)
        first = centre.query_one("#panes").active
        assert first == "info"
        await pilot.press("f5", "right", "right", "right")  # by keys, along the row of tabs
        await settle(pilot)
        chosen = centre.query_one("#panes").active
        assert chosen != first
        await pilot.press("f9")
        await settle(pilot)
        centre = await centre_of(pilot, boss)
        assert centre.query_one("#panes").active == chosen
        pilot.app.logout()
        await settle(pilot)
        centre = await centre_of(pilot, clerk)  # the other account's choice is its own
        assert centre.query_one("#panes").active == "members"
