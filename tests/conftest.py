"""Fixtures: the same service tests run on SQLite (a temporary file) and, when
ZHTJ_TEST_PG names a PostgreSQL server, on a throwaway database there."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from tests import cached, pg
from tests.helpers import THOROUGH, FakeClock
from zhtj_tui.config import Settings

# Hypothesis without per-example deadlines: on a shared 2-core CI machine a pause of the
# whole process would otherwise fail a property test that has nothing wrong with it.
# ``ZHTJ_THOROUGH=1`` selects the thorough profile: ten times Hypothesis's default number of
# examples for the tests that do not set their own (those use ``tests.helpers.examples``).
hypothesis_settings.register_profile("zhtj", deadline=None)
hypothesis_settings.register_profile("zhtj-thorough", deadline=None, max_examples=1000)
hypothesis_settings.load_profile("zhtj-thorough" if THOROUGH else "zhtj")

BACKENDS = ["sqlite", "postgres"]


_STATE_DIR: str | None = None


def pytest_configure(config):
    # Each test process (every pytest-xdist worker, every one of two suites run at once)
    # gets its own state directory: the error log of one never shows in another's test.
    global _STATE_DIR
    _STATE_DIR = tempfile.mkdtemp(prefix="zhtj-test-state-")
    os.environ["ZHTJ_STATE_DIR"] = _STATE_DIR


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: two workers per CPU this process may run on. Many tests spend much of
    their time waiting (on a terminal in tmux or a pty, an ssh session, child processes,
    PostgreSQL), so one worker per CPU leaves the CPUs idle a third of the time; on two
    CPUs four workers bring the suite from about 370 s to about 290 s. (pytest-xdist asks
    psutil for physical cores when it is installed, which would give one worker on a
    machine whose two CPUs are hyperthreads of one core.)"""
    return 2 * max(1, len(os.sched_getaffinity(0)))


#: Modules with the longest tests (tens of seconds each on two cores), run first so that the
#: last tests a worker takes are short ones and no worker is left finishing a long test
#: alone; then the rest of the interface and reliability tests, then everything else.
LONG_FIRST = (
    "tests/tui/test_members_ui.py",
    "tests/reliability/test_ssh.py",
    "tests/services/test_consistency_property.py",
    "tests/reliability/test_soak.py",
    "tests/tui/test_entry_pty.py",
    "tests/tui/test_navigation.py",
    "tests/tui/test_fluent_snapshots.py",
    "tests/tui/test_members_excel_ui.py",
    "tests/tui/test_tmux_fluent.py",
    "tests/tui/test_flow.py",
    "tests/tui/test_fuzz.py",
)


def _run_order(item) -> int:
    path = item.nodeid.split("::", 1)[0]
    if path in LONG_FIRST:
        return LONG_FIRST.index(path)
    if path.startswith(("tests/tui/", "tests/reliability/")):
        return len(LONG_FIRST)
    return len(LONG_FIRST) + 1


def pytest_collection_modifyitems(config, items):
    items.sort(key=_run_order)  # stable: each module's tests keep their order


def pytest_unconfigure(config):
    if pg.PG_URL:
        pg.drop_template()
    cached.cleanup()
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
    """An empty database; for a test that works through ``svc`` (which opens the database,
    creating the schema), a copy of a database that already has it."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'zhtj.sqlite'}"
        if "svc" in request.fixturenames:
            cached.schema_copy(url)
        yield url
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
    from zhtj_tui.db import tally_age

    with db_session:
        db = services.store.db
        stored_a, wanted_a = tally_age.stored(db), tally_age.recompute(db, wanted, *tally_age.own_rows(db))
    assert stored_a == wanted_a, f"org_age_tally differs from the tables: {stored_a} != {wanted_a}"
