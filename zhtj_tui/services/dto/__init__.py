"""What services return: frozen dataclasses, never Pony entities (DESIGN rule 2), one module
per subject; every type is importable from here. A type's module is imported when the type
is first asked for: the login screen needs the accounts' types, not the imports' or the
members' (start-up time)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

#: Each type's module (under ``zhtj_tui.services.dto``).
_MODULES = {
    "Actor": "accounts",
    "AdminView": "accounts",
    "AuditView": "accounts",
    "CodeCheck": "accounts",
    "CodeView": "accounts",
    "HandOver": "accounts",
    "Registered": "accounts",
    "ResetCodeView": "accounts",
    "Role": "accounts",
    "Session": "accounts",
    "CodesExported": "files",
    "MembersExported": "files",
    "CREATE": "imports",
    "CREATED": "imports",
    "ERROR": "imports",
    "EXISTS": "imports",
    "ImportPreview": "imports",
    "ImportResult": "imports",
    "RowOutcome": "imports",
    "BranchCount": "members",
    "CadreList": "members",
    "CadreView": "members",
    "MemberRow": "members",
    "MemberView": "members",
    "TransferResult": "members",
    "TransferTargets": "members",
    "ChildRow": "orgs",
    "DeleteResult": "orgs",
    "MoveResult": "orgs",
    "MoveTarget": "orgs",
    "OrgBrief": "orgs",
    "OrgView": "orgs",
    "Page": "orgs",
    "Secretary": "orgs",
}


def __getattr__(name: str):
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Actor", "AdminView", "AuditView", "BranchCount", "CREATE", "CREATED", "CadreList",
    "CadreView", "ChildRow", "CodeCheck", "CodeView", "CodesExported", "DeleteResult", "ERROR",
    "EXISTS", "HandOver", "ImportPreview", "ImportResult", "MemberRow", "MemberView",
    "MembersExported", "MoveResult", "MoveTarget", "OrgBrief", "OrgView", "Page", "Registered",
    "ResetCodeView", "Role", "RowOutcome", "Secretary", "Session", "TransferResult",
    "TransferTargets",
]
