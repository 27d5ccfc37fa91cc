"""Throwaway PostgreSQL databases for tests, on the server named by ZHTJ_TEST_PG.

A database with the schema costs a CREATE DATABASE (copying the template's system catalogs,
some 0.4 s of the server's CPU). When a test is done with one, it is wiped back to the
template's exact state and renamed, and the next test of the same process gets it under a
new name: a database that no connection holds any more, whose schema (tables, columns,
indexes, constraints, triggers, functions, sequences, settings) still fingerprints as the
template's, has every table emptied, the template's rows and sequence positions restored and
the planner statistics of the test that used it removed. Anything else is dropped as before.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlparse, urlunparse

PG_URL = os.environ.get("ZHTJ_TEST_PG", "")

#: This test process's database holding zhtj's current schema and nothing else, copied by
#: ``create_database(schema=True)``; made on first use, dropped by ``drop_template``.
_template: str | None = None
#: The template's schema fingerprint, rows (table -> (columns, rows)) and sequence positions.
_template_state: tuple | None = None
#: Databases this process made from the template (only these are ever wiped and reused).
_from_template: set[str] = set()
#: Wiped databases waiting for their next test.
_free: list[str] = []

#: One text per schema object in the database's own schemas: what a test could change
#: besides the rows (DDL, a disabled trigger, a database-level setting).
_FINGERPRINT = """
SELECT 'ns ' || nspname FROM pg_namespace
 WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%'
   AND nspname NOT LIKE 'pg_temp%'
UNION ALL
SELECT 'rel ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || c.relpersistence::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
   AND n.nspname NOT LIKE 'pg_temp%'
UNION ALL
SELECT 'col ' || a.attrelid::regclass::text || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || ' ' || a.attnotnull || ' ' || a.attisdropped || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
   AND n.nspname NOT LIKE 'pg_temp%' AND a.attnum > 0
UNION ALL
SELECT 'idx ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
UNION ALL
SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
 WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
UNION ALL
SELECT 'trg ' || pg_get_triggerdef(oid) || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(coalesce(p.prosrc, '')) FROM pg_proc p
 WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
UNION ALL
SELECT 'rule ' || rulename || ' ' || ev_class::regclass::text FROM pg_rewrite
 WHERE ev_class NOT IN (SELECT oid FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace
                                                   OR relnamespace = 'information_schema'::regnamespace)
UNION ALL
SELECT 'pol ' || polname FROM pg_policy
UNION ALL
SELECT 'ext ' || extname || ' ' || extversion FROM pg_extension
UNION ALL
SELECT 'lo ' || count(*) FROM pg_largeobject_metadata
UNION ALL
SELECT 'set ' || coalesce(array_to_string(setconfig, ','), '') FROM pg_db_role_setting
 WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
UNION ALL
SELECT 'seq ' || seqrelid::regclass::text || ' ' || seqtypid::text || ' ' || seqstart || ' ' || seqincrement
       || ' ' || seqmax || ' ' || seqmin || ' ' || seqcache || ' ' || seqcycle FROM pg_sequence
"""


def _admin_connect():
    import psycopg2

    con = psycopg2.connect(PG_URL)
    con.autocommit = True
    return con


def _admin_execute(sql: str) -> None:
    """One statement on the server's maintenance connection (CREATE/DROP/ALTER DATABASE)."""
    con = _admin_connect()
    try:
        with con.cursor() as cur:
            cur.execute(sql)
    finally:
        con.close()


def _url(name: str) -> str:
    return urlunparse(urlparse(PG_URL)._replace(path=f"/{name}"))


def _create(name: str, template: str) -> None:
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\'')


def _schema_template() -> str:
    """The process's template: an empty database on which zhtj created its schema (what
    ``open_store`` does to an empty database), with no connection left open to it."""
    global _template, _template_state
    if _template is None:
        from zhtj_tui.db import open_store

        name = f"zhtj_t_{uuid.uuid4().hex[:12]}_tpl"
        _create(name, "template0")
        try:
            open_store(_url(name)).disconnect()
            state = _state(name)
        except BaseException:
            drop_database(_url(name))
            raise
        _template, _template_state = name, state
    return _template


def _tables(cur) -> list[str]:
    return list(_sizes(cur))


