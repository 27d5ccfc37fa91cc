"""团员管理's reading side (R-MEM-1: anyone whose subtree holds a branch reads its members;
R-MEM-5): a branch's or a subtree's members a page at a time, found by name, pinyin
initials, the last digits of the ID number or 团员编号; the active and 超龄 counts; the
branches to choose from.

A page is one raw SELECT into plain rows mapped to ``MemberRow`` (building 200 ORM
entities, every column converted, costs many times the query itself), after one raw
statement that checks the actor's authority over the organisation (``visible_scope``).
"""

from __future__ import annotations

import builtins  # the class's ``list`` method hides the type in its body
import re
from datetime import date
from functools import lru_cache

from pony.orm import select

from zhtj_tui.db.values import as_date
from zhtj_tui.domain import paths
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import mask_id_number
from zhtj_tui.domain.joinage import age_on, over_age_cutoff
from zhtj_tui.domain.text import search_text
from zhtj_tui.services.base import (
    Scope,
    ServiceBase,
    active_sql,
    is_active_status,
    like_escape,
    subtree_upper,
)
from zhtj_tui.services.dto import Actor, BranchCount, MemberRow, OrgBrief, Page
from zhtj_tui.services.member_text import political_short, post_label

#: Rows per page of the member table.
PAGE = 200

#: Search kinds (``list(by=...)``); "auto" picks one from the typed text.
SEARCH_KINDS = ("auto", "name", "initials", "id_suffix", "member_no")

#: What a page reads of each member (and the name of its branch); the status only where
#: members who left are listed too (otherwise every row is active). Each column costs
#: time on every row: the sort key of the keyset is read for the last row only.
_ROW_COLUMNS = ("m.id, m.branch, b.short_name, m.name, m.id_number, m.sex, m.birth_date, m.join_month,"
                " m.political, m.post, m.post_name, m.member_no{status}")
_ROW_SQL = f"SELECT {_ROW_COLUMNS} FROM member m JOIN org b ON b.id = m.branch"

#: Keys that find a handful of members wherever they are looked for (团员编号 is unique; the
#: last four or more characters of ID numbers are shared by few): their index is read in the
#: same statement as the scope and the actor's authority (``_scoped_text``), whatever the
#: scope, instead of one statement for each.
_SELECTIVE = {"member_no": 1, "id_suffix": 4}

#: The keyset of the sort (pinyin initials, name, id): the rows after ``$ai, $an, $aid``.
_AFTER_SQL = ("(m.name_initials > $ai OR (m.name_initials = $ai AND"
              " (m.name > $an OR (m.name = $an AND m.id > $aid))))")


def classify_query(text: str) -> str:
    """What the user typed: 12 digits → 团员编号 (or ID suffix), other digits → ID suffix,
    Latin letters → pinyin initials, anything else → part of the name."""
    if re.fullmatch(r"\d{12}", text):
        return "member_no"
    if re.fullmatch(r"\d*[\dXx]", text) and any(c.isdigit() for c in text):
        return "id_suffix"
    if re.fullmatch(r"[A-Za-z]+", text):
        return "initials"
    return "name"


#: The condition of each search kind, written so that it seeks its index.
_KEY_SQL = {
    "name": "m.name LIKE $q ESCAPE '!'",
    # The range seeks the index; the prefix test keeps the match exact in any collation.
    "initials": "m.name_initials >= $q AND m.name_initials < $qhi AND substr(m.name_initials, 1, $qn) = $q",
    "member_no": "m.member_no = $q",
    "id_suffix": "m.id_rev >= $q AND m.id_rev < $qhi",
}


def _key_sql(kind: str, text: str) -> tuple[str, dict]:
    """The condition of one search kind and its parameters."""
    if kind == "name":
        values: dict = {"q": f"%{like_escape(text)}%"}
    elif kind == "initials":
        t = text.lower()
        values = {"q": t, "qhi": t[:-1] + chr(ord(t[-1]) + 1), "qn": len(t)}
    elif kind == "member_no":
        values = {"q": text}
    elif kind == "id_suffix":
        rev = text.upper()[::-1]
        values = {"q": rev, "qhi": rev + "~"}
    else:
        raise DomainError("未知的查找方式", None, "bad_search")
    return _KEY_SQL[kind], values


