"""Throwaway PostgreSQL databases for tests, on the server named by ZHTJ_TEST_PG."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlparse, urlunparse

PG_URL = os.environ.get("ZHTJ_TEST_PG", "")

#: This test process's database holding zhtj's current schema and nothing else, copied by
#: ``create_database(schema=True)``; made on first use, dropped by ``drop_template``.
_template: str | None = None


def _admin_connect():
    import psycopg2

    con = psycopg2.connect(PG_URL)
    con.autocommit = True
    return con


def _url(name: str) -> str:
    return urlunparse(urlparse(PG_URL)._replace(path=f"/{name}"))


def _create(name: str, template: str) -> None:
    con = _admin_connect()
    try:
        with con.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\'')
    finally:
        con.close()


def _schema_template() -> str:
    """The process's template: an empty database on which zhtj created its schema (what
    ``open_store`` does to an empty database), with no connection left open to it."""
    global _template
    if _template is None:
        from zhtj_tui.db import open_store

        name = f"zhtj_t_{uuid.uuid4().hex[:12]}_tpl"
        _create(name, "template0")
        try:
            open_store(_url(name)).disconnect()
        except BaseException:
            drop_database(_url(name))
            raise
        _template = name
    return _template


def create_database(schema: bool = False) -> str:
    """Create a database and return its URL: empty, or with ``schema`` a copy of a database
    on which zhtj already created its current schema (the same state ``Services.open`` leaves
    an empty database in, without paying for the DDL in every test)."""
    name = f"zhtj_t_{uuid.uuid4().hex[:12]}"
    _create(name, _schema_template() if schema else "template0")
    return _url(name)


def drop_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    con = _admin_connect()
    try:
        with con.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        con.close()


def drop_template() -> None:
    global _template
    if _template is not None:
        drop_database(_url(_template))
        _template = None
