"""Fixtures: the same service tests run on SQLite (a temporary file) and, when
ZHTJ_TEST_PG names a PostgreSQL server, on a throwaway database there."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests import pg
from tests.helpers import FakeClock
from zhtj_tui.config import Settings

BACKENDS = ["sqlite", "postgres"]


_STATE_DIR: str | None = None


def pytest_configure(config):
    # Each test process (every pytest-xdist worker, every one of two suites run at once)
    # gets its own state directory: the error log of one never shows in another's test.
    global _STATE_DIR
    _STATE_DIR = tempfile.mkdtemp(prefix="zhtj-test-state-")
    os.environ["ZHTJ_STATE_DIR"] = _STATE_DIR


def pytest_unconfigure(config):
    if pg.PG_URL:
        pg.drop_template()
    if _STATE_DIR:
        shutil.rmtree(_STATE_DIR, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgres" and not pg.PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set ZHTJ_TEST_PG: the PostgreSQL tests may not be skipped")
        pytest.skip("ZHTJ_TEST_PG is not set")
    return request.param


@pytest.fixture
def db_url(request, backend, tmp_path):
    """An empty database; on PostgreSQL, for a test that works through ``svc`` (which
    opens the database, creating the schema), a copy of a database that already has it."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'zhtj.sqlite'}"
    else:
        url = pg.create_database(schema="svc" in request.fixturenames)
        yield url
        pg.drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'zhtj.sqlite'}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_settings(db_url: str, clock=None) -> Settings:
    """Settings for tests: the given database and clock, a cheap argon2id, and the
    administrators' folders beside an SQLite file (for PostgreSQL, in the test process's state
    directory, in a folder named after the database), never in the real data directory."""
    if db_url.startswith("sqlite:///"):
        files = Path(db_url[len("sqlite:///"):]).parent / "files"
    else:
        files = Path(_STATE_DIR or tempfile.gettempdir()) / f"files-{db_url.rsplit('/', 1)[-1]}"
    return Settings(db_url=db_url, clock=clock or FakeClock(), argon2_time_cost=1, argon2_memory_cost=1024,
                    files_dir=str(files))


@pytest.fixture
def settings(db_url, clock) -> Settings:
    return make_settings(db_url, clock)


@pytest.fixture
def svc(settings):
    from zhtj_tui.services import Services

    services = Services.open(settings, client_key="test")
    yield services
    try:
        assert_tally_consistent(services)
    finally:
        services.close()


def assert_tally_consistent(services) -> None:
    """The counts kept per organisation (db.tally) equal what the tables give: checked
    after every service test, so every write path the tests take is checked on both
    backends."""
    from pony.orm import db_session

    from zhtj_tui.db import tally

    with db_session:
        stored, wanted = tally.stored(services.store.db), tally.recompute(services.store.db)
        stored_c = tally.stored_cohorts(services.store.db)
    wrong = {k: (stored.get(k), v) for k, v in wanted.items() if stored.get(k) != v}
    extra = set(stored) - set(wanted)
    assert not wrong and not extra, f"org_tally differs from the tables: {wrong or extra}"
    wanted_c = tally.recompute_cohorts(wanted)
    assert stored_c == wanted_c, f"org_cohort_tally differs from the tables: {stored_c} != {wanted_c}"
