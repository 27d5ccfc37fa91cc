"""The first-run screen's 载入演示数据: the demo data set is written by the demo service in
a worker, the logins are shown, choosing one leads to the login screen with it filled in,
and the demo password opens the management centre (R-PROG-1's window first for a
committee administrator)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from tests.tui.conftest import fill, settle
from zhtj_tui.app import make_app
from zhtj_tui.screens.centre import CentreScreen
from zhtj_tui.screens.first_run import FirstRunScreen
from zhtj_tui.screens.login import LoginScreen
from zhtj_tui.screens.progress import ProgressModal


@pytest.mark.after_login_window
async def test_load_demo_then_log_in_with_a_shown_login(tui_settings, tui_services):
    async with make_app(tui_settings.with_(offer_demo=True), tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, FirstRunScreen)
        screen.query_one("#demo").focus()
        await pilot.press("enter")
        await settle(pilot)
        result = screen.query_one("#first-result").render()
        assert "演示数据已载入：35 个团组织、1,010 名团员" in str(result)
        logins = screen.query_one("#demo-logins")
        assert logins.option_count == 6 and logins.has_focus
        # Every login is fully visible at 80x24, without scrolling.
        width = logins.scrollable_content_region.width
        assert all(width >= cell_len(str(o.prompt)) for o in logins.options)
        assert logins.max_scroll_y == 0 and logins.region.bottom <= 23
        # The second login (a college committee), chosen by keyboard.
        await pilot.press("down", "enter")
        await settle(pilot)
        login_screen = pilot.app.screen
        assert isinstance(login_screen, LoginScreen)
        chosen = screen.demo.logins[1]
        assert login_screen.field("login").value == chosen.mobile
        assert screen.demo.password in str(login_screen.query_one("#login-message").render())
        fill(login_screen, "password", screen.demo.password)
        login_screen.query_one("#input-password").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ProgressModal)  # a college committee: R-PROG-1
        await pilot.press("escape")
        await settle(pilot)
        centre = pilot.app.screen
        assert isinstance(centre, CentreScreen)
        assert centre.view is not None and centre.view.short_name == chosen.org_name


async def test_a_failing_demo_says_so_and_keeps_the_form(tui_settings, tui_services, monkeypatch):
    """No traceback: an unexpected failure is said in Chinese, and the buttons come back."""
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(tui_services.demo, "load", broken)
    async with make_app(tui_settings.with_(offer_demo=True), tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#demo").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert any("生成演示数据时出错" in str(n.message) for n in pilot.app._notifications)
        assert not screen.query_one("#demo").disabled and not screen.query_one("#create").disabled
        assert screen.query_one("#field-short_name").display


async def test_the_demo_is_offered_only_when_asked_for(tui_settings, tui_services):
    """First run without --demo: only the real top organisation is offered; the screen says
    how to try the demo instead, and nothing can load it from here."""
    async with make_app(tui_settings, tui_services).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, FirstRunScreen)
        assert not screen.query_one("#demo").display
        assert "zhtj --demo" in str(screen.query_one("#first-intro").render())
        focusable = [w.id for w in screen.focus_chain]
        assert "demo" not in focusable
        screen.load_demo()  # even if called, nothing is written
        await settle(pilot)
        assert tui_services.orgs.top() is None
