"""What every service shares: the context (store, settings, clock), short retried write
transactions, the authorisation checks, and the audit writer."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple, TypeVar

from pony.orm import db_session
from pony.orm.core import CommitException, IsolationError, TransactionIntegrityError

from zhtj_tui.config import Settings
from zhtj_tui.db import Store, is_busy_error
from zhtj_tui.domain import paths
from zhtj_tui.domain.errors import Busy, Conflict, DomainError, Forbidden, NotFound
from zhtj_tui.domain.orgs import may_write_members
from zhtj_tui.domain.text import LIMITS
from zhtj_tui.domain.vocab import STATUS_NORMAL
from zhtj_tui.services.dto import Actor

T = TypeVar("T")
log = logging.getLogger("zhtj_tui.services")

#: Retries of busy transactions in this process (read by benchmarks/soak.py).
RETRY_STATS = {"retries": 0, "busy": 0}


def active_sql(alias: str = "") -> str:
    """R-MEM-3, *active member* (listed, counted, exported, supervised), in raw SQL over the
    member table: status 正常. Removal sets another status and frees ``active_id`` (the
    column that keeps one active record per ID number) in the same write."""
    return f"{alias + '.' if alias else ''}status = '{STATUS_NORMAL}'"


def is_active(member) -> bool:
    """R-MEM-3 for one member entity (``active_sql`` in queries)."""
    return is_active_status(member.status)


def is_active_status(status: str | None) -> bool:
    """R-MEM-3 for a member's status read as a plain value."""
    return status == STATUS_NORMAL


