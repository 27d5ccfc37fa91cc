"""The plans of progress, check and the deadline tasks stay linear on PostgreSQL with its
default settings (R-PROG-2, R-PROG-3, R-TREE-3; the province scale of the benchmark).

Every statement the three services run is captured and EXPLAINed in a session with the
default ``work_mem`` (4MB, set explicitly) and sequential scans disabled, so that what
remains shows the plan's shape rather than the small data set's costs:

* no ``hashed SubPlan`` (it only fits in memory while the table is small: at 300,000
  organisations PostgreSQL falls back to rescanning it per row, a quadratic plan);
* no SubPlan or nested-loop inner side that reads a whole table (every correlated probe is
  an index look-up);
* no sequential scan at all, i.e. every statement is served by an index;
* no sort in the first page of a subtree's member list (its index gives the list's order)."""

from __future__ import annotations

import json
import os
from datetime import datetime

import pytest

from tests import pg
from tests.conftest import make_settings
from tests.helpers import FakeClock
from zhtj_tui.demo import generate
from zhtj_tui.services.dto import Actor

OP = Actor.server_operator()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2018, 11, 1, 8, 0))


def _nodes(plan: dict, inside_subplan: bool = False):
    yield plan, inside_subplan
    for child in plan.get("Plans", []):
        sub = inside_subplan or child.get("Parent Relationship") == "SubPlan"
        yield from _nodes(child, sub)


@pytest.fixture
def svc(clock):
    """PostgreSQL only: the plan shapes are PostgreSQL's (SQLite plans by its own rules)."""
    if not pg.PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set ZHTJ_TEST_PG: the PostgreSQL tests may not be skipped")
        pytest.skip("ZHTJ_TEST_PG is not set")
    from zhtj_tui.services import Services

    url = pg.create_database()
    services = Services.open(make_settings(url, clock), client_key="test")
    yield services
    services.close()
    pg.drop_database(url)


def test_progress_check_and_tasks_plans_are_linear(svc, monkeypatch):
    generate(svc.settings.db_url, svc.settings, svc.accounts.hasher, "small", 2018, False)
    top = svc.orgs.top().id
    college = svc.orgs.children(OP, top).items[0].id
    store = svc.store
    seen: list[tuple[str, dict]] = []
    original = type(store).execute

    def recording(self, sql, params=None):
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append((sql, dict(params or {})))
        return original(self, sql, params)

    monkeypatch.setattr(type(store), "execute", recording)
    for org in (top, college):
        svc.progress.progress(OP, org)
        svc.progress.problems(OP, org)
        for limit in (0, 100):
            svc.progress.tasks(OP, org, limit=limit)
    monkeypatch.setattr(type(store), "execute", original)
    assert len(seen) > 10
    # R-MEM-2: the first page of a subtree's member list (the members tab of a committee)
    # is read in the list's order from its index and stops after the page, instead of
    # sorting every member of the subtree (five million for a province's top).
    members = svc.members
    pages = []
    for org in (top, college):
        sql, params, _, _ = members.page_sql(members.visible_scope(OP, org), "", "", None, 50, False)
        pages.append((sql, params))
        seen.append((sql, params))

    from pony.orm import db_session

    bad = []
    with db_session:
        store.execute("SET LOCAL work_mem = '4MB'")
        store.execute("SET LOCAL enable_seqscan = off")
        for sql, params in seen:
            plan = store.execute(f"EXPLAIN (FORMAT JSON) {sql}", params).fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            for node, in_subplan in _nodes(plan):
                kind = node["Node Type"]
                name = node.get("Subplan Name", "")
                if name.startswith("hashed"):
                    bad.append(("hashed SubPlan", name, sql))
                if kind == "Seq Scan":
                    bad.append(("Seq Scan" + (" inside a SubPlan" if in_subplan else ""), node["Relation Name"], sql))
                if (sql, params) in pages and "Sort" in kind:
                    bad.append((kind, "member list page", sql))
    assert not bad, "\n\n".join(f"{what} {rel}:\n{sql}" for what, rel, sql in bad)
