"""SQLite databases built once per test process and copied for each test that needs one.

Creating zhtj's schema costs about 0.1 s and the small demo data set 1–2 s of CPU; hundreds
of tests start from one of these two states. Each test still gets a database file of its
own (a byte copy, made before anything opens it), identical to what ``Services.open`` on an
empty file, and then ``demo.load``, would have left there: both are deterministic given the
URL-independent settings, the seed and the clock, which are part of the cache key.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

_dir: str | None = None
#: key -> (template file, what building it returned)
_built: dict[tuple, tuple[Path, object]] = {}


def _cache_dir() -> Path:
    global _dir
    if _dir is None:
        _dir = tempfile.mkdtemp(prefix="zhtj-test-cache-")
    return Path(_dir)


def cleanup() -> None:
    global _dir
    if _dir is not None:
        shutil.rmtree(_dir, ignore_errors=True)
        _dir = None
    _built.clear()


def _path(url: str) -> Path:
    assert url.startswith("sqlite:///"), url
    return Path(url[len("sqlite:///"):])


def _settle_file(path: Path) -> None:
    """Every change in the main file (no WAL left beside it), so one file is the whole database."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    for suffix in ("-wal", "-shm", ".lock"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _copy_to(template: Path, url: str) -> None:
    dest = _path(url)
    assert not dest.exists(), f"{dest} exists already: the copy is made before anything opens it"
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copyfile(template, dest)
    os.chmod(dest, 0o600)  # as zhtj creates its database files


def schema_copy(url: str) -> None:
    """Put at ``url`` a database holding zhtj's current schema and nothing else (what
    ``open_store`` makes of an empty file)."""
    key = ("schema",)
    if key not in _built:
        from zhtj_tui.db import open_store

        template = _cache_dir() / "schema.sqlite"
        open_store(f"sqlite:///{template}").disconnect()
        _settle_file(template)
        _built[key] = (template, None)
    _copy_to(_built[key][0], url)


def _neutral(settings):
    """The settings with what differs between tests and cannot change the data set blanked."""
    return dataclasses.replace(settings, db_url="", files_dir="", clock=None)


def demo_copy(settings, scale: str = "small", seed: int = 2018):
    """Put at ``settings.db_url`` the database ``Services.open(settings).demo.load(scale,
    seed)`` makes of an empty file, and return that load's ``DemoResult``."""
    from tests.conftest import make_settings
    from tests.helpers import FakeClock

    now = settings.clock()
    key = ("demo", scale, seed, now, _neutral(settings))
    if key not in _built:
        from zhtj_tui.services import Services

        template = _cache_dir() / f"demo-{len(_built)}.sqlite"
        built = make_settings(f"sqlite:///{template}", FakeClock(now))
        built = dataclasses.replace(settings, db_url=built.db_url, files_dir=built.files_dir, clock=built.clock)
        services = Services.open(built, client_key="demo-cache")
        try:
            result = services.demo.load(scale, seed)
        finally:
            services.close()
        _settle_file(template)
        _built[key] = (template, result)
    template, result = _built[key]
    _copy_to(template, settings.db_url)
    return result
