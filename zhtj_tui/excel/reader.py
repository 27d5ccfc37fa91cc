"""Reading uploaded workbooks defensively.

An uploaded file is checked before openpyxl sees it: its size, that it is a zip holding a
workbook (not an .xls, a .csv or a renamed text file), and the declared sizes and
compression ratios of its members (a 5 KB file can unpack to gigabytes). openpyxl then reads
it in read-only mode with every ``iter_rows`` bounded. The sheet is found by its header
(columns in any order, extra columns ignored, merged or two-row headers, spaces and
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
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import to_halfwidth

#: Largest accepted upload.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Largest total unpacked size of the zip's members, and the largest ratio of a big member.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
#: Most data rows a sheet may hold, and how far to look for the header row / columns.
MAX_ROWS = 100_000
HEADER_SCAN_ROWS = 10
MAX_COLS = 60
#: How often (seconds) the progress callback is called at most.
PROGRESS_EVERY = 0.2


class FileRefused(DomainError):
    """The file as a whole cannot be imported; nothing was read into the database."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
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
        Column("short_name", "组织简称", ("简称", "团组织简称", "组织名称"), required=True),
        Column("category", "组织类别", ("类别", "团组织类别"), required=True),
        Column("full_name", "组织全称", ("全称", "团组织全称")),
    ),
    identifying=("short_name",),
)

MEMBER_SPEC = SheetSpec(
    kind="members",
    title="团员信息导入模板",
    columns=(
        Column("name", "姓名", ("团员姓名",), required=True),
        Column("id_number", "身份证号码", ("身份证号", "公民身份号码", "身份证"), required=True, digits=True),
        Column("ethnic", "民族", (), required=True),
        Column("political", "政治面貌", (), required=True),
        Column("join_month", "入团年月", ("入团时间", "入团日期"), required=True),
        Column("education", "学历", ("最高学历",), required=True),
        Column("mobile", "手机号码", ("手机号", "手机", "移动电话"), required=True, digits=True),
        Column("member_no", "团员编号", (), digits=True),
        Column("post", "团内职务", ()),
        Column("post_name", "职务名称", ("其他职务名称",)),
        Column("join_unit", "入团时所在单位", ()),
        Column("note", "备注", ()),
    ),
    identifying=("name", "id_number"),
)

SPECS = {ORG_SPEC.kind: ORG_SPEC, MEMBER_SPEC.kind: MEMBER_SPEC}


@dataclass(frozen=True)
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


def _label_map(spec: SheetSpec) -> dict[str, str]:
    return {normalize_header(n): c.key for c in spec.columns for n in c.names}


