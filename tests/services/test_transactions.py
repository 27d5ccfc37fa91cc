"""Short write transactions: busy retries, lost updates refused (Pony's optimistic checks),
and the raw-SQL helpers that atomic code use relies on; on both backends."""

import sqlite3
import threading

import pytest
from pony.orm import db_session

from tests.services.conftest import OP
from zhtj_tui.domain.errors import Busy, Conflict
from zhtj_tui.services import base


def test_busy_database_is_retried_then_reported(svc, monkeypatch):
    class FakeTime:
        """time.monotonic that advances only by the retries' sleeps."""

        def __init__(self):
            self.now = 0.0
            self.sleeps = []

        def monotonic(self):
            return self.now

        def sleep(self, seconds):
            self.sleeps.append(seconds)
            self.now += seconds

    fake = FakeTime()
    monkeypatch.setattr(base, "time", fake)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "done"

    assert svc.orgs.write(flaky) == "done"
    # Two growing, jittered pauses (0.02 then 0.04 seconds, each x0.5..1.5).
    assert len(calls) == 3 and len(fake.sleeps) == 2
    assert 0.01 <= fake.sleeps[0] <= 0.03 and 0.02 <= fake.sleeps[1] <= 0.06

    def always():
        raise sqlite3.OperationalError("database is locked")

    fake.sleeps.clear()
    fake.now = 0.0
    with pytest.raises(Busy) as info:
        svc.orgs.write(always)
    assert info.value.code == "busy" and "稍后再试" in info.value.message
    # Retried until the bound (settings.busy_seconds), then reported; pauses capped.
    assert sum(fake.sleeps) == pytest.approx(svc.settings.busy_seconds)
    assert max(fake.sleeps) <= 0.75

    def other():
        raise sqlite3.OperationalError("no such table: x")

    with pytest.raises(sqlite3.OperationalError):  # not a busy error: not retried
        svc.orgs.write(other)


def test_sqlite_writer_waits_for_another_process_lock(tmp_path):
    # The busy timeout makes a writer wait for another connection's transaction
    from tests.conftest import make_settings
    from zhtj_tui.services import Services

    url = f"sqlite:///{tmp_path / 'z.sqlite'}"
    services = Services.open(make_settings(url))
    try:
        top = services.orgs.create_top(OP, "锁测试团委", "团委")
        other = sqlite3.connect(tmp_path / "z.sqlite", check_same_thread=False, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
        release.start()
        child = services.orgs.create_child(OP, top.id, "等待学院团委", "团委")
        release.join()
        other.close()
        assert child.short_name == "等待学院团委"
    finally:
        services.close()


def test_concurrent_edit_is_refused_not_lost(svc, tree, monkeypatch):
    # Another administrator saves between this save's read and its write: Pony's
    # optimistic check refuses the second write instead of overwriting the first
    from zhtj_tui.services import Services

    other = Services(svc.store, svc.settings, client_key="other")
    real = svc.orgs._snapshot
    done = []

    def meddle(org):
        if not done:
            done.append(1)
            t = threading.Thread(target=lambda: done.append(
                other.orgs.save_info(tree.me["a"], tree.ids["a"], {"admin_quota": 7})))
            t.start()
            t.join()
        return real(org)

    monkeypatch.setattr(svc.orgs, "_snapshot", meddle)
    with pytest.raises(Conflict) as info:
        svc.orgs.save_info(tree.me["a"], tree.ids["a"], {"admin_quota": 3})
    assert info.value.code == "changed"
    monkeypatch.undo()
    assert svc.orgs.get(tree.me["a"], tree.ids["a"]).admin_quota == 7


def test_execute_rowcount_and_rollback(svc, tree):
    # A conditional UPDATE reports how many rows it matched, on both backends, and a
    # refusal later in the same transaction undoes it
    code = svc.codes.issue(OP, tree.ids["a"]).code
    s = svc.store
    now = svc.settings.now()
    with db_session:
        assert s.execute("UPDATE reg_code SET used_at = $n WHERE code = $c AND used_at IS NULL",
                         {"n": now, "c": "nomatch1"}).rowcount == 0
    with pytest.raises(RuntimeError), db_session:
        assert s.execute("UPDATE reg_code SET used_at = $n WHERE code = $c AND used_at IS NULL",
                         {"n": now, "c": code}).rowcount == 1
        raise RuntimeError("refused later")
    assert svc.codes.check(code).org_id == tree.ids["a"]  # still unused
    with db_session:
        assert s.select("select code from reg_code where expires_at > $n and used_at is null", {"n": now}) == [code]
        assert s.RegCode.get(code=code).issued_by is None  # the operator issued it
        assert s.Org[tree.ids["a"]].created_by.id == tree.me["top"].account_id
