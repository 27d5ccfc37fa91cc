"""The database: binding a Pony ``Database`` to SQLite or PostgreSQL, the schema version,
and the helpers services use for short, retried write transactions."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from pony.orm import Database, db_session
from pony.orm import core as pony_core
from pony.utils import datetime2timestamp

from zhtj_tui.db import tally, tally_age, typed
from zhtj_tui.db.schema import SCHEMA_VERSION, define_entities, fill_org_initials
from zhtj_tui.domain.vocab import STATUS_NORMAL

#: SQLite busy timeout, seconds: a writer waits this long for another's transaction.
SQLITE_BUSY_TIMEOUT = 8.0

#: PostgreSQL lock_timeout, seconds: a statement waiting longer for a row or table lock
#: fails and is retried like SQLite's "database is locked" (then Busy), instead of hanging
#: behind a stuck transaction for ever.
PG_LOCK_TIMEOUT = 8.0

#: Ordered migration steps: version reached -> list of SQL statements per provider.
#: A new schema version adds an entry here; ``open_store`` runs the missing ones in order.
#: Active members by birth date: the 超龄 of a subtree costs the number of 超龄 members.
OVER_AGE_INDEX = ("CREATE INDEX IF NOT EXISTS idx_member_active_birth ON member (birth_date, path) "
                  f"WHERE status = '{STATUS_NORMAL}'")

#: Unused, unrevoked registration codes by expiry: those about to expire, without reading
#: every code ever issued (a province has one per organisation).
USABLE_CODE_INDEX = ("CREATE INDEX IF NOT EXISTS idx_reg_code_usable ON reg_code (expires_at) "
                     "WHERE used_at IS NULL AND revoked_at IS NULL")

#: Members by pinyin initials then name: a search by initials reads its page in the order
#: of the list and stops after it, however many share the initials.
INITIALS_NAME_INDEX = "CREATE INDEX IF NOT EXISTS idx_member_initials_name ON member (name_initials, name)"

MIGRATIONS: dict[int, dict[str, list[str]]] = {
    # 2: password reset codes (R-REG-7) on the account.
    2: {
        "sqlite": ["ALTER TABLE account ADD COLUMN reset_hash VARCHAR(64)",
                   "ALTER TABLE account ADD COLUMN reset_expires_at DATETIME"],
        "postgres": ["ALTER TABLE account ADD COLUMN reset_hash VARCHAR(64)",
                     "ALTER TABLE account ADD COLUMN reset_expires_at TIMESTAMP"],
    },
    # 3: the counts kept per organisation (db.tally) and the index of active members by
    # birth date (超龄 counts), filled from the existing rows.
    3: {p: [*tally.create_sql(p), OVER_AGE_INDEX] for p in ("sqlite", "postgres")},
    # 4: the partial index of the organisations the tree_complete task still misses.
    4: {p: tally.create_sql(p) for p in ("sqlite", "postgres")},
    # 5: the usable registration codes by expiry (codes about to expire, progress and check).
    5: {p: [USABLE_CODE_INDEX] for p in ("sqlite", "postgres")},
    # 6: the pinyin initials of each organisation's 简称 (letters-only search in SQL),
    # filled from the names by ``fill_org_initials``; members by initials and name.
    6: {p: ["ALTER TABLE org ADD COLUMN name_initials VARCHAR(60) NOT NULL DEFAULT ''", INITIALS_NAME_INDEX]
        for p in ("sqlite", "postgres")},
    # 7: the counts kept per organisation and cohort (db.tally: org_cohort_tally, and the
    # cohort copied on org_tally), filled from the existing rows by tally.upgrade.
    7: {},
    # 8: the committees a cohort task looks at, counted per organisation and cohort
    # (org_tally.h_open, org_cohort_tally.h_own / h_has), by tally.upgrade.
    8: {},
    # 9: active members counted per organisation and birth date (db.tally_age:
    # org_age_tally, and org_tally.oldest), so that 超龄 figures read the subtree's top row
    # set instead of every 超龄 member; filled from the existing rows by tally.upgrade.
    9: {},
}
#: Steps that also run Python (after their SQL, in the same transaction).
MIGRATION_CODE = {3: tally.rebuild, 6: fill_org_initials, 7: tally.upgrade, 8: tally.upgrade, 9: tally.upgrade}


class StoreError(Exception):
    """The database cannot be used (wrong URL, unreachable, newer schema)."""


@dataclass(frozen=True)
class DbUrl:
    provider: str  # "sqlite" or "postgres"
    path: str | None = None  # SQLite file
    dsn: str | None = None  # PostgreSQL

    def describe(self) -> str:
        if self.provider == "sqlite":
            return f"SQLite {self.path}"
        parsed = urlparse(self.dsn or "")
        return f"PostgreSQL {parsed.hostname or 'localhost'}:{parsed.port or 5432}/{parsed.path.lstrip('/')}"


def parse_url(url: str) -> DbUrl:
    """``sqlite:///abs/path``, ``sqlite:rel/path``, a plain path, or ``postgresql://...``."""
    url = url.strip()
    if re.search(r"(^|\s)(host|hostaddr|dbname|user|password|port)\s*=", url):
        # A libpq key=value string: refused without echoing it (it may hold a password).
        raise StoreError("数据库地址请写成 postgresql://用户@主机:端口/数据库名 的形式（不支持 key=value 形式）")
    if url.startswith(("postgresql://", "postgres://")):
        return DbUrl("postgres", dsn=url)
    if url.startswith("sqlite:"):
        rest = unquote(url[len("sqlite:"):])
        # sqlite:///abs, sqlite:////abs (SQLAlchemy's spelling) and sqlite://abs all mean
        # /abs; sqlite:rel is relative to the working directory.
        path = "/" + rest.lstrip("/") if rest.startswith("/") else rest
    else:
        if "://" in url:
            raise StoreError(f"不支持的数据库地址：{url.split('://')[0]}://…，请使用 sqlite:///路径 或 postgresql://…")
        path = url
    if not path.strip("/") or path.strip("/") == ":memory:":
        raise StoreError("SQLite 数据库必须是一个文件路径（多个进程共享同一文件）")
    return DbUrl("sqlite", path=str(Path(path).expanduser().absolute()))


