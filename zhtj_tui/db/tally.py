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


def create_sql(provider: str) -> list[str]:
    path_type = 'varchar(255) COLLATE "C"' if provider == "postgres" else "varchar(255)"
    cols = ", ".join(f"{c} integer NOT NULL DEFAULT 0" for c in (*OWN, *TOTALS))
    return [
        f"CREATE TABLE IF NOT EXISTS org_tally (org_id integer PRIMARY KEY, path {path_type} NOT NULL, "
        f"grp varchar(16) NOT NULL, info integer NOT NULL DEFAULT 0, {cols})",
        "CREATE UNIQUE INDEX IF NOT EXISTS idx_tally_path ON org_tally (path)",
        # One partial index per problem kind of R-TREE-3: the first problems of a subtree by
        # path, and their number, cost what there is to find, not the size of the subtree.
        *(f"CREATE INDEX IF NOT EXISTS idx_tally_{kind} ON org_tally (path) WHERE {cond}"
          for kind, cond in PROBLEM_CONDITIONS.items()),
        f"CREATE INDEX IF NOT EXISTS idx_tally_tree_undone ON org_tally (path) WHERE {TREE_UNDONE}",
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


def flags(grp: str, info: int, m: int, a: int, s: int, nb: int) -> tuple[int, ...]:
    """One organisation's contribution to the totals (``TOTALS`` order)."""
    branch = grp == "branch"
    return (1, int(bool(info)), int(s > 0), int(a > 0), int(branch), int(branch and m > 0),
            int(branch and 0 < m < MIN_BRANCH_MEMBERS), int(grp == "general_branch" and nb > 0), m)


#: ``domain.paths.ids``: the organisations a path runs through, top first.
ancestor_ids = paths.ids


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
                     "RETURNING path, grp, info, m, a, s, nb").fetchone()
    if row is None:  # not attached yet (no path): attach() counts it
        return
    path, grp, info, m, a, s, nb = row
    new = flags(grp, info, m, a, s, nb)
    old = flags(grp, info, m - delta.get("m", 0), a - delta.get("a", 0), s - delta.get("s", 0),
                nb - delta.get("nb", 0))
    _add_totals(db, ancestor_ids(path), (n - o for n, o in zip(new, old, strict=True)))


def set_org(db, org_id: int, grp: str, info: bool) -> None:
    """The organisation's category group or completeness changed."""
    row = db.execute(f"SELECT path, grp, info, m, a, s, nb FROM org_tally WHERE org_id = {int(org_id)}").fetchone()
    if row is None:
        return
    path, old_grp, old_info, m, a, s, nb = row
    if old_grp == grp and bool(old_info) == bool(info):
        return
    db.execute("UPDATE org_tally SET grp = $grp, info = $info WHERE org_id = $id",
               {"grp": grp, "info": int(bool(info)), "id": int(org_id)})
    new, old = flags(grp, info, m, a, s, nb), flags(old_grp, old_info, m, a, s, nb)
    _add_totals(db, ancestor_ids(path), (n - o for n, o in zip(new, old, strict=True)))
    parent = _parent_id(path)
    if parent is not None and (old_grp == "branch") != (grp == "branch"):
        own_delta(db, parent, nb=1 if old_grp == "branch" else -1)


def _parent_id(path: str) -> int | None:
    ids = ancestor_ids(path)
    return ids[-2] if len(ids) > 1 else None


def attach(db, org_id: int, path: str, grp: str, info: bool) -> None:
    """A new organisation got its path: its row, and one more organisation above it."""
    own = flags(grp, info, 0, 0, 0, 0)
    cols = ", ".join(TOTALS)
    db.execute(f"INSERT INTO org_tally (org_id, path, grp, info, {cols}) VALUES "
               f"({int(org_id)}, $path, $grp, {int(bool(info))}, {', '.join(map(str, own))})",
               {"path": path, "grp": grp})
    _add_totals(db, ancestor_ids(path)[:-1], own)
    parent = _parent_id(path)
    if parent is not None and grp != "branch":
        own_delta(db, parent, nb=1)


