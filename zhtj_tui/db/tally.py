"""Counts kept per organisation (table ``org_tally``), so that the progress of a province
(R-PROG-2), its problems (R-TREE-3) and its tasks read a few rows instead of scanning a
subtree of 300,000 organisations and 5,000,000 members.

One row per organisation holds

* its own inputs: ``m`` active members (R-MEM-3: status 正常, ``STATUS_NORMAL``), ``a`` active
  administrator roles, ``s`` an open 书记 holding (0/1), ``nb`` direct children that are
  not branches; copies of ``path``, ``grp`` (category group) and ``info`` (complete);
* totals over its subtree, itself included: ``t_orgs`` organisations, ``t_info`` with
  complete information, ``t_sec`` with a secretary, ``t_adm`` with an administrator,
  ``t_br`` branches, ``t_brm`` branches with a member, ``t_few`` branches with 1 or 2
  members, ``t_gbnb`` general branches with a child that is not a branch, ``t_mem``
  active members.

Per organisation and cohort (table ``org_cohort_tally``, one row per pair with a branch of
that cohort in the subtree): ``br`` branches of the cohort (R-TREE-4's stored
``org.cohort``), ``br_done`` of them with a secretary and an administrator, ``br_mem`` with
an active member; and the committees and general branches of the subtree that a
``cohort_branches`` task of that cohort looks at (R-PROG-3): ``h_own`` those named for the
cohort that have no branch at all or hold class branches, ``h_has`` those (named for no
cohort or for this one) holding a branch of the cohort. ``org_tally.h_open`` counts the
subtree's committees named for no cohort that have no branch or hold class branches. The
committees a task of cohort Y finds missing are then ``h_open + h_own - h_has``. The
deadline tasks of one cohort read these instead of probing the subtree of every committee. ``org_tally.cohort`` copies the organisation's own
cohort so that a change of its counts knows which cohort row to change.

Every write that changes an input changes the counts in the same transaction: the entity
hooks of ``db.schema`` call ``member_moved`` / ``own_delta`` / ``attach`` / ``detach`` for
every ORM write, and the one set-based write (moving a subtree) calls ``move``. The own
row is changed with ``UPDATE … RETURNING`` (atomic under the row lock), and the changed
totals are added to the row and its ancestors (ids read from the path) in one statement.
``rebuild`` recomputes everything from the tables (after a bulk load, a migration), and
``recompute`` gives what the counts should be, for the consistency check.
"""

from __future__ import annotations

from collections.abc import Iterable

from zhtj_tui.db import tally_age
from zhtj_tui.db.tally_age import AGE_TABLE_SQL
from zhtj_tui.domain import paths

#: Own inputs, then subtree totals, as stored.
OWN: tuple[str, ...] = ("m", "a", "s", "nb")
TOTALS: tuple[str, ...] = ("t_orgs", "t_info", "t_sec", "t_adm", "t_br", "t_brm", "t_few", "t_gbnb", "t_mem")
MIN_BRANCH_MEMBERS = 3


#: Per organisation and cohort, as stored.
COHORT_COLS = ("br", "br_done", "br_mem", "h_own", "h_has")
#: The organisations that hold branches (the hosts of the cohort task).
HOST_GROUPS = ("committee", "general_branch")

COHORT_TABLE_SQL = ("CREATE TABLE IF NOT EXISTS org_cohort_tally (org_id integer NOT NULL, cohort integer NOT NULL, "
                    + ", ".join(f"{c} integer NOT NULL DEFAULT 0" for c in COHORT_COLS)
                    + ", PRIMARY KEY (org_id, cohort))")


