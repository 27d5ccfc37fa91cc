"""What both batch imports (child organisations, members) share: loading a file or a paste,
progress in phases, the dry run's result."""

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
from zhtj_tui.services.dto.imports import ImportPreview, ImportResult

Progress = Callable[[int, int], None]


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
