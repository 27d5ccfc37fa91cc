"""Writing workbooks safely: user text never acts as a formula, files are replaced
atomically, and the files are readable by their owner only (they may hold personal data).
Tables (exports, codes) are streamed by ``excel.stream``; templates, which need drop-down
lists and formats, are openpyxl workbooks saved by ``save_atomic``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from zhtj_tui.domain.outfile import FILE_EXISTS, check_output_path, place_file
from zhtj_tui.excel.stream import FORMULA_TRIGGERS, write_stream

__all__ = ["FILE_EXISTS", "FORMULA_TRIGGERS", "check_output_path", "save_atomic", "write_table", "write_codes",
           "safe_cell", "set_text"]

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="C00000")


def safe_cell(ws: Worksheet, value: object) -> WriteOnlyCell:
    """A write-only cell holding ``value``; text is always stored as text, never a formula."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.style = "Normal"
            cell.quotePrefix = True
            cell.number_format = "@"
    return cell


def set_text(cell, value: object) -> None:
    """Assign ``value`` to a normal-mode cell; text is stored as text, never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True


def header_cells(ws: Worksheet, headers: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for h in headers:
        c = safe_cell(ws, h)
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        cells.append(c)
    return cells


def save_atomic(wb: Workbook, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Save to a temporary file beside ``path`` (mode 0600), then move it into place: a crash
    never leaves a half-written file under the user's chosen name. An existing file is
    replaced only with ``overwrite`` (``DomainError`` code ``file_exists`` otherwise)."""
    return _atomic(path, overwrite, wb.save)


def _atomic(path: str | os.PathLike, overwrite: bool, write: Callable[[str], object]) -> Path:
    target = check_output_path(path, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".zhtj-", suffix=".xlsx", dir=target.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o600)
        write(tmp)
        place_file(tmp, target, overwrite)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


def write_table(path: str | os.PathLike, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]],
                widths: Sequence[int] | None = None, note: str | None = None, overwrite: bool = False,
                progress: Callable[[int], None] | None = None) -> Path:
    """A one-sheet workbook: optional note row, a header row, then ``rows``, streamed (flat
    memory); ``progress(rows written)`` a few times a second."""
    check_output_path(path, overwrite)  # before any work, so a refusal leaves nothing half-built

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            write_stream(fh, title, headers, rows, widths, note, progress)

    return _atomic(path, overwrite, write)


def write_codes(path: str | os.PathLike, codes, fmt, overwrite: bool = False) -> Path:
    """R-CODE-4: the batch of registration codes (组织名称, 组织类别, 注册码, 有效期至).

    ``codes`` are ``services.dto.CodeView``; ``fmt`` formats a UTC datetime for display
    (``Settings.fmt``)."""
    rows = ((c.org_name, c.category_name, c.code, fmt(c.expires_at)) for c in codes)
    return write_table(
        path, "管理员注册码", ("组织名称", "组织类别", "管理员注册码", "有效期至"), rows,
        widths=(36, 14, 16, 20),
        note="管理员注册码区分大小写，每个注册码只能注册一位管理员，过期后请联系上级组织重新生成。",
        overwrite=overwrite,
    )
