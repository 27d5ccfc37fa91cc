"""Use cases. Each public method opens its own db_session, checks what the acting
administrator may do, and returns frozen dataclasses (DESIGN rules 1-5).

``Services`` builds each service the first time it is used: the interface's first screen
needs the accounts and the organisations, not the Excel import or the consistency check,
and importing what it does not need would only delay it."""

from __future__ import annotations

import os
import threading
from functools import cached_property
from typing import TYPE_CHECKING

from zhtj_tui.config import Settings

if TYPE_CHECKING:
    from zhtj_tui.db import Store
    from zhtj_tui.services.accounts import AccountService
    from zhtj_tui.services.admins import AdminService
    from zhtj_tui.services.audit import AuditService
    from zhtj_tui.services.base import Context
    from zhtj_tui.services.cadres import CadreService
    from zhtj_tui.services.codes import CodeService
    from zhtj_tui.services.consistency import ConsistencyService
    from zhtj_tui.services.demo import DemoService
    from zhtj_tui.services.dto import Actor
    from zhtj_tui.services.files import FileService
    from zhtj_tui.services.member_export import MemberExportService
    from zhtj_tui.services.member_import import MemberImportService
    from zhtj_tui.services.members import MemberService
    from zhtj_tui.services.org_import import OrgImportService
    from zhtj_tui.services.orgs import OrgService
    from zhtj_tui.services.prefs import PrefsService
    from zhtj_tui.services.progress import ProgressService


def client_key_from_env(env: dict[str, str] | None = None) -> str:
    """Who is at the keyboard: the SSH client's address, else the local user."""
    seen = os.environ if env is None else env
    ssh = seen.get("SSH_CLIENT") or seen.get("SSH_CONNECTION") or ""
    if ssh:
        return "ssh:" + ssh.split()[0]
    return "local:" + str(os.getuid())


class Services:
    """All use cases over one store, each built on first use. The store itself may be
    opened on first use too (``open(settings, defer=True)``: the interface shows its first
    screen while a worker opens the database)."""

    def __init__(self, store: Store | None, settings: Settings, client_key: str | None = None):
        self._store = store
        self.settings = settings
        self.client_key = client_key or client_key_from_env()
        self._opening = threading.Lock()

    @property
    def store(self) -> Store:
        """The database; opened here (once, whichever thread asks first) when deferred.
        A database that cannot be used raises ``DomainError`` with ``StoreError``'s
        sentence (code ``store``), as every service refusal does."""
        if self._store is None:
            with self._opening:
                if self._store is None:
                    from zhtj_tui.db import StoreError, open_store
                    from zhtj_tui.domain.errors import DomainError

                    try:
                        self._store = open_store(self.settings.db_url)
                    except StoreError as exc:
                        raise DomainError(str(exc), None, "store") from None
        return self._store

    @cached_property
    def ctx(self) -> Context:
        from zhtj_tui.services.base import Context

        return Context(self.store, self.settings, self.client_key)

    @cached_property
    def accounts(self) -> AccountService:
        from zhtj_tui.services.accounts import AccountService

        return AccountService(self.ctx)

    @cached_property
    def admins(self) -> AdminService:
        from zhtj_tui.services.admins import AdminService

        return AdminService(self.ctx, self.accounts)

    @cached_property
    def orgs(self) -> OrgService:
        from zhtj_tui.services.orgs import OrgService

        return OrgService(self.ctx)

    @cached_property
    def codes(self) -> CodeService:
        from zhtj_tui.services.codes import CodeService

        return CodeService(self.ctx)

    @cached_property
    def audit(self) -> AuditService:
        from zhtj_tui.services.audit import AuditService

        return AuditService(self.ctx)

    @cached_property
    def org_import(self) -> OrgImportService:
        from zhtj_tui.services.org_import import OrgImportService

        return OrgImportService(self.ctx, self.orgs)

    @cached_property
    def member_import(self) -> MemberImportService:
        from zhtj_tui.services.member_import import MemberImportService

        return MemberImportService(self.ctx)

    @cached_property
    def member_export(self) -> MemberExportService:
        from zhtj_tui.services.member_export import MemberExportService

        return MemberExportService(self.ctx)

    @cached_property
    def progress(self) -> ProgressService:
        from zhtj_tui.services.progress import ProgressService

        return ProgressService(self.ctx)

    @cached_property
    def members(self) -> MemberService:
        from zhtj_tui.services.members import MemberService

        return MemberService(self.ctx)

    @cached_property
    def cadres(self) -> CadreService:
        from zhtj_tui.services.cadres import CadreService

        return CadreService(self.ctx)

    @cached_property
    def consistency(self) -> ConsistencyService:
        from zhtj_tui.services.consistency import ConsistencyService

        return ConsistencyService(self.ctx)

    @cached_property
    def demo(self) -> DemoService:
        from zhtj_tui.services.demo import DemoService

        return DemoService(self.ctx, self.accounts.hasher)

    @cached_property
    def files(self) -> FileService:
        from zhtj_tui.services.files import FileService

        return FileService(self.ctx, self.orgs, self.codes, self.member_export)

    @cached_property
    def prefs(self) -> PrefsService:
        from zhtj_tui.services.prefs import PrefsService

        return PrefsService(self.settings)

    @classmethod
    def open(cls, settings: Settings, client_key: str | None = None, *, defer: bool = False) -> Services:
        """Services over ``settings.db_url``, opened now (``StoreError`` if it cannot be
        used) or, with ``defer``, by the first call that needs it."""
        if defer:
            return cls(None, settings, client_key)
        from zhtj_tui.db import open_store

        return cls(open_store(settings.db_url), settings, client_key)

    def close(self) -> None:
        with self._opening:
            if self._store is not None:
                self._store.disconnect()


def __getattr__(name: str):
    """``Actor`` is still found here; its module loads when asked for (the dataclasses of the
    service results are not needed to show the first screen)."""
    if name == "Actor":
        from zhtj_tui.services.dto import Actor

        return Actor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Services", "Actor", "Settings"]
