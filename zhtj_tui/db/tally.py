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

from zhtj_tui.domain import paths
from zhtj_tui.domain.vocab import STATUS_NORMAL

#: Own inputs, then subtree totals, as stored.
OWN = ("m", "a", "s", "nb")
TOTALS = ("t_orgs", "t_info", "t_sec", "t_adm", "t_br", "t_brm", "t_few", "t_gbnb", "t_mem")
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
        "h_open integer NOT NULL DEFAULT 0)",
        COHORT_TABLE_SQL,
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


# -- from scratch ---------------------------------------------------------------------------
#: The columns of an ``org_tally`` row after ``org_id``, as ``recompute`` and ``stored`` give them.
ROW = ("path", "grp", "info", "cohort", *OWN, *TOTALS, "h_open")
_T0 = ROW.index(TOTALS[0])


def recompute(db) -> dict[int, tuple]:
    """What every organisation's row should hold, from the tables: ``{org_id: ROW values}``."""
    orgs = db.execute("SELECT id, path, cat_group, info_complete, parent_id, cohort FROM org "
                      "WHERE path IS NOT NULL").fetchall()
    m = dict(db.execute(f"SELECT branch, count(*) FROM member WHERE status = '{STATUS_NORMAL}' "
                        "GROUP BY branch").fetchall())
    a = dict(db.execute("SELECT org, count(*) FROM admin_role WHERE active GROUP BY org").fetchall())
    s = {r[0] for r in db.execute("SELECT secretary_of FROM cadre WHERE secretary_of IS NOT NULL").fetchall()}
    nb: dict[int, int] = {}
    for _id, _path, grp, _info, parent, _cohort in orgs:
        if parent is not None and grp != "branch":
            nb[parent] = nb.get(parent, 0) + 1
    rows: dict[int, list] = {}
    for oid, path, grp, info, _parent, cohort in orgs:
        own = (int(m.get(oid, 0)), int(a.get(oid, 0)), int(oid in s), nb.get(oid, 0))
        rows[oid] = [path, grp, int(bool(info)), cohort, *own, *flags(grp, info, *own), 0]
    # Children before parents: deepest paths first, each adding its totals to its parent.
    for oid, path, *_ in sorted(orgs, key=lambda r: -r[1].count("/")):
        parent = _parent_id(path)
        if parent is not None and parent in rows:
            target, source = rows[parent], rows[oid]
            for i in range(_T0, _T0 + len(TOTALS)):
                target[i] += source[i]
    # h_open: the committees below named for no cohort that the cohort task looks at.
    held = _held(rows)
    for oid, (path, grp, _info, cohort, *rest) in rows.items():
        h_open, _ = host_part(grp, cohort, rest[_T_BR], held.get(oid, ()))
        if h_open:
            for up in ancestor_ids(path):
                if up in rows:
                    rows[up][-1] += 1
    return {k: tuple(v) for k, v in rows.items()}


_T_BR = ROW.index("t_br") - ROW.index("m")


def _held(rows: dict) -> dict[int, set[int]]:
    """The cohorts of the branches below each organisation (itself included)."""
    held: dict[int, set[int]] = {}
    for path, grp, _info, cohort, *_rest in rows.values():
        if grp == "branch" and cohort is not None:
            for up in ancestor_ids(path):
                held.setdefault(up, set()).add(cohort)
    return held


def recompute_cohorts(rows: dict[int, tuple]) -> dict[tuple[int, int], tuple[int, ...]]:
    """What ``org_cohort_tally`` should hold, from ``recompute``'s rows:
    ``{(org_id, cohort): COHORT_COLS values}`` for every pair with a count."""
    out: dict[tuple[int, int], list[int]] = {}

    def add(path: str, cohort: int, part) -> None:
        for oid in ancestor_ids(path):
            if oid in rows:
                counts = out.setdefault((oid, cohort), [0] * len(COHORT_COLS))
                for i, v in enumerate(part):
                    counts[i] += v

    held = _held(rows)
    for oid, (path, grp, _info, cohort, m, a, s, *rest) in rows.items():
        own = cohort_flags(grp, cohort, m, a, s)
        if own is not None:
            add(path, cohort, own)
        _, per = host_part(grp, cohort, rest[_T_BR - 3], held.get(oid, ()))
        for y, (h_own, h_has) in per.items():
            add(path, y, (0, 0, 0, h_own, h_has))
    return {k: tuple(v) for k, v in out.items()}


def stored(db) -> dict[int, tuple]:
    return {r[0]: tuple(r[1:]) for r in db.execute(f"SELECT org_id, {', '.join(ROW)} FROM org_tally").fetchall()}


def stored_cohorts(db) -> dict[tuple[int, int], tuple[int, int, int]]:
    rows = db.execute(f"SELECT org_id, cohort, {', '.join(COHORT_COLS)} FROM org_cohort_tally").fetchall()
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def rebuild(db) -> int:
    """Replace every row by its recomputed value; returns the number of organisations."""
    rows = recompute(db)
    db.execute("DELETE FROM org_tally")
    db.execute("DELETE FROM org_cohort_tally")
    cols = ("org_id", *ROW)
    values = [(oid, *r) for oid, r in rows.items()]
    _executemany(db, f"INSERT INTO org_tally ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})", values)
    cohorts = [(oid, cohort, *counts) for (oid, cohort), counts in recompute_cohorts(rows).items()]
    _executemany(db, f"INSERT INTO org_cohort_tally (org_id, cohort, {', '.join(COHORT_COLS)}) "
                     f"VALUES ({', '.join(['%s'] * (2 + len(COHORT_COLS)))})", cohorts)
    return len(values)


def upgrade(db) -> int:
    """Schema step: the cohort copy on ``org_tally`` (a database whose ``org_tally`` was
    made before it), the table per cohort, then every count from the tables."""
    db.execute(COHORT_TABLE_SQL)
    wanted = {"org_tally": {"cohort": "integer", "h_open": "integer NOT NULL DEFAULT 0"},
              "org_cohort_tally": {c: "integer NOT NULL DEFAULT 0" for c in COHORT_COLS}}
    for table, columns in wanted.items():
        if db.provider_name == "sqlite":
            have = {r[1] for r in db.execute(f"PRAGMA table_info({table})").fetchall()}
        else:
            have = {r[0] for r in db.execute(
                "SELECT column_name FROM information_schema.columns "
                f"WHERE table_name = '{table}' AND table_schema = current_schema()").fetchall()}
        for column, sql_type in columns.items():
            if column not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
    for sql in create_sql(db.provider_name):
        db.execute(sql)
    return rebuild(db)


class Raw:
    """A DB-API connection seen as the few ``Database`` calls used here (bulk loads)."""

    def __init__(self, con, provider: str):
        self.con, self.provider_name = con, provider

    def execute(self, sql: str):
        cur = self.con.cursor()
        cur.execute(sql)
        return cur

    def get_connection(self):
        return self.con


def _executemany(db, sql: str, values: list[tuple]) -> None:
    con = db.get_connection()
    cur = con.cursor()
    if db.provider_name == "sqlite":
        cur.executemany(sql.replace("%s", "?"), values)
    else:
        from psycopg2.extras import execute_values

        head = sql[:sql.index("VALUES") + len("VALUES")]
        for start in range(0, len(values), 5000):
            execute_values(cur, head + " %s", values[start:start + 5000], page_size=5000)