def detach(db, org_id: int) -> None:
    """An organisation is deleted (it has no children left): the counts above forget it."""
    row = db.execute(f"SELECT path, grp, {', '.join(TOTALS)} FROM org_tally WHERE org_id = {int(org_id)}").fetchone()
    if row is None:
        return
    path, grp, *totals = row
    _add_totals(db, ancestor_ids(path)[:-1], (-t for t in totals))
    db.execute(f"DELETE FROM org_tally WHERE org_id = {int(org_id)}")
    parent = _parent_id(path)
    if parent is not None and grp != "branch":
        own_delta(db, parent, nb=-1)


def move(db, org_id: int, old_path: str, new_path: str) -> None:
    """A subtree moved from ``old_path`` to ``new_path`` (set-based, by ``OrgFixService``)."""
    row = db.execute(f"SELECT grp, {', '.join(TOTALS)} FROM org_tally WHERE org_id = {int(org_id)}").fetchone()
    if row is None:
        return
    grp, *totals = row
    _add_totals(db, ancestor_ids(old_path)[:-1], (-t for t in totals))
    _add_totals(db, ancestor_ids(new_path)[:-1], totals)
    upper = old_path[:-1] + "0"
    db.execute("UPDATE org_tally SET path = $new || substr(path, $keep) WHERE path >= $lo AND path < $hi",
               {"new": new_path, "keep": len(old_path) + 1, "lo": old_path, "hi": upper})
    if grp != "branch":
        old_parent, new_parent = _parent_id(old_path), _parent_id(new_path)
        if old_parent is not None:
            own_delta(db, old_parent, nb=-1)
        if new_parent is not None:
            own_delta(db, new_parent, nb=1)


# -- from scratch ---------------------------------------------------------------------------
def recompute(db) -> dict[int, tuple]:
    """What every organisation's row should hold, from the tables:
    ``{org_id: (path, grp, info, m, a, s, nb, *TOTALS)}``."""
    orgs = db.execute("SELECT id, path, cat_group, info_complete, parent_id FROM org WHERE path IS NOT NULL").fetchall()
    m = dict(db.execute(f"SELECT branch, count(*) FROM member WHERE status = '{STATUS_NORMAL}' "
                        "GROUP BY branch").fetchall())
    a = dict(db.execute("SELECT org, count(*) FROM admin_role WHERE active GROUP BY org").fetchall())
    s = {r[0] for r in db.execute("SELECT secretary_of FROM cadre WHERE secretary_of IS NOT NULL").fetchall()}
    nb: dict[int, int] = {}
    for _id, _path, grp, _info, parent in orgs:
        if parent is not None and grp != "branch":
            nb[parent] = nb.get(parent, 0) + 1
    rows: dict[int, list] = {}
    for oid, path, grp, info, _parent in orgs:
        own = (int(m.get(oid, 0)), int(a.get(oid, 0)), int(oid in s), nb.get(oid, 0))
        rows[oid] = [path, grp, int(bool(info)), *own, *flags(grp, info, *own)]
    # Children before parents: deepest paths first, each adding its totals to its parent.
    for oid, path, *_ in sorted(orgs, key=lambda r: -r[1].count("/")):
        parent = _parent_id(path)
        if parent is not None and parent in rows:
            target, source = rows[parent], rows[oid]
            for i in range(7, 7 + len(TOTALS)):
                target[i] += source[i]
    return {k: tuple(v) for k, v in rows.items()}


def stored(db) -> dict[int, tuple]:
    cols = ", ".join(("path", "grp", "info", *OWN, *TOTALS))
    return {r[0]: tuple(r[1:]) for r in db.execute(f"SELECT org_id, {cols} FROM org_tally").fetchall()}


def rebuild(db) -> int:
    """Replace every row by its recomputed value; returns the number of organisations."""
    rows = recompute(db)
    db.execute("DELETE FROM org_tally")
    cols = ("org_id", "path", "grp", "info", *OWN, *TOTALS)
    values = [(oid, *r) for oid, r in rows.items()]
    sql = f"INSERT INTO org_tally ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    _executemany(db, sql, values)
    return len(values)


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