def _sizes(cur) -> dict[str, int]:
    """Each table's size on disk with its indexes and TOAST: a table whose size is still the
    template's has not had a row written (an insert grows the table and its primary key's
    index, and nothing but TRUNCATE gives an index's pages back)."""
    cur.execute("SELECT quote_ident(schemaname) || '.' || quote_ident(tablename),"
                " pg_total_relation_size((quote_ident(schemaname) || '.' || quote_ident(tablename))::regclass)"
                " FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")
    return dict(cur.fetchall())


def _state(name: str) -> tuple:
    """A database's schema fingerprint, its rows and its sequences' positions."""
    import psycopg2

    con = psycopg2.connect(_url(name))
    try:
        with con.cursor() as cur:
            cur.execute(_FINGERPRINT)
            fingerprint = sorted(r[0] for r in cur.fetchall())
            sizes = _sizes(cur)
            rows = {}
            for table in sizes:
                cur.execute(f"SELECT * FROM {table}")  # noqa: S608 - names from the catalog
                found = cur.fetchall()
                if found:
                    rows[table] = ([d.name for d in cur.description], found)
            cur.execute("SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename),"
                        " coalesce(last_value, start_value), last_value IS NOT NULL FROM pg_sequences")
            sequences = sorted(cur.fetchall())
        con.rollback()
    finally:
        con.close()
    return fingerprint, sizes, rows, sequences


def _wipe(name: str) -> bool:
    """Bring ``name`` back to the template's state; False when that cannot be done safely
    (a connection stays, the schema differs, anything fails): the caller drops it instead."""
    import time

    import psycopg2
    from psycopg2 import sql

    assert _template_state is not None
    fingerprint, sizes, rows, sequences = _template_state
    admin = _admin_connect()
    try:
        with admin.cursor() as cur:
            # No session of the test (or of a process it started) may keep using it.
            cur.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            deadline = time.monotonic() + 5
            while True:
                cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
                cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,))
                if cur.fetchone()[0] == 0:
                    break
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.01)
            cur.execute("SELECT count(*) FROM pg_prepared_xacts WHERE database = %s", (name,))
            if cur.fetchone()[0]:
                return False
            cur.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        con = psycopg2.connect(_url(name))
        try:
            with con.cursor() as cur:
                cur.execute(_FINGERPRINT)
                if sorted(r[0] for r in cur.fetchall()) != fingerprint:
                    return False
                # Superuser: skip the audit log's guard (it refuses TRUNCATE) for this wipe only.
                cur.execute("SET LOCAL session_replication_role = replica")
                written = [t for t, size in _sizes(cur).items() if size != sizes.get(t) or t in rows]
                if written:
                    cur.execute(f"TRUNCATE {', '.join(written)} CASCADE")  # tables referring to them too
                for table, (columns, values) in rows.items():
                    cols = ", ".join(sql.Identifier(c).as_string(con) for c in columns)
                    marks = ", ".join(["%s"] * len(columns))
                    cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)  # noqa: S608
                for seq, value, called in sequences:
                    cur.execute("SELECT setval(%s, %s, %s)", (seq, value, called))
                # The planner sees what a new database shows: no statistics of earlier rows.
                cur.execute("DELETE FROM pg_statistic WHERE starelid IN (SELECT c.oid FROM pg_class c"
                            " JOIN pg_namespace n ON n.oid = c.relnamespace"
                            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))")
                cur.execute("DELETE FROM pg_statistic_ext_data")
            con.commit()
        finally:
            con.close()
        return True
    except psycopg2.Error:
        return False
    finally:
        admin.close()


def create_database(schema: bool = False) -> str:
    """Create a database and return its URL: empty, or with ``schema`` a copy of a database
    on which zhtj already created its current schema (the same state ``Services.open`` leaves
    an empty database in, without paying for the DDL in every test)."""
    name = f"zhtj_t_{uuid.uuid4().hex[:12]}"
    if schema and _free:
        _admin_execute(f'ALTER DATABASE "{_free.pop()}" RENAME TO "{name}"')
        _from_template.add(name)
        return _url(name)
    _create(name, _schema_template() if schema else "template0")
    if schema:
        _from_template.add(name)
    return _url(name)


def drop_database(url: str) -> None:
    """Drop the database, or, when it was made from the template, wipe it for the next test."""
    name = urlparse(url).path.lstrip("/")
    if name in _from_template:
        _from_template.discard(name)
        if _wipe(name):
            _free.append(name)
            return
    _drop(name)


def _drop(name: str) -> None:
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_template() -> None:
    global _template, _template_state
    while _free:
        _drop(_free.pop())
    if _template is not None:
        drop_database(_url(_template))
        _template = None
