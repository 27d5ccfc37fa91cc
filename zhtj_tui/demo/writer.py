"""Bulk writing of generated rows: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

The generator hands over plain tuples with ids it assigned itself (or, for PostgreSQL, its
busiest rows as COPY lines), so the paths are known before anything is written and nothing
is read back. The writer owns one raw connection and the one transaction of the load.
"""

from __future__ import annotations

import io
import queue
import sqlite3
import threading
import time
from datetime import date, datetime

from zhtj_tui.db import SQLITE_BUSY_TIMEOUT, DbUrl
from zhtj_tui.db.tally import COHORT_COLS
from zhtj_tui.db.tally_age import AGE_COLS
from zhtj_tui.db.tally_build import ROW

#: Tables in the order their rows must be written (foreign keys point backwards).
COLUMNS: dict[str, tuple[str, ...]] = {
    "account": ("id", "name", "id_number", "mobile", "birth_date", "sex", "join_month", "password_hash",
                "failed_logins", "locked_until", "created_at", "last_login_at"),
    "org": ("id", "parent_id", "path", "depth", "category", "cat_group", "short_name", "name_initials", "full_name", "cohort",
            "industry", "admin_quota", "admin_actual", "inst_quota", "inst_actual", "contact_phone", "email",
            "info_saved_at", "info_complete", "created_at", "created_by", "updated_at", "version"),
    "member": ("id", "branch", "path", "name", "name_initials", "id_number", "id_rev", "active_id", "birth_date", "sex",
               "ethnic", "political", "join_month", "education", "mobile", "member_no", "post", "post_name",
               "join_unit", "note", "status", "left_reason", "left_at", "created_at", "updated_at", "version"),
    "cadre": ("id", "org", "post", "post_name", "name", "id_number", "mobile", "member", "start_date",
              "end_date", "secretary_of", "created_at"),
    "reg_code": ("id", "code", "org", "issued_by", "issued_at", "expires_at", "used_at", "used_by",
                 "revoked_at"),
    "admin_role": ("id", "account", "org", "post", "post_name", "code_id", "created_at", "active"),
    "deadline_task": ("id", "org", "name", "kind", "cohort", "due", "created_at", "created_by"),
    "audit_log": ("id", "at", "actor", "actor_label", "action", "entity", "entity_id", "org", "path",
                  "before", "after", "note"),
}
#: The counts kept per organisation (``db.tally``, ``db.tally_age``), written after the rows.
DERIVED: dict[str, tuple[str, ...]] = {
    "org_tally": ("org_id", *ROW),
    "org_cohort_tally": ("org_id", "cohort", *COHORT_COLS),
    "org_age_tally": ("org_id", "born", *AGE_COLS),
}
TABLES = {**COLUMNS, **DERIVED}
#: Columns (table.column) whose values come in the order the rows are written: the indexes
#: led by them are kept during a PostgreSQL load (``PostgresWriter.begin_load``).
IN_WRITE_ORDER = ("member.branch", "member.path")
#: Every table the demo fills or empties, children first (the order for emptying).
EMPTY_ORDER = ("org_age_tally", "org_cohort_tally", "org_tally", "audit_log", "throttle", "deadline_task", "cadre", "admin_role", "reg_code", "member", "org",
               "account")