@lru_cache(maxsize=128)
def _page_text(branch: bool, path_hint: bool, include_left: bool, kind: str, keyset: bool) -> tuple[str, tuple[str, ...]]:
    """The SELECT of a page and its conditions without the keyset (the same text for every
    call of one shape: built once, and the driver's statement cache finds it again)."""
    if branch:
        where = ["m.branch = $org"]
    else:
        col = "+m.path" if path_hint else "m.path"
        where = [f"{col} >= $lo AND {col} < $hi"]
    if not include_left:
        where.append(active_sql("m"))
    if kind:
        where.append(_KEY_SQL[kind])
    sql = (f"{_ROW_SQL.format(status=', m.status' if include_left else '')}"
           f" WHERE {' AND '.join(where + ([_AFTER_SQL] if keyset else []))}"
           " ORDER BY m.name_initials, m.name, m.id LIMIT $lim")
    return sql, tuple(where)


@lru_cache(maxsize=64)
def _scoped_text(scope_columns: str, scope_joins: str, path_hint: bool, include_left: bool, kind: str,
                 keyset: bool) -> str:
    """One page of a selective key (``_SELECTIVE``) under the organisation ``o``, read with
    what ``ServiceBase.scope_sql`` reads about ``o`` (after the row's columns): one row of
    NULL members and the scope when nothing matches, no row when there is no such
    organisation. The rows are read before the authority is decided and are dropped when it
    refuses (``checked_scope``)."""
    col = "+m.path" if path_hint else "m.path"
    conds = [f"{col} >= o.path AND {col} < {paths.upper_sql('o.path')}"]
    if not include_left:
        conds.append(active_sql("m"))
    conds.append(_KEY_SQL[kind])
    if keyset:
        conds.append(_AFTER_SQL)
    columns = _ROW_COLUMNS.format(status=", m.status" if include_left else "")
    return (f"SELECT {columns}, {scope_columns} FROM org o{scope_joins}"
            f" LEFT JOIN member m ON {' AND '.join(conds)} LEFT JOIN org b ON b.id = m.branch"
            " WHERE o.id = $o ORDER BY m.name_initials, m.name, m.id LIMIT $lim")


