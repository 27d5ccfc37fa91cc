"""团员批量导入 (R-MEM-1..4): every row checked with ``domain.member.MemberCheck`` (the rule
single entry uses), duplicates within the file and in the whole system (the holding
organisation named, one query for all the file's numbers), then one transaction of raw bulk
inserts. The database's unique columns (``Member.active_id``, ``Member.member_no``) remain
the guarantee: a clash that slips in between the check and the insert aborts the whole
import and nothing is written."""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, compress
from operator import attrgetter, itemgetter
from typing import Any

from pony.utils import datetime2timestamp

from zhtj_tui.db import tally, tally_age
from zhtj_tui.domain import paths
from zhtj_tui.domain.errors import Conflict, DomainError
from zhtj_tui.domain.member import MemberCheck, MemberData, member_initials
from zhtj_tui.domain.vocab import SECRETARY_POST, STATUS_NORMAL
from zhtj_tui.excel.specs import MEMBER_SPEC, ParsedSheet
from zhtj_tui.folders import folder_for
from zhtj_tui.services.base import ServiceBase
from zhtj_tui.services.cadres import CadreService, secretary_taken_message
from zhtj_tui.services.dto import (
    CREATE,
    CREATED,
    ERROR,
    EXISTS,
    Actor,
    ImportPreview,
    ImportResult,
    RowOutcome,
)
from zhtj_tui.services.imports import Pasted, Progress, Ticker, gc_paused, load, phase, preview_as_result
from zhtj_tui.services.member_ids import release_member_no, returning_member_no
from zhtj_tui.services.member_rows import Planned, in_file_duplicates

#: The member table's columns filled by the import, in insert order.
COLUMNS = (
    "branch", "path", "name", "name_initials", "id_number", "id_rev", "active_id", "birth_date", "sex", "ethnic",
    "political", "join_month", "education", "mobile", "member_no", "post", "post_name", "join_unit", "note",
    "status", "left_reason", "left_at", "created_at", "updated_at", "version",
)
_OUTCOME, _CODE = attrgetter("outcome"), attrgetter("code")  # of a RowOutcome
_DATA, _POST = attrgetter("data"), attrgetter("post")  # of a Planned row, of a MemberData
#: RowOutcome code of a row whose 团员编号 is the person's own, from their closed record (R-MEM-4).
RETURNING = "returning_member_no"
#: PostgreSQL: rows per execute_values call (and between progress reports while inserting);
#: SQLite has its own statements (``SQLITE_ROWS``).
BATCH = 2000
#: Rows checked at a time (between progress reports while checking; a multiple of 256).
CHECK_CHUNK = 1024

CONFLICT_MESSAGE = (
    "导入时发现有身份证号码或团员编号刚被他人录入，为保证数据一致，本次没有导入任何团员。"
    "请重新上传文件，查看最新的检查结果后再确认"
)


@dataclass(frozen=True)
class _Basis:
    """The database's answers an import's outcomes were decided on."""

    branch_id: int
    branch_name: str
    #: ID number / 团员编号 -> (branch id, branch path, ID number, active_id) of its holder.
    id_holders: dict[str, tuple]
    no_holders: dict[str, tuple]
    names: dict[int, str]
    #: The branch's secretary: (ID number, name, start date).
    secretary: tuple | None
    #: The file's ID numbers and 团员编号 that were asked about (the same at the commit).
    asked: tuple[list[str], list[str]] = field(default=([], []), compare=False, repr=False)