class Writer:
    provider: str
    #: The writer also takes rows already as COPY text lines (``str``, with their line
    #: break); the generator makes the member rows that way, its busiest step.
    lines: bool = False
    #: Seconds the generating thread waited for the server, and the server spent on COPY.
    waited: float = 0.0
    copying: float = 0.0

    def write(self, table: str, rows: list[tuple]) -> None:
        raise NotImplementedError

    def scalar(self, sql: str, params: tuple = ()):
        raise NotImplementedError

    def execute(self, sql: str, params: tuple = ()) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def empty_tables(self) -> None:
        raise NotImplementedError

    def reset_sequences(self) -> None:
        """Make the next ORM insert follow the explicit ids written here."""

    def sync(self) -> None:
        """Wait until every row handed over is written (raise what failed)."""

    def begin_load(self) -> None:
        """Called before the rows are written (in the transaction that writes them)."""

    def end_load(self) -> None:
        """Called after the rows are written, before the commit."""

    def analyze(self) -> None:
        """Refresh the planner's statistics after the load (PostgreSQL)."""

    def non_empty(self) -> bool:
        return any(self.scalar(f"SELECT 1 FROM {t} LIMIT 1") for t in ("org", "account", "member"))

    def meta(self, key: str) -> str | None:
        return self.scalar("SELECT value FROM zhtj_meta WHERE key = %s" if self.provider == "postgres"
                           else "SELECT value FROM zhtj_meta WHERE key = ?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        ph = "%s" if self.provider == "postgres" else "?"
        self.execute(f"DELETE FROM zhtj_meta WHERE key = {ph}", (key,))
        self.execute(f"INSERT INTO zhtj_meta (key, value) VALUES ({ph}, {ph})", (key, value))


def _sqlite_value(v):
    t = type(v)
    if t is datetime:
        return v.isoformat(" ")
    if t is date:
        return v.isoformat()
    return v


class SqliteWriter(Writer):
    provider = "sqlite"

    def __init__(self, path: str):
        self.con = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT, isolation_level=None)
        self.con.execute("PRAGMA journal_mode = WAL")
        self.con.execute("PRAGMA synchronous = NORMAL")
        self.con.execute("PRAGMA foreign_keys = ON")
        self._in_tx = False
        self._sql = {
            t: f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            for t, cols in TABLES.items()
        }

    def _begin(self) -> None:
        if not self._in_tx:
            self.con.execute("BEGIN IMMEDIATE")
            self._in_tx = True

    def write(self, table, rows):
        if not rows:
            return
        self._begin()
        self.con.executemany(self._sql[table], ([_sqlite_value(v) for v in r] for r in rows))

    def scalar(self, sql, params=()):
        row = self.con.execute(sql, params).fetchone()
        return row[0] if row else None

    def execute(self, sql, params=()):
        self._begin()
        self.con.execute(sql, params)

    def commit(self):
        if self._in_tx:
            self.con.execute("COMMIT")
            self._in_tx = False

    def close(self):
        if self._in_tx:
            self.con.execute("ROLLBACK")
            self._in_tx = False
        self.con.close()

    def empty_tables(self):
        from zhtj_tui.db import AUDIT_GUARD_OFF, AUDIT_GUARD_ON

        self._begin()
        # The audit log is append-only (database triggers); only a demo database is wiped,
        # and the guard is back before this transaction commits.
        for sql in AUDIT_GUARD_OFF["sqlite"]:
            self.con.execute(sql)
        for t in EMPTY_ORDER:
            self.con.execute(f"DELETE FROM {t}")
        self.con.execute(
            f"DELETE FROM sqlite_sequence WHERE name IN ({', '.join('?' * len(EMPTY_ORDER))})", EMPTY_ORDER
        )
        for sql in AUDIT_GUARD_ON["sqlite"]:
            self.con.execute(sql)


def _copy_value(v) -> str:
    """One field of COPY's text format (the common types first: this runs per field)."""
    t = type(v)
    if t is str:
        if "\\" in v or "\t" in v or "\n" in v or "\r" in v:
            return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return v
    if v is None:
        return "\\N"
    if t is bool:
        return "t" if v else "f"
    if t is datetime:
        return v.isoformat(" ")
    return str(v)  # int, date


def _copy_other(v) -> str:
    t = type(v)
    if t is bool:
        return "t" if v else "f"
    if t is datetime:
        return v.isoformat(" ")
    return str(v)  # int, date


def copy_text(rows: list[tuple]) -> str:
    """Rows in COPY's text format. Strings are taken as they are when the line shows that
    none held a tab, a backslash or a line break (the tabs are the separators, the
    backslashes the NULLs); otherwise the line is escaped field by field."""
    out = []
    for r in rows:
        line = "\t".join([v if type(v) is str else ("\\N" if v is None else _copy_other(v)) for v in r])
        if (line.count("\t") != len(r) - 1 or line.count("\\") != r.count(None) or "\n" in line
                or "\r" in line):
            line = "\t".join([_copy_value(v) for v in r])
        out.append(line)
    out.append("")
    return "\n".join(out)


def _lines(rows: list[str], width: int) -> str:
    """Lines made by the generator, checked to be plain: one line break each, ``width``
    fields, and no backslash but in NULLs (what ``copy_text`` would have escaped)."""
    text = "".join(rows)
    n = len(rows)
    if (text.count("\n") != n or text.count("\t") != n * (width - 1) or "\r" in text
            or text.count("\\") != text.count("\\N")):
        raise ValueError("generated COPY lines hold a tab, a line break or a backslash")
    return text


