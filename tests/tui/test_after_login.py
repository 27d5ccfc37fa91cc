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
        await pilot.press("enter")  # the college has a branch below: Enter goes down inside the window
        await settle(pilot)
        assert isinstance(pilot.app.screen, ProgressModal)
        await pilot.press("backspace", "o")  # back up; o opens the college in the centre
        await settle(pilot)
        for _ in range(100):  # o: the window closes, then the centre reads the college
            centre = pilot.app.screen
            if isinstance(centre, CentreScreen) and centre.view is not None and centre.view.id == college.id:
                break
            await pilot.pause(0.02)
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


async def test_switching_to_a_committee_with_f2_shows_the_window(tui_settings, tui_services):
    """R-PROG-1: the window comes with the committee role, also when it is chosen with F2
    (switching role) rather than at login; switching back to a branch brings none."""
    from zhtj_tui.screens.roles import RoleScreen

    _, college, branch = _tree(tui_services)
    who = person(name="赵敏")
    admin_of(tui_services, branch.id, who)
    admin_of(tui_services, college.id, who)
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, who)
        roles = pilot.app.screen
        assert isinstance(roles, RoleScreen)
        branch_index = [r.org_id for r in roles.session.roles].index(branch.id)
        await pilot.press(*(["down"] * branch_index), "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CentreScreen)  # a branch: no window
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RoleScreen)
        college_index = [r.org_id for r in roles.session.roles].index(college.id)
        await pilot.press("home", *(["down"] * college_index), "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ProgressModal)
        await pilot.press("escape")
        await settle(pilot)
        centre = pilot.app.screen
        assert isinstance(centre, CentreScreen) and centre.role.org_id == college.id
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("home", *(["down"] * branch_index), "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CentreScreen) and pilot.app.screen.role.org_id == branch.id