#: ``$name`` parameters of the raw SQL the services write.
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class _Reader:
    """A thread's read-only connection (``Store.rows``): it lives as long as the
    thread (kept only by the thread's local storage, so a finished worker thread's
    connection is closed with it) or until ``Store.disconnect``."""

    __slots__ = ("con", "pid", "__weakref__")

    def __init__(self, con, pid: int):
        self.con, self.pid = con, pid


class Store:
    """A bound Pony database with its entities (``store.Org``, ``store.Member``, ...)."""

    def __init__(self, db: Database, url: DbUrl):
        self.db = db
        self.url = url
        self.provider = url.provider
        for name, entity in db.entities.items():
            setattr(self, name, entity)
        #: Raw SQL with ``$name`` parameters -> the driver's own spelling (``rows``).
        self._sql: dict[str, str] = {}
        #: Each thread's read-only connection (``rows`` outside a db_session).
        self._local = threading.local()
        self._readers: weakref.WeakSet[_Reader] = weakref.WeakSet()
        self._readers_lock = threading.Lock()

    # Entities, for type checkers and readers (``db.typed`` declares their attributes).
    Org: type[typed.Org]
    Account: type[typed.Account]
    AdminRole: type[typed.AdminRole]
    RegCode: type[typed.RegCode]
    Member: type[typed.Member]
    Cadre: type[typed.Cadre]
    DeadlineTask: type[typed.DeadlineTask]
    AuditEntry: type[typed.AuditEntry]
    Throttle: type[typed.Throttle]
    Meta: type[typed.Meta]

    def execute(self, sql: str, params: dict | None = None):
        """Raw SQL with ``$name`` parameters inside the current db_session.

        Returns the DB-API cursor: ``rowcount`` is the number of rows an UPDATE or DELETE
        matched, on SQLite and PostgreSQL alike.
        """
        return self.db.execute(sql, {}, self._params(params))

    def select(self, sql: str, params: dict | None = None) -> list:
        """Raw SELECT with ``$name`` parameters inside the current db_session."""
        return self.db.select(sql, {}, self._params(params))

    def rows(self, sql: str, params: dict | None = None) -> list[tuple]:
        """Raw SELECT with ``$name`` parameters, as plain tuples: the hot read path of
        lists and searches, where Pony's own ``select`` (a new row class per call, the
        parameters evaluated as Python code, text decoded by a Python function on SQLite)
        costs several times a short indexed query.

        Inside a db_session: on the session's connection (after flushing its changes, as
        Pony's ``select`` does). Outside one: on the thread's read-only connection in
        autocommit mode, so that a read needs no db_session at all (entering and leaving
        one costs more than the query: on PostgreSQL Pony ends each with ``DISCARD ALL``);
        each statement sees one committed state, as Pony's own reads do (it runs them in
        autocommit mode on both backends)."""
        driver_sql = self._sql.get(sql)
        if driver_sql is None:
            if len(self._sql) > 1000:  # a text made with values in it: do not keep them all
                self._sql.clear()
            driver_sql = self._sql[sql] = self._driver_sql(sql)
        values = self._params(params)
        if pony_core.local.db_session is not None:
            cache = self.db._get_cache()
            cursor = cache.prepare_connection_for_query_execution().cursor()
            try:
                cursor.execute(driver_sql, values)
            except Exception as exc:
                # A connection the server dropped: Pony reconnects outside a transaction
                # (and raises ``exc`` otherwise), as its own ``select`` does.
                cursor = cache.reconnect(exc).cursor()
                cursor.execute(driver_sql, values)
            return cursor.fetchall()
        if self.provider == "sqlite":
            return self._reader().execute(driver_sql, values).fetchall()
        con = self._reader()
        try:
            with con.cursor() as cursor:
                cursor.execute(driver_sql, values)
                return cursor.fetchall()
        except Exception:
            if not con.closed:
                raise
        # The server dropped the connection (a restart): once more on a new one.
        self._local.reader = None
        with self._reader().cursor() as cursor:
            cursor.execute(driver_sql, values)
            return cursor.fetchall()

    def _driver_sql(self, sql: str) -> str:
        if self.provider == "sqlite":
            return _PARAM.sub(r":\1", sql)
        return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))

    def _reader(self):
        """This thread's read-only connection in autocommit mode (opened on first use, and
        again in a forked child)."""
        reader = getattr(self._local, "reader", None)
        if reader is None or reader.pid != os.getpid():
            if self.provider == "sqlite":
                assert self.url.path is not None
                con = sqlite3.connect(self.url.path, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT,
                                      check_same_thread=False)
                con.execute("PRAGMA query_only = ON")
            else:
                import psycopg2

                con = psycopg2.connect(self.url.dsn, options=f"-c lock_timeout={int(PG_LOCK_TIMEOUT * 1000)}"
                                       " -c default_transaction_read_only=on")
                con.set_client_encoding("UTF8")
                con.autocommit = True
            reader = self._local.reader = _Reader(con, os.getpid())
            with self._readers_lock:
                self._readers.add(reader)
        return reader.con

    def _params(self, params: dict | None) -> dict:
        """Parameters as Pony itself stores them. On SQLite a datetime is text, and Pony
        writes it with six fractional digits ('2026-11-21 08:00:00.000000'); sqlite3's own
        adapter drops them when they are zero ('2026-11-21 08:00:00'), and text comparison
        then puts the instant *before* the equal stored value, so ``expires_at > $now``
        would accept a code at the very moment it expires. Convert like Pony does."""
        out = params or {}
        if self.provider == "sqlite" and any(isinstance(value, datetime) for value in out.values()):
            out = {key: datetime2timestamp(value) if isinstance(value, datetime) else value
                   for key, value in out.items()}
        return out

    def disconnect(self) -> None:
        with self._readers_lock:
            readers = list(self._readers)
            self._readers = weakref.WeakSet()
        for reader in readers:
            if reader.pid == os.getpid():  # a forked child leaves its parent's connections alone
                with contextlib.suppress(Exception):
                    reader.con.close()
        self._local = threading.local()
        with contextlib.suppress(Exception):
            self.db.disconnect()