class PostgresWriter(Writer):
    """COPY in a second thread: while the server stores one batch, this process builds the
    next (psycopg2 lets other threads run while it waits for the server). Every other call
    first waits for the COPYs handed over so far, and re-raises their error; the
    connection and its one transaction are the same, so a failure still rolls back all."""

    provider = "postgres"

    def __init__(self, dsn: str):
        import psycopg2

        self.con = psycopg2.connect(dsn)
        self.con.autocommit = False
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        #: Tables emptied in the current transaction (COPY may write their rows frozen).
        self._emptied: set[str] = set()

    lines = True

    def write(self, table, rows):
        if not rows:
            return
        buf = io.StringIO(_lines(rows, len(TABLES[table])) if type(rows[0]) is str else copy_text(rows))
        if self._thread is None:
            self._queue = queue.Queue(maxsize=4)
            self._thread = threading.Thread(target=self._copier, name="demo-copy", daemon=True)
            self._thread.start()
        self._raise()
        assert self._queue is not None
        waited = time.perf_counter()
        # FREEZE: rows copied into a table emptied in this transaction are written frozen
        # and all-visible, so the index builds, ANALYZE and the first reads do not
        # rewrite every page to set its hint bits, and autovacuum has nothing to do.
        freeze = " WITH (FREEZE)" if table in self._emptied else ""
        self._queue.put((f"COPY {table} ({', '.join(TABLES[table])}) FROM STDIN{freeze}", buf))
        self.waited += time.perf_counter() - waited

    def _copier(self) -> None:
        assert self._queue is not None
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None:
                    started = time.perf_counter()
                    with self.con.cursor() as cur:
                        cur.copy_expert(item[0], item[1], size=1 << 20)
                    self.copying += time.perf_counter() - started
            except BaseException as exc:  # noqa: BLE001 - handed to the generating thread
                self._error = exc
            finally:
                self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            exc, self._error = self._error, None
            raise exc

    def sync(self) -> None:
        self._sync()

    def _sync(self) -> None:
        """Wait until every COPY handed over is done; raise the first that failed."""
        if self._queue is not None:
            waited = time.perf_counter()
            self._queue.join()
            self.waited += time.perf_counter() - waited
        self._raise()

    def scalar(self, sql, params=()):
        self._sync()
        with self.con.cursor() as cur:
            cur.execute(sql, params)
            row = cur.fetchone()
        return row[0] if row else None

    def execute(self, sql, params=()):
        self._sync()
        with self.con.cursor() as cur:
            cur.execute(sql, params)

    def commit(self):
        self._sync()
        self.con.commit()
        self._emptied.clear()

    def close(self):
        try:
            if self._queue is not None and self._thread is not None:
                self._queue.join()
                self._queue.put(None)
                self._thread.join()
            self.con.rollback()
        finally:
            self.con.close()

    def empty_tables(self):
        from zhtj_tui.db import AUDIT_GUARD_OFF, AUDIT_GUARD_ON

        # The audit log is append-only (a database trigger); only a demo database is wiped,
        # and the guard is back before this transaction commits.
        for sql in AUDIT_GUARD_OFF["postgres"]:
            self.execute(sql)
        self.execute(f"TRUNCATE {', '.join(EMPTY_ORDER)} RESTART IDENTITY")
        for sql in AUDIT_GUARD_ON["postgres"]:
            self.execute(sql)
        self._emptied.update(EMPTY_ORDER)

    def begin_load(self):
        """Drop the plain secondary indexes of the filled tables, and their unique and
        foreign-key constraints, inside the loading transaction: building each index once
        at the end (one sort) and checking each foreign key once (one join) is several
        times faster than keeping them up to date row by row (a random B-tree insert per
        index and a look-up per key and row), and a load that fails rolls the drops back
        too. Re-adding them at the end checks every row: a duplicate or a dangling
        reference still fails the whole load. Primary keys stay, and so do the plain
        indexes whose leading column follows the order the rows are written in
        (``IN_WRITE_ORDER``: members come branch after branch, in path order): each new
        key lands beside the last one, on a page already in memory, and the server keeps
        them up to date while this process builds the next batch, instead of sorting five
        million keys after the last row."""
        self._sync()
        tables = list(TABLES)
        with self.con.cursor() as cur:
            cur.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = ANY(%s) "
                "AND t.relnamespace = current_schema()::regnamespace AND c.contype IN ('u', 'f') "
                "ORDER BY c.contype, t.relname, c.conname",  # foreign keys (f) first, unique (u) after
                (tables,),
            )
            self._constraints = cur.fetchall()
            for table, name, _ in self._constraints:
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            cur.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                "AND NOT (t.relname || '.' || pg_get_indexdef(x.indexrelid, 1, true)) = ANY(%s) "
                "ORDER BY i.relname",
                (tables, list(IN_WRITE_ORDER)),
            )
            self._indexes = cur.fetchall()
            for name, _ in self._indexes:
                cur.execute(f'DROP INDEX "{name}"')

    def end_load(self):
        self._sync()
        with self.con.cursor() as cur:
            for _, definition in getattr(self, "_indexes", []):
                cur.execute(definition)
            # Unique constraints first (a foreign key may need one), foreign keys after.
            for table, name, definition in reversed(getattr(self, "_constraints", [])):
                cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        self._indexes = []
        self._constraints = []

    def analyze(self) -> None:
        """Fresh planner statistics: after millions of new rows, the old ones mislead the
        planner until autovacuum gets round to them."""
        self._sync()
        old = self.con.autocommit
        self.con.autocommit = True
        try:
            with self.con.cursor() as cur:
                cur.execute(f"ANALYZE {', '.join(TABLES)}")
        finally:
            self.con.autocommit = old

    def reset_sequences(self):
        for table in COLUMNS:
            self.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            )


def open_writer(url: DbUrl) -> Writer:
    if url.provider == "sqlite":
        return SqliteWriter(url.path)
    return PostgresWriter(url.dsn)
