"""What services return (DESIGN rule 2): the batch imports (child organisations, members), a
preview with one outcome per row before anything is written, and a result after the one
transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

#: Outcomes shown per row.
CREATE = "将创建"
EXISTS = "已存在"
ERROR = "错误"
CREATED = "已创建"

class RowOutcome(NamedTuple):
    """One row's outcome. A named tuple: immutable, and a third of the cost of a frozen
    dataclass to make (a 50,000-row import makes one per row for the preview and one for the
    result)."""

    #: The row number as Excel shows it.
    row: int
    #: 组织简称 or 姓名, as read.
    name: str
    outcome: str
    #: Why (errors), or a warning for a row that will still be created.
    reason: str = ""
    field: str | None = None
    code: str | None = None

    def as_dict(self) -> dict:
        return {"row": self.row, "name": self.name, "outcome": self.outcome, "reason": self.reason,
                "field": self.field, "code": self.code}


@dataclass(frozen=True)
class ImportPreview:
    kind: str  # "orgs" | "members"
    target_id: int
    target_name: str
    file_name: str
    sheet_name: str
    rows: tuple[RowOutcome, ...]
    #: The validated rows, kept for the commit (not shown).
    planned: tuple = field(default=(), repr=False, compare=False)
    #: What the database answered when the outcomes were decided (holders of the file's
    #: numbers, the branch's secretary ...): a commit that gets the same answers keeps the
    #: outcomes instead of deciding every row again.
    basis: object = field(default=None, repr=False, compare=False)
    #: What to say about the file's columns: which of two columns was read (学历取自…),
    #: the columns not imported (以下列未导入：…).
    notes: tuple[str, ...] = ()

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def creatable(self) -> int:
        return self.count(CREATE)

    @property
    def existing(self) -> int:
        return self.count(EXISTS)

    @property
    def errors(self) -> int:
        return self.count(ERROR)


@dataclass(frozen=True)
class ImportResult:
    kind: str
    target_id: int
    target_name: str
    rows: tuple[RowOutcome, ...]
    dry_run: bool = False
    notes: tuple[str, ...] = ()

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count(CREATED) + (self.count(CREATE) if self.dry_run else 0)

    @property
    def existing(self) -> int:
        return self.count(EXISTS)

    @property
    def refused(self) -> int:
        return self.count(ERROR)

    @property
    def ok(self) -> bool:
        """Every row was created (or would be) or already existed."""
        return self.refused == 0

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "target_id": self.target_id, "target_name": self.target_name,
            "dry_run": self.dry_run, "ok": self.ok, "notes": list(self.notes),
            "counts": {"created": self.created, "existing": self.existing, "refused": self.refused},
            "rows": [r.as_dict() for r in self.rows],
        }
