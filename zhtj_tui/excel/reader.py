"""Reading uploaded spreadsheets defensively.

``sources`` checks the file before any parser opens it (size, zip bombs, the extent of every
sheet) and reads .xlsx, .xls, .xlsb and .ods with calamine and .csv as text. Here the sheet is
found by its header (columns in any order, the national system's and rosters' own column
names, extra columns listed as not imported, merged or two-row headers, spaces and
full-width characters in labels), and each row comes back as raw values by field key with
the spreadsheet's usual accidents undone (numbers where text was meant, full-width digits).

Whatever goes wrong, the caller gets a ``FileRefused`` (a ``DomainError``) with a Chinese
message saying what to do, never a traceback.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as dtime
from operator import itemgetter
from pathlib import Path
from typing import Any

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import to_halfwidth
from zhtj_tui.excel import sources
from zhtj_tui.excel.cells import FULLWIDTH_DIGIT_OR_SPACE, digits_value
from zhtj_tui.excel.header import Header, find_header
from zhtj_tui.excel.refused import FileRefused, corrupt
from zhtj_tui.excel.specs import HEADER_SCAN_ROWS, MAX_ROWS, SPECS, ParsedSheet, Progress, SheetRow, SheetSpec
from zhtj_tui.excel.xlsx_parts import formulas_without_values

#: How often (seconds) the progress callback is called at most.
PROGRESS_EVERY = 0.2
#: How many of the columns not imported the preview names (the rest are counted).
IGNORED_SHOWN = 8


def read_sheet(path: str | Path, spec: SheetSpec, progress: Progress | None = None) -> ParsedSheet:
    """Read the rows of the first sheet (hidden or not) whose header matches ``spec``."""
    p, kind = sources.check_file(path)
    try:
        return _read(sources.open_grids(p, kind), p, kind, spec, progress)
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - whatever a damaged file does, the user gets a message
        raise corrupt() from None


def _read(grids: list[sources.Grid], p: Path, kind: str, spec: SheetSpec, progress: Progress | None) -> ParsedSheet:
    other: tuple[str, Header] | None = None
    chosen = None
    for grid in grids:
        header = find_header(grid.rows[:HEADER_SCAN_ROWS], spec)
        if header is None:
            continue
        if header.kind == spec.kind:
            chosen = (grid, header)
            break
        other = other or (grid.name, header)
    if chosen is None:
        if other is not None:
            wrong = SPECS[other[1].kind]
            raise FileRefused(
                f"这是“{wrong.title}”（工作表“{other[0]}”），不能用于本次导入。"
                f"请下载“{spec.title}”，按模板填写后再上传", "file", "wrong_template")
        need = "、".join(c.label for c in spec.columns if c.required)
        raise FileRefused(
            f"没有找到“{spec.title}”的表头：前{HEADER_SCAN_ROWS}行中应有一行包含列 {need}。"
            "请下载模板，把数据复制到模板中再上传", "file", "no_header")
    grid, header = chosen
    missing = [c.label for c in spec.columns if c.required and c.key not in header.columns]
    if missing:
        raise FileRefused(
            f"工作表“{grid.name}”缺少必填列：{'、'.join(missing)}。请使用“{spec.title}”，不要删除或改名表头",
            "file", "missing_columns")
    if kind == "xlsx" and grid.formulas is not False:
        cells = formulas_without_values(p, grid.name, {i + 1 for i in header.columns.values()}, header.row + 1)
        if cells:
            raise FileRefused(
                f"工作表“{grid.name}”中有公式但没有计算结果（如 {'、'.join(cells[:5])}），无法读取其中的值。"
                "请在 Excel 或 WPS 中打开文件，选中数据后“复制”再“选择性粘贴 → 数值”，保存后再上传",
                "file", "formulas")
    rows = tuple(_rows(grid, kind, spec, header, progress))
    notes = list(header.notes)
    ignored = tuple(label for _, label in header.ignored)
    if ignored:
        shown = "、".join(ignored[:IGNORED_SHOWN]) + (f"等 {len(ignored)} 列" if len(ignored) > IGNORED_SHOWN else "")
        notes.append("以下列未导入：" + shown)
    return ParsedSheet(spec.kind, grid.name, header.row, rows, tuple(header.columns), tuple(notes), ignored)


_CSV_AMBIGUOUS_MONTH = re.compile(r"\d{4}\.1")
_MISS = object()
#: Most distinct texts remembered per column (names differ on every row).
SEEN_MAX = 2000


def _rows(grid: sources.Grid, kind: str, spec: SheetSpec, header: Header, progress: Progress | None) -> Iterator[SheetRow]:
    # Per text column: a cell's cleaned value by the text as written, for values that
    # repeat from row to row (民族, 政治面貌, 入团年月 ...). Digits (ID, mobile numbers) and
    # the columns unique to a row (names) differ on every row and are not remembered.
    cols: list[tuple[str, int, bool, dict[str, Any] | None]] = []
    grouped: list[tuple[str, int, bool, dict[str, Any] | None]] = []
    for k, i in header.columns.items():
        c = spec.column(k)
        (grouped if not (c.digits or c.unique) else cols).append((k, i, c.digits, None if c.digits or c.unique else {}))
    labels = {k: spec.column(k).label for k in header.columns}
    # The columns whose values repeat (民族, 政治面貌, 入团年月, 学历, 团内职务, and the ones a
    # class leaves empty) are cleaned once per combination of their cells as written: a row
    # starts from a copy of its combination's values. Only combinations of text and empty
    # cells are remembered (1, 1.0 and True are equal keys but not equal cells).
    pick = itemgetter(*(i for _, i, _, _ in grouped)) if grouped else None
    combos: dict[Any, tuple[dict, bool]] = {}
    # A row as long as the header's last column needs no check of its length per cell
    # (calamine's rows all are; a .csv's may be shorter).
    reach = max((i for _, i, _, _ in (*cols, *grouped)), default=-1)
    first = header.row + 1
    last = header.row + MAX_ROWS
    data = grid.rows
    total = max(len(data) - header.row, 0)
    tick = time.monotonic()
    clean = _cleaner(kind, labels)
    new_row = tuple.__new__
    for r in range(first, len(data) + 1):
        row = data[r - 1]
        done = r - header.row
        if progress is not None and done % 500 == 0:
            now = time.monotonic()
            if now - tick >= PROGRESS_EVERY:
                tick = now
                progress(done, total)
        if len(row) <= reach:
            row = row + [None] * (reach + 1 - len(row))
        if pick is not None:
            key = pick(row)
            hit = combos.get(key)
            if hit is None:
                part: dict = {}
                hit = (part, clean(row, grouped, part)[1])  # text without digits: never refused
                if len(combos) < COMBOS_MAX and (
                        all(v.__class__ is str or v is None for v in key) if len(grouped) > 1
                        else key.__class__ is str or key is None):
                    combos[key] = hit
            values = hit[0].copy()
            error, own_blank = clean(row, cols, values)
            blank = hit[1] and own_blank
        else:
            values = {}
            error, blank = clean(row, cols, values)
        if blank:
            continue
        if r > last:
            raise FileRefused(
                f"工作表“{grid.name}”的数据超过每次最多 {MAX_ROWS:,} 行的限制，请分成几个文件上传",
                "file", "too_many_rows")
        yield new_row(SheetRow, (r, values, error))  # SheetRow(r, values, error), without its __new__
    if progress is not None:
        progress(total, total)


#: Most combinations of repeating cells remembered per sheet.
COMBOS_MAX = 5000


def _cleaner(kind: str, labels: dict[str, str]):
    """The cleaning of a row's cells in ``columns`` into ``values``: returns the first
    refusal (a number the spreadsheet damaged) and whether all of them were empty."""
    csv = kind == "csv"
    fullwidth = FULLWIDTH_DIGIT_OR_SPACE.search

    def clean(row: list, columns: list, values: dict) -> tuple[DomainError | None, bool]:
        error: DomainError | None = None
        blank = True
        for key, i, digits, seen in columns:
            v: Any = row[i]
            if v.__class__ is str:
                # Text, the usual case: the steps of ``plain_value`` / ``digits_value``
                # for the common shapes, inline; a blank cell is empty.
                if not v:
                    values[key] = None
                    continue
                if seen is not None and (c := seen.get(v, _MISS)) is not _MISS:
                    values[key] = c
                    blank = False
                    continue
                if v.isascii():
                    if digits and v.isdigit():
                        values[key] = v
                        blank = False
                        continue
                    text = v.strip()
                elif not digits and v.isalpha():
                    # Letters only (a name in Chinese characters): no space to strip, no
                    # full-width digit to turn.
                    values[key] = v
                    blank = False
                    continue
                else:
                    text = (to_halfwidth(v) if fullwidth(v) else v).strip()
                if not text:
                    values[key] = None
                    continue
                blank = False
                if digits:
                    try:
                        v = digits_value(v, labels[key], key)
                    except DomainError as exc:
                        error = error or exc
                        v = None
                else:
                    raw = v
                    v = text
                    if csv and key == "join_month" and _CSV_AMBIGUOUS_MONTH.fullmatch(v):
                        v = float(v)  # a CSV keeps what Excel showed: 2018.1 may have been 2018.10
                    if seen is not None and len(seen) < SEEN_MAX:
                        seen[raw] = v
                values[key] = v
                continue
            if v is None:
                values[key] = None
                continue
            blank = False
            if digits:
                try:
                    v = digits_value(v, labels[key], key)
                except DomainError as exc:
                    error = error or exc
                    v = None
            elif key == "join_month":
                pass  # dates and numbers: the month rule reads them
            elif isinstance(v, datetime):
                v = v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(" ")
            elif isinstance(v, date):
                v = v.isoformat()
            elif isinstance(v, (dtime, timedelta)):
                v = str(v)
            values[key] = v
        return error, blank

    return clean
