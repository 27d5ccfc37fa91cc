"""What both batch imports (child organisations, members) return: a preview with one
outcome per row before anything is written, and a result after the one transaction."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from zhtj_tui.excel.paste import PASTE_SHEET, read_pasted
from zhtj_tui.excel.reader import PROGRESS_EVERY, read_sheet
from zhtj_tui.excel.specs import ParsedSheet, SheetSpec
from zhtj_tui.folders import Folder

#: Outcomes shown per row.
CREATE = "将创建"
EXISTS = "已存在"
ERROR = "错误"
CREATED = "已创建"

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RowOutcome:
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


@dataclass(frozen=True)
class Pasted:
    """Rows pasted from Excel or WPS (tab-separated text), read like an uploaded sheet."""

    text: str = field(repr=False)


def load(source: str | os.PathLike | ParsedSheet | Pasted, spec: SheetSpec,
         progress: Progress | None, folder: Folder | None = None) -> tuple[ParsedSheet, str]:
    """The parsed sheet and the file's name (for messages and the audit log). A file name
    is taken in ``folder`` (an administrator's own folder) and refused outside it."""
    if isinstance(source, ParsedSheet):
        return source, source.sheet_name
    if isinstance(source, Pasted):
        return read_pasted(source.text, spec), PASTE_SHEET
    path = (folder or Folder(None)).resolve(source)
    return read_sheet(path, spec, progress), path.name


def preview_as_result(preview: ImportPreview) -> ImportResult:
    """A dry run's result: the preview's outcomes, nothing written."""
    return ImportResult(preview.kind, preview.target_id, preview.target_name, preview.rows, dry_run=True,
                        notes=preview.notes)


def phase(progress: Progress | None, start: float, end: float) -> Progress | None:
    """One phase of a longer job (reading, then checking) reported as part of a single
    0..1000 progress, so that the bar never jumps back."""
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        frac = min(done / total, 1.0) if total else 1.0
        progress(int(1000 * (start + (end - start) * frac)), 1000)

    return report


class Ticker:
    """Calls ``progress`` at most every ``PROGRESS_EVERY`` seconds from a loop over rows."""

    def __init__(self, progress: Progress | None, total: int):
        self.progress = progress
        self.total = total
        self.last = time.monotonic()

    def tick(self, done: int) -> None:
        if self.progress is None or done % 256:
            return
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            self.progress(done, self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector held off while a file's rows are read and checked: it
    would otherwise walk the growing heap of row objects again and again (10-25% of a large
    import). Reference counting still frees everything; the collector resumes after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
