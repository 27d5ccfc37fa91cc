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

from pony.orm import Database
from pony.orm import core as pony_core
from pony.utils import datetime2timestamp

from zhtj_tui.db import typed
from zhtj_tui.db.migrate import (
    AUDIT_GUARD,
    AUDIT_GUARD_OFF,
    AUDIT_GUARD_ON,
    MIGRATION_CODE,
    MIGRATIONS,
    ensure_schema,
    first_line,
    schema_version,
)
from zhtj_tui.db.schema import SCHEMA_VERSION, define_entities

#: SQLite busy timeout, seconds: a writer waits this long for another's transaction.
SQLITE_BUSY_TIMEOUT = 8.0

#: PostgreSQL lock_timeout, seconds: a statement waiting longer for a row or table lock
#: fails and is retried like SQLite's "database is locked" (then Busy), instead of hanging
#: behind a stuck transaction for ever.
PG_LOCK_TIMEOUT = 8.0

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
            db.bind(provider="sqlite", filename=url.path, create_db=False, timeout=SQLITE_BUSY_TIMEOUT)
        except Exception as exc:  # sqlite3 / pony errors: say what and where
            raise StoreError(f"无法打开数据库文件 {url.path}：{exc}") from None
    else:
        try:
            db.bind(provider="postgres", dsn=url.dsn, options=f"-c lock_timeout={int(PG_LOCK_TIMEOUT * 1000)}")
        except Exception as exc:
            raise StoreError(f"无法连接 PostgreSQL 数据库（{url.describe()}）：{first_line(exc)}") from None
    return db


def open_store(url: str | DbUrl, *, create: bool = True) -> Store:
    """Bind, then create or upgrade the schema under a lock shared by all processes.

    Raises ``StoreError`` when the database belongs to a newer version of the program.
    """
    parsed = parse_url(url) if isinstance(url, str) else url
    if parsed.provider == "sqlite":
        assert parsed.path is not None  # a SQLite URL always names its file
        try:
            _create_sqlite_file(parsed.path)
        except OSError as exc:
            raise StoreError(f"无法创建数据库文件 {parsed.path}：{exc.strerror}。请检查目录是否存在且可写") from None
        # A new file's first connection switches it to WAL, which writes: processes opening
        # it at once take turns for that as for the schema. (SQLite does not wait to turn a
        # read into a write while another connection writes, whatever the busy timeout:
        # the switch would fail at once with "database is locked".)
        with _migration_lock(parsed):
            db = _bind(parsed)
    else:
        db = _bind(parsed)
    db.generate_mapping(create_tables=False, check_tables=False)
    store = Store(db, parsed)
    try:
        with _migration_lock(parsed):
            ensure_schema(store, create)
    except StoreError:
        store.disconnect()  # a refused database keeps no connection open
        raise
    except Exception as exc:
        store.disconnect()
        # Not a database at all ("file is not a database"), unreadable, or the server
        # refused: say which database and the driver's first line, never a traceback.
        raise StoreError(f"无法使用数据库（{parsed.describe()}）：{first_line(_root(exc))}") from None
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


def is_busy_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return ("database is locked" in text or "database is busy" in text or "could not serialize" in text
            or "deadlock detected" in text or "database table is locked" in text or "lock timeout" in text)


__all__ = ["AUDIT_GUARD", "AUDIT_GUARD_OFF", "AUDIT_GUARD_ON", "MIGRATIONS", "MIGRATION_CODE", "SCHEMA_VERSION", "Store",
           "StoreError", "is_busy_error", "open_store", "parse_url", "schema_version"]