def like_escape(text: str) -> str:
    """``text`` as a literal inside a raw LIKE pattern written with ``ESCAPE '!'``."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


#: ``domain.paths.upper`` under the name the services use.
subtree_upper = paths.upper


class Scope(NamedTuple):
    """An organisation an actor may read, as plain values (``ServiceBase.visible_scope``)."""

    id: int
    path: str
    group: str
    parent_id: int | None


def refuse_unless_admin(active: bool | None) -> None:
    """R-AUTH: only an active administrator role acts for an organisation."""
    if not active:
        raise Forbidden("您不是该组织的管理员，请重新登录", None, "not_admin")


def refuse_outside(path: str, home_path: str) -> None:
    """R-§9: an administrator sees only their own organisation and its subtree."""
    if not paths.inside(path, home_path):
        raise Forbidden("只能查看本组织及下级组织的信息", None, "outside_subtree")


def _org_not_found() -> NotFound:
    return NotFound("组织不存在或已被删除", None, "org_not_found")


class Context:
    """Store + settings, shared by the services of one process."""

    def __init__(self, store: Store, settings: Settings, client_key: str = "local"):
        self.store = store
        self.settings = settings
        #: Who is at the keyboard, for throttling wrong codes (SSH client address or user).
        self.client_key = client_key

    def now(self) -> datetime:
        return self.settings.now()


class ServiceBase:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    @property
    def s(self) -> Store:
        return self.ctx.store

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def now(self) -> datetime:
        return self.ctx.now()

    # -- transactions ---------------------------------------------------------------
    def read(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in a read-only db_session."""

        def once() -> T:
            # The context manager, not ``db_session(fn)``: decorating a new function on
            # every call costs Pony ~20 µs (it compiles a signature-preserving wrapper),
            # more than a short indexed read.
            with db_session:
                return fn()

        return _with_retry(once, self.settings.busy_seconds)

    def read_rows(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, a read made only of ``Store.rows`` statements (no entities), without
        a db_session (the thread's read-only connection; entering and leaving a db_session
        costs more than a short indexed query). Retried while busy."""
        return _with_retry(fn, self.settings.busy_seconds)

    def write(self, fn: Callable[[], T], *, integrity: Callable[[Exception], DomainError] | None = None) -> T:
        """Run ``fn`` in one short write transaction, retried while the database is busy.

        A uniqueness violation raised by the database is turned into ``integrity(exc)``
        (a ``DomainError``) when given; optimistic-check failures become ``Conflict``.
        """

        def once():
            try:
                with db_session(serializable=False):
                    return fn()
            except (TransactionIntegrityError, CommitException) as exc:
                if is_busy_error(exc):
                    raise
                if _is_integrity(exc) and integrity is not None:
                    raise integrity(exc) from None
                if isinstance(exc, CommitException) and isinstance(getattr(exc, "original_exc", None), IsolationError):
                    raise Conflict("该记录已被他人修改，请重新打开后再保存", None, "changed") from None
                raise
            except IsolationError:
                # Pony's optimistic check: a row this transaction read was changed by
                # another one before the write (UnrepeatableReadError at read time,
                # OptimisticCheckError at the UPDATE). A lost update was prevented.
                raise Conflict("该记录已被他人修改，请重新打开后再保存", None, "changed") from None

        return _with_retry(once, self.settings.busy_seconds)

    # -- authorisation --------------------------------------------------------------
    def admin_org(self, actor: Actor):
        """The organisation ``actor`` administers, checked against the database."""
        if actor.operator:
            raise Forbidden("该操作需要以团组织管理员身份登录", None, "need_admin")
        role = self.s.AdminRole.get(account=actor.account_id, org=actor.org_id)
        refuse_unless_admin(role is not None and role.active)
        assert role is not None
        return role.org

    def org(self, org_id: int):
        org = self.s.Org.get(id=org_id) if isinstance(org_id, int) else None
        if org is None:
            raise _org_not_found()
        return org

    def visible_org(self, actor: Actor, org_id: int):
        """An organisation in the actor's subtree (R-§9: an administrator sees only their
        own organisation and its subtree)."""
        org = self.org(org_id)
        if actor.operator:
            return org
        refuse_outside(org.path, self.admin_org(actor).path)
        return org

    def visible_scope(self, actor: Actor, org_id: int) -> Scope:
        """``visible_org`` as plain values, read with one raw statement (the organisation,
        and for an administrator their role and home organisation): for reads that fetch
        plain rows, where building entities would cost more than the query itself."""
        columns, joins, params = self.scope_sql(actor, org_id)
        rows = self.s.rows(f"SELECT {columns} FROM org o{joins} WHERE o.id = $o", params)
        return self.checked_scope(actor, rows[0] if rows else None)

    @staticmethod
    def scope_sql(actor: Actor, org_id: int) -> tuple[str, str, dict]:
        """What ``visible_scope`` reads about the organisation ``o`` (``WHERE o.id = $o``):
        the columns, the joins after ``FROM org o`` and the parameters, for a statement that
        reads the scope together with the rows it is about (``checked_scope`` then decides
        on the columns' values, which come first in this order)."""
        if not isinstance(org_id, int) or isinstance(org_id, bool):
            raise _org_not_found()
        if actor.operator:
            return "o.id, o.path, o.cat_group, o.parent_id", "", {"o": org_id}
        return ("o.id, o.path, o.cat_group, o.parent_id, r.active, h.path",
                " LEFT JOIN admin_role r ON r.account = $a AND r.org = $h LEFT JOIN org h ON h.id = r.org",
                {"o": org_id, "a": actor.account_id, "h": actor.org_id})

    @staticmethod
    def checked_scope(actor: Actor, values: tuple | None) -> Scope:
        """R-AUTH and §9 on the values ``scope_sql`` read (None: no such organisation)."""
        if values is None:
            raise _org_not_found()
        if actor.operator:
            return Scope(*values[:4])
        oid, path, group, parent_id, active, home_path = values[:6]
        refuse_unless_admin(bool(active) and home_path is not None)
        refuse_outside(path, home_path)
        return Scope(oid, path, group, parent_id)

    def home_path(self, actor: Actor) -> str:
        """The path of the organisation ``actor`` administers (``admin_org``), by one raw
        statement."""
        if actor.operator:
            raise Forbidden("该操作需要以团组织管理员身份登录", None, "need_admin")
        rows = self.s.rows("SELECT r.active, h.path FROM admin_role r JOIN org h ON h.id = r.org"
                             " WHERE r.account = $a AND r.org = $h", {"a": actor.account_id, "h": actor.org_id})
        refuse_unless_admin(bool(rows) and bool(rows[0][0]))
        return rows[0][1]

    def own_org(self, actor: Actor, org_id: int):
        """The actor's own organisation (edit its own information)."""
        org = self.org(org_id)
        if actor.operator:
            return org
        home = self.admin_org(actor)
        if home.id != org.id:
            raise Forbidden("只能修改本组织的信息", None, "not_own_org")
        return org

    def parent_of_child(self, actor: Actor, child_id: int):
        """``child_id`` must be a direct child of the actor's organisation."""
        child = self.org(child_id)
        if actor.operator:
            return child
        home = self.admin_org(actor)
        if child.parent is None or child.parent.id != home.id:
            raise Forbidden("只能管理本组织的直属下级组织", None, "not_direct_child")
        return child

    def may_write_members(self, actor: Actor, org) -> bool:
        """R-MEM-1 (``domain.orgs.may_write_members``) for the entity ``org``."""
        return may_write_members(actor.org_id, org.id, org.parent.id if org.parent is not None else None,
                                 operator=actor.operator)

    def member_branch(self, actor: Actor, branch_id: int):
        """A branch (R-TREE-2) whose members the actor may enter, import and edit (R-MEM-1):
        the one check of single entry, batch import, editing and transfer."""
        org = self.org(branch_id)
        if org.group != "branch":
            raise DomainError(f"“{org.short_name}”不是团支部：团员只能录入、导入到团支部，请先选择一个团支部",
                              None, "not_branch")
        if actor.operator:
            return org
        self.admin_org(actor)
        if not self.may_write_members(actor, org):
            raise Forbidden("只有本团支部或其直属上级组织的管理员可以录入、修改本支部的团员", None, "not_member_admin")
        return org

    # -- stored derived values ----------------------------------------------------------
    def missing_info(self, org) -> tuple[str, ...]:
        """Required fields (R-INFO-1) of ``org`` not filled in: R-INFO-4's completeness,
        with the secretary's fields filled when the organisation has an open 书记 holding."""
        from zhtj_tui.domain import orgs as rules

        secretary = self.s.Cadre.get(secretary_of=org.id) if org.id else None
        return rules.missing_info(rules.category(org.category), lambda key: getattr(org, key), secretary is not None)

    def refresh_info_complete(self, org) -> None:
        """Rewrite ``org.info_complete`` (R-INFO-4) inside the caller's write: every write
        that changes an information field or the secretary calls this in its transaction
        (``services.consistency`` checks that none forgot)."""
        complete = not self.missing_info(org)
        if org.info_complete != complete:
            org.info_complete = complete

    # -- the tree's derived paths -----------------------------------------------------------
    def lock_orgs(self, *org_ids: int, exclusive: bool = False) -> None:
        """Lock the rows of these organisations and of all their ancestors, before anything
        is read from them in this transaction (R-TREE-6 keeps stored paths true).

        A move (``exclusive``) rewrites the paths below an organisation; whoever writes a
        path derived from an organisation (a new child, a member) takes the same rows
        shared. So a path is never copied from a row that a move is rewriting: one waits
        for the other and then reads what it committed. SQLite has one writer at a time:
        the transaction starts IMMEDIATE. PostgreSQL: FOR UPDATE / FOR SHARE in id order.
        """
        ids = sorted({i for i in org_ids if isinstance(i, int) and not isinstance(i, bool)})
        if not ids:
            return
        if self.s.provider == "sqlite":
            self.s.execute("SELECT 1")  # BEGIN IMMEDIATE TRANSACTION
            return
        mode = "UPDATE" if exclusive else "SHARE"
        locked: set[int] = set()
        for _ in range(10):
            rows = self.s.select(f"SELECT path FROM org WHERE id IN ({','.join(map(str, ids))})")
            chain = {i for path in rows if path for i in paths.ids(path)} | set(ids)
            if chain <= locked:
                return  # the paths read under the locks are the ones locked
            self.s.execute(f"SELECT id FROM org WHERE id IN ({','.join(map(str, sorted(chain)))}) "
                           f"ORDER BY id FOR {mode}")
            locked |= chain
        raise Busy("服务器繁忙，请稍后再试一次（您填写的内容仍保留在表单中）", None, "busy")

    # -- names along paths ---------------------------------------------------------------
    def names_by_id(self, ids) -> dict[int, str]:
        """Short names of the organisations ``ids``, a few hundred per query."""
        wanted = sorted({int(i) for i in ids})
        names: dict[int, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = ", ".join(map(str, wanted[start:start + 500]))
            names.update(self.s.select(f"SELECT id, short_name FROM org WHERE id IN ({chunk})"))
        return names

    def names_along(self, path: str) -> tuple[str, ...]:
        """The short names along ``path``, top organisation first ("?" for one gone)."""
        return self.names_along_all([path])[path]

    def names_along_all(self, many) -> dict[str, tuple[str, ...]]:
        """``names_along`` for each of ``many`` paths, with one query for all of them."""
        split = {p: paths.ids(p) for p in set(many)}
        names = self.names_by_id(i for v in split.values() for i in v)
        return {p: tuple(names.get(i, "?") for i in v) for p, v in split.items()}

    # -- audit ------------------------------------------------------------------------
    def audit(self, actor: Actor, action: str, entity: str, entity_id: int | None, org=None,
              before: dict | None = None, after: dict | None = None, note: str | None = None) -> None:
        label = actor.label or ("服务器管理员" if actor.operator else f"账号{actor.account_id}")
        self.s.AuditEntry(
            at=self.now(),
            actor=actor.account_id,
            actor_label=label[:60],
            action=action,
            entity=entity,
            entity_id=entity_id,
            org=org.id if org is not None else None,
            path=org.path if org is not None else None,
            before=before,
            after=after,
            note=(note or None) and note[:LIMITS["reason"]],
        )


def _is_integrity(exc: Exception) -> bool:
    text = f"{exc} {getattr(exc, 'original_exc', '')}".lower()
    return "unique" in text or "duplicate key" in text or "integrity" in text


def _with_retry(fn: Callable[[], T], bound: float = 15.0) -> T:
    """Run ``fn`` (one whole db_session); while the database is busy, retry with a growing,
    jittered pause until ``bound`` seconds have gone by, then raise ``Busy``: the words
    "database is locked" never reach a user."""
    started = time.monotonic()
    delay = 0.02
    while True:
        try:
            return fn()
        except DomainError:
            raise
        except Exception as exc:
            if not is_busy_error(exc):
                raise
            elapsed = time.monotonic() - started
            if elapsed >= bound:
                RETRY_STATS["busy"] += 1
                log.warning("database busy for %.1f s, giving up", time.monotonic() - started)
                raise Busy("服务器繁忙，请稍后再试一次（您填写的内容仍保留在表单中）", None, "busy") from None
            RETRY_STATS["retries"] += 1
            # The last pause ends at the bound, where one more attempt is made.
            time.sleep(min(delay * (0.5 + random.random()), bound - elapsed))
            delay = min(delay * 2, 0.5)
