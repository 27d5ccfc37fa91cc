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


_FIRST_SCREEN = r"""
import re, sys
from textual.app import App
import textual.css.stylesheet as sheet
parse = sheet.parse
parsed = []
def counted(*args, **kwargs):
    parsed.append(1)
    return parse(*args, **kwargs)
sheet.parse = counted
from zhtj_tui.app import make_app
from zhtj_tui.config import load_settings
display = App._display
def first_frame(app, screen, renderable):
    if renderable is not None and type(screen).__name__ == "LoginScreen" and not getattr(app, "_seen", False):
        app._seen = True
        svg = re.sub(r"terminal-[0-9a-z-]+?-", "terminal-", app.export_screenshot())
        print(len(parsed))
        print(svg)
        app.call_later(app.exit)
    return display(app, screen, renderable)
App._display = first_frame
make_app(load_settings(sys.argv[1])).run(headless=True, size=(80, 24))
"""


def test_css_parsed_in_an_earlier_run_gives_the_same_first_screen(tmp_path):
    """The program keeps the CSS it parsed (``widgets.css_cache``): the next start parses
    none of it and its first screen is the same, to the character and colour."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, ZHTJ_STATE_DIR=str(tmp_path / "state"), ZHTJ_CONFIG=str(tmp_path / "none.toml"),
               PYTHONPATH=str(root))
    runs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", _FIRST_SCREEN, f"sqlite:///{tmp_path / 'db.sqlite'}"],
                             env=env, cwd=root, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        count, svg = out.stdout.split("\n", 1)
        runs.append((int(count), svg))
        assert (tmp_path / "state" / "textual-css.cache").exists()
    (first, first_svg), (second, second_svg) = runs
    assert first > 10 and second == 0
    assert "登录" in second_svg and second_svg == first_svg


def test_a_css_cache_others_may_write_is_not_read(tmp_path):
    """The kept CSS is read only from the user's own file that no one else may write."""
    import os

    from zhtj_tui.widgets.css_cache import CssCache

    path = tmp_path / "textual-css.cache"
    cache = CssCache(path)
    cache.put("k", [])
    cache.save()
    assert CssCache(path).stored == {"k": cache.stored["k"]}
    os.chmod(path, 0o666)
    assert CssCache(path).stored == {}