class MemberImportService(ServiceBase):
    def preview(self, actor: Actor, branch_id: int, source: str | os.PathLike | ParsedSheet | Pasted,
                progress: Progress | None = None) -> ImportPreview:
        """Read and check the file; nothing is written."""
        sheet, file_name, planned = self._read_checked(actor, branch_id, source, progress)

        def run():
            branch = self.member_branch(actor, branch_id)
            basis = self._basis(branch, planned)
            rows = self._resolve(branch, planned, basis)
            return ImportPreview("members", branch.id, branch.short_name, file_name, sheet.sheet_name,
                                 tuple(rows), planned=tuple(planned), notes=sheet.notes, basis=basis)

        with gc_paused():
            return self.read(run)

    def commit(self, actor: Actor, preview: ImportPreview, progress: Progress | None = None) -> ImportResult:
        """Insert every 将创建 row in one transaction. If the database changed since the
        preview so that a row's outcome would differ, nothing is written (``Conflict``)."""
        if preview.kind != "members":
            raise DomainError("这不是团员导入的预览", None, "wrong_preview")
        planned = list(preview.planned)

        def decide(branch) -> tuple[RowOutcome, ...]:
            basis = self._basis(branch, planned, preview.basis.asked if isinstance(preview.basis, _Basis) else None)
            # The same answers from the database give the same outcomes: only a change is
            # looked at row by row.
            if basis == preview.basis:
                return preview.rows
            rows = tuple(self._resolve(branch, planned, basis))
            changed = [(old, new) for old, new in zip(preview.rows, rows, strict=True) if old.outcome != new.outcome]
            if changed:
                old, new = changed[0]
                raise Conflict(
                    f"自预览以来数据已有变化（第{new.row}行：{new.reason or new.outcome}），本次没有导入任何团员。"
                    "请重新上传文件，查看最新的检查结果后再确认", None, "changed_since_preview")
            return rows

        return self._apply(actor, preview.target_id, planned, decide, preview.file_name, preview.notes, progress)

    def run_file(self, actor: Actor, branch_id: int, source, dry_run: bool = False,
                 progress: Progress | None = None) -> ImportResult:
        """Read, check and import a file without a preview in between (the command line):
        the outcomes are decided in the transaction that inserts, so nothing can change
        between the two and the database is asked once."""
        # One pause of the collector for both steps; the sheet and the checked rows are let
        # go before it resumes, so that it then looks only at the result's rows.
        with gc_paused():
            if dry_run:
                return preview_as_result(self.preview(actor, branch_id, source, progress))
            sheet, file_name, planned = self._read_checked(actor, branch_id, source, phase(progress, 0.0, 0.8))
            notes = sheet.notes
            del sheet

            def decide(branch) -> tuple[RowOutcome, ...]:
                # Decided in the transaction that inserts: a row that will be created is
                # 已创建 at once.
                return tuple(self._resolve(branch, planned, self._basis(branch, planned), CREATED))

            result = self._apply(actor, branch_id, planned, decide, file_name, notes, phase(progress, 0.8, 1.0))
            planned.clear()
        return result

    def _read_checked(self, actor: Actor, branch_id: int, source, progress: Progress | None,
                      ) -> tuple[ParsedSheet, str, list[Planned]]:
        """The file read and each row checked (R-MEM-2, duplicates within the file), after
        the branch has been checked (refused early, before reading the file)."""
        self.read(lambda: self.member_branch(actor, branch_id))
        with gc_paused():
            sheet, file_name = load(source, MEMBER_SPEC, phase(progress, 0.0, 0.7), folder_for(self.settings, actor))
            planned = self._validate(sheet, phase(progress, 0.7, 1.0))
        return sheet, file_name, planned

    def _apply(self, actor: Actor, branch_id: int, planned: list[Planned],
               decide: Callable[[Any], tuple[RowOutcome, ...]], file_name: str, notes: tuple[str, ...],
               progress: Progress | None) -> ImportResult:
        """One write transaction: the outcomes (``decide``, under the lock), then every
        将创建 row inserted, the branch's secretary and kept counts, the audit entry."""

        def run():
            self.lock_orgs(branch_id)  # begins the write transaction; paths stay true (R-TREE-6)
            branch = self.member_branch(actor, branch_id)
            self.s.db.get_connection()  # begin the write transaction before checking again
            rows = decide(branch)
            # One outcome per planned row, in order (``_resolve``); a 将创建 row (a preview's)
            # becomes 已创建. (The passes over all rows below run in C: map, compress.)
            assert len(rows) == len(planned)
            outcomes = list(map(_OUTCOME, rows))
            if CREATE in outcomes:
                rows = tuple(RowOutcome(r.row, r.name, CREATED, r.reason, r.field, r.code) if r.outcome == CREATE
                             else r for r in rows)
                outcomes = list(map(_OUTCOME, rows))
            todo: list[MemberData] = list(compress(map(_DATA, planned), map(CREATED.__eq__, outcomes)))
            if RETURNING in map(_CODE, rows):
                for r, p in zip(rows, planned, strict=True):
                    if r.code == RETURNING and r.outcome == CREATED:  # R-MEM-4: a returning member takes
                        release_member_no(self.s, p.data.member_no, p.data.id_number)  # their number back
            # R-MEM-6: the row with 团内职务 书记 becomes the secretary
            secretaries = [d for d in todo if d.post == SECRETARY_POST] if SECRETARY_POST in map(_POST, todo) else []
            self._insert(branch, todo, progress)
            for d in secretaries:
                m = self.s.Member.get(active_id=d.id_number)
                CadreService(self.ctx).member_became_secretary(actor, branch, m)
            counts = Counter(outcomes)
            self.audit(actor, "member.import", "org", branch.id, branch, after={
                "created": len(todo), "existing": counts[EXISTS], "refused": counts[ERROR],
                "file": file_name[:80],
            })
            return ImportResult("members", branch.id, branch.short_name, rows, notes=notes)

        with gc_paused():
            return self.write(run, integrity=lambda exc: Conflict(CONFLICT_MESSAGE, None, "import_conflict"))

    # -- helpers -------------------------------------------------------------------------
    def _validate(self, sheet: ParsedSheet, progress: Progress | None = None) -> list[Planned]:
        check = MemberCheck(self.settings.today(), self.settings.join_age, self.settings.member_no_cutover)
        ticker = Ticker(progress, len(sheet.rows))
        out: list[Planned] = []
        append = out.append
        planned = tuple.__new__  # Planned(row, name, data, None), one per row, without its __new__
        rows = sheet.rows
        for start in range(0, len(rows), CHECK_CHUNK):
            ticker.tick(start)
            chunk = rows[start:start + CHECK_CHUNK]
            checked = iter(check.many([values for _, values, error in chunk if error is None]))
            for r, values, error in chunk:
                if error is None:
                    got = next(checked)
                    if isinstance(got, DomainError):
                        append(Planned(r, _label(values), error=got))
                    else:
                        append(planned(Planned, (r, got[0], got, None)))
                else:
                    append(Planned(r, _label(values), error=error))
        ticker.finish()
        return in_file_duplicates(sheet, out)

    def _basis(self, branch, planned: list[Planned], asked: tuple[list[str], list[str]] | None = None) -> _Basis:
        """What the outcomes depend on besides the rows: one query per kind of number."""
        if asked is None:
            # Each number once, in no particular order (the same list is asked again at the commit).
            ids = list({d.id_number for p in planned if (d := p.data) is not None})
            nos = list({d.member_no for p in planned if (d := p.data) is not None and d.member_no})
        else:
            ids, nos = asked
        id_holders = self._holders("active_id", ids)
        no_holders = self._holders("member_no", nos)
        names = self._org_names([h[1] for h in (*id_holders.values(), *no_holders.values())])
        # The branch's secretary matters only to a row naming 书记 as its 团内职务 (R-MEM-6).
        sec = (self.s.Cadre.get(secretary_of=branch.id)
               if any(p.data is not None and p.data.post == SECRETARY_POST for p in planned) else None)
        secretary = (sec.id_number, sec.name, sec.start_date) if sec is not None else None
        return _Basis(branch.id, branch.short_name, id_holders, no_holders, names, secretary, (ids, nos))

    def _resolve(self, branch, planned: list[Planned], basis: _Basis, create: str = CREATE) -> list[RowOutcome]:
        """Duplicates within the file and in the whole system (R-MEM-3, R-MEM-4). A row
        that can be created gets the outcome ``create`` (将创建, or 已创建 when decided in
        the inserting transaction)."""
        id_holders, no_holders, names, secretary = basis.id_holders, basis.no_holders, basis.names, basis.secretary
        secretary_row: int | None = None

        def where(path: str) -> str:
            return " / ".join(names.get(i, "?") for i in paths.ids(path))

        out: list[RowOutcome] = []
        append = out.append
        outcome = tuple.__new__  # RowOutcome(...) of the usual row, without its __new__
        for p in planned:
            if p.error is not None:
                append(RowOutcome(p.row, p.label, ERROR, str(p.error), p.error.field, p.error.code))
                continue
            d = p.data
            assert d is not None  # a row without a refusal carries its data
            holder = id_holders.get(d.id_number) if id_holders else None
            if holder is not None:
                branch_id, path = holder[:2]
                if branch_id == branch.id:
                    append(RowOutcome(p.row, d.name, EXISTS, "该团员已在本团支部，不会重复导入", None, "exists"))
                else:
                    append(RowOutcome(
                        p.row, d.name, ERROR,
                        f"该身份证号码已是“{where(path)}”的团员，一人只能属于一个团组织。"
                        "如确需转入，请先由原组织办理组织关系转出", "id_number", "duplicate_id"))
                continue
            no_holder = no_holders.get(d.member_no) if d.member_no and no_holders else None
            returning = no_holder is not None and returning_member_no(no_holder[3] is not None, no_holder[2],
                                                                      d.id_number)
            if no_holder is not None and not returning:
                append(RowOutcome(p.row, d.name, ERROR,
                                      f"团员编号 {d.member_no} 已被“{where(no_holder[1])}”的团员使用，请核对",
                                      "member_no", "duplicate_member_no"))
                continue
            if d.post == SECRETARY_POST:
                if secretary is not None and secretary[0] != d.id_number:
                    append(RowOutcome(p.row, d.name, ERROR,
                                          secretary_taken_message(branch.short_name, secretary[1], secretary[2]),
                                          "post", "secretary_exists"))
                    continue
                if secretary_row is not None:
                    append(RowOutcome(p.row, d.name, ERROR,
                                          f"第{secretary_row}行已是书记，一个组织只能有一位书记，请改正团内职务",
                                          "post", "secretary_in_file"))
                    continue
                secretary_row = p.row
            if not returning:
                reason = ("提示：" + "；".join(d.warnings)) if d.warnings else ""
                append(outcome(RowOutcome, (p.row, d.name, create, reason, None, None)))
                continue
            notes = [*d.warnings, f"沿用本人已离团记录中的团员编号 {d.member_no}"]
            append(RowOutcome(p.row, d.name, create, "提示：" + "；".join(notes), None, RETURNING))
        return out

    def _holders(self, column: str, values: list[str]) -> dict[str, tuple[int, str, str, str | None]]:
        """value -> (branch id, branch path, ID number, active_id) of the members holding
        it: one query."""
        if not values:
            return {}
        db = self.s.db
        if self.s.provider == "sqlite":
            # The numbers (distinct) drive the join, one index lookup each: "IN (SELECT …)"
            # would first build a temporary list of them.
            sql = (f"SELECT m.{column}, m.branch, m.path, m.id_number, m.active_id "
                   f"FROM json_each($vals) j JOIN member m ON m.{column} = j.value")
            rows = db.select(sql, {}, {"vals": json.dumps(values)})
        else:
            sql = f"SELECT m.{column}, m.branch, m.path, m.id_number, m.active_id FROM member m WHERE m.{column} = ANY($vals)"
            rows = db.select(sql, {}, {"vals": list(values)})
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def _org_names(self, held: list[str]) -> dict[int, str]:
        return self.names_by_id(i for path in held for i in paths.ids(path))

    def _insert(self, branch, todo: list[MemberData], progress: Progress | None) -> None:
        """Raw bulk insert inside the session's transaction (statements of many rows on
        SQLite, execute_values on PostgreSQL); a unique violation aborts the whole
        transaction."""
        now = self.now()
        sqlite = self.s.provider == "sqlite"
        branch_id, path = branch.id, branch.path
        con = self.s.db.get_connection()
        cur = con.cursor()
        try:
            if sqlite:
                self._insert_sqlite(cur, branch_id, path, datetime2timestamp(now), todo, progress)
            else:
                from psycopg2.extras import execute_values

                status = STATUS_NORMAL
                initials = member_initials
                cols = ", ".join(COLUMNS)
                for i in range(0, len(todo), BATCH):
                    # MemberData: name, id_number, birth_date, sex, ethnic, political, join_month,
                    # education, mobile, member_no, post, post_name, join_unit, note, warnings.
                    batch = [(branch_id, path, d[0], initials(d[0]), d[1], d[1][::-1], d[1], d[2], d[3], d[4], d[5],
                              d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], status, None, None, now, now, 1)
                             for d in todo[i:i + BATCH]]
                    execute_values(cur, f"INSERT INTO member ({cols}) VALUES %s", batch, page_size=1000)
                    if progress is not None:
                        progress(min(i + BATCH, len(todo)), len(todo))
            # The branch's kept count of active members (db.tally), in the same transaction:
            # the raw insert bypasses the entity hooks that keep it for single entries.
            tally.own_delta(self.s.db, branch.id, m=len(todo))
            tally_age.members_added(self.s.db, branch.id, (d.birth_date for d in todo))
        except Exception as exc:
            if _is_unique_violation(exc):
                raise Conflict(CONFLICT_MESSAGE, None, "import_conflict") from None
            raise

    @staticmethod
    def _insert_sqlite(cur, branch_id: int, path: str, stamp: str, todo: list[MemberData],
                       progress: Progress | None) -> None:
        """SQLite: statements of up to ``SQLITE_ROWS`` rows (``_sqlite_insert``): about 40%
        less time than ``executemany`` of one-row statements, which steps and resets every
        row apart. What every row shares is bound once per statement, and a column
        empty on every row of the file is left out of the statement (it is NULL) rather
        than bound on each row: binding is a third of SQLite's time here."""
        rows = _sqlite_rows(cur.connection)
        # Birth dates repeat from row to row (a class shares a few hundred): each is
        # written out once.
        births = {b: b.isoformat() for b in {d.birth_date for d in todo}}
        initials = member_initials
        flatten = chain.from_iterable  # the rows' values one after another, without a loop in Python
        # The optional fields some row of the file has (one statement text for the file: each
        # other text is prepared again).
        present = tuple(j for j in _OPTIONAL if any(d[j] is not None for d in todo))
        optional = _fields(present) if present else None
        for i in range(0, len(todo), rows):
            chunk = todo[i:i + rows]
            # Per row, its ``_SQLITE_OWN`` values from MemberData's fields 0..8, as
            # ``_sqlite_insert`` names their columns, then the optional ones.
            own = [(d[0], initials(d[0]), d[1], d[1][::-1], d[1], births[d[2]], d[3], d[4], d[5], d[6], d[7], d[8])
                   for d in chunk]
            if optional is not None:
                own = [o + optional(d) for o, d in zip(own, chunk, strict=True)]
            cur.execute(_sqlite_insert(len(chunk), present), [branch_id, path, stamp, *flatten(own)])
            if progress is not None and (i // rows) % 10 == 9:
                progress(i + len(chunk), len(todo))
        if progress is not None:
            progress(len(todo), len(todo))


#: Rows per INSERT statement on SQLite (``_insert_sqlite``), fewer where the library allows
#: fewer bound values; more rows per statement gain nothing more.
SQLITE_ROWS = 200
#: MemberData's fields that most rows leave empty, by their column: 团员编号, 团内职务, 职务名称,
#: 入团时所在单位, 备注.
_OPTIONAL = (9, 10, 11, 12, 13)
_OPTIONAL_COLUMNS = dict(zip(_OPTIONAL, COLUMNS[14:19], strict=True))
#: The columns every row binds: name, initials, ID number, reversed, active ID, birth date,
#: sex, ethnic, political, join month, education, mobile.
_OWN_COLUMNS = COLUMNS[2:14]
_SQLITE_OWN = len(_OWN_COLUMNS)
#: Bound values of a row at most (every optional column present).
_SQLITE_ROW_WIDTH = _SQLITE_OWN + len(_OPTIONAL)
#: Bound values of a statement's head (the branch, its path and the time).
_SQLITE_SHARED = 3


@lru_cache(maxsize=64)
def _sqlite_insert(n: int, present: tuple[int, ...] = ()) -> str:
    """The INSERT of ``n`` rows with the optional fields ``present`` (the same text each
    time: the library prepares it once per connection). The branch, its path and the time
    are ?1, ?2, ?3, bound once per statement (a numbered parameter must come before the
    first unnumbered one); then each row's own values and its optional ones; status and
    version are the same for every imported member; the columns left out (the optional ones
    no row has, left_reason, left_at) are NULL."""
    columns = ("branch", "path", "created_at", "updated_at", *_OWN_COLUMNS, *(_OPTIONAL_COLUMNS[j] for j in present),
               "status", "version")
    row = f"(?1, ?2, ?3, ?3, {', '.join(['?'] * (_SQLITE_OWN + len(present)))}, '{STATUS_NORMAL}', 1)"
    return f"INSERT INTO member ({', '.join(columns)}) VALUES " + ", ".join([row] * n)


def _fields(indexes: tuple[int, ...]) -> Callable[[tuple], tuple]:
    """A row's fields at ``indexes``, as a tuple (``itemgetter`` gives one field bare)."""
    if len(indexes) == 1:
        i = indexes[0]
        return lambda row: (row[i],)
    return itemgetter(*indexes)


def _sqlite_rows(con) -> int:
    """Rows per statement within the connection's limit of bound values."""
    try:
        limit = con.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):  # pragma: no cover - Python before 3.11
        limit = 999
    return max(1, min(SQLITE_ROWS, (limit - _SQLITE_SHARED) // _SQLITE_ROW_WIDTH))


def _label(values: dict) -> str:
    """A refused row's name in the preview, as written."""
    return str(values.get("name") or "").strip()[:30]


def _is_unique_violation(exc: Exception) -> bool:
    if isinstance(exc, sqlite3.IntegrityError):
        return True
    try:
        import psycopg2

        return isinstance(exc, psycopg2.IntegrityError)
    except ImportError:  # pragma: no cover
        return False