def _create_sqlite_file(path: str) -> None:
    p = Path(path)
    if p.exists() and not p.is_file():
        # A directory or a device (/dev/null): SQLite would put its journal beside it.
        raise StoreError(f"数据库路径 {path} 不是普通文件（可能是目录或设备），请指定一个数据库文件")
    p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not p.exists():
        fd = os.open(p, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


@contextlib.contextmanager
def _migration_lock(url: DbUrl):
    """Serialise schema creation and upgrades between processes starting at once."""
    if url.provider == "sqlite":
        assert url.path is not None  # a SQLite URL always names its file
        lock_path = url.path + ".lock"
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    else:
        import psycopg2

        con = psycopg2.connect(url.dsn)
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute("SELECT pg_advisory_lock(7461253)")
            yield
        finally:
            with contextlib.suppress(Exception):
                con.close()


def _bind(url: DbUrl) -> Database:
    db = Database()
    define_entities(db, url.provider)
    if url.provider == "sqlite":

        @db.on_connect(provider="sqlite")
        def _sqlite_pragmas(db, connection):  # noqa: ARG001
            cur = connection.cursor()
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            cur.execute("PRAGMA foreign_keys = ON")

        assert url.path is not None
        try:
            _create_sqlite_file(url.path)
        except OSError as exc:
            raise StoreError(f"无法创建数据库文件 {url.path}：{exc.strerror}。请检查目录是否存在且可写") from None
        try:
            db.bind(provider="sqlite", filename=url.path, create_db=False, timeout=SQLITE_BUSY_TIMEOUT)
        except Exception as exc:  # sqlite3 / pony errors: say what and where
            raise StoreError(f"无法打开数据库文件 {url.path}：{exc}") from None
    else:
        try:
            db.bind(provider="postgres", dsn=url.dsn, options=f"-c lock_timeout={int(PG_LOCK_TIMEOUT * 1000)}")
        except Exception as exc:
            raise StoreError(f"无法连接 PostgreSQL 数据库（{url.describe()}）：{_first_line(exc)}") from None
    return db


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _table_exists(db: Database, provider: str, table: str) -> bool:
    if provider == "sqlite":
        rows = db.select("select name from sqlite_master where type='table' and name=$table")
    else:
        rows = db.select("select tablename from pg_tables where schemaname = current_schema() and tablename=$table")
    return bool(rows)


def open_store(url: str | DbUrl, *, create: bool = True) -> Store:
    """Bind, then create or upgrade the schema under a lock shared by all processes.

    Raises ``StoreError`` when the database belongs to a newer version of the program.
    """
    parsed = parse_url(url) if isinstance(url, str) else url
    db = _bind(parsed)
    db.generate_mapping(create_tables=False, check_tables=False)
    store = Store(db, parsed)
    try:
        with _migration_lock(parsed):
            _ensure_schema(store, create)
    except StoreError:
        store.disconnect()  # a refused database keeps no connection open
        raise
    except Exception as exc:
        store.disconnect()
        # Not a database at all ("file is not a database"), unreadable, or the server
        # refused: say which database and the driver's first line, never a traceback.
        raise StoreError(f"无法使用数据库（{parsed.describe()}）：{_first_line(_root(exc))}") from None
    except BaseException:
        store.disconnect()
        raise
    return store


def _root(exc: BaseException) -> BaseException:
    """Pony wraps driver errors (CommitException.original_exc, __cause__): the innermost."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "original_exc", None) or exc.__cause__
        if inner is None:
            break
        exc = inner
    return exc


def _ensure_schema(store: Store, create: bool) -> None:
    db, provider = store.db, store.provider
    with db_session:
        has_meta = _table_exists(db, provider, "zhtj_meta")
        version = None
        if has_meta:
            row = db.select("select value from zhtj_meta where key = 'schema_version'")
            version = int(row[0]) if row else None
    if version is None:
        if not create:
            raise StoreError("数据库尚未初始化，请先运行 zhtj init")
        with db_session:
            if _table_exists(db, provider, "org"):
                raise StoreError("数据库中已有其他程序的表 org，但没有 zhtj 的版本记录：请换一个空数据库")
        db.create_tables()
        with db_session:
            store.Meta(key="schema_version", value=str(SCHEMA_VERSION))
            _create_extra_indexes(store)
        return
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"数据库的结构版本是 {version}，而本程序只支持到 {SCHEMA_VERSION}。"
            "请升级 zhtj-tui 后再使用该数据库（为保护数据，本程序不会写入它）"
        )
    while version < SCHEMA_VERSION:
        # Each step and its version number commit together: a failed step leaves the
        # database at the previous version, and the next start tries that step again.
        step = version + 1
        try:
            with db_session:
                for sql in MIGRATIONS.get(step, {}).get(provider, []):
                    db.execute(sql)
                if step in MIGRATION_CODE:
                    MIGRATION_CODE[step](db)
                db.execute("update zhtj_meta set value = $v where key = 'schema_version'", {"v": str(step)})
        except Exception as exc:
            raise StoreError(
                f"数据库结构从版本 {version} 升级到 {step} 失败（{_first_line(exc)}），数据库仍是版本 {version}。"
                "请备份数据库后联系系统维护人员"
            ) from None
        version = step


def _create_extra_indexes(store: Store) -> None:
    # Member look-ups by branch and subtree; progress counts by path.
    stmts = [
        "CREATE INDEX IF NOT EXISTS idx_member_branch_status ON member (branch, status)",
        "CREATE INDEX IF NOT EXISTS idx_org_parent_name ON org (parent_id, short_name)",
        "CREATE INDEX IF NOT EXISTS idx_member_path_status ON member (path, status)",
        # Progress (services/progress/): active members and 超龄 per subtree, read from
        # the index alone; branches (with a cohort) below an organisation by path range.
        "CREATE INDEX IF NOT EXISTS idx_member_active_path_birth ON member (path, birth_date, status) WHERE status = '1'",
        "CREATE INDEX IF NOT EXISTS idx_org_group_path ON org (cat_group, path)",
        "CREATE INDEX IF NOT EXISTS idx_org_cohort_path ON org (cohort, path)",
        OVER_AGE_INDEX,
        USABLE_CODE_INDEX,
        INITIALS_NAME_INDEX,
        *tally.create_sql(store.provider),
        tally_age.OLDEST_INDEX,
    ]
    for sql in stmts:
        store.db.execute(sql)
    _create_audit_guard(store)


#: The audit log is append-only (SPEC §9): the database itself refuses to change or delete
#: an entry, whatever the code path (a service, raw SQL, a script with the program's role).
AUDIT_GUARD = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    ],
    "postgres": [
        "CREATE OR REPLACE FUNCTION zhtj_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "'BEGIN RAISE EXCEPTION ''audit log is append-only''; END'",
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION zhtj_audit_append_only()",
    ],
}


#: Lifting the guard for one transaction, for the one legitimate wipe: ``zhtj demo --force``
#: emptying a database that it filled itself (then ``AUDIT_GUARD_ON`` in the same transaction).
AUDIT_GUARD_OFF = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"],
    "postgres": ["ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"],
}
AUDIT_GUARD_ON = {
    "sqlite": AUDIT_GUARD["sqlite"],
    "postgres": ["ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"],
}


def _create_audit_guard(store: Store) -> None:
    for sql in AUDIT_GUARD[store.provider]:
        store.db.execute(sql)


def schema_version(store: Store) -> int:
    with db_session:
        return int(store.db.select("select value from zhtj_meta where key = 'schema_version'")[0])


def is_busy_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return ("database is locked" in text or "database is busy" in text or "could not serialize" in text
            or "deadlock detected" in text or "database table is locked" in text or "lock timeout" in text)


__all__ = ["Store", "StoreError", "open_store", "parse_url", "SCHEMA_VERSION", "is_busy_error"]
