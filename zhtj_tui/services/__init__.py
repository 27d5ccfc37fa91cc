"""Use cases. Each public method opens its own db_session, checks what the acting
administrator may do, and returns frozen dataclasses (DESIGN rules 1-5)."""

from __future__ import annotations

import os

from zhtj_tui.config import Settings
from zhtj_tui.db import Store, open_store
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
    """All use cases over one store."""

    def __init__(self, store: Store, settings: Settings, client_key: str | None = None):
        self.store = store
        self.settings = settings
        self.ctx = Context(store, settings, client_key or client_key_from_env())
        self.accounts = AccountService(self.ctx)
        self.admins = AdminService(self.ctx, self.accounts)
        self.orgs = OrgService(self.ctx)
        self.codes = CodeService(self.ctx)
        self.audit = AuditService(self.ctx)
        self.org_import = OrgImportService(self.ctx, self.orgs)
        self.member_import = MemberImportService(self.ctx)
        self.member_export = MemberExportService(self.ctx)
        self.progress = ProgressService(self.ctx)
        self.members = MemberService(self.ctx)
        self.cadres = CadreService(self.ctx)
        self.consistency = ConsistencyService(self.ctx)
        self.demo = DemoService(self.ctx, self.accounts.hasher)
        self.files = FileService(self.ctx, self.orgs, self.codes, self.member_export)
        self.prefs = PrefsService(settings)

    @classmethod
    def open(cls, settings: Settings, client_key: str | None = None) -> Services:
        return cls(open_store(settings.db_url), settings, client_key)

    def close(self) -> None:
        self.store.disconnect()


__all__ = ["Services", "Actor", "Settings"]
