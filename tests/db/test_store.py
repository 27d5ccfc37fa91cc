"""The database: URLs, SQLite settings and file mode, the schema version and migrations,
on SQLite and PostgreSQL."""

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from pony.orm import db_session

import zhtj_tui.db as dbmod
import zhtj_tui.db.migrate as migrate
from zhtj_tui.db import SCHEMA_VERSION, StoreError, open_store, parse_url, schema_version


def _set_version(store, version: int) -> None:
    with db_session:
        store.execute("update zhtj_meta set value = $v where key = 'schema_version'", {"v": str(version)})


def _snapshot(store) -> dict:
    """Everything a write could change: each table's rows."""
    with db_session:
        if store.provider == "sqlite":
            tables = store.select("select name from sqlite_master where type = 'table' order by name")
        else:
            tables = store.select("select tablename from pg_tables where schemaname = current_schema() order by 1")
        return {t: sorted(map(repr, store.select(f"select * from {t}"))) for t in tables}


def test_new_database_gets_the_current_version(db_url):
    store = open_store(db_url)
    try:
        assert schema_version(store) == SCHEMA_VERSION
        with db_session:
            assert store.select("select count(*) from org") == [0]
    finally:
        store.disconnect()
    again = open_store(db_url)  # opening again changes nothing
    assert schema_version(again) == SCHEMA_VERSION
    again.disconnect()


def test_newer_database_is_refused_and_not_written(db_url):
    store = open_store(db_url)
    _set_version(store, SCHEMA_VERSION + 1)
    before = _snapshot(store)
    store.disconnect()
    if db_url.startswith("sqlite"):
        path = parse_url(db_url).path
        sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
        mtime, data = os.stat(path).st_mtime_ns, Path(path).read_bytes()
    with pytest.raises(StoreError) as info:
        open_store(db_url)
    assert f"结构版本是 {SCHEMA_VERSION + 1}" in str(info.value) and "升级 zhtj-tui" in str(info.value)
    assert "不会写入" in str(info.value)
    if db_url.startswith("sqlite"):
        assert os.stat(path).st_mtime_ns == mtime and Path(path).read_bytes() == data
    raw = _raw_snapshot(db_url)
    assert raw == before


def _raw_snapshot(db_url):
    """The rows read without zhtj (which refuses the newer database)."""
    from pony.orm import Database

    url = parse_url(db_url)
    db = Database()
    if url.provider == "sqlite":
        db.bind(provider="sqlite", filename=url.path)
    else:
        db.bind(provider="postgres", dsn=url.dsn)

    class _S:
        provider = url.provider

        def select(self, sql, params=None):
            return db.select(sql, {}, dict(params or {}))

    try:
        return _snapshot(_S())
    finally:
        db.disconnect()


def test_older_database_is_upgraded_step_by_step(db_url, monkeypatch):
    store = open_store(db_url)
    store.disconnect()
    b = SCHEMA_VERSION  # the steps after the program's own
    steps = {
        b + 1: {p: ["CREATE TABLE zhtj_step_test (n integer NOT NULL)"] for p in ("sqlite", "postgres")},
        b + 2: {p: ["INSERT INTO zhtj_step_test (n) SELECT count(*) + 3 FROM zhtj_step_test"] for p in ("sqlite", "postgres")},
        b + 3: {p: ["INSERT INTO zhtj_step_test (n) SELECT max(n) + 1 FROM zhtj_step_test"] for p in ("sqlite", "postgres")},
    }
    monkeypatch.setattr(migrate, "SCHEMA_VERSION", b + 3)
    monkeypatch.setattr(migrate, "MIGRATIONS", steps)
    upgraded = open_store(db_url)
    try:
        assert schema_version(upgraded) == b + 3
        with db_session:
            assert upgraded.select("select n from zhtj_step_test order by n") == [3, 4]  # in order, once each
    finally:
        upgraded.disconnect()
    again = open_store(db_url)
    with db_session:
        assert again.select("select n from zhtj_step_test order by n") == [3, 4]  # not run twice
    again.disconnect()


def test_failed_step_keeps_the_previous_version(db_url, monkeypatch):
    open_store(db_url).disconnect()
    b = SCHEMA_VERSION
    steps = {
        b + 1: {p: ["CREATE TABLE zhtj_step_test (n integer)"] for p in ("sqlite", "postgres")},
        b + 2: {p: ["INSERT INTO zhtj_step_test (n) VALUES (1)", "INSERT INTO no_such_table VALUES (1)"]
                for p in ("sqlite", "postgres")},
    }
    monkeypatch.setattr(migrate, "SCHEMA_VERSION", b + 2)
    monkeypatch.setattr(migrate, "MIGRATIONS", steps)
    with pytest.raises(StoreError) as info:
        open_store(db_url)
    assert f"从版本 {b + 1} 升级到 {b + 2} 失败" in str(info.value)
    monkeypatch.setattr(migrate, "SCHEMA_VERSION", b + 1)
    store = open_store(db_url)
    try:
        assert schema_version(store) == b + 1
        with db_session:
            assert store.select("select count(*) from zhtj_step_test") == [0]  # step b + 2 rolled back
    finally:
        store.disconnect()