class MemberListing(ServiceBase):
    def list(self, actor: Actor, org_id: int, query: str = "", by: str = "auto",
             after: tuple | None = None, limit: int = PAGE, include_left: bool = False,
             count_all: bool = False) -> Page[MemberRow]:
        """The members of ``org_id`` (a branch, or every branch under an organisation),
        sorted by pinyin initials then name, a page at a time (keyset on the sort key).
        ``query`` narrows by name, initials ("zs" finds 张三), the last digits of the ID
        number or 团员编号; everything is done in the database. ``total`` is the number of
        matches when they fit on the first page, or when ``count_all`` asks for the count
        (an extra scan); otherwise None ("more than a page")."""
        if by not in SEARCH_KINDS:
            raise DomainError("未知的查找方式", None, "bad_search")
        text = search_text(query)
        kind = (classify_query(text) if by == "auto" else by) if text else ""
        today = self.settings.today()
        cutoff = over_age_cutoff(today, self.settings.join_age)

        def run():
            found_by = kind
            if len(text) >= _SELECTIVE.get(kind, 99):
                scope, rows = self._scoped_page(actor, org_id, kind, text, after, limit, include_left)
            else:
                scope = self.visible_scope(actor, org_id)
                rows = self._page(scope, kind, text, after, limit, include_left)
            if kind == "member_no" and not rows:
                # Twelve digits that are no 团员编号 are the end of an ID number.
                found_by = "id_suffix"
                rows = self._page(scope, found_by, text, after, limit, include_left)
            more = len(rows) > limit
            rows = rows[:limit]
            # The first page counts the matches only when they do not all fit on it.
            total = None
            if after is None:
                total = len(rows) if not more else (self._count(scope, found_by, text, include_left)
                                                    if count_all else None)
            items = _items(rows, today, cutoff, include_left)
            nxt = None
            if more and rows:
                last = rows[-1]
                initials = self.s.rows("SELECT name_initials FROM member WHERE id = $id", {"id": last[0]})[0][0]
                nxt = (initials, last[3], last[0])
            return Page(items, nxt, total)

        # Plain rows only (the authority check included): no db_session on SQLite.
        return self.read_rows(run)

    def _scoped_page(self, actor: Actor, org_id: int, kind: str, text: str, after: tuple | None, limit: int,
                     include_left: bool) -> tuple[Scope, builtins.list]:
        """The scope (authority checked) and one page of a selective key, in one statement."""
        columns, joins, params = self.scope_sql(actor, org_id)
        sql = _scoped_text(columns, joins, self.s.provider == "sqlite", include_left, kind, bool(after))
        params.update(_key_sql(kind, text)[1], lim=limit + 1)
        if after:
            params.update(ai=after[0], an=after[1], aid=int(after[2]))
        rows = self.s.rows(sql, params)
        width = 13 if include_left else 12
        scope = self.checked_scope(actor, rows[0][width:] if rows else None)
        return scope, [r[:width] for r in rows if r[0] is not None]

    def _page(self, scope: Scope, kind: str, text: str, after: tuple | None, limit: int,
              include_left: bool) -> builtins.list:
        """One page of rows."""
        sql, page_params, _, _ = self.page_sql(scope, kind, text, after, limit, include_left)
        return self.s.rows(sql, page_params)

    def page_sql(self, scope: Scope, kind: str, text: str, after: tuple | None, limit: int,
                 include_left: bool) -> tuple[str, dict, builtins.list[str], dict]:
        """The SELECT of one page and its parameters; the conditions without the keyset and
        their parameters (for counting)."""
        branch = scope.group == "branch"
        params: dict = {"org": scope.id} if branch else {"lo": scope.path, "hi": subtree_upper(scope.path)}
        # A subtree by its path range. When a search key narrows more than a subtree does,
        # SQLite (which has no statistics on ranges) must seek the key's index: the unary +
        # keeps it from choosing the path's (PostgreSQL plans by statistics).
        hint = not branch and kind in ("initials", "id_suffix", "member_no") and self.s.provider == "sqlite"
        if kind:
            params.update(_key_sql(kind, text)[1])
        sql, where = _page_text(branch, hint, include_left, kind, bool(after))
        page_params = dict(params, lim=limit + 1)
        if after:
            page_params.update(ai=after[0], an=after[1], aid=int(after[2]))
        return sql, page_params, builtins.list(where), params

    def _count(self, scope: Scope, kind: str, text: str, include_left: bool) -> int:
        """All the matches of a search, beyond the first page."""
        _, _, where, params = self.page_sql(scope, kind, text, None, 0, include_left)
        return int(self.s.rows(f"SELECT count(*) FROM member m WHERE {' AND '.join(where)}", params)[0][0])

    def counts(self, actor: Actor, org_id: int) -> tuple[BranchCount, ...]:
        """Active members and 超龄 members (R-MEM-5) of each branch under ``org_id`` (or
        of ``org_id`` itself when it is a branch): one GROUP BY over the path range."""
        cutoff = over_age_cutoff(self.settings.today(), self.settings.join_age)

        def run():
            scope = self.visible_scope(actor, org_id)
            rows = self.s.execute(
                "SELECT branch, COUNT(*), SUM(CASE WHEN birth_date <= $cutoff THEN 1 ELSE 0 END) FROM member"
                f" WHERE path >= $lo AND path < $hi AND {active_sql()} GROUP BY branch",
                {"cutoff": cutoff.isoformat(), "lo": scope.path, "hi": subtree_upper(scope.path)},
            ).fetchall()
            totals = {int(b): (int(n), int(o or 0)) for b, n, o in rows}
            if scope.group == "branch":
                totals.setdefault(scope.id, (0, 0))
            return tuple(BranchCount(b, n, o) for b, (n, o) in sorted(totals.items()))

        return self.read(run)

    def totals(self, actor: Actor, org_id: int) -> BranchCount:
        """Active and 超龄 members of ``org_id``'s whole subtree. A branch: one aggregate
        over its members. A larger subtree (a province's holds millions): its stored counts
        (``org_tally.t_mem``; ``org_age_tally`` for the birth months before the cut-off's
        month) and the members born in the cut-off's month up to the cut-off, read through
        the index of active members by birth date, as the progress figures do."""
        cutoff = over_age_cutoff(self.settings.today(), self.settings.join_age)

        def run():
            scope = self.visible_scope(actor, org_id)
            params = {"cutoff": cutoff.isoformat(), "lo": scope.path, "hi": subtree_upper(scope.path)}
            if scope.group == "branch":
                n, o = self.s.execute(
                    "SELECT COUNT(*), SUM(CASE WHEN birth_date <= $cutoff THEN 1 ELSE 0 END) FROM member"
                    f" WHERE path >= $lo AND path < $hi AND {active_sql()}", params).fetchone()
            else:
                params.update(x=scope.id, month=cutoff.replace(day=1).isoformat())
                n, o = self.s.execute(
                    "SELECT (SELECT t.t_mem FROM org_tally t WHERE t.org_id = $x),"
                    " COALESCE((SELECT SUM(a.m) FROM org_age_tally a WHERE a.org_id = $x AND a.born < $month), 0)"
                    " + (SELECT COUNT(*) FROM member WHERE birth_date >= $month AND birth_date <= $cutoff"
                    f" AND path >= $lo AND path < $hi AND {active_sql()})", params).fetchone()
            return BranchCount(scope.id, int(n or 0), int(o or 0))

        return self.read(run)

    def count(self, actor: Actor, branch_id: int) -> BranchCount:
        return self.totals(actor, branch_id)

    def branches(self, actor: Actor, text: str = "", limit: int = 50, writable: bool = False) -> tuple[OrgBrief, ...]:
        """Branches in the actor's subtree, in tree order; ``text`` narrows by part of the
        name. ``writable``: only those whose members the actor may enter (R-MEM-1: the
        actor's own branch or the direct children of the actor's organisation)."""
        text = search_text(text)

        def run():
            Org = self.s.Org
            q = select(o for o in Org if o.group == "branch")
            if not actor.operator:
                home = self.admin_org(actor)
                lo, hi = home.path, subtree_upper(home.path)
                q = q.filter(lambda o: o.path >= lo and o.path < hi)
                if writable:
                    hid = home.id
                    q = q.filter(lambda o: o.id == hid or o.parent.id == hid)
            if text:
                q = q.filter(lambda o: text in o.short_name)
            rows = q.order_by(lambda o: (o.path,))[:limit]
            parent_ids = {o.parent.id for o in rows if o.parent}
            names = dict(select((o.id, o.short_name) for o in Org if o.id in parent_ids)[:]) if parent_ids else {}
            return tuple(
                OrgBrief(o.id, o.short_name, "团支部", o.group, o.depth, 0,
                         ((names.get(o.parent.id, ""),) if o.parent else ()) + (o.short_name,))
                for o in rows
            )

        return self.read(run)

    search = list  # the same call: a query makes a list a search


