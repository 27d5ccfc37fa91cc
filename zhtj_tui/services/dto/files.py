"""What services return (DESIGN rule 2): files written for an administrator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
