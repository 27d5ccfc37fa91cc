"""Snapshot of the login progress window at 80x24 (R-PROG-1, R-PROG-3)."""

from __future__ import annotations

from tests.tui.test_progress_screens import Host, world  # noqa: F401 - the fixture
from zhtj_tui.screens.progress import ProgressModal


def test_progress_window_snapshot(world, snap_compare):  # noqa: F811
    svc, tree = world
    app = Host(lambda: ProgressModal(svc, tree.actors["top"], tree.ids["top"]))

    async def loaded(pilot):
        await app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded)
