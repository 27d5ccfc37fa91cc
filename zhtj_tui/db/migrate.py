"""The schema's life: creating it with its extra indexes and the audit log's guard,
and upgrading an older database step by step (each step and its version number commit
together)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pony.orm import Database, db_session

from zhtj_tui.db import tally, tally_age
from zhtj_tui.db.schema import SCHEMA_VERSION, fill_org_initials
from zhtj_tui.domain.vocab import STATUS_NORMAL

if TYPE_CHECKING:
    from zhtj_tui.db import Store


#: Ordered migration steps: version reached -> list of SQL statements per provider.
#: A new schema version adds an entry here; ``open_store`` runs the missing ones in order.
#: Active members by birth date: the 超龄 of a subtree costs the number of 超龄 members.
OVER_AGE_INDEX = ("CREATE INDEX IF NOT EXISTS idx_member_active_birth ON member (birth_date, path) "
                  f"WHERE status = '{STATUS_NORMAL}'")

#: Unused, unrevoked registration codes by expiry: those about to expire, without reading
#: every code ever issued (a province has one per organisation).
USABLE_CODE_INDEX = ("CREATE INDEX IF NOT EXISTS idx_reg_code_usable ON reg_code (expires_at) "
                     "WHERE used_at IS NULL AND revoked_at IS NULL")

#: Members in the order of the list (pinyin initials, name, id): a search by initials, or
#: the first page of a subtree's list, reads its page in that order and stops after it,
#: however many members there are (without the id PostgreSQL sorted a province's five
#: million members to show fifty; SQLite's indexes end with the row id anyway).
INITIALS_NAME_INDEX = "CREATE INDEX IF NOT EXISTS idx_member_initials_name ON member (name_initials, name, id)"

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
    # 10: the members' list order in one index (initials, name and id).
    10: {p: ["DROP INDEX IF EXISTS idx_member_initials_name", INITIALS_NAME_INDEX] for p in ("sqlite", "postgres")},
    # 11: the branches by path with their oldest member's birth date (the first branches
    # with 超龄 members of a subtree, db.tally_age's idx_tally_branch_oldest).
    11: {p: [tally_age.BRANCH_OLDEST_INDEX] for p in ("sqlite", "postgres")},
}
#: Steps that also run Python (after their SQL, in the same transaction).
MIGRATION_CODE = {3: tally.rebuild, 6: fill_org_initials, 7: tally.upgrade, 8: tally.upgrade, 9: tally.upgrade}


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _table_exists(db: Database, provider: str, table: str) -> bool:
    if provider == "sqlite":
        rows = db.select("select name from sqlite_master where type='table' and name=$table")
    else:
        rows = db.select("select tablename from pg_tables where schemaname = current_schema() and tablename=$table")
    return bool(rows)


def ensure_schema(store: Store, create: bool) -> None:
    from zhtj_tui.db import StoreError

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
                f"数据库结构从版本 {version} 升级到 {step} 失败（{first_line(exc)}），数据库仍是版本 {version}。"
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
        tally_age.BRANCH_OLDEST_INDEX,
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
