"""Rows pasted from Excel or WPS, read as if they were an uploaded sheet.

Copying cells in Excel or WPS puts tab-separated text on the clipboard (one line per row;
a cell holding a tab, a line break or a quote is quoted, quotes doubled). A terminal that
supports bracketed paste hands that text to the program in one piece. ``read_pasted``
turns it into the reader's ``ParsedSheet``, so the import services check, preview and
commit pasted rows exactly as they do a file's:

- with the header row: columns are recognised by their labels as in a file (any order,
  extra columns ignored, the same aliases);
- without it: the columns are taken in the template's order (what one copies from a filled
  template); more columns than the template has is refused, since they cannot be placed.

Row numbers are the row's position in the pasted block (the header, when pasted, is row
1), which is what the user sees in the spreadsheet selection. Whatever is wrong with the
paste as a whole is a ``FileRefused`` with a Chinese message, never a traceback.

The interface with the reader is small on purpose: ``SheetSpec``/``SPECS`` (the columns and
their labels), ``find_header`` (recognising a header row), ``digits_value``/``plain_value``
(the cell clean-up) and the result types.
"""

from __future__ import annotations

import csv
import io
import re

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import PASTE_SHEET
from zhtj_tui.excel.cells import digits_value, plain_value
from zhtj_tui.excel.header import Header, find_header, normalize_header
from zhtj_tui.excel.refused import FileRefused
from zhtj_tui.excel.specs import HEADER_SCAN_ROWS, MAX_ROWS, SPECS, ParsedSheet, SheetRow, SheetSpec

#: Largest paste accepted (characters): far above 100,000 member rows' worth of cells.
MAX_PASTE_CHARS = 40 * 1024 * 1024

#: A number Excel showed in scientific notation and copied as such (1.10105E+17): digits lost.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")


def read_pasted(text: str, spec: SheetSpec) -> ParsedSheet:
    """The pasted rows as a ``ParsedSheet`` of kind ``spec.kind``; see the module doc."""
    if len(text) > MAX_PASTE_CHARS:
        raise FileRefused(
            f"粘贴的内容太多（约 {len(text) // 1024 // 1024} MB）。请分几次粘贴，或把数据保存为 .xlsx 文件后上传",
            "paste", "too_big")
    grid = _grid(text)
    if not grid:
        raise FileRefused("粘贴的内容是空的。请在 Excel 或 WPS 中选中要导入的行，复制（Ctrl+C）后再粘贴",
                          "paste", "empty")
    header = find_header([tuple(r) for r in grid[:HEADER_SCAN_ROWS]], spec) or _labels_only(grid[0], spec)
    if header is not None and header.kind != spec.kind:
        wrong = SPECS[header.kind]
        raise FileRefused(
            f"粘贴的是“{wrong.title}”的内容，不能用于本次导入。请复制“{spec.title}”中的行后再粘贴",
            "paste", "wrong_template")
    if header is not None:
        missing = [c.label for c in spec.columns if c.required and c.key not in header.columns]
        if missing:
            raise FileRefused(
                f"粘贴的表头缺少必填列：{'、'.join(missing)}。请连同这些列一起复制，或按模板的列顺序只复制数据行",
                "paste", "missing_columns")
        columns = header.columns
        first = header.row  # 0-based index of the first data row = the header's 1-based number
    else:
        columns = _positional(grid, spec)
        first = 0
    data = grid[first:]
    if len(data) > MAX_ROWS:
        raise FileRefused(
            f"粘贴了 {len(data):,} 行，超过每次最多 {MAX_ROWS:,} 行的限制，请分几次粘贴",
            "paste", "too_many_rows")
    placed = [(spec.column(key), i) for key, i in columns.items()]  # looked up once, not per cell
    rows = tuple(row for i, cells in enumerate(data, start=first + 1)
                 if (row := _row(i, cells, placed)) is not None)
    return ParsedSheet(spec.kind, PASTE_SHEET, header.row if header else 0, rows, tuple(columns))


def _grid(text: str) -> list[list[str]]:
    """The cells, with blank trailing rows and a byte-order mark dropped."""
    text = text.lstrip("\ufeff")
    # Terminals send a pasted line break as \r; Windows clipboards hold \r\n.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    grid = [list(r) for r in csv.reader(io.StringIO(text), delimiter="\t", quotechar='"', strict=False)]
    while grid and not any(c.strip() for c in grid[-1]):
        grid.pop()
    return grid


def _labels_only(row: list[str], spec: SheetSpec) -> Header | None:
    """A first row made only of this template's column labels is a header even when it
    lacks the columns that identify the template (then the missing ones are named)."""
    labels = {normalize_header(n): c.key for c in spec.columns for n in c.names}
    cells = [(i, normalize_header(v)) for i, v in enumerate(row) if v.strip()]
    if len(cells) < 2 or any(lab not in labels for _, lab in cells):
        return None
    return Header(1, {labels[lab]: i for i, lab in cells}, spec.kind)


def _positional(grid: list[list[str]], spec: SheetSpec) -> dict[str, int]:
    """Columns of a paste without a header: the template's order."""
    width = max(len(_trimmed(r)) for r in grid)
    required = sum(1 for c in spec.columns if c.required)
    if width <= 1 < required:
        raise FileRefused(
            "粘贴的内容没有分列（没有制表符分隔的单元格），不像是从表格中复制的行。请在 Excel 或 WPS 中选中"
            f"“{spec.title}”中的单元格区域（可以连同表头），复制后再粘贴",
            "paste", "no_columns")
    if width > len(spec.columns):
        labels = "、".join(c.label for c in spec.columns)
        raise FileRefused(
            f"粘贴的内容有 {width} 列，多于模板的 {len(spec.columns)} 列，无法确定每列是什么。请连同表头一起复制，"
            f"或按模板的列顺序（{labels}）只复制这些列", "paste", "too_many_columns")
    return {c.key: i for i, c in enumerate(spec.columns)}


def _trimmed(row: list[str]) -> list[str]:
    end = len(row)
    while end and not row[end - 1].strip():
        end -= 1
    return row[:end]


def _row(number: int, cells: list[str], placed: list) -> SheetRow | None:
    values: dict = {}
    error: DomainError | None = None
    blank = True
    for col, i in placed:
        key = col.key
        cell = cells[i] if i < len(cells) else ""
        if not cell.strip():
            values[key] = None
            continue
        blank = False
        v: object
        if col.digits:
            try:
                v = _digits(cell, col)
            except DomainError as exc:
                error = error or exc
                v = None
        else:
            v = plain_value(cell)
        values[key] = v
    if blank:
        return None
    return SheetRow(number, values, error)


def _digits(value: str, col) -> object:
    text = value.strip()
    if _SCIENTIFIC.match(text):
        raise DomainError(
            f"{col.label}在表格中显示为科学计数法（{text}），复制出来的已不是完整号码。请把“{col.label}”列的"
            "单元格格式设置为“文本”，填写完整号码后重新复制粘贴", col.key, "number_lost_digits")
    return digits_value(text, col.label, col.key)
