"""Concurrency soak (issue 8, DESIGN rule 9): 8 real processes doing a realistic mix on one
database for a bounded time (``ZHTJ_SOAK_SECONDS``, default 5; 60 with ``ZHTJ_THOROUGH=1``) and at least
``soak.MIN_OPS`` operations a process, the processes starting together, on SQLite and PostgreSQL.
Afterwards every write reported as successful is in the database, nothing reported as
failed is half there, uniqueness holds (names under one parent, one use per code, one
winner per version), the SQLite file passes integrity_check, and no "database is locked"
reached a caller (only Busy, in Chinese). See ``tests/reliability/soak.py``."""

from __future__ import annotations

from tests.reliability import soak

WORKERS = 8


def test_soak(db_url, tmp_path):
    result = soak.run(db_url, WORKERS, soak.default_seconds(), tmp_path)
    print("\n" + result.report())
    assert result.problems == []
    # The mix really ran, with contention: every kind succeeded, and the races were lost
    # by someone (duplicate names, used codes, changed versions).
    for kind in soak.WEIGHTS:
        assert result.ok[kind] > 0, kind
    assert result.failures[("create_shared", "duplicate_name")] > 0
    assert result.failures[("redeem", "code_used")] > 0
    # The check itself catches a success the database does not hold, and a refusal
    # that left something behind.
    done = next(r["data"] for r in result.records if r["ok"] and r["k"] == "create_child")
    fake = soak.SoakResult(seconds=1, workers=1, records=[
        {"k": "create_child", "ok": True, "data": {"name": "从未创建班团支部", "parent": 1, "id": 10**9}},
        {"k": "create_child", "ok": False, "err": "busy", "msg": "服务器繁忙",
         "data": {"name": done["name"], "parent": done["parent"]}},
        {"k": "redeem", "ok": False, "err": "crash", "cls": "OperationalError", "msg": "database is locked", "data": {}},
    ])
    soak.verify(db_url, plan_for(tmp_path), fake)
    assert any(p.startswith("lost: organisation") for p in fake.problems)
    assert any(p.startswith("half there") for p in fake.problems)
    assert any("database is locked" in p or "raw database error" in p for p in fake.problems)


def plan_for(tmp_path):
    import json

    return json.loads((tmp_path / "plan.json").read_text("utf-8"))
