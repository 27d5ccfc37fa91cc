"""What services return: frozen dataclasses, never Pony entities (DESIGN rule 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Generic, TypeVar

from zhtj_tui.domain.vocab import OTHER_POST, league_posts

T = TypeVar("T")


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
class Page(Generic[T]):
    items: tuple[T, ...]
    #: Pass as ``after`` to get the next page; ``None`` on the last page.
    next_after: tuple | None = None
    total: int | None = None


@dataclass(frozen=True)
class Secretary:
    name: str
    id_number: str  # full or masked, as the viewer may see it
    mobile: str
    since: date | None = None


@dataclass(frozen=True)
class OrgView:
    id: int
    parent_id: int | None
    path: str
    depth: int
    category: str
    category_name: str
    group: str
    short_name: str
    full_name: str
    cohort: int | None
    industry: str
    industry_name: str
    admin_quota: int | None
    admin_actual: int | None
    inst_quota: int | None
    inst_actual: int | None
    contact_phone: str
    email: str
    info_saved_at: datetime | None
    info_complete: bool
    missing_fields: tuple[str, ...]
    secretary: Secretary | None
    admin_count: int
    child_count: int
    version: int
    path_names: tuple[str, ...] = ()
    #: May the viewer edit this organisation's own information?
    editable: bool = False
    #: May the viewer correct the locked fields (the direct parent's administrator)?
    correctable: bool = False
    #: Accepted but worth a look, from the write that returned this view (R-TREE-4).
    warnings: tuple[str, ...] = ()
    #: May the viewer enter, import and edit this organisation's members (R-MEM-1: a branch,
    #: and the viewer its own or its direct parent's administrator)?
    members_writable: bool = False

    @property
    def is_branch(self) -> bool:
        return self.group == "branch"

    @property
    def locked(self) -> bool:
        return self.info_saved_at is not None

    @property
    def path_text(self) -> str:
        return " / ".join(self.path_names)


@dataclass(frozen=True)
class OrgBrief:
    id: int
    short_name: str
    category_name: str
    group: str
    depth: int
    child_count: int = 0
    path_names: tuple[str, ...] = ()

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
class ChildRow:
    """A row of 下级组织管理 (R-SUB-3)."""

    id: int
    short_name: str
    full_name: str
    category_name: str
    group: str
    info_complete: bool
    secretary_name: str
    admin_count: int
    child_count: int
    code_status: str  # 有效 / 已使用 / 已过期 / 已作废 / 未生成
    code_expires_at: datetime | None


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


@dataclass(frozen=True)
class Registered:
    account_id: int
    org_id: int
    new_account: bool
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class MemberRow:
    """A row of 团员管理: personal data masked (SPEC §9)."""

    id: int
    branch_id: int
    name: str
    id_masked: str
    sex: str
    age: int
    join_month: str
    political_name: str
    post_label: str
    over_age: bool
    member_no: str
    active: bool = True
    #: 所在支部 (filled by the list, where rows of several branches meet).
    branch_name: str = ""


@dataclass(frozen=True)
class MemberView:
    """One member's record; ``id_number`` and ``mobile`` are full only when ``editable``."""

    id: int
    branch_id: int
    branch_name: str
    path_names: tuple[str, ...]
    name: str
    id_number: str
    sex: str
    birth_date: date
    age: int
    ethnic: str
    ethnic_name: str
    political: str
    political_name: str
    join_month: str
    education: str
    education_name: str
    mobile: str
    member_no: str
    post: str
    post_name: str
    post_label: str
    join_unit: str
    note: str
    status: str
    status_name: str
    left_reason: str
    left_at: datetime | None
    over_age: bool
    version: int
    editable: bool
    warnings: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.left_at is None

    def form_values(self) -> dict[str, str]:
        """The values of the entry form, by field key (codes for value lists)."""
        return {
            "name": self.name, "id_number": self.id_number, "ethnic": self.ethnic_name,
            "political": self.political_name, "join_month": self.join_month,
            "education": self.education_name, "mobile": self.mobile, "member_no": self.member_no,
            "post": (league_posts().name_of(self.post) if self.post == OTHER_POST else self.post_label)
            if self.post else "",
            "post_name": self.post_name,
            "join_unit": self.join_unit, "note": self.note,
        }


@dataclass(frozen=True)
class BranchCount:
    """Members of a branch, and how many of them are 超龄 (R-MEM-5)."""

    branch_id: int
    members: int
    over_age: int


@dataclass(frozen=True)
class TransferResult:
    moved: tuple[int, ...]
    to_branch_id: int
    to_branch_name: str


@dataclass(frozen=True)
class TransferTargets:
    """Branches members may be moved into (R-MEM-1); ``reason`` explains an empty list."""

    items: tuple[OrgBrief, ...]
    reason: str = ""


@dataclass(frozen=True)
class CadreView:
    """A post held in an organisation (R-MEM-6)."""

    id: int
    org_id: int
    post: str
    post_label: str
    name: str
    id_number: str  # full or masked, as the viewer may see it
    mobile: str
    member_id: int | None
    start_date: date
    end_date: date | None
    is_secretary: bool
    age: int
    over_age: bool

    @property
    def current(self) -> bool:
        return self.end_date is None


@dataclass(frozen=True)
class CadreList:
    org_id: int
    org_name: str
    current: tuple[CadreView, ...]
    history: tuple[CadreView, ...]
    editable: bool


@dataclass(frozen=True)
class MembersExported:
    """A member list written to a file (R-MEM-2 columns)."""

    path: Path
    org_name: str
    count: int
    full_ids: bool


@dataclass(frozen=True)
class CodesExported:
    """批量生成注册码 written to a file (R-CODE-4): ``count`` children, ``new`` of them with a
    newly issued code. ``path`` is None when there was no child (nothing was written)."""

    path: Path | None
    count: int
    new: int


@dataclass(frozen=True)
class MoveTarget:
    """An organisation that may receive a moved one (R-TREE-6)."""

    id: int
    short_name: str
    category_name: str
    path_names: tuple[str, ...]
    #: It already has a child of the moved organisation's 简称 (the move would be refused).
    name_taken: bool = False

    @property
    def path_text(self) -> str:
        return " / ".join(self.path_names)


@dataclass(frozen=True)
class MoveResult:
    org_id: int
    short_name: str
    old_parent_id: int
    new_parent_id: int
    path_names: tuple[str, ...]
    #: Organisations (the moved one and its subtree) and members whose paths were rewritten.
    orgs: int
    members: int


@dataclass(frozen=True)
class DeleteResult:
    org_id: int
    short_name: str
    parent_id: int


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