def test_sqlite_file_is_private_and_uses_wal(tmp_path):
    # issue: the SQLite file is created readable by its owner only; WAL, busy timeout, FKs
    old = os.umask(0)
    try:
        store = open_store(f"sqlite:///{tmp_path / 'sub' / 'z.sqlite'}")
    finally:
        os.umask(old)
    try:
        with db_session:
            store.select("select count(*) from org")
            def pragma(name):
                return store.execute(f"PRAGMA {name}").fetchone()[0]

            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == int(dbmod.SQLITE_BUSY_TIMEOUT * 1000)
        for name in ("z.sqlite", "z.sqlite-wal", "z.sqlite-shm", "z.sqlite.lock"):
            mode = stat.S_IMODE(os.stat(tmp_path / "sub" / name).st_mode)
            assert mode == 0o600, (name, oct(mode))
        assert stat.S_IMODE(os.stat(tmp_path / "sub").st_mode) == 0o700
    finally:
        store.disconnect()


def test_a_new_file_is_switched_to_wal_in_its_turn(tmp_path):
    # Another process creating the schema of a new file holds the lock and is writing. An
    # opener waits for its turn: switching the file to WAL now would fail at once with
    # "database is locked" (SQLite does not wait to upgrade to writing while another
    # connection writes, whatever the busy timeout).
    import fcntl
    import threading
    import time

    path = tmp_path / "zhtj.sqlite"
    sqlite3.connect(path).close()  # the file, still in its first journal mode
    lock = os.open(f"{path}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    got: dict = {}

    def opener():
        try:
            got["store"] = open_store(f"sqlite:///{path}")
        except Exception as exc:  # noqa: BLE001 - the outcome is the test's
            got["error"] = exc

    thread = threading.Thread(target=opener)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive(), got  # waiting for its turn, not refused
    writer.execute("ROLLBACK")
    writer.close()
    fcntl.flock(lock, fcntl.LOCK_UN)
    os.close(lock)
    thread.join(timeout=60)
    assert "error" not in got, got
    store = got["store"]
    try:
        assert schema_version(store) == SCHEMA_VERSION
        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        store.disconnect()


@pytest.mark.parametrize(
    ("url", "provider", "where"),
    [("sqlite:////srv/z.sqlite", "sqlite", "/srv/z.sqlite"), ("/srv/z.sqlite", "sqlite", "/srv/z.sqlite"),
     ("postgresql://u@h:5432/zhtj", "postgres", "postgresql://u@h:5432/zhtj"),
     ("postgres://u@h/zhtj", "postgres", "postgres://u@h/zhtj")],
)
def test_parse_url(url, provider, where):
    parsed = parse_url(url)
    assert parsed.provider == provider and (parsed.path or parsed.dsn) == where


def test_parse_url_relative_and_refusals(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert parse_url("sqlite:z.sqlite").path == str(tmp_path / "z.sqlite")
    for bad in ("mysql://u@h/db", "sqlite:///:memory:", ""):
        with pytest.raises(StoreError):
            parse_url(bad)


def test_unreachable_or_unwritable(tmp_path):
    with pytest.raises(StoreError) as info:
        open_store("postgresql://nobody@127.0.0.1:1/zhtj")
    assert "无法连接 PostgreSQL" in str(info.value) and "127.0.0.1:1/zhtj" in str(info.value)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as info:
        open_store(f"sqlite:///{blocker / 'z.sqlite'}")
    assert "无法创建数据库文件" in str(info.value)


def test_foreign_database_and_create_false(tmp_path):
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("create table org (x integer)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="其他程序的表"):
        open_store(str(path))
    with pytest.raises(StoreError, match="尚未初始化"):
        open_store(str(tmp_path / "empty.sqlite"), create=False)


def test_paths_that_are_not_database_files_are_refused(tmp_path):
    """A device, a directory or a file that is not SQLite: a StoreError in Chinese, and
    nothing created beside it (SQLite would put its journal next to /dev/null)."""
    for path in ("/dev/null", str(tmp_path)):
        with pytest.raises(StoreError, match="不是普通文件"):
            open_store(path)
    assert not os.path.exists("/dev/null-journal") and not os.path.exists("/dev/null.lock")
    text = tmp_path / "notes.sqlite"
    text.write_text("hello\n", "utf-8")
    with pytest.raises(StoreError, match="file is not a database"):
        open_store(str(text))
    assert text.read_text("utf-8") == "hello\n"


def test_version_1_database_gains_the_reset_code_columns(db_url):
    """Schema step 2 (R-REG-7): a database made by version 1 (no reset-code columns on
    account) is upgraded in place, and its accounts keep working."""
    store = open_store(db_url)
    with db_session:
        for col in ("reset_hash", "reset_expires_at"):
            store.execute(f"ALTER TABLE account DROP COLUMN {col}")
        store.execute("ALTER TABLE org DROP COLUMN name_initials")  # step 6
    _set_version(store, 1)
    store.disconnect()
    upgraded = open_store(db_url)
    try:
        assert schema_version(upgraded) == SCHEMA_VERSION >= 2
        with db_session:
            assert upgraded.select("select count(*) from account where reset_hash is null "
                                   "and reset_expires_at is null") == [0]
    finally:
        upgraded.disconnect()


def test_version_5_database_gains_the_organisations_initials(db_url):
    """Schema step 6 (letters-only organisation search, seed 搜索): a database made by
    version 5 has no ``org.name_initials``; the upgrade adds it, fills it from every
    organisation's 简称 in the same step, and the consistency check then finds nothing."""
    from zhtj_tui.config import Settings
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor

    svc = Services.open(Settings(db_url=db_url))
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "石河子大学团委", "团委", "石河子大学共青团委员会")
    svc.orgs.create_child(op, top.id, "计算机学院团委", "团委")
    svc.close()
    store = open_store(db_url)
    with db_session:
        store.execute("ALTER TABLE org DROP COLUMN name_initials")
    _set_version(store, 5)
    store.disconnect()
    svc = Services.open(Settings(db_url=db_url))
    try:
        assert schema_version(svc.ctx.store) == SCHEMA_VERSION >= 6
        with db_session:
            got = dict(svc.ctx.store.select("select short_name, name_initials from org"))
        assert got == {"石河子大学团委": "shzdxtw", "计算机学院团委": "jsjxytw"}
        assert [o.short_name for o in svc.orgs.search(op, "jsj")] == ["计算机学院团委"]
        assert svc.consistency.check().ok
    finally:
        svc.close()


def test_typed_entity_declarations_match_the_schema(db_url):
    """db.typed declares, for mypy, what each entity holds: the same attributes as the
    entities Pony builds from the schema, and every entity the Store carries."""
    import re

    from zhtj_tui.db import Store, typed

    store = open_store(db_url)
    try:
        entities = store.db.entities
        declared = {n: t for n, t in Store.__annotations__.items() if re.fullmatch(r"type\[typed\.\w+\]", str(t))}
        assert set(entities) == set(declared) and all(declared[n] == f"type[typed.{n}]" for n in entities)
        for name, entity in entities.items():
            attrs = {a.name for a in entity._attrs_}
            assert set(typed.__dict__[name].__annotations__) == attrs, name
    finally:
        store.disconnect()


def test_rows_reads_plain_tuples_in_and_out_of_a_session(db_url):
    # DESIGN 2/9: the lists' raw read path. Inside a db_session it reads on the session's
    # connection (the session's own unflushed writes included); outside one it sees what
    # others committed, and on SQLite its connection cannot write.
    store = open_store(db_url)
    try:
        sql = "SELECT key, value FROM zhtj_meta WHERE key = $k AND value LIKE '%'"
        with db_session:
            store.Meta(key="probe", value="1")
            assert store.rows(sql, {"k": "probe"}) == [("probe", "1")]
            assert type(store.rows(sql, {"k": "probe"})[0]) is tuple
        assert store.rows(sql, {"k": "probe"}) == [("probe", "1")]  # committed, read outside
        with db_session:
            store.execute("update zhtj_meta set value = '2' where key = 'probe'")
        assert store.rows(sql, {"k": "probe"}) == [("probe", "2")]
        with pytest.raises(Exception, match="readonly|read-only|query_only"):
            store._reader().cursor().execute("delete from zhtj_meta")
        assert store.rows(sql, {"k": "probe"}) == [("probe", "2")]
        # A worker thread's connection ends with the thread (none is left open).
        import gc
        import threading

        seen = []
        worker = threading.Thread(target=lambda: seen.append(store.rows(sql, {"k": "probe"})))
        worker.start()
        worker.join()
        gc.collect()
        assert seen == [[("probe", "2")]] and len(store._readers) == 1
    finally:
        store.disconnect()
    assert len(store._readers) == 0  # closed with the store
