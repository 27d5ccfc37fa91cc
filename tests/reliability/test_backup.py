"""``zhtj backup`` / ``zhtj restore`` (issue 8: backups): a consistent copy of a live
SQLite database while another process writes, 0600 files, a restore that checks its
source and refuses to overwrite data without --force; pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat

import pytest
from pony.orm import db_session, select

from tests import pg
from tests.conftest import make_settings
from tests.reliability.procs import integrity, spawn, sqlite_path, wait_line
from zhtj_tui.cli import main
from zhtj_tui.db import open_store
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _top(url: str) -> int:
    svc = Services.open(make_settings(url), client_key="t")
    try:
        return svc.orgs.create_top(Actor.server_operator(), "备份大学团委", "团委").id
    finally:
        svc.close()


def _children(url: str) -> list[str]:
    store = open_store(url, create=False)
    try:
        with db_session:
            return select(o.short_name for o in store.Org if o.parent is not None)[:]
    finally:
        store.disconnect()


def test_backup_of_live_database_is_consistent(sqlite_url, tmp_path, capsys):
    top = _top(sqlite_url)
    progress = tmp_path / "progress.txt"
    writer = spawn("writer", sqlite_url, str(top), str(progress))
    try:
        wait_line(writer, "ready")
        before = len(progress.read_text().split())
        target = tmp_path / "backups" / "zhtj-copy.sqlite"
        assert main(["--db", sqlite_url, "backup", str(target)]) == 0
        after = len(progress.read_text().split())
    finally:
        writer.kill()
        writer.wait()
    out = capsys.readouterr().out
    assert "已备份到" in out
    # The copy is sound, opens as a zhtj database, and holds a prefix of the writer's work:
    # every branch committed before the backup started, none invented, no gaps.
    assert integrity(str(target)) == ["ok"]
    names = _children(f"sqlite:///{target}")
    k = len(names)
    assert set(names) == {f"写入{i}班团支部" for i in range(k)}
    assert before <= k <= after + 1, (before, k, after)
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700
    # A self-contained file: no -wal needed next to it.
    assert not os.path.exists(str(target) + "-wal")


def test_database_files_are_private(sqlite_url):
    """Secrets: the SQLite file and its -wal/-shm are created mode 0600."""
    _top(sqlite_url)
    path = sqlite_path(sqlite_url)
    store = open_store(sqlite_url)
    try:
        with db_session:
            store.execute("update org set version = version + 1")
            for suffix in ("", "-wal", "-shm"):
                assert _mode(path + suffix) == 0o600, suffix
    finally:
        store.disconnect()


def test_restore_refuses_without_force_then_replaces(sqlite_url, tmp_path, capsys):
    _top(sqlite_url)
    backup = tmp_path / "b.sqlite"
    assert main(["--db", sqlite_url, "backup", str(backup)]) == 0
    # A change after the backup...
    svc = Services.open(make_settings(sqlite_url), client_key="t")
    try:
        top = svc.orgs.top()
        svc.orgs.create_child(Actor.server_operator(), top.id, "备份后班团支部", "团支部")
    finally:
        svc.close()
    capsys.readouterr()
    # ... so restoring would lose data: refused without --force, nothing changed.
    assert main(["--db", sqlite_url, "restore", str(backup)]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "Traceback" not in err
    assert _children(sqlite_url) == ["备份后班团支部"]
    assert main(["--db", sqlite_url, "restore", str(backup), "--force"]) == 0
    assert _children(sqlite_url) == []
    assert integrity(sqlite_path(sqlite_url)) == ["ok"]
    assert _mode(sqlite_path(sqlite_url)) == 0o600


def test_restore_into_new_location(sqlite_url, tmp_path):
    _top(sqlite_url)
    backup = tmp_path / "b.sqlite"
    assert main(["--db", sqlite_url, "backup", str(backup)]) == 0
    fresh = tmp_path / "new" / "zhtj.sqlite"
    assert main(["--db", str(fresh), "restore", str(backup)]) == 0
    svc = Services.open(make_settings(f"sqlite:///{fresh}"), client_key="t")
    try:
        assert svc.orgs.top().short_name == "备份大学团委"
    finally:
        svc.close()
    assert _mode(fresh) == 0o600


@pytest.mark.parametrize("content,code", [
    (b"", "not_sqlite"),
    (b"PK\x03\x04 not a database at all" * 10, "not_sqlite"),
    (None, "not_zhtj"),  # a valid SQLite file of another program
    ("newer", "newer"),
    ("corrupt", "corrupt"),
])
def test_restore_checks_the_file_first(sqlite_url, tmp_path, capsys, content, code):
    from zhtj_tui.db.backup import inspect_sqlite
    from zhtj_tui.domain.errors import DomainError

    _top(sqlite_url)
    bad = tmp_path / "bad.sqlite"
    if content is None:
        con = sqlite3.connect(bad)
        con.execute("create table t (x)")
        con.commit()
        con.close()
    elif content == "newer":
        assert main(["--db", sqlite_url, "backup", str(bad)]) == 0
        con = sqlite3.connect(bad)
        con.execute("update zhtj_meta set value = '999' where key = 'schema_version'")
        con.commit()
        con.close()
    elif content == "corrupt":
        assert main(["--db", sqlite_url, "backup", str(bad)]) == 0
        data = bytearray(bad.read_bytes())
        # Scribble over the pages after the first (the schema page stays readable).
        for i in range(4096 + 100, len(data), 97):
            data[i] = (data[i] + 77) % 256
        bad.write_bytes(bytes(data))
    else:
        bad.write_bytes(content)
    with pytest.raises(DomainError) as info:
        inspect_sqlite(str(bad))
    assert info.value.code == code
    capsys.readouterr()
    assert main(["--db", sqlite_url, "restore", str(bad), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "Traceback" not in err
    assert integrity(sqlite_path(sqlite_url)) == ["ok"]
    assert _children(sqlite_url) == []  # the live database is untouched
    svc = Services.open(make_settings(sqlite_url), client_key="t")
    try:
        assert svc.orgs.top().short_name == "备份大学团委"
    finally:
        svc.close()


def test_backup_refuses_to_overwrite_the_database_itself(sqlite_url, capsys):
    _top(sqlite_url)
    assert main(["--db", sqlite_url, "backup", sqlite_path(sqlite_url)]) == 2
    assert "数据库文件本身" in capsys.readouterr().err
    assert integrity(sqlite_path(sqlite_url)) == ["ok"]


@pytest.mark.skipif(not pg.PG_URL and not os.environ.get("CI"), reason="ZHTJ_TEST_PG is not set")
def test_postgres_backup_and_restore(tmp_path, capsys):
    """PostgreSQL: pg_dump -Fc into a 0600 file; restore refused without --force, then
    pg_restore brings the data back."""
    assert pg.PG_URL, "CI must set ZHTJ_TEST_PG"
    if shutil.which("pg_dump") is None:  # pragma: no cover - CI installs the client
        pytest.fail("pg_dump must be installed where the tests run")
    url = pg.create_database()
    try:
        _top(url)
        target = tmp_path / "pg.dump"
        assert main(["--db", url, "backup", str(target)]) == 0
        assert target.read_bytes()[:5] == b"PGDMP"
        assert _mode(target) == 0o600
        svc = Services.open(make_settings(url), client_key="t")
        try:
            svc.orgs.create_child(Actor.server_operator(), svc.orgs.top().id, "备份后班团支部", "团支部")
        finally:
            svc.close()
        capsys.readouterr()
        assert main(["--db", url, "restore", str(target)]) == 2
        err = capsys.readouterr().err
        assert "--force" in err and "pg_restore" in err
        assert _children(url) == ["备份后班团支部"]
        assert main(["--db", url, "restore", str(target), "--force"]) == 0
        assert _children(url) == []
    finally:
        pg.drop_database(url)


def test_postgres_without_pg_dump_says_what_to_run(tmp_path, monkeypatch):
    from zhtj_tui.db import backup as bk
    from zhtj_tui.domain.errors import DomainError

    monkeypatch.setattr(bk.shutil, "which", lambda name: None)
    with pytest.raises(DomainError) as info:
        bk.backup("postgresql://u@127.0.0.1:1/zhtj", str(tmp_path / "x.dump"))
    assert info.value.code == "pg_tool_missing"
    assert "pg_dump -Fc" in info.value.message
    assert not (tmp_path / "x.dump").exists()
