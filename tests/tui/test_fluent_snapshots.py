"""Snapshots of the screens and dialogs reached by keyboard from the management centre, on the
small demo data and a fixed clock: at 80x24 (the progress window and its drill-down, the
progress pane, tasks and the task form, batch import, the member export, remove and transfer
dialogs, the password dialog, cadres, a committee's member list, the palette's pinyin search)
and the centre at 120x40, where the tree and the names use the width."""

from __future__ import annotations

import pytest

from tests.tui.conftest import settle
from zhtj_tui.app import make_app


@pytest.fixture
def demo_app(tui_settings, tui_services, small_demo):
    return make_app(tui_settings, tui_services), small_demo


async def _login(pilot, demo, index: int = 0, window: bool = False) -> None:
    import zhtj_tui.app as app_module
    from zhtj_tui.screens.progress import after_login

    app_module.AFTER_LOGIN_HOOKS[:] = [after_login] if window else []
    await settle(pilot)
    screen = pilot.app.screen
    screen.query_one("#field-login").value = demo.logins[index].mobile
    screen.query_one("#field-password").value = demo.password
    screen.query_one("#input-password").focus()
    await pilot.press("enter")
    await settle(pilot)


def _keys(demo, *keys: str, window: bool = False, index: int = 0):
    async def run(pilot):
        await _login(pilot, demo, index, window)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_progress_window(demo_app, snap_compare):
    """R-PROG-1, R-PROG-2: each child's problems by kind, the subtree's problem list."""
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, window=True))


def test_progress_window_drilled_down(demo_app, snap_compare):
    """Enter goes down inside the window (医学院团委's branches), Backspace comes back."""
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, "down", "enter", window=True))


def test_progress_pane(demo_app, snap_compare):
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, "alt+5"))


def test_tasks(demo_app, snap_compare):
    """R-PROG-3: the tasks with what is missing."""
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, "alt+5", "t"))


def test_task_form(demo_app, snap_compare):
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, "alt+5", "t", "n"))


def test_batch_import(demo_app, snap_compare, tui_settings):
    """R-SUB-2: 批量创建 (F7) from the tree (the temporary folder's path written as a fixed one)."""
    from textual.widgets import Static

    from zhtj_tui.folders import files_root

    app, demo = demo_app
    keys = _keys(demo, "f7")

    async def run(pilot):
        await keys(pilot)
        root = str(files_root(tui_settings))
        for widget in pilot.app.screen.query(Static):
            text = str(widget.render())
            if root in text:
                widget.update(text.replace(root, "/srv/zhtj/files"))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_member_export(demo_app, snap_compare):
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, "alt+4", "x"))


def test_member_remove(demo_app, snap_compare):
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, "alt+4", "d"))


def test_member_transfer(demo_app, snap_compare):
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, "alt+4", "t"))


def test_subtree_member_list(demo_app, snap_compare):
    """A committee's member list names each member's branch (所在支部)."""
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, "alt+4"))


def test_cadres(demo_app, snap_compare):
    """R-MEM-6: the dates are in sight beside the tree."""
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, "alt+6"))


def test_password_dialog(demo_app, snap_compare):
    """R-REG-7: F10 我的账号, then p."""
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys(demo, "f10", "p"))


def test_palette_pinyin(demo_app, snap_compare):
    app, demo = demo_app

    async def run(pilot):
        await _login(pilot, demo)
        await pilot.press("ctrl+p")
        await pilot.press(*"lc2026")
        # The providers search in a worker, each key's search replacing the last one's: wait
        # until the last has finished and filled the list (bounded for a loaded machine).
        for _ in range(200):
            await settle(pilot)
            if pilot.app.screen.query_one("CommandList").option_count >= 2:
                break

    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_centre_wide(demo_app, snap_compare):
    """At 120x40 the tree widens and names are whole."""
    app, demo = demo_app
    assert snap_compare(app, terminal_size=(120, 40), run_before=_keys(demo, "alt+5"))
