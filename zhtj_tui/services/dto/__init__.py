"""What services return: frozen dataclasses, never Pony entities (DESIGN rule 2), one module
per subject; every type is importable from here."""

from __future__ import annotations

from zhtj_tui.services.dto.accounts import (
    Actor,
    AdminView,
    AuditView,
    CodeCheck,
    CodeView,
    HandOver,
    Registered,
    ResetCodeView,
    Role,
    Session,
)
from zhtj_tui.services.dto.files import CodesExported, MembersExported
from zhtj_tui.services.dto.imports import (
    CREATE,
    CREATED,
    ERROR,
    EXISTS,
    ImportPreview,
    ImportResult,
    RowOutcome,
)
from zhtj_tui.services.dto.members import (
    BranchCount,
    CadreList,
    CadreView,
    MemberRow,
    MemberView,
    TransferResult,
    TransferTargets,
)
from zhtj_tui.services.dto.orgs import (
    ChildRow,
    DeleteResult,
    MoveResult,
    MoveTarget,
    OrgBrief,
    OrgView,
    Page,
    Secretary,
)

__all__ = [
    "Actor", "AdminView", "AuditView", "BranchCount", "CREATE", "CREATED", "CadreList",
    "CadreView", "ChildRow", "CodeCheck", "CodeView", "CodesExported", "DeleteResult", "ERROR",
    "EXISTS", "HandOver", "ImportPreview", "ImportResult", "MemberRow", "MemberView",
    "MembersExported", "MoveResult", "MoveTarget", "OrgBrief", "OrgView", "Page", "Registered",
    "ResetCodeView", "Role", "RowOutcome", "Secretary", "Session", "TransferResult",
    "TransferTargets",
]
