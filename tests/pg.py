"""Throwaway PostgreSQL databases for tests, on the server named by ZHTJ_TEST_PG."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlparse, urlunparse

PG_URL = os.environ.get("ZHTJ_TEST_PG", "")


def _admin_connect():
    import psycopg2

    con = psycopg2.connect(PG_URL)
    con.autocommit = True
    return con


def create_database() -> str:
    """Create an empty database and return its URL."""
    name = f"zhtj_t_{uuid.uuid4().hex[:12]}"
    con = _admin_connect()
    try:
        with con.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
    finally:
        con.close()
    parts = urlparse(PG_URL)
    return urlunparse(parts._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    con = _admin_connect()
    try:
        with con.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        con.close()
