"""Crashes (issue 8): a process killed with SIGKILL in the middle of a batch, with every
row of the batch written inside its open transaction. Afterwards the database holds all
of the batch or none of it, passes ``PRAGMA integrity_check`` (SQLite), and the program
starts normally and can redo the batch."""

from __future__ import annotations

import signal

from pony.orm import count, db_session

from tests.conftest import make_settings
from tests.reliability.procs import integrity, spawn, sqlite_path, wait_line
from zhtj_tui.db import open_store
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor

CHILDREN = 120


def _counts(url: str) -> dict[str, int]:
    store = open_store(url, create=False)
    try:
        with db_session:
            return {
                "codes": count(c for c in store.RegCode),
                "revoked": count(c for c in store.RegCode if c.revoked_at is not None),
                "audit": count(a for a in store.AuditEntry),
            }
    finally:
        store.disconnect()


def _kill_mid_batch(url: str, kind: str, parent: int, *extra: str) -> int:
    """Run the batch in a child, SIGKILL it at its commit; the rows its open transaction
    held at that moment."""
    proc = spawn("hang_before_commit", url, kind, str(parent), *extra)
    try:
        line = wait_line(proc, "commit-pending", timeout=120)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return int(line.split()[1])


def test_kill_during_batch_code_generation(db_url, backend):
    """R-CODE-4 批量生成注册码 for 120 children killed before its commit: none of the new
    codes exist and none of the old ones were revoked; the next run does it all."""
    svc = Services.open(make_settings(db_url), client_key="t")
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "崩溃大学团委", "团委")
    kids = [svc.orgs.create_child(op, top.id, f"第{i}班团支部", "团支部") for i in range(CHILDREN)]
    for k in kids[:5]:
        svc.codes.issue(op, k.id)  # some children already hold a code
    svc.close()
    before = _counts(db_url)
    assert before["codes"] == 5

    in_flight = _kill_mid_batch(db_url, "codes", top.id)
    assert in_flight == 5 + CHILDREN  # the kill landed with the whole batch written

    if backend == "sqlite":
        assert integrity(sqlite_path(db_url)) == ["ok"]
    assert _counts(db_url) == before  # none of the batch
    # The program starts normally and the batch can be redone, whole.
    svc = Services.open(make_settings(db_url), client_key="t")
    try:
        codes = svc.codes.issue_all(op, top.id, renew=True)
        assert len(codes) == CHILDREN and len({c.code for c in codes}) == CHILDREN
        after = _counts(db_url)
        assert after["codes"] == 5 + CHILDREN and after["revoked"] == 5
    finally:
        svc.close()


IMPORT_ROWS = 2000


def test_kill_during_large_member_import(db_url, backend, tmp_path):
    """R-MEM-1 import of 2,000 members killed at its commit, every row inserted in the open
    transaction: afterwards no member of the file is in the database; the same file then
    imports whole."""
    from tests.reliability.importing import write_member_file

    svc = Services.open(make_settings(db_url), client_key="t")
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "导入大学团委", "团委")
    branch = svc.orgs.create_child(op, top.id, "导入2024级1班团支部", "团支部")
    svc.close()
    file = write_member_file(tmp_path / "members.xlsx", IMPORT_ROWS)

    in_flight = _kill_mid_batch(db_url, "import", branch.id, str(file))
    assert in_flight == IMPORT_ROWS

    if backend == "sqlite":
        assert integrity(sqlite_path(db_url)) == ["ok"]
    store = open_store(db_url, create=False)
    try:
        with db_session:
            assert count(m for m in store.Member) == 0
            assert not store.db.select("select id from audit_log where action = 'member.import'")
    finally:
        store.disconnect()
    svc = Services.open(make_settings(db_url), client_key="t")
    try:
        result = svc.member_import.run_file(op, branch.id, str(file))
        from zhtj_tui.services.dto import CREATED

        assert sum(r.outcome == CREATED for r in result.rows) == IMPORT_ROWS
        with db_session:
            assert count(m for m in svc.store.Member if m.branch.id == branch.id) == IMPORT_ROWS
    finally:
        svc.close()
