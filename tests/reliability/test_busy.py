"""Busy handling (issue 8, DESIGN rule 9): "database is locked" never reaches a user.
Another process holds the lock the write needs — on SQLite the write lock (BEGIN
IMMEDIATE and sleep), on PostgreSQL a row lock on the organisation (SELECT ... FOR UPDATE;
statements give up after ``PG_LOCK_TIMEOUT``) — : held for less than the bound, the write
waits and succeeds; held longer, the user gets ``Busy`` with a Chinese message after about
the bound, and nothing was written."""

from __future__ import annotations

import time

import pytest

from tests.conftest import make_settings
from tests.helpers import PASSWORD, person
from tests.reliability.procs import spawn, sqlite_path, wait_line
from zhtj_tui import db as dbmod
from zhtj_tui.domain.errors import Busy
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor

BOUND = 1.5  # seconds: the test's retry bound (production: Settings.busy_seconds)
STATEMENT = 0.3  # seconds: the test's SQLite busy timeout per statement


@pytest.fixture
def busy_svc(db_url, monkeypatch):
    monkeypatch.setattr(dbmod, "SQLITE_BUSY_TIMEOUT", STATEMENT)
    monkeypatch.setattr(dbmod, "PG_LOCK_TIMEOUT", STATEMENT)
    services = Services.open(make_settings(db_url).with_(busy_seconds=BOUND), client_key="t")
    op = Actor.server_operator()
    top = services.orgs.create_top(op, "繁忙大学团委", "团委")
    yield services, op, top
    services.close()


def _hold(url: str, top_id: int, seconds: float):
    if url.startswith("sqlite"):
        proc = spawn("locker", sqlite_path(url), str(seconds))
    else:
        proc = spawn("pg_locker", url, str(top_id), str(seconds))
    wait_line(proc, "locked")
    return proc


WRITES = {
    # an ORM write (Pony's BEGIN IMMEDIATE), a raw conditional UPDATE (code redemption) and
    # a read-then-write session
    "create_child": lambda s, op, top: s.orgs.create_child(op, top.id, "繁忙1班团支部", "团支部"),
    "issue_code": lambda s, op, top: s.codes.issue(op, top.id),
    "register": lambda s, op, top: s.accounts.register(
        s.codes.issue(op, top.id).code, "书记", "王五", (p := person()).id_number, p.mobile, p.join_month, PASSWORD),
}


@pytest.mark.parametrize("kind", list(WRITES))
def test_short_lock_waits_and_succeeds(busy_svc, db_url, kind):
    services, op, top = busy_svc
    if kind == "register":
        code = services.codes.issue(op, top.id).code
        who = person()
        write = lambda: services.accounts.register(code, "书记", "王五", who.id_number, who.mobile,  # noqa: E731
                                                   who.join_month, PASSWORD)
    else:
        write = lambda: WRITES[kind](services, op, top)  # noqa: E731
    locker = _hold(db_url, top.id, BOUND / 2)
    try:
        started = time.monotonic()
        write()
        waited = time.monotonic() - started
    finally:
        locker.wait(timeout=30)
    assert waited >= BOUND / 2 - 0.2  # it really waited for the other process


@pytest.mark.parametrize("kind", list(WRITES))
def test_long_lock_gives_busy_in_chinese_within_the_bound(busy_svc, db_url, kind):
    services, op, top = busy_svc
    if kind == "register":
        code = services.codes.issue(op, top.id).code
        who = person()
        write = lambda: services.accounts.register(code, "书记", "王五", who.id_number, who.mobile,  # noqa: E731
                                                   who.join_month, PASSWORD)
    else:
        write = lambda: WRITES[kind](services, op, top)  # noqa: E731
    before = services.audit.recent(op, top.id)
    locker = _hold(db_url, top.id, BOUND * 4 + 2 * STATEMENT + 2)
    try:
        started = time.monotonic()
        with pytest.raises(Busy) as info:
            write()
        waited = time.monotonic() - started
    finally:
        locker.kill()
        locker.wait()
    msg = info.value.message
    assert "繁忙" in msg and "locked" not in msg.lower() and info.value.code == "busy"
    assert BOUND <= waited <= BOUND + STATEMENT + 1.0, waited
    # Nothing of the refused write is in the database.
    assert services.audit.recent(op, top.id) == before
    assert services.orgs.get(op, top.id).child_count == 0
