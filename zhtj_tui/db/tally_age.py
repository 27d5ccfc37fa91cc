"""Active members counted by birth month per organisation (table ``org_age_tally``), so
that the 超龄 figures of a subtree (R-MEM-5, R-PROG-2) are a sum over a few hundred rows of
the subtree's top, whatever the number of members, while the cut-off moves with today's
date (a flag "is 超龄" would go stale as days pass; a birth month does not).

One row per organisation and birth month (``born``: its first day) present in its subtree,
itself included:

* ``m``: active members (R-MEM-3, status 正常) of the subtree born that month;
* ``br``: organisations of the subtree holding active members whose oldest active member
  was born that month (members are held by branches only, so: branches).

The 超龄 members of a subtree are ``sum(m)`` over the months before the cut-off's month,
plus the members born in the cut-off's month up to the cut-off (one month of births, read
through the index of active members by birth date); its branches with a 超龄 member are
``sum(br)`` over the same months plus the branches whose oldest member (``oldest`` below,
indexed) was born in the cut-off's month up to the cut-off.

``org_tally.oldest`` keeps each organisation's oldest active member's birth date, so that
a change knows which ``br`` row to move. Every write changes the rows in the same
transaction: the member hooks of ``db.schema`` call ``member_change``, the raw bulk import
``members_added``, and ``db.tally``'s ``move`` / ``detach`` call ``move`` / ``detach``.
``rebuild`` counts everything from the tables in SQL (level by level, deepest first),
``recompute`` gives what the rows should be, for the consistency check.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date

from zhtj_tui.domain import paths
from zhtj_tui.domain.vocab import STATUS_NORMAL

AGE_TABLE_SQL = ("CREATE TABLE IF NOT EXISTS org_age_tally (org_id integer NOT NULL, born date NOT NULL, "
                 "m integer NOT NULL DEFAULT 0, br integer NOT NULL DEFAULT 0, PRIMARY KEY (org_id, born))")
AGE_COLS = ("m", "br")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Active organisations by their oldest member's birth date (the cut-off month's branches).
OLDEST_INDEX = "CREATE INDEX IF NOT EXISTS idx_tally_oldest ON org_tally (oldest, path)"
#: The branches of a subtree in path order with their oldest member's birth date: the first
#: branches with 超龄 members by path, the date compared in the index alone.
BRANCH_OLDEST_INDEX = ("CREATE INDEX IF NOT EXISTS idx_tally_branch_oldest ON org_tally (path, oldest) "
                       "WHERE grp = 'branch'")


def month(d):
    """The first day of ``d``'s month, in ``d``'s own form (ISO text on SQLite)."""
    if d is None:
        return None
    return d[:8] + "01" if isinstance(d, str) else d.replace(day=1)


def month_sql(db, col: str) -> str:
    """SQL for the first day of the month of the date column ``col``."""
    if db.provider_name == "postgres":
        return f"date_trunc('month', {col})::date"
    return f"(substr({col}, 1, 8) || '01')"


def _lit(db, d) -> str:
    """A birth date as an SQL literal (dates are ISO text on SQLite, dates on PostgreSQL)."""
    iso = d if isinstance(d, str) else d.isoformat()
    if not _ISO.fullmatch(iso):
        raise ValueError(f"not a date: {iso!r}")
    return f"DATE '{iso}'" if db.provider_name == "postgres" else f"'{iso}'"


def _ids(ids: Iterable[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


def _add(db, ids: list[int], born, m: int, br: int) -> None:
    """Add ``(m, br)`` to the ``born`` rows of ``ids``; rows left at zero are dropped."""
    if not ids or not (m or br) or born is None:
        return
    _add_months(db, ids, [(born, m, br)])
    if m < 0 or br < 0:
        lit = _lit(db, month(born))
        db.execute(f"DELETE FROM org_age_tally WHERE born = {lit} AND m = 0 AND br = 0 "
                   f"AND org_id IN ({_ids(ids)})")


#: Rows of ``org_age_tally`` added by one statement (``_add_months``).
ADD_ROWS = 400


def _add_months(db, ids: list[int], months: list[tuple]) -> None:
    """Add each ``(born, m, br)`` of ``months`` to the rows of ``ids``: one statement for
    them all, however many months. The months must differ (PostgreSQL refuses a statement
    that updates one row twice)."""
    values = [f"({int(i)}, {lit}, {int(m)}, {int(br)})" for born, m, br in months
              for lit in (_lit(db, month(born)),) for i in ids]
    for start in range(0, len(values), ADD_ROWS):
        db.execute(f"INSERT INTO org_age_tally (org_id, born, m, br) VALUES {', '.join(values[start:start + ADD_ROWS])} "
                   "ON CONFLICT (org_id, born) DO UPDATE SET m = org_age_tally.m + excluded.m, "
                   "br = org_age_tally.br + excluded.br")


def _path(db, org_id: int) -> str | None:
    row = db.execute(f"SELECT path FROM org_tally WHERE org_id = {int(org_id)}").fetchone()
    return row[0] if row else None


def _oldest(db, org_id: int, added: date | None = None) -> None:
    """Bring ``org_tally.oldest`` of ``org_id`` and the ``br`` rows up to the member table.
    The row is locked first, so two writers of one branch take turns. ``added``: only
    members were added, the oldest of them born then (the oldest member is then the
    older of the two, without reading the branch's members)."""
    row = db.execute(f"UPDATE org_tally SET oldest = oldest WHERE org_id = {int(org_id)} "
                     "RETURNING path, oldest").fetchone()
    if row is None:  # not attached, or deleted in this flush (detach counted it)
        return
    path, was = row
    if added is not None:
        born = added.isoformat() if isinstance(was, str) else added  # ISO text on SQLite
        now = born if was is None or born < was else was
    else:
        now = db.execute(f"SELECT min(birth_date) FROM member WHERE branch = {int(org_id)} "
                         f"AND status = '{STATUS_NORMAL}'").fetchone()[0]
    if now == was:
        return
    db.execute(f"UPDATE org_tally SET oldest = {'NULL' if now is None else _lit(db, now)} "
               f"WHERE org_id = {int(org_id)}")
    ids = paths.ids(path)
    _add(db, ids, was, 0, -1)
    _add(db, ids, now, 0, 1)


def member_change(db, old: tuple[int | None, date | None], new: tuple[int | None, date | None]) -> None:
    """One member's (organisation counted at or None when not active, birth date) changed
    from ``old`` to ``new`` (``(None, None)`` for an insert or a delete)."""
    if old == new:
        return
    for (org_id, born), sign in ((old, -1), (new, 1)):
        if org_id is not None and born is not None:
            path = _path(db, org_id)
            if path is not None:
                _add(db, paths.ids(path), born, sign, 0)
    for org_id in sorted({o for o in (old[0], new[0]) if o is not None}):
        _oldest(db, org_id)


def members_added(db, org_id: int, births: Iterable[date]) -> None:
    """Active members born on ``births`` were inserted into ``org_id`` by a raw bulk insert."""
    path = _path(db, org_id)
    if path is None:
        return
    ids = paths.ids(path)
    by_day = Counter(births)  # a class shares a few hundred birth dates
    by_month: Counter = Counter()
    for born, n in by_day.items():
        by_month[born.year, born.month] += n
    if ids and by_month:  # a class born over two or three years: one statement, not thirty
        _add_months(db, ids, [(date(y, m, 1), n, 0) for (y, m), n in sorted(by_month.items())])
    _oldest(db, org_id, min(by_day) if by_day else None)


def _shift(db, org_id: int, ids: list[int], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) the subtree rows of ``org_id`` at ``ids``."""
    if not ids:
        return
    targets = " UNION ALL ".join(f"SELECT {int(i)} AS id" for i in ids)
    db.execute(f"INSERT INTO org_age_tally (org_id, born, m, br) "
               f"SELECT a.id, t.born, {sign} * t.m, {sign} * t.br FROM org_age_tally t, ({targets}) a "
               f"WHERE t.org_id = {int(org_id)} "
               "ON CONFLICT (org_id, born) DO UPDATE SET m = org_age_tally.m + excluded.m, "
               "br = org_age_tally.br + excluded.br")
    if sign < 0:
        db.execute(f"DELETE FROM org_age_tally WHERE m = 0 AND br = 0 AND org_id IN ({_ids(ids)})")


def move(db, org_id: int, old_above: list[int], new_above: list[int]) -> None:
    """A subtree moved: its rows leave the old ancestors and join the new ones."""
    _shift(db, org_id, old_above, -1)
    _shift(db, org_id, new_above, 1)


def detach(db, org_id: int, above: list[int]) -> None:
    """An organisation is deleted: what it still counts leaves its ancestors."""
    _shift(db, org_id, above, -1)
    db.execute(f"DELETE FROM org_age_tally WHERE org_id = {int(org_id)}")


# -- from scratch ------------------------------------------------------------------------------


def rebuild(db) -> None:
    """Every row from the member table, in SQL: each organisation's own members by birth
    month and its oldest, then level by level, deepest first, each level's rows (its own
    and those its children handed up) summed and handed to the parents. Each level reads
    only the level below (a temporary table), and the rows are written once, in key order;
    on PostgreSQL the primary key is built after them. ``org_tally`` must hold its rows
    already (paths, and ``oldest``)."""
    pg = db.provider_name == "postgres"
    active = f"status = '{STATUS_NORMAL}'"
    born = month_sql(db, "m.birth_date")
    db.execute("DELETE FROM org_age_tally")
    if pg:
        db.execute("ALTER TABLE org_age_tally DROP CONSTRAINT IF EXISTS org_age_tally_pkey")
    for t in ("zhtj_age_own", "zhtj_age_level", "zhtj_age_next"):
        db.execute(f"DROP TABLE IF EXISTS {t}")
    db.execute(
        "CREATE TEMP TABLE zhtj_age_own AS "
        "SELECT o.depth AS depth, x.org_id AS org_id, o.parent_id AS parent_id, x.born AS born, x.m AS m, x.br AS br "
        f"FROM (SELECT m.branch AS org_id, {born} AS born, count(*) AS m, 0 AS br FROM member m WHERE m.{active} "
        f"      GROUP BY m.branch, {born} "
        f"      UNION ALL SELECT org_id, {month_sql(db, 'oldest')}, 0, 1 FROM org_tally WHERE oldest IS NOT NULL) x "
        "JOIN org o ON o.id = x.org_id WHERE o.path IS NOT NULL")
    db.execute("CREATE TEMP TABLE zhtj_age_level (org_id integer, parent_id integer, born date, m integer, "
               "br integer)")
    depths = [r[0] for r in db.execute("SELECT DISTINCT depth FROM org WHERE path IS NOT NULL "
                                       "ORDER BY 1 DESC").fetchall()]
    for depth in depths:
        db.execute(
            "CREATE TEMP TABLE zhtj_age_next AS "
            "SELECT org_id, parent_id, born, sum(m) AS m, sum(br) AS br FROM ("
            f"  SELECT org_id, parent_id, born, m, br FROM zhtj_age_own WHERE depth = {int(depth)} "
            "  UNION ALL SELECT o.id, o.parent_id, l.born, l.m, l.br FROM zhtj_age_level l "
            "  JOIN org o ON o.id = l.parent_id) x "
            "GROUP BY org_id, parent_id, born")
        db.execute("INSERT INTO org_age_tally (org_id, born, m, br) "
                   "SELECT org_id, born, m, br FROM zhtj_age_next ORDER BY org_id, born")
        db.execute("DROP TABLE zhtj_age_level")
        db.execute("ALTER TABLE zhtj_age_next RENAME TO zhtj_age_level")
    db.execute("DROP TABLE zhtj_age_level")
    db.execute("DROP TABLE zhtj_age_own")
    if pg:
        db.execute("ALTER TABLE org_age_tally ADD PRIMARY KEY (org_id, born)")


def own_rows(db) -> tuple[dict[int, dict], dict[int, object]]:
    """``({org_id: {birth month: active members born that month}}, {org_id: oldest birth
    date})`` from the member table."""
    own: dict[int, dict] = {}
    oldest: dict[int, object] = {}
    for org_id, born, n in db.execute(f"SELECT branch, birth_date, count(*) FROM member "
                                      f"WHERE status = '{STATUS_NORMAL}' GROUP BY branch, birth_date").fetchall():
        months = own.setdefault(org_id, {})
        key = month(born)
        months[key] = months.get(key, 0) + int(n)
        if org_id not in oldest or born < oldest[org_id]:
            oldest[org_id] = born
    return own, oldest


def rollup(rows: dict[int, tuple], own: dict[int, dict], oldest: dict[int, object]) -> dict[int, tuple[dict, dict]]:
    """What ``org_age_tally`` should hold, per organisation: ``{org_id: ({birth month: m},
    {birth month: br})}`` over its subtree. ``rows``: the ``org_tally`` rows (their paths
    first) as ``tally.compute`` gives them; ``own``: each organisation's own active members
    by birth month; ``oldest``: its oldest active member's birth date. Summed bottom-up,
    each organisation's months handed once to the nearest ancestor that has a row."""
    m_of: dict[int, dict] = {}
    br_of: dict[int, dict] = {}
    for org_id, months in own.items():
        if org_id in rows and months:
            m_of[org_id] = dict(months)
            br_of[org_id] = {month(oldest[org_id]): 1}
    depth = {oid: r[0].count("/") for oid, r in rows.items()}
    for oid in sorted(rows, key=depth.__getitem__, reverse=True):
        mine = m_of.get(oid)
        if not mine:
            continue
        up = _nearest_up(rows, oid)
        if up is None:
            continue
        for target, source in ((m_of, mine), (br_of, br_of[oid])):
            have = target.get(up)
            if have is None:
                target[up] = dict(source)
            else:
                for k, v in source.items():
                    have[k] = have.get(k, 0) + v
        br_of.setdefault(up, {})
    return {oid: (m_of[oid], br_of.get(oid, {})) for oid in m_of}


def _nearest_up(rows: dict, oid: int) -> int | None:
    ids = paths.ids(rows[oid][0])
    for up in reversed(ids[:-1]):
        if up in rows:
            return up
    return None


def table_rows(rolled: dict[int, tuple[dict, dict]]):
    """``rollup``'s counts as ``org_age_tally`` rows ``(org_id, born, m, br)``, in key order."""
    for oid in sorted(rolled):
        m, br = rolled[oid]
        for born in sorted(m.keys() | br.keys()):
            yield oid, born, m.get(born, 0), br.get(born, 0)


def recompute(db, rows: dict[int, tuple], own: dict[int, dict], oldest: dict[int, object]) -> dict:
    """What ``org_age_tally`` should hold: ``{(org_id, born): (m, br)}``; ``rows``: the
    ``org_tally`` rows (their paths) as ``tally.recompute`` gives them; ``own`` and
    ``oldest`` as ``own_rows`` gives them."""
    return {(oid, born): (m, br) for oid, born, m, br in table_rows(rollup(rows, own, oldest))}


def stored(db) -> dict:
    return {(r[0], r[1]): (int(r[2]), int(r[3]))
            for r in db.execute("SELECT org_id, born, m, br FROM org_age_tally").fetchall()}
