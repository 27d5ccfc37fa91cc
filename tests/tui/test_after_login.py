"""R-PROG-1 in the real application: a committee administrator sees the progress window
right after logging in, Enter on a child opens it in the centre; a branch administrator
gets no window."""

from __future__ import annotations

import pytest

from tests.helpers import admin_of, person
from tests.tui.conftest import settle
from tests.tui.flows import login
from zhtj_tui.app import make_app
from zhtj_tui.screens.centre import CentreScreen
from zhtj_tui.screens.progress import ProgressModal
from zhtj_tui.services.dto import Actor

pytestmark = pytest.mark.after_login_window


def _tree(svc):
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "石河子大学团委", "团委", "石河子大学共青团委员会")
    college = svc.orgs.create_child(op, top.id, "师范学院团委", "团委")
    branch = svc.orgs.create_child(op, college.id, "数学专业2018级1班团支部", "团支部")
    return top, college, branch


async def test_committee_admin_gets_the_window_and_enter_opens_the_child(tui_settings, tui_services):
    top, college, _ = _tree(tui_services)
    who = person(name="王健")
    admin_of(tui_services, top.id, who)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        assert isinstance(pilot.app.screen, ProgressModal)
        await pilot.press("enter")
        await settle(pilot)
        centre = pilot.app.screen
        assert isinstance(centre, CentreScreen)
        assert centre.view is not None and centre.view.id == college.id


async def test_branch_admin_gets_no_window(tui_settings, tui_services):
    _, _, branch = _tree(tui_services)
    who = person(name="李四")
    admin_of(tui_services, branch.id, who)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        assert isinstance(pilot.app.screen, CentreScreen)