# -- the file ---------------------------------------------------------------------------
def check_file(path: str | Path) -> Path:
    """Refuse what is not a sound .xlsx before any parser opens it."""
    p = Path(path).expanduser()
    if not p.exists():
        raise FileRefused(f"找不到文件 {p}，请检查路径", "file", "not_found")
    if not p.is_file():
        raise FileRefused(f"{p} 不是文件，请选择一个 .xlsx 文件", "file", "not_file")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRefused(
            f"文件太大（{size / 1024 / 1024:.1f} MB），最大 {MAX_FILE_BYTES // 1024 // 1024} MB。"
            "请删除多余的工作表、图片和空白格式，或把数据分成几个文件上传", "file", "too_big")
    if size == 0:
        raise FileRefused("文件是空的（0 字节），请重新保存后再上传", "file", "empty")
    try:
        with open(p, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise FileRefused(f"无法读取文件 {p}：{exc.strerror or exc}", "file", "unreadable") from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(
            "这是旧版 Excel（.xls）文件或加了密码的文件，无法读取。请在 Excel 或 WPS 中“另存为”"
            " Excel 工作簿（.xlsx），去掉打开密码后再上传", "file", "xls")
    if not head.startswith(b"PK"):
        kind = "CSV 或文本文件" if _looks_textual(p) else "Excel 工作簿"
        raise FileRefused(
            f"该文件不是 Excel 工作簿（.xlsx），看起来是 {kind}。请用模板填写，"
            "在 Excel 或 WPS 中保存为 .xlsx 后再上传" if kind != "Excel 工作簿" else
            "该文件不是有效的 Excel 工作簿（.xlsx），请在 Excel 或 WPS 中另存为 .xlsx 后再上传",
            "file", "not_xlsx")
    _check_zip(p)
    return p


def _looks_textual(p: Path) -> bool:
    with open(p, "rb") as fh:
        chunk = fh.read(4096)
    for enc in ("utf-8", "gb18030"):
        try:
            chunk.decode(enc)
            return True
        except UnicodeDecodeError:
            continue
    return False


_CORRUPT = "文件已损坏或不是有效的 Excel 工作簿（.xlsx），请在 Excel 或 WPS 中重新打开并另存为 .xlsx 后再上传"


def _check_zip(p: Path) -> None:
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused(_CORRUPT, "file", "corrupt") from None
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise FileRefused(
            "该文件不是 Excel 工作簿（可能是 Word、WPS 或其他压缩文件），请用模板填写并保存为 .xlsx 后上传",
            "file", "not_xlsx")
    total = 0
    for info in infos:
        total += info.file_size
        big = info.file_size > RATIO_FLOOR_BYTES
        if total > MAX_UNPACKED_BYTES or (big and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise FileRefused(
                "文件解压后异常巨大（可能是被构造的“压缩炸弹”或含有大量空白格式），已拒绝读取。"
                "请只保留数据表，复制到新建的模板中保存后再上传", "file", "zip_bomb")


# -- formulas without values -------------------------------------------------------------
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding it."""
    wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels.iter(f"{_NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[rel.get("Id")] = target
    out = {}
    for sheet in wb.iter(f"{_NS_MAIN}sheet"):
        rid = sheet.get(f"{_NS_REL}id")
        if rid in targets:
            out[sheet.get("name", "")] = targets[rid]
    return out


def _has_formula_tag(zf: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                return False
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-8:]


def formulas_without_values(path: Path, sheet_name: str, columns: set[int] | None = None, first_row: int = 1,
                            limit: int = 5) -> list[str]:
    """Cells of ``sheet_name`` (in ``columns``, 1-based, from ``first_row``) holding a formula
    whose result was never saved (files written by programs rather than by Excel): read
    with data_only they would look empty. A saved empty text result (t="str") is fine."""
    try:
        with zipfile.ZipFile(path) as zf:
            part = _sheet_parts(zf).get(sheet_name)
            if part is None or part not in zf.namelist() or not _has_formula_tag(zf, part):
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
        raise FileRefused(_CORRUPT, "file", "corrupt") from None


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
        return re.sub(r"\s+", "", to_halfwidth(value))
    return value


def plain_value(value: object) -> object:
    if isinstance(value, str):
        text = to_halfwidth(value) if any("\uff10" <= ch <= "\uff19" or ch == "\u3000" for ch in value) else value
        return text.strip()
    return value


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- reading ----------------------------------------------------------------------------
@dataclass
class _Header:
    row: int
    columns: dict[str, int]  # key -> 0-based column index
    kind: str


def _find_header(rows: list[tuple], spec: SheetSpec) -> _Header | None:
    maps = {k: _label_map(s) for k, s in SPECS.items()}
    prev: tuple = ()
    best: _Header | None = None
    mine: _Header | None = None
    for r, row in enumerate(rows, start=1):
        # A header cell merged down over two rows holds its label in the upper row only.
        labels = [
            normalize_header(v) or (normalize_header(prev[i]) if i < len(prev) else "")
            for i, v in enumerate(row)
        ]
        for kind in (spec.kind, *[k for k in SPECS if k != spec.kind]):
            columns: dict[str, int] = {}
            for i, lab in enumerate(labels):
                key = maps[kind].get(lab)
                if key is not None and key not in columns:
                    columns[key] = i
            if all(k in columns for k in SPECS[kind].identifying):
                found = _Header(r, columns, kind)
                if kind == spec.kind:
                    # The header is the row matching most columns (a merged group label
                    # above the real labels matches only some).
                    if mine is None or len(columns) > len(mine.columns):
                        mine = found
                elif best is None or len(columns) > len(best.columns):
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
    p = check_file(path)
    from openpyxl import load_workbook

    # A file object rather than the name: openpyxl would refuse a sound workbook whose name
    # does not end in .xlsx (downloads renamed by browsers or chat programs).
    with open(p, "rb") as fh:
        try:
            wb = load_workbook(fh, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any parser failure is a damaged file to the user
            raise FileRefused(_CORRUPT, "file", "corrupt") from None
        try:
            return _read(wb, p, spec, progress)
        except DomainError:
            raise
        except Exception:  # noqa: BLE001 - malformed XML inside a valid zip
            raise FileRefused(_CORRUPT, "file", "corrupt") from None
        finally:
            wb.close()


def _read(wb, p: Path, spec: SheetSpec, progress: Progress | None) -> ParsedSheet:
    other: tuple[str, _Header] | None = None
    chosen = None
    for ws in wb.worksheets:
        if not hasattr(ws, "iter_rows"):
            continue
        top = list(ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, max_col=MAX_COLS, values_only=True))
        header = _find_header(top, spec)
        if header is None:
            continue
        if header.kind == spec.kind:
            chosen = (ws, header)
            break
        other = other or (ws.title, header)
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
    ws, header = chosen
    missing = [c.label for c in spec.columns if c.required and c.key not in header.columns]
    if missing:
        raise FileRefused(
            f"工作表“{ws.title}”缺少必填列：{'、'.join(missing)}。请使用“{spec.title}”，不要删除或改名表头",
            "file", "missing_columns")
    claimed = ws.max_row or 0
    if claimed - header.row > MAX_ROWS:
        raise FileRefused(
            f"工作表“{ws.title}”声称有 {claimed:,} 行，超过每次最多 {MAX_ROWS:,} 行的限制。"
            "请删除多余的行（或把数据分成几个文件）后再上传", "file", "too_many_rows")
    cells = formulas_without_values(p, ws.title, {i + 1 for i in header.columns.values()}, header.row + 1)
    if cells:
        raise FileRefused(
            f"工作表“{ws.title}”中有公式但没有计算结果（如 {'、'.join(cells[:5])}），无法读取其中的值。"
            "请在 Excel 或 WPS 中打开文件，选中数据后“复制”再“选择性粘贴 → 数值”，保存后再上传",
            "file", "formulas")
    rows = tuple(_rows(ws, spec, header, claimed, progress))
    return ParsedSheet(spec.kind, ws.title, header.row, rows, tuple(header.columns))


def _rows(ws, spec: SheetSpec, header: _Header, claimed: int, progress: Progress | None) -> Iterator[SheetRow]:
    cols = [(spec.column(k), i) for k, i in header.columns.items()]
    width = max(i for _, i in cols) + 1
    first = header.row + 1
    last = header.row + MAX_ROWS
    total = max(claimed - header.row, 0)
    done = 0
    tick = time.monotonic()
    for r, row in enumerate(ws.iter_rows(min_row=first, max_row=last + 1, max_col=width, values_only=True),
                            start=first):
        done += 1
        if progress is not None and done % 200 == 0:
            now = time.monotonic()
            if now - tick >= PROGRESS_EVERY:
                tick = now
                progress(done, max(total, done))
        values: dict = {}
        error: DomainError | None = None
        blank = True
        for col, i in cols:
            v = row[i] if i < len(row) else None
            if _is_blank(v):
                values[col.key] = None
                continue
            blank = False
            if col.digits:
                try:
                    v = digits_value(v, col.label, col.key)
                except DomainError as exc:
                    error = error or exc
                    v = None
            elif isinstance(v, datetime) and col.key != "join_month":
                v = v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(" ")
            elif isinstance(v, date) and col.key != "join_month":
                v = v.isoformat()
            else:
                v = plain_value(v)
            values[col.key] = v
        if blank:
            continue
        if r > last:
            raise FileRefused(
                f"工作表“{ws.title}”的数据超过每次最多 {MAX_ROWS:,} 行的限制，请分成几个文件上传",
                "file", "too_many_rows")
        yield SheetRow(r, values, error)
    if progress is not None:
        progress(done, done)