def create_sql(provider: str) -> list[str]:
    path_type = 'varchar(255) COLLATE "C"' if provider == "postgres" else "varchar(255)"
    cols = ", ".join(f"{c} integer NOT NULL DEFAULT 0" for c in (*OWN, *TOTALS))
    return [
        f"CREATE TABLE IF NOT EXISTS org_tally (org_id integer PRIMARY KEY, path {path_type} NOT NULL, "
        f"grp varchar(16) NOT NULL, info integer NOT NULL DEFAULT 0, cohort integer, {cols}, "
        "h_open integer NOT NULL DEFAULT 0, oldest date)",
        COHORT_TABLE_SQL,
        AGE_TABLE_SQL,
        "CREATE UNIQUE INDEX IF NOT EXISTS idx_tally_path ON org_tally (path)",
        # One partial index per problem kind of R-TREE-3: the first problems of a subtree by
        # path, and their number, cost what there is to find, not the size of the subtree.
        *(f"CREATE INDEX IF NOT EXISTS idx_tally_{kind} ON org_tally (path) WHERE {cond}"
          for kind, cond in PROBLEM_CONDITIONS.items()),
        f"CREATE INDEX IF NOT EXISTS idx_tally_tree_undone ON org_tally (path) WHERE {TREE_UNDONE}",
        # The committees and general branches of a subtree (the hosts of a cohort's branches).
        f"CREATE INDEX IF NOT EXISTS idx_tally_hosts ON org_tally (path) WHERE {HOSTS}",
    ]


#: The problems of R-TREE-3 that are a property of one organisation's counts.
PROBLEM_CONDITIONS = {
    "no_branch": "grp IN ('committee', 'general_branch') AND t_br = 0",
    "general_branch_non_branch_child": "grp = 'general_branch' AND nb > 0",
    "no_secretary": "s = 0",
    "no_admin": "a = 0",
    "info_incomplete": "info = 0",
    "branch_no_members": "grp = 'branch' AND m = 0",
    "branch_few_members": f"grp = 'branch' AND m > 0 AND m < {MIN_BRANCH_MEMBERS}",
}
#: An organisation not done for the ``tree_complete`` task: no secretary, no administrator,
#: or a committee or general branch with no branch below (its own partial index).
TREE_UNDONE = "s = 0 OR a = 0 OR (grp IN ('committee', 'general_branch') AND t_br = 0)"
#: The organisations that hold branches (committees and general branches).
HOSTS = "grp IN ('committee', 'general_branch')"


def flags(grp: str, info: int, m: int, a: int, s: int, nb: int) -> tuple[int, ...]:
    """One organisation's contribution to the totals (``TOTALS`` order)."""
    branch = grp == "branch"
    return (1, int(bool(info)), int(s > 0), int(a > 0), int(branch), int(branch and m > 0),
            int(branch and 0 < m < MIN_BRANCH_MEMBERS), int(grp == "general_branch" and nb > 0), m)


def cohort_flags(grp: str, cohort: int | None, m: int, a: int, s: int) -> tuple[int, ...] | None:
    """One branch's contribution to its cohort's counts (``COHORT_COLS`` order), or None
    when it is not a branch of a cohort."""
    if grp != "branch" or cohort is None:
        return None
    return (1, int(s > 0 and a > 0), int(m > 0), 0, 0)


def host_part(grp: str, cohort: int | None, t_br: int, held: Iterable[int]) -> tuple[int, dict[int, tuple[int, int]]]:
    """One committee's or general branch's contribution to ``h_open`` and, per cohort, to
    ``(h_own, h_has)``; ``held``: the cohorts of the branches below it. It is looked at by
    a task of cohort Y when it has no branch at all or holds class branches, unless its own
    name gives another cohort (R-TREE-4); it holds Y when a branch of Y is below it."""
    if grp not in HOST_GROUPS:
        return 0, {}
    held = set(held)
    looked_at = t_br == 0 or bool(held)
    per: dict[int, list[int]] = {}
    if cohort is not None and looked_at:
        per[cohort] = [1, 0]
    for y in held:
        if cohort is None or cohort == y:
            per.setdefault(y, [0, 0])[1] += 1
    return int(looked_at and cohort is None), {y: (o, h) for y, (o, h) in per.items()}


#: ``domain.paths.ids``: the organisations a path runs through, top first.
ancestor_ids = paths.ids


