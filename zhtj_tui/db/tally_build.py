"""The counts of ``db.tally`` from scratch: what every row should hold, read from the tables
(``recompute``, for the consistency check), what is stored (``stored``), and replacing
them all (``rebuild``, after a bulk load or a schema step: ``upgrade``)."""

from __future__ import annotations

from zhtj_tui.db import tally_age
from zhtj_tui.db.tally import (
    COHORT_COLS,
    COHORT_TABLE_SQL,
    OWN,
    TOTALS,
    _parent_id,
    ancestor_ids,
    cohort_flags,
    create_sql,
    flags,
    host_part,
)
from zhtj_tui.db.tally_age import AGE_TABLE_SQL, OLDEST_INDEX
from zhtj_tui.domain.vocab import STATUS_NORMAL

#: The columns of an ``org_tally`` row after ``org_id``, as ``recompute`` and ``stored`` give them.
ROW = ("path", "grp", "info", "cohort", *OWN, *TOTALS, "h_open", "oldest")
_H_OPEN = ROW.index("h_open")
_T0 = ROW.index(TOTALS[0])


def recompute(db) -> dict[int, tuple]:
    """What every organisation's row should hold, from the tables: ``{org_id: ROW values}``."""
    orgs = db.execute("SELECT id, path, cat_group, info_complete, parent_id, cohort FROM org "
                      "WHERE path IS NOT NULL").fetchall()
    m, oldest = {}, {}
    for branch, n, born in db.execute(f"SELECT branch, count(*), min(birth_date) FROM member "
                                      f"WHERE status = '{STATUS_NORMAL}' GROUP BY branch").fetchall():
        m[branch], oldest[branch] = n, born
    a = dict(db.execute("SELECT org, count(*) FROM admin_role WHERE active GROUP BY org").fetchall())
    s = {r[0] for r in db.execute("SELECT secretary_of FROM cadre WHERE secretary_of IS NOT NULL").fetchall()}
    return compute(orgs, m, oldest, a, s)


def compute(orgs, m: dict, oldest: dict, a: dict, s) -> dict[int, tuple]:
    """Every organisation's row from its inputs: ``orgs`` as ``(id, path, group, info
    complete, parent id, cohort)`` (those with a path), active members and the oldest
    active member's birth date per organisation, active administrator roles per
    organisation, and the set of organisations with a secretary. The one definition of
    the counts, for the consistency check (read from the tables) and for ``zhtj demo``
    (from the rows it generated)."""
    nb: dict[int, int] = {}
    for _id, _path, grp, _info, parent, _cohort in orgs:
        if parent is not None and grp != "branch":
            nb[parent] = nb.get(parent, 0) + 1
    rows: dict[int, list] = {}
    for oid, path, grp, info, _parent, cohort in orgs:
        own = (int(m.get(oid, 0)), int(a.get(oid, 0)), int(oid in s), nb.get(oid, 0))
        rows[oid] = [path, grp, int(bool(info)), cohort, *own, *flags(grp, info, *own), 0, oldest.get(oid)]
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
                    rows[up][_H_OPEN] += 1
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
    tally_age.rebuild(db)
    return len(values)


def upgrade(db) -> int:
    """Schema step: the columns added to ``org_tally`` since it was made (cohort copy,
    ``h_open``, ``oldest``), the tables per cohort and per birth date, then every count
    from the tables."""
    db.execute(COHORT_TABLE_SQL)
    db.execute(AGE_TABLE_SQL)
    wanted = {"org_tally": {"cohort": "integer", "h_open": "integer NOT NULL DEFAULT 0", "oldest": "date"},
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
    db.execute(OLDEST_INDEX)
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
