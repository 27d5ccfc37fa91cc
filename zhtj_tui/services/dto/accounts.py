"""What services return (DESIGN rule 2): who acts and what accounts, codes and the audit log show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    """Who is acting: an administrator in one of their organisations, or the server
    operator (the person with shell access who runs ``zhtj init`` / ``zhtj code``)."""

    account_id: int | None
    org_id: int | None
    label: str = ""
    operator: bool = False

    @classmethod
    def server_operator(cls, label: str = "服务器管理员") -> Actor:
        return cls(account_id=None, org_id=None, label=label, operator=True)


@dataclass(frozen=True)
class Role:
    org_id: int
    org_name: str
    category_name: str
    group: str
    post_name: str
    path_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Session:
    """A logged-in administrator."""

    account_id: int
    name: str
    roles: tuple[Role, ...]
    warnings: tuple[str, ...] = ()

    def actor(self, org_id: int) -> Actor:
        return Actor(account_id=self.account_id, org_id=org_id, label=self.name)


@dataclass(frozen=True)
class Registered:
    account_id: int
    org_id: int
    new_account: bool
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CodeCheck:
    """What a registrant sees before confirming: the code's organisation and its path."""

    code: str
    org_id: int
    org_name: str
    category_name: str
    path_names: tuple[str, ...]
    expires_at: datetime

    @property
    def path_text(self) -> str:
        return " / ".join(self.path_names)


@dataclass(frozen=True)
class CodeView:
    code: str
    org_id: int
    org_name: str
    category_name: str
    issued_at: datetime
    expires_at: datetime
    reused: bool = False  # an existing valid code was returned rather than a new one


@dataclass(frozen=True)
class AdminView:
    """An administrator of an organisation (R-REG-6), personal data masked."""

    account_id: int
    org_id: int
    name: str
    mobile_masked: str
    post_name: str
    last_login_at: datetime | None
    active: bool
    since: datetime


@dataclass(frozen=True)
class ResetCodeView:
    """A one-time password reset code (R-REG-7), shown once to whoever issued it."""

    code: str
    account_id: int
    name: str
    expires_at: datetime


@dataclass(frozen=True)
class HandOver:
    """An administrator handed over (R-REG-6): the successor's registration code."""

    code: CodeView
    org_id: int


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor_label: str
    action: str
    entity: str
    entity_id: int | None
    org_id: int | None
    before: dict | None
    after: dict | None
    note: str