def _add_cohort(db, ids: list[int], cohort: int, delta: Iterable[int]) -> None:
    """Add ``delta`` to the (organisation, cohort) rows of ``ids``: created when missing,
    dropped when no branch of the cohort is left below."""
    delta = tuple(int(d) for d in delta)
    if not ids or not any(delta):
        return
    values = ", ".join(f"({int(i)}, {int(cohort)}, {', '.join(map(str, delta))})" for i in ids)
    sets = ", ".join(f"{c} = org_cohort_tally.{c} + excluded.{c}" for c in COHORT_COLS)
    db.execute(f"INSERT INTO org_cohort_tally (org_id, cohort, {', '.join(COHORT_COLS)}) VALUES {values} "
               f"ON CONFLICT (org_id, cohort) DO UPDATE SET {sets}")
    if min(delta) < 0:
        db.execute(f"DELETE FROM org_cohort_tally WHERE cohort = {int(cohort)} "
                   f"AND {' AND '.join(f'{c} = 0' for c in COHORT_COLS)} AND org_id IN ({', '.join(map(str, ids))})")


def _cohort_change(db, ids: list[int], old: tuple | None, old_cohort, new: tuple | None, new_cohort) -> None:
    if old == new and old_cohort == new_cohort:
        return
    if old is not None and new is not None and old_cohort == new_cohort:
        _add_cohort(db, ids, new_cohort, (n - o for n, o in zip(new, old, strict=True)))
        return
    if old is not None:
        _add_cohort(db, ids, old_cohort, (-o for o in old))
    if new is not None:
        _add_cohort(db, ids, new_cohort, new)


def _host_states(db, ids: Iterable[int]) -> dict[int, tuple]:
    """``{org_id: (path, grp, cohort, t_br, cohorts held)}`` of the committees and general
    branches among ``ids``, as stored now."""
    id_list = ", ".join(str(int(i)) for i in set(ids))
    if not id_list:
        return {}
    rows = db.execute(f"SELECT org_id, path, grp, cohort, t_br FROM org_tally WHERE org_id IN ({id_list}) "
                      f"AND grp IN ({', '.join(repr(g) for g in HOST_GROUPS)})").fetchall()
    if not rows:
        return {}
    held: dict[int, list[int]] = {}
    for oid, y in db.execute(f"SELECT org_id, cohort FROM org_cohort_tally WHERE br > 0 "
                             f"AND org_id IN ({', '.join(str(r[0]) for r in rows)})").fetchall():
        held.setdefault(oid, []).append(y)
    return {oid: (path, grp, cohort, t_br, tuple(sorted(held.get(oid, ())))) for oid, path, grp, cohort, t_br in rows}


def _host_apply(db, before: dict[int, tuple], after: dict[int, tuple]) -> None:
    """Each committee whose contribution (``host_part``) changed between the two
    snapshots adds the change to itself and its ancestors (an organisation gone: to its
    ancestors)."""
    for oid in sorted(set(before) | set(after)):
        b, a = before.get(oid), after.get(oid)
        old = host_part(*b[1:]) if b else (0, {})
        new = host_part(*a[1:]) if a else (0, {})
        if old == new:
            continue
        row = a or b
        assert row is not None  # one of them, or nothing changed
        ids = ancestor_ids(row[0])
        if a is None:
            ids = ids[:-1]
        if new[0] != old[0] and ids:
            db.execute(f"UPDATE org_tally SET h_open = h_open + {new[0] - old[0]} "
                       f"WHERE org_id IN ({', '.join(map(str, ids))})")
        for y in sorted(set(old[1]) | set(new[1])):
            (oo, oh), (no, nh) = old[1].get(y, (0, 0)), new[1].get(y, (0, 0))
            _add_cohort(db, ids, y, (0, 0, 0, no - oo, nh - oh))


def _subtree_cohorts(db, org_id: int) -> list[tuple]:
    return db.execute(f"SELECT cohort, {', '.join(COHORT_COLS)} FROM org_cohort_tally "
                      f"WHERE org_id = {int(org_id)}").fetchall()


