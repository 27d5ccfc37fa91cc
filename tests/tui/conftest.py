"""Fixtures for the interface tests: a temporary SQLite database, a fake clock, cheap
argon2, and helpers that wait for thread workers deterministically (no sleeps)."""

from __future__ import annotations

import pytest

from tests.conftest import make_settings
from tests.helpers import FakeClock


@pytest.fixture
def tui_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tui_settings(tmp_path, tui_clock):
    return make_settings(f"sqlite:///{tmp_path / 'tui.sqlite'}", tui_clock)


@pytest.fixture
def tui_services(tui_settings):
    from zhtj_tui.services import Services

    services = Services.open(tui_settings, client_key="tui-test")
    yield services
    services.close()


async def settle(pilot, rounds: int = 20) -> None:
    """Wait until the app has opened its database (``ZhtjApp.starting``), no worker is
    running, every typed key has been handled (``OrderedKeys``) and the messages they
    caused are handled."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if (not any(w.is_running for w in app.workers) and getattr(app, "keys_idle", True)
                and not getattr(app, "starting", False)):
            return
    raise AssertionError("workers did not finish")


def fill(screen, key: str, value: str) -> None:
    """Set a FormField's value (as if typed)."""
    screen.query_one(f"#field-{key}").value = value


@pytest.fixture(autouse=True)
def _quiet_after_login(request, monkeypatch):
    """Most interface tests are about the centre: they start without the progress window
    that committee administrators get after login (R-PROG-1). Tests marked
    ``after_login_window`` keep the real hooks."""
    if request.node.get_closest_marker("after_login_window") is None:
        import zhtj_tui.app as app_module

        monkeypatch.setattr(app_module, "AFTER_LOGIN_HOOKS", [])
