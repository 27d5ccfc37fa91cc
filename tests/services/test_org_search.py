"""Organisation search by pinyin initials, on both backends: the initials of each 简称 are a
stored derived value (``org.name_initials``), written by every write that changes the name
and recomputed by the consistency check, so that letters are searched in SQL over the whole
subtree with no limit on candidates; an administrator finds only their own subtree (§9)."""

from __future__ import annotations

from datetime import datetime

from pony.orm import db_session

from tests.services.conftest import OP
from zhtj_tui.db import tally
from zhtj_tui.db.schema import org_initials


def _stored_initials(svc, org_id: int) -> str:
    with db_session:
        return svc.store.select("SELECT name_initials FROM org WHERE id = $i", {"i": org_id})[0]


def test_initials_are_written_with_the_name_and_follow_a_correction(svc, tree):
    # Derived value: created and corrected in the same write as the 简称 (R-INFO-2 correction).
    a1 = tree.ids["a1"]
    assert _stored_initials(svc, a1) == "jsjzy2j3btzb"
    svc.orgs.correct(tree.me["a"], a1, {"short_name": "软件工程专业2017级3班团支部"}, "更名")
    assert _stored_initials(svc, a1) == "rjgczy2j3btzb"
    assert [o.id for o in svc.orgs.search(tree.me["top"], "rjgc")] == [a1]
    assert svc.orgs.search(tree.me["top"], "jsjzy") == ()
    assert svc.consistency.check().ok


def test_consistency_check_recomputes_the_initials(svc, tree):
    # Derived value: a stored value that disagrees with the 简称 is reported with the right one.
    with db_session:
        svc.store.execute("UPDATE org SET name_initials = 'xx' WHERE id = $i", {"i": tree.ids["b"]})
    report = svc.consistency.check()
    found = [(m.check, m.row_id, m.column, m.stored, m.expected) for m in report.mismatches]
    assert found == [("org_initials", tree.ids["b"], "name_initials", "xx", "hxxtzz")]
    with db_session:
        svc.store.execute("UPDATE org SET name_initials = 'hxxtzz' WHERE id = $i", {"i": tree.ids["b"]})
    assert svc.consistency.check().ok


def test_letters_are_searched_over_every_candidate(svc, tree):
    # Letters only: every organisation of the subtree is a candidate. 5,100 shallower
    # organisations sort before the one that matches (the old search looked at 5,000).
    top = tree.ids["top"]
    now = datetime(2026, 11, 1)
    with db_session:
        first = int(svc.store.select("SELECT max(id) FROM org")[0]) + 1
        rows = [(i, top, f"/{top}/{i}/", 1, "05", "branch", f"一{i}团支部", org_initials(f"一{i}团支部"), False,
                 now, now, 1) for i in range(first, first + 5100)]
        con = svc.store.db.get_connection()
        mark = "?" if svc.store.provider == "sqlite" else "%s"
        con.cursor().executemany(
            "INSERT INTO org (id, parent_id, path, depth, category, cat_group, short_name, name_initials,"
            f" info_complete, created_at, updated_at, version) VALUES ({', '.join([mark] * 12)})", rows)
        if svc.store.provider == "postgres":
            svc.store.execute("SELECT setval(pg_get_serial_sequence('org', 'id'), (SELECT max(id) FROM org))")
        tally.rebuild(svc.store.db)
    assert [o.id for o in svc.orgs.search(tree.me["top"], "hxzy")] == [tree.ids["b1"]]
    assert [o.id for o in svc.orgs.search(OP, "jsj2017")] == [tree.ids["a1"]]
    found = svc.orgs.search(tree.me["top"], "tzb", limit=5000)
    assert len(found) == 5000 and {o.depth for o in found} == {1}  # shallowest first
    # §9: an administrator below finds nothing outside their own subtree.
    assert svc.orgs.search(tree.me["a"], "hxzy") == ()
    assert [o.id for o in svc.orgs.search(tree.me["b"], "hxzy")] == [tree.ids["b1"]]


def test_search_reads_names_along_the_path_and_children(svc, tree):
    # The palette shows where each found organisation is, and whether it has children.
    found = {o.id: o for o in svc.orgs.search(tree.me["top"], "hx")}
    assert found[tree.ids["b"]].path_names == ("石河子大学团委", "化学系团总支")
    assert found[tree.ids["b"]].child_count == 1 and found[tree.ids["b1"]].child_count == 0
    assert found[tree.ids["b1"]].category_name == "团支部"
