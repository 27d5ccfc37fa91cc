"""Backups and restores of the database.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
of a live database while other processes keep writing (WAL readers never block writers).
The copy is written to a temporary file created mode 0600 next to the target, checked with
``PRAGMA integrity_check``, switched to a self-contained rollback journal, and renamed into
place: a crash leaves either no backup or a complete one.

A restore checks the file first (integrity, a zhtj schema version this program supports),
refuses to overwrite a database that holds data unless forced, and writes through the
backup API into the live database: one write transaction, so other processes see the old
database or the new one, never a mix.

PostgreSQL: ``pg_dump -Fc`` / ``pg_restore`` are called when installed; otherwise the
commands to run are given.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from zhtj_tui.db import SCHEMA_VERSION, DbUrl, parse_url
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.outfile import file_exists_error, place_file

#: How long a backup or restore waits for a writer before giving up, seconds.
LOCK_TIMEOUT = 30.0


@dataclass(frozen=True)
class BackupResult:
    path: str
    size: int
    schema_version: int | None
    tables: dict[str, int]


def _sqlite_uri_ro(path: str) -> str:
    from urllib.parse import quote

    absolute = "/" + str(Path(path).absolute()).lstrip("/")  # "//tmp" would read as a URI authority
    return "file:" + quote(absolute) + "?mode=ro"


def inspect_sqlite(path: str) -> tuple[int, dict[str, int]]:
    """Check that ``path`` is a sound zhtj SQLite database; return (schema version, row
    counts of the main tables). Raises ``DomainError`` saying what is wrong."""
    p = Path(path)
    if not p.is_file():
        raise DomainError(f"找不到文件 {path}", "file", "not_found")
    with open(p, "rb") as fh:
        header = fh.read(16)
    if header != b"SQLite format 3\x00":
        raise DomainError(f"{path} 不是 SQLite 数据库文件（可能是其他格式或已损坏）", "file", "not_sqlite")
    try:
        con = sqlite3.connect(_sqlite_uri_ro(path), uri=True, timeout=LOCK_TIMEOUT)
    except sqlite3.Error as exc:
        raise DomainError(f"无法打开 {path}：{exc}", "file", "unreadable") from None
    # A damaged file can hold text that is not UTF-8: read it, do not crash on it.
    con.text_factory = lambda b: b.decode("utf-8", "replace")
    try:
        try:
            result = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
        except (sqlite3.Error, ValueError) as exc:
            raise DomainError(f"{path} 已损坏，无法检查：{exc}", "file", "corrupt") from None
        if result != ["ok"]:
            raise DomainError(f"{path} 未通过完整性检查（{'; '.join(result[:3])}），不能使用", "file", "corrupt")
        try:
            row = con.execute("select value from zhtj_meta where key = 'schema_version'").fetchone()
            version = int(row[0]) if row is not None else None
        except (sqlite3.Error, ValueError, TypeError):
            version = None
        if version is None:
            raise DomainError(f"{path} 不是 zhtj 的数据库（没有结构版本记录）", "file", "not_zhtj")
        if version > SCHEMA_VERSION:
            raise DomainError(
                f"{path} 的结构版本是 {version}，本程序只支持到 {SCHEMA_VERSION}：请先升级 zhtj-tui", "file", "newer"
            )
        tables = {}
        for table in ("org", "account", "member", "reg_code", "audit_log"):
            try:
                tables[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
            except sqlite3.Error:
                tables[table] = 0
        return version, tables
    finally:
        con.close()


def _has_data(path: str) -> bool:
    p = Path(path)
    if not p.is_file() or p.stat().st_size == 0:
        return False
    try:
        con = sqlite3.connect(_sqlite_uri_ro(path), uri=True, timeout=LOCK_TIMEOUT)
        try:
            names = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
            if "org" in names and con.execute("select count(*) from org").fetchone()[0] == 0:
                return False
            return bool(names)
        finally:
            con.close()
    except sqlite3.Error:
        return True  # unreadable but not empty: never overwrite it silently


def _temp_beside(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    return tmp


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _check_target(dest: Path, overwrite: bool) -> None:
    if dest.is_dir():
        raise DomainError(f"{dest} 是一个目录，请给出备份文件名", "file", "is_dir")
    if not overwrite and os.path.lexists(dest):
        raise file_exists_error(dest)


def backup_sqlite(db_path: str, target: str, overwrite: bool = False) -> BackupResult:
    """A consistent copy of the live SQLite database ``db_path`` at ``target`` (0600).
    An existing ``target`` is replaced only with ``overwrite`` (``zhtj backup --force``)."""
    if not Path(db_path).is_file():
        raise DomainError(f"数据库文件 {db_path} 不存在，没有可备份的内容", None, "no_database")
    dest = Path(target).expanduser().absolute()
    if dest.exists() and _same_file(db_path, str(dest)):
        raise DomainError("备份文件不能是数据库文件本身，请另选一个路径", "file", "same_file")
    _check_target(dest, overwrite)
    tmp = _temp_beside(dest)
    try:
        src = sqlite3.connect(_sqlite_uri_ro(db_path), uri=True, timeout=LOCK_TIMEOUT)
        try:
            dst = sqlite3.connect(tmp, timeout=LOCK_TIMEOUT)
            try:
                # One step (pages=-1): the whole database from one read snapshot.
                src.backup(dst, pages=-1)
                dst.execute("PRAGMA journal_mode = DELETE")
                check = [r[0] for r in dst.execute("PRAGMA integrity_check").fetchall()]
                if check != ["ok"]:
                    raise DomainError(f"备份副本未通过完整性检查：{'; '.join(check[:3])}", None, "backup_corrupt")
            finally:
                dst.close()
        finally:
            src.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        place_file(tmp, dest, overwrite)
    except sqlite3.Error as exc:
        raise DomainError(f"备份失败：{exc}。请检查磁盘空间和目录权限后重试", None, "backup_failed") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    version, tables = inspect_sqlite(str(dest))
    return BackupResult(str(dest), dest.stat().st_size, version, tables)


def restore_sqlite(source: str, db_path: str, force: bool = False) -> BackupResult:
    """Replace the database ``db_path`` with the backup ``source`` (checked first)."""
    src_path = Path(source).expanduser().absolute()
    if Path(db_path).exists() and _same_file(str(src_path), db_path):
        raise DomainError("备份文件就是当前数据库文件，无需恢复", "file", "same_file")
    version, tables = inspect_sqlite(str(src_path))
    if _has_data(db_path) and not force:
        raise DomainError(
            f"数据库 {db_path} 中已有数据，恢复将覆盖全部现有数据。确认无误后请加 --force 重新执行"
            "（建议先用 zhtj backup 备份当前数据库）",
            None, "would_overwrite",
        )
    p = Path(db_path)
    p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not p.exists():
        fd = os.open(p, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    try:
        src = sqlite3.connect(_sqlite_uri_ro(str(src_path)), uri=True, timeout=LOCK_TIMEOUT)
        try:
            dst = sqlite3.connect(db_path, timeout=LOCK_TIMEOUT)
            try:
                dst.execute("PRAGMA journal_mode = WAL")
                # The backup API writes every page in one write transaction of ``dst``.
                src.backup(dst, pages=-1)
                check = [r[0] for r in dst.execute("PRAGMA integrity_check").fetchall()]
                if check != ["ok"]:  # pragma: no cover - the source was checked
                    raise DomainError(f"恢复后的数据库未通过完整性检查：{'; '.join(check[:3])}", None, "restore_corrupt")
                dst.execute("PRAGMA journal_mode = WAL")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise DomainError(f"恢复失败：{exc}。数据库未被修改，请稍后重试", None, "restore_failed") from None
    os.chmod(db_path, 0o600)
    return BackupResult(db_path, p.stat().st_size, version, tables)


# -- PostgreSQL ------------------------------------------------------------------------


def pg_dump_command(url: DbUrl, target: str) -> list[str]:
    return ["pg_dump", "-Fc", "--no-owner", "-f", target, "-d", url.dsn or ""]


def pg_restore_command(url: DbUrl, source: str) -> list[str]:
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", url.dsn or "", source]


def _show(cmd: list[str]) -> str:
    return " ".join(shlex.quote(c) for c in cmd)


def _run_pg(cmd: list[str], what: str) -> None:
    exe = shutil.which(cmd[0])
    if exe is None:
        raise DomainError(
            f"本机未安装 {cmd[0]}（PostgreSQL 客户端工具）。请安装 postgresql-client 后重试，或在数据库服务器上执行：{_show(cmd)}",
            None, "pg_tool_missing",
        )
    old = os.umask(0o077)
    try:
        proc = subprocess.run([exe, *cmd[1:]], capture_output=True, text=True, check=False)
    finally:
        os.umask(old)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["未知错误"])[-1]
        raise DomainError(f"{what}失败：{detail}", None, "pg_tool_failed")


def backup_postgres(url: DbUrl, target: str, overwrite: bool = False) -> BackupResult:
    dest = Path(target).expanduser().absolute()
    _check_target(dest, overwrite)
    tmp = _temp_beside(dest)
    try:
        _run_pg(pg_dump_command(url, str(tmp)), "pg_dump 备份")
        os.chmod(tmp, 0o600)
        place_file(tmp, dest, overwrite)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return BackupResult(str(dest), dest.stat().st_size, None, {})


def restore_postgres(url: DbUrl, source: str, force: bool = False) -> BackupResult:
    src = Path(source).expanduser().absolute()
    if not src.is_file():
        raise DomainError(f"找不到文件 {source}", "file", "not_found")
    with open(src, "rb") as fh:
        if fh.read(5) != b"PGDMP":
            raise DomainError(f"{source} 不是 pg_dump -Fc 生成的备份文件", "file", "not_pg_dump")
    cmd = pg_restore_command(url, str(src))
    if not force:
        raise DomainError(
            f"恢复将覆盖 PostgreSQL 数据库中的全部 zhtj 数据。确认无误后请加 --force 重新执行，或手动执行：{_show(cmd)}",
            None, "would_overwrite",
        )
    _run_pg(cmd, "pg_restore 恢复")
    return BackupResult(str(src), src.stat().st_size, None, {})


def backup(db_url: str, target: str, overwrite: bool = False) -> BackupResult:
    url = parse_url(db_url)
    with _file_errors(target):
        if url.provider == "sqlite":
            return backup_sqlite(url.path or "", target, overwrite)
        return backup_postgres(url, target, overwrite)


def restore(db_url: str, source: str, force: bool = False) -> BackupResult:
    url = parse_url(db_url)
    with _file_errors(source):
        if url.provider == "sqlite":
            return restore_sqlite(source, url.path or "", force)
        return restore_postgres(url, source, force)


@contextlib.contextmanager
def _file_errors(path: str):
    """File-system refusals (no such directory, permission, name too long, a NUL byte in
    the name) as one Chinese line."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DomainError(f"无法读写文件 {path[:200]}：{reason}。请检查路径和权限", "file", "file_error") from None
    except ValueError:
        raise DomainError("文件路径含有不能使用的字符，请换一个路径", "file", "bad_path") from None