#: (today, 超龄 cutoff, {birth date as read: (age, 超龄)}): a university's members share a
#: few thousand birth dates, each worked out once a day (replaced whole when the day changes).
_AGES: tuple[date | None, date | None, dict] = (None, None, {})


def _ages(today: date, cutoff: date) -> dict:
    global _AGES
    day, cut, ages = _AGES
    if day != today or cut != cutoff or len(ages) > 50_000:
        ages = {}
        _AGES = (today, cutoff, ages)
    return ages


def _items(rows: builtins.list[tuple], today: date, cutoff: date, include_left: bool) -> tuple[MemberRow, ...]:
    """``MemberRow``s from rows of ``_ROW_SQL``; personal data masked (SPEC §9). Rows
    repeat a few codes and birth dates many times: each is worked out once."""
    ages = _ages(today, cutoff)  # birth date as read -> (age, 超龄)
    politicals: dict = {}
    posts: dict = {}
    out: builtins.list[MemberRow] = []
    append, row_of, mask = out.append, MemberRow, mask_id_number
    for r in rows:
        birth, political, post, post_name = r[6], r[8], r[9], r[10]
        age = ages.get(birth)
        if age is None:
            day = as_date(birth)
            assert day is not None  # every member has one (NOT NULL)
            age = ages[birth] = (age_on(day, today), day <= cutoff)
        pol = politicals.get(political)
        if pol is None:
            pol = politicals[political] = political_short(political)
        label = posts.get((post, post_name)) if post else ""
        if label is None:
            label = posts[(post, post_name)] = post_label(post, post_name)
        # Without include_left every row is active (R-MEM-3: the page's condition).
        append(row_of(r[0], r[1], r[3], mask(r[4]), r[5], age[0], r[7], pol, label, age[1], r[11] or "",
                      is_active_status(r[12]) if include_left else True, r[2]))
    return tuple(out)
