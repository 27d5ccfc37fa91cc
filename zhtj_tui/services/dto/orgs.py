"""What services return (DESIGN rule 2): organisations: views, pages of a list, moves and deletions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

T = TypeVar("T")


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
