"""Fixtures for the interface tests: a temporary SQLite database, a fake clock, cheap
argon2, and helpers that wait for thread workers deterministically (no sleeps)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import textual._wait

from tests import cached
from tests.conftest import make_settings
from tests.helpers import FakeClock

# Textual's Pilot waits after every key and pause until the process looks idle: it sleeps
# ``SLEEP_GRANULARITY`` (20 ms) and calls the process idle when it used under 1/20 of that in
# CPU time. Typing a class of members key by key spent most of its time in those sleeps. The
# same test with 5 ms slices: the same idle test (under 1/20 of the slice in CPU), four times
# fewer idle milliseconds per key. What the tests wait for is unchanged: ``settle`` below
# still waits for the workers and the typed keys, not for time. (textual is pinned in
# pyproject.toml; the assert says so loudly if a new version renames these.)
assert textual._wait.SLEEP_GRANULARITY == 1 / 50 and textual._wait.SLEEP_IDLE == textual._wait.SLEEP_GRANULARITY / 20
textual._wait.SLEEP_GRANULARITY = 0.005
textual._wait.SLEEP_IDLE = textual._wait.SLEEP_GRANULARITY / 20


@pytest.fixture
def tui_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tui_settings(tmp_path, tui_clock):
    return make_settings(f"sqlite:///{tmp_path / 'tui.sqlite'}", tui_clock)


@pytest.fixture
def small_demo(tui_settings):
    """The small demo data set (seed 2018) in the test's database, as
    ``tui_services.demo.load("small", 2018)`` leaves it (generated once per test process,
    the file copied for each test); returns that load's ``DemoResult``."""
    return cached.demo_copy(tui_settings, "small", 2018)


@pytest.fixture
def tui_services(tui_settings, request):
    """Services on the test's database: a copy of one with the schema, or of the small demo
    data set when the test asks for ``small_demo``, copied before the database is opened."""
    from zhtj_tui.services import Services

    if "small_demo" in request.fixturenames:
        request.getfixturevalue("small_demo")
    if not Path(tui_settings.db_url[len("sqlite:///"):]).exists():
        cached.schema_copy(tui_settings.db_url)
    services = Services.open(tui_settings, client_key="tui-test")
    yield services
    services.close()


async def settle(pilot, rounds: int = 20, timeout: float = 60.0) -> None:
    """Wait until the app has opened its database (``ZhtjApp.starting``), no worker is
    running, every worker's outcome has been handled (``outcomes_waiting``), every typed
    key has been handled (``OrderedKeys``) and the messages they caused are handled. After
    ``rounds`` looks it keeps looking in 20 ms steps, up to ``timeout`` seconds in all (a
    loaded machine), then fails."""
    from zhtj_tui.widgets.calls import outcomes_waiting

    app = pilot.app
    deadline = time.monotonic() + timeout
    looks = 0
    while True:
        await pilot.pause()
        await _workers_done(app)
        await pilot.pause()
        if (not any(w.is_running for w in app.workers) and not outcomes_waiting(app)
                and getattr(app, "keys_idle", True) and not getattr(app, "starting", False)):
            return
        looks += 1
        if looks >= rounds:
            if time.monotonic() > deadline:
                raise AssertionError("workers did not finish")
            await pilot.pause(0.02)


async def _workers_done(app) -> None:
    """Wait for the app's started workers to end, however they end: a read that a newer one
    replaced ends cancelled (``WorkerCancelled``, which Textual's ``wait_for_complete``
    passes on); a failure is the app's to report, and the test's to assert."""
    from textual.worker import WorkerState

    waits = [w.wait() for w in list(app.workers) if w.state is not WorkerState.PENDING]
    if waits:
        await asyncio.gather(*waits, return_exceptions=True)


def fill(screen, key: str, value: str) -> None:
    """Set a FormField's value (as if typed)."""
    screen.query_one(f"#field-{key}").value = value


async def click(pilot, selector: str) -> None:
    """Click a widget once the screen has handled what came before (a screen not laid out
    yet, or a value just set, leaves the pointer on something else on a loaded machine), and
    fail at once when the click lands on another widget."""
    await pilot.pause()
    assert await pilot.click(selector), f"the click on {selector} landed on another widget"


@pytest.fixture(autouse=True)
def _quiet_after_login(request, monkeypatch):
    """Most interface tests are about the centre: they start without the progress window
    that committee administrators get after login (R-PROG-1). Tests marked
    ``after_login_window`` keep the real hooks."""
    if request.node.get_closest_marker("after_login_window") is None:
        import zhtj_tui.app as app_module

        monkeypatch.setattr(app_module, "AFTER_LOGIN_HOOKS", [])