def _add_totals(db, ids: list[int], delta: Iterable[int]) -> None:
    sets = [f"{c} = {c} + {int(d)}" for c, d in zip(TOTALS, delta, strict=True) if d]
    if sets and ids:
        db.execute(f"UPDATE org_tally SET {', '.join(sets)} WHERE org_id IN ({', '.join(map(str, ids))})")


def own_delta(db, org_id: int, **delta: int) -> None:
    """Add ``delta`` to the own inputs of ``org_id`` (e.g. ``m=1``: a member became active)
    and the change of its contribution to the totals of its subtree and every ancestor."""
    delta = {k: v for k, v in delta.items() if v}
    if not delta:
        return
    sets = ", ".join(f"{k} = {k} + {int(v)}" for k, v in delta.items())
    row = db.execute(f"UPDATE org_tally SET {sets} WHERE org_id = {int(org_id)} "
                     "RETURNING path, grp, info, cohort, m, a, s, nb").fetchone()
    if row is None:  # not attached yet (no path): attach() counts it
        return
    path, grp, info, cohort, m, a, s, nb = row
    om, oa, os_ = m - delta.get("m", 0), a - delta.get("a", 0), s - delta.get("s", 0)
    new = flags(grp, info, m, a, s, nb)
    old = flags(grp, info, om, oa, os_, nb - delta.get("nb", 0))
    ids = ancestor_ids(path)
    _add_totals(db, ids, (n - o for n, o in zip(new, old, strict=True)))
    _cohort_change(db, ids, cohort_flags(grp, cohort, om, oa, os_), cohort,
                   cohort_flags(grp, cohort, m, a, s), cohort)


def set_org(db, org_id: int, grp: str, info: bool, cohort: int | None = None) -> None:
    """The organisation's category group, completeness or cohort changed."""
    row = db.execute(f"SELECT path, grp, info, cohort, m, a, s, nb FROM org_tally "
                     f"WHERE org_id = {int(org_id)}").fetchone()
    if row is None:
        return
    path, old_grp, old_info, old_cohort, m, a, s, nb = row
    if old_grp == grp and bool(old_info) == bool(info) and old_cohort == cohort:
        return
    ids = ancestor_ids(path)
    hosts = _host_states(db, ids)
    db.execute("UPDATE org_tally SET grp = $grp, info = $info, cohort = $cohort WHERE org_id = $id",
               {"grp": grp, "info": int(bool(info)), "cohort": cohort, "id": int(org_id)})
    new, old = flags(grp, info, m, a, s, nb), flags(old_grp, old_info, m, a, s, nb)
    _add_totals(db, ids, (n - o for n, o in zip(new, old, strict=True)))
    _cohort_change(db, ids, cohort_flags(old_grp, old_cohort, m, a, s), old_cohort,
                   cohort_flags(grp, cohort, m, a, s), cohort)
    _host_apply(db, hosts, _host_states(db, ids))
    parent = _parent_id(path)
    if parent is not None and (old_grp == "branch") != (grp == "branch"):
        own_delta(db, parent, nb=1 if old_grp == "branch" else -1)


def _parent_id(path: str) -> int | None:
    ids = ancestor_ids(path)
    return ids[-2] if len(ids) > 1 else None


def attach(db, org_id: int, path: str, grp: str, info: bool, cohort: int | None = None) -> None:
    """A new organisation got its path: its row, and one more organisation above it."""
    own = flags(grp, info, 0, 0, 0, 0)
    cols = ", ".join(TOTALS)
    ids = ancestor_ids(path)
    hosts = _host_states(db, ids)
    db.execute(f"INSERT INTO org_tally (org_id, path, grp, info, cohort, {cols}) VALUES "
               f"({int(org_id)}, $path, $grp, {int(bool(info))}, $cohort, {', '.join(map(str, own))})",
               {"path": path, "grp": grp, "cohort": cohort})
    _add_totals(db, ancestor_ids(path)[:-1], own)
    _cohort_change(db, ids, None, None, cohort_flags(grp, cohort, 0, 0, 0), cohort)
    _host_apply(db, hosts, _host_states(db, ids))
    parent = _parent_id(path)
    if parent is not None and grp != "branch":
        own_delta(db, parent, nb=1)


