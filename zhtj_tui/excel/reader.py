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
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import to_halfwidth
from zhtj_tui.excel import sources
from zhtj_tui.excel.sources import MAX_FILE_BYTES, FileRefused, corrupt, sheet_parts

__all__ = ["FileRefused", "MAX_FILE_BYTES", "MEMBER_SPEC", "ORG_SPEC", "ParsedSheet", "SheetRow", "SheetSpec",
           "read_sheet"]

#: Most data rows a sheet may hold, and how far to look for the header row / columns.
MAX_ROWS = 100_000
HEADER_SCAN_ROWS = 10
MAX_COLS = 60
#: How often (seconds) the progress callback is called at most.
PROGRESS_EVERY = 0.2
#: How many of the columns not imported the preview names (the rest are counted).
IGNORED_SHOWN = 8


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: Other names of the column, the preferred first: when a sheet has two columns for one
    #: field, the one named earlier here is read and the other is listed as not imported.
    aliases: tuple[str, ...] = ()
    required: bool = False
    #: Digits that spreadsheets like to turn into numbers (ID, mobile, member numbers).
    digits: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class SheetSpec:
    kind: str  # "orgs" | "members"
    title: str  # the template's name, as users see it
    columns: tuple[Column, ...]
    #: Columns whose presence says "this is such a sheet" (for recognising the template).
    identifying: tuple[str, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


ORG_SPEC = SheetSpec(
    kind="orgs",
    title="下级组织批量创建模板",
    columns=(
        Column("short_name", "组织简称", ("简称", "团组织简称", "组织名称", "团组织名称"), required=True),
        Column("category", "组织类别", ("类别", "团组织类别", "组织类型"), required=True),
        Column("full_name", "组织全称", ("全称", "团组织全称")),
    ),
    identifying=("short_name",),
)

#: The member columns under the names of our template, of the national system's forms and
#: exports (发展团员编号, 现任团内职务, 公民身份号码, 证件号码) and of class rosters (联系电话,
#: 手机, 学生姓名). 学历 (R-MEM-2): the list has no full-time / part-time distinction, so 学历
#: is a person's highest level, as the word means on Chinese forms: a 最高学历 column is read
#: before a 全日制学历 one (the preview says which was used).
MEMBER_SPEC = SheetSpec(
    kind="members",
    title="团员信息导入模板",
    columns=(
        Column("name", "姓名", ("团员姓名", "学生姓名"), required=True),
        Column("id_number", "身份证号码", ("身份证号", "公民身份号码", "公民身份证号码", "身份证件号码", "身份证",
                                         "证件号码", "证件号"), required=True, digits=True),
        Column("ethnic", "民族", (), required=True),
        Column("political", "政治面貌", (), required=True),
        Column("join_month", "入团年月", ("入团时间", "入团日期", "入团年月日"), required=True),
        Column("education", "学历", ("最高学历", "全日制学历", "文化程度", "学历层次"), required=True),
        Column("mobile", "手机号码", ("手机号", "手机", "移动电话", "本人手机", "联系手机", "手机号码（本人）", "联系电话",
                                    "联系方式", "电话号码", "电话"), required=True, digits=True),
        Column("member_no", "团员编号", ("发展团员编号",), digits=True),
        Column("post", "团内职务", ("现任团内职务", "团内现任职务", "团内职务名称")),
        Column("post_name", "职务名称", ("其他职务名称",)),
        Column("join_unit", "入团时所在单位", ("入团所在单位", "入团时所在单位名称", "入团单位")),
        Column("note", "备注", ()),
    ),
    identifying=("name", "id_number"),
)

SPECS = {ORG_SPEC.kind: ORG_SPEC, MEMBER_SPEC.kind: MEMBER_SPEC}


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One non-empty data row: its number as Excel shows it, and raw values by key."""

    row: int
    values: dict
    #: A value the spreadsheet damaged (an ID stored as a rounded number): the row's refusal.
    error: DomainError | None = None


@dataclass(frozen=True)
class ParsedSheet:
    kind: str
    sheet_name: str
    header_row: int
    rows: tuple[SheetRow, ...]
    #: Column keys found in the header, in file order.
    found: tuple[str, ...] = field(default_factory=tuple)
    #: What the preview should say about the columns: which of two columns was read, and
    #: the columns not imported.
    notes: tuple[str, ...] = ()
    #: The header labels of the columns not imported, as written.
    ignored: tuple[str, ...] = ()


Progress = Callable[[int, int], None]


# -- header labels ----------------------------------------------------------------------
_PARENS = re.compile(r"[（(【\[].*?[)）】\]]")


def normalize_header(value: object) -> str:
    """'  身份证号码＊（必填）' -> '身份证号码'."""
    if value is None:
        return ""
    text = to_halfwidth(str(value))
    text = _PARENS.sub("", text)
    text = re.sub(r"[\s*＊:：]+", "", text)
    return text


def _label_map(spec: SheetSpec) -> dict[str, tuple[str, int]]:
    """normalised label -> (field key, preference: 0 for the template's own label)."""
    out: dict[str, tuple[str, int]] = {}
    for c in spec.columns:
        for rank, n in enumerate(c.names):
            out.setdefault(normalize_header(n), (c.key, rank))
    return out


def _shown(value: object) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()[:20]


# -- the file ---------------------------------------------------------------------------
check_file = sources.check_file


# -- formulas without values -------------------------------------------------------------
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def formulas_without_values(path: Path, sheet_name: str, columns: set[int] | None = None, first_row: int = 1,
                            limit: int = 5) -> list[str]:
    """Cells of ``sheet_name`` (in ``columns``, 1-based, from ``first_row``) holding a formula
    whose result was never saved (files written by programs rather than by Excel): read
    with data_only they would look empty. A saved empty text result (t="str") is fine."""
    try:
        with zipfile.ZipFile(path) as zf:
            part = sheet_parts(zf).get(sheet_name)
            if part is None or part not in zf.namelist():
                return []
            found: list[str] = []
            with zf.open(part) as fh:
                for _, elem in ElementTree.iterparse(fh, events=("end",)):
                    if elem.tag != f"{_NS_MAIN}c":
                        if elem.tag == f"{_NS_MAIN}row":
                            elem.clear()
                        continue
                    if elem.find(f"{_NS_MAIN}f") is None or not _in_area(elem.get("r", ""), columns, first_row):
                        continue
                    v = elem.find(f"{_NS_MAIN}v")
                    if elem.find(f"{_NS_MAIN}is") is not None or (v is not None and elem.get("t") == "str"):
                        continue
                    if v is None or not (v.text or "").strip():
                        found.append(elem.get("r", "?"))
                        if len(found) >= limit:
                            break
            return found
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        raise corrupt() from None


_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _in_area(ref: str, columns: set[int] | None, first_row: int) -> bool:
    m = _REF.match(ref)
    if m is None:
        return True  # no usable reference: count it
    from openpyxl.utils import column_index_from_string

    return int(m.group(2)) >= first_row and (columns is None or column_index_from_string(m.group(1)) in columns)


# -- cell values ------------------------------------------------------------------------
#: Floats are exact integers only below 2**53; longer digit strings lost digits.
_EXACT_FLOAT = 2**53


def digits_value(value: object, label: str, key: str) -> object:
    """An ID, mobile or member number as text: an integer cell gives its digits, a number
    that was rounded by the spreadsheet (1.10105e+17) is refused."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT_FLOAT:
            return str(int(value))
        raise DomainError(
            f"{label}被 Excel 存成了数字（显示为 {value:.6g}），末尾几位已经丢失。请把“{label}”列的单元格"
            "格式设置为“文本”，重新填写完整号码后再上传", key, "number_lost_digits")
    if isinstance(value, str):
        if value.isdigit() and value.isascii():
            return value
        text = re.sub(r"\s+", "", to_halfwidth(value))
        if _SCIENTIFIC.fullmatch(text):  # a .csv saved from a number cell: what Excel showed
            raise DomainError(
                f"{label}被 Excel 存成了数字（显示为 {text}），末尾几位已经丢失。请把“{label}”列的单元格"
                "格式设置为“文本”，重新填写完整号码后再上传", key, "number_lost_digits")
        return text
    return value


_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+?\d+")


_FULLWIDTH_DIGIT_OR_SPACE = re.compile("[\uff10-\uff19\u3000]")


def plain_value(value: object) -> object:
    if isinstance(value, str):
        if not value.isascii() and _FULLWIDTH_DIGIT_OR_SPACE.search(value):
            value = to_halfwidth(value)
        return value.strip()
    return value


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- reading ----------------------------------------------------------------------------
@dataclass
class _Header:
    row: int
    columns: dict[str, int]  # key -> 0-based column index
    kind: str
    #: (column index, label as written) of every other labelled column.
    ignored: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _match(labels: list[str], shown: list[str], kind: str, maps) -> _Header:
    best: dict[str, tuple[int, int]] = {}  # key -> (rank, index)
    seen: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        hit = maps[kind].get(lab)
        if hit is None:
            continue
        key, rank = hit
        seen.setdefault(key, []).append(i)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, i)
    columns = {k: i for k, (_, i) in sorted(best.items(), key=lambda kv: kv[1][1])}
    used = set(columns.values())
    ignored = [(i, shown[i]) for i, lab in enumerate(labels) if lab and i not in used]
    notes = []
    spec = SPECS[kind]
    for key, idxs in seen.items():
        if len(idxs) > 1:
            others = "、".join(f"“{shown[i]}”" for i in idxs if i != columns[key])
            notes.append(f"{spec.column(key).label}取自“{shown[columns[key]]}”列（{others}列未导入）")
    return _Header(0, columns, kind, ignored, notes)


def _find_header(rows: list, spec: SheetSpec) -> _Header | None:
    maps = {k: _label_map(s) for k, s in SPECS.items()}
    prev: list = []
    best: _Header | None = None
    mine: _Header | None = None
    for r, row in enumerate(rows, start=1):
        row = list(row[:MAX_COLS])
        # A header cell merged down over two rows holds its label in the upper row only.
        cells = [v if normalize_header(v) else (prev[i] if i < len(prev) else "") for i, v in enumerate(row)]
        labels = [normalize_header(v) for v in cells]
        shown = [_shown(v) for v in cells]
        for kind in (spec.kind, *[k for k in SPECS if k != spec.kind]):
            found = _match(labels, shown, kind, maps)
            if all(k in found.columns for k in SPECS[kind].identifying):
                found.row = r
                if kind == spec.kind:
                    # The header is the row matching most columns (a merged group label
                    # above the real labels matches only some).
                    if mine is None or len(found.columns) > len(mine.columns):
                        mine = found
                elif best is None or len(found.columns) > len(best.columns):
                    best = found
        prev = row
    return mine or best


def find_header(rows: list[tuple], spec: SheetSpec) -> _Header | None:
    """The header row among ``rows`` (the first rows of a sheet or of pasted cells): its
    1-based number, column key -> 0-based index, and which template it belongs to (``spec``'s
    own when it matches, else another's so that the caller can name the wrong template)."""
    return _find_header(rows, spec)


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
    other: tuple[str, _Header] | None = None
    chosen = None
    for grid in grids:
        header = _find_header(grid.rows[:HEADER_SCAN_ROWS], spec)
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


def _rows(grid: sources.Grid, kind: str, spec: SheetSpec, header: _Header, progress: Progress | None) -> Iterator[SheetRow]:
    cols = [(c.key, c.label, i, c.digits) for c, i in ((spec.column(k), i) for k, i in header.columns.items())]
    first = header.row + 1
    last = header.row + MAX_ROWS
    data = grid.rows
    total = max(len(data) - header.row, 0)
    tick = time.monotonic()
    csv = kind == "csv"
    fullwidth = _FULLWIDTH_DIGIT_OR_SPACE.search
    for r in range(first, len(data) + 1):
        row = data[r - 1]
        done = r - header.row
        if progress is not None and done % 500 == 0:
            now = time.monotonic()
            if now - tick >= PROGRESS_EVERY:
                tick = now
                progress(done, total)
        values: dict = {}
        error: DomainError | None = None
        blank = True
        width = len(row)
        for key, label, i, digits in cols:
            v: Any = row[i] if i < width else None
            if v.__class__ is str:
                # Text, the usual case: the steps of ``plain_value`` / ``digits_value``
                # for the common shapes, inline; a blank cell is empty.
                if v.isascii():
                    if digits and v.isdigit():
                        values[key] = v
                        blank = False
                        continue
                    text = v.strip()
                else:
                    text = (to_halfwidth(v) if fullwidth(v) else v).strip()
                if not text:
                    values[key] = None
                    continue
                blank = False
                if digits:
                    try:
                        v = digits_value(v, label, key)
                    except DomainError as exc:
                        error = error or exc
                        v = None
                else:
                    v = text
                    if csv and key == "join_month" and _CSV_AMBIGUOUS_MONTH.fullmatch(v):
                        v = float(v)  # a CSV keeps what Excel showed: 2018.1 may have been 2018.10
                values[key] = v
                continue
            if v is None:
                values[key] = None
                continue
            blank = False
            if digits:
                try:
                    v = digits_value(v, label, key)
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
        if blank:
            continue
        if r > last:
            raise FileRefused(
                f"工作表“{grid.name}”的数据超过每次最多 {MAX_ROWS:,} 行的限制，请分成几个文件上传",
                "file", "too_many_rows")
        yield SheetRow(r, values, error)
    if progress is not None:
        progress(total, total)
