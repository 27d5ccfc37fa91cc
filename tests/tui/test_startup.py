"""The first screen: shown once, complete, and the program back to its ordinary running
state afterwards (start-up speed itself is measured by benchmarks/ui_startup.py)."""

from __future__ import annotations

import gc

from textual.widgets._footer import FooterKey

from tests.tui.conftest import settle
from tests.tui.flows import setup_admin
from zhtj_tui.app import make_app
from zhtj_tui.screens.login import LoginScreen
from zhtj_tui.widgets.footer import KeysFooter


async def test_the_collector_runs_again_once_the_login_screen_is_up(tui_settings, tui_services):
    """The garbage collector is held back while the first screen is made, not after."""
    setup_admin(tui_services)
    assert gc.isenabled()
    app = make_app(tui_settings, tui_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert gc.isenabled()
    assert gc.isenabled()


async def test_the_login_footer_shows_its_keys_at_once_and_keeps_them(tui_settings, tui_services):
    """The footer's keys are in the login screen's first frame (R-REG-5: F2 注册管理员, F3 忘记
    密码), and a focus move that changes none of them does not rebuild it."""
    setup_admin(tui_services)
    app = make_app(tui_settings, tui_services)
    first: list[list[str]] = []
    display = app._display

    def watch(screen, renderable) -> None:
        if renderable is not None and isinstance(screen, LoginScreen) and not first:
            first.append([str(k.description) for k in screen.query(FooterKey)])
        display(screen, renderable)

    app._display = watch
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert first and {"注册管理员", "忘记密码"} <= set(first[0])
        footer = app.screen.query_one(KeysFooter)
        keys = list(footer.query(FooterKey))
        await pilot.press("tab")  # from the account to the password
        await settle(pilot)
        assert app.screen.focused is app.screen.query_one("#input-password")
        assert list(footer.query(FooterKey)) == keys