def detach(db, org_id: int) -> None:
    """An organisation is deleted (it has no children left): the counts above forget it."""
    row = db.execute(f"SELECT path, grp, {', '.join(TOTALS)} FROM org_tally WHERE org_id = {int(org_id)}").fetchone()
    if row is None:
        return
    path, grp, *totals = row
    ids = ancestor_ids(path)
    hosts = _host_states(db, ids)
    above = ids[:-1]
    _add_totals(db, above, (-t for t in totals))
    for cohort, br, br_done, br_mem, *_hosts in _subtree_cohorts(db, org_id):
        # Its own part as a committee (h_own, h_has) leaves with it below (_host_apply).
        _add_cohort(db, above, cohort, (-br, -br_done, -br_mem, 0, 0))
    db.execute(f"DELETE FROM org_cohort_tally WHERE org_id = {int(org_id)}")
    tally_age.detach(db, org_id, above)
    db.execute(f"DELETE FROM org_tally WHERE org_id = {int(org_id)}")
    _host_apply(db, hosts, _host_states(db, ids))
    parent = _parent_id(path)
    if parent is not None and grp != "branch":
        own_delta(db, parent, nb=-1)


def move(db, org_id: int, old_path: str, new_path: str) -> None:
    """A subtree moved from ``old_path`` to ``new_path`` (set-based, by ``OrgFixService``)."""
    row = db.execute(f"SELECT grp, h_open, {', '.join(TOTALS)} FROM org_tally "
                     f"WHERE org_id = {int(org_id)}").fetchone()
    if row is None:
        return
    grp, h_open, *totals = row
    old_above, new_above = ancestor_ids(old_path)[:-1], ancestor_ids(new_path)[:-1]
    # The committees above on either side may look different to the cohort task afterwards;
    # the subtree's own counts (h_open and per cohort) move with its totals.
    hosts = _host_states(db, old_above + new_above)
    _add_totals(db, old_above, (-t for t in totals))
    _add_totals(db, new_above, totals)
    if h_open:
        db.execute(f"UPDATE org_tally SET h_open = h_open - {int(h_open)} WHERE org_id IN ({', '.join(map(str, old_above))})")
        db.execute(f"UPDATE org_tally SET h_open = h_open + {int(h_open)} WHERE org_id IN ({', '.join(map(str, new_above))})")
    for cohort, *counts in _subtree_cohorts(db, org_id):
        _add_cohort(db, old_above, cohort, (-c for c in counts))
        _add_cohort(db, new_above, cohort, counts)
    tally_age.move(db, org_id, old_above, new_above)
    upper = old_path[:-1] + "0"
    db.execute("UPDATE org_tally SET path = $new || substr(path, $keep) WHERE path >= $lo AND path < $hi",
               {"new": new_path, "keep": len(old_path) + 1, "lo": old_path, "hi": upper})
    if grp != "branch":
        old_parent, new_parent = _parent_id(old_path), _parent_id(new_path)
        if old_parent is not None:
            own_delta(db, old_parent, nb=-1)
        if new_parent is not None:
            own_delta(db, new_parent, nb=1)
    _host_apply(db, hosts, _host_states(db, old_above + new_above))


# Counting from scratch lives beside (``db.tally_build``); callers reach it through here.
from zhtj_tui.db.tally_build import (  # noqa: E402
    ROW,
    Raw,
    rebuild,
    recompute,
    recompute_cohorts,
    stored,
    stored_cohorts,
    upgrade,
)

__all__ = ["ROW", "Raw", "rebuild", "recompute", "recompute_cohorts", "stored", "stored_cohorts", "upgrade"]
