"""The extent of every sheet (the last row and column holding a cell), found before any
parser runs by scanning the raw parts: the XML of .xlsx and .ods, the binary records of
.xlsb, and the BIFF records inside the OLE2 container of .xls.

calamine builds each sheet as one rectangle from the top-left to the bottom-right cell
holding anything, and aborts the whole process when that rectangle does not fit in memory
(a 5 KB file can hold one cell at A1 and one at XFD1048576): ``sources`` calls no calamine
before these checks have passed.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.excel.refused import SAVE_AS, FileRefused, corrupt

#: Most rows a sheet may reach (data rows plus a header and title rows above them).
MAX_SHEET_ROWS = 100_000 + 10
#: Most cells of a sheet's rectangle (rows x columns up to the last cell holding anything):
#: what calamine allocates (about 32 bytes a cell) before a single value is read.
MAX_CELLS = 6_000_000


@dataclass
class Extent:
    """The last row and column (1-based) of a sheet holding a cell."""

    sheet: str
    rows: int = 0
    cols: int = 0

    def add(self, row: int, col: int) -> None:
        if row > self.rows:
            self.rows = row
        if col > self.cols:
            self.cols = col


def check_extent(e: Extent, claimed: bool = False) -> None:
    if e.rows > MAX_SHEET_ROWS:
        what = "声称有" if claimed else "有内容的单元格一直到第"
        raise FileRefused(
            f"工作表“{e.sheet}”{what} {e.rows:,} 行，超过每次最多 {MAX_SHEET_ROWS - 10:,} 行的限制。"
            "请删除多余的行（或把数据分成几个文件）后再上传", "file", "too_many_rows")
    if not claimed and e.rows * e.cols > MAX_CELLS:
        raise FileRefused(
            f"工作表“{e.sheet}”的数据区域过大（{e.rows:,} 行 × {e.cols:,} 列）：远处的行或列中有内容。"
            "请删除数据右侧和下方多余的行列（或只把数据复制到新建的模板中）后再上传", "file", "too_many_cells")


_COL = re.compile(rb"([A-Z]{1,3})(\d+)")


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.encode() if isinstance(letters, str) else letters:
        n = n * 26 + ch - 64
    return n


# .xlsx: each cell element either names its place first (<c r="A1" ...>) or is placed by
# counting, which only a real parse can follow. One pass finds the cells whose reference is
# far out (two or three column letters, or a row of six digits or more) and the first cell
# that does not name its place first; an ordinary cell does not match at all. The pattern
# starts with its literal text, which the regex engine skips to quickly.
_CELL = re.compile(rb'<c(?:(?! r=")[\s>/]| r="([A-Z]{2,3}\d+|[A-Z]\d{6,})"(?=[^>]*?(/?)>))')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]{1,3})(\d+)"')
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
# Each of these starts with literal text, so that the engine skips to it at memchr speed.
_FORMULA = re.compile(rb"<f[\s>/]")
_NS_FORMULA = re.compile(rb":f[\s>/]")
_NS_CELL = re.compile(rb":c[\s>/]")
_NS_TAG = re.compile(rb":[cf][\s>/]")
CHUNK = 4 << 20
#: The rows and columns a reference that is not far out (``_CELL``) can reach.
NEAR_ROWS = 99_999
NEAR_COLS = 26


def xlsx_scan(zf: zipfile.ZipFile, part: str, sheet: str) -> bool:
    """Check the extent of one worksheet part; return whether it holds any formula."""
    e = Extent(sheet)
    formula = False
    plain = True
    first = True
    for body in _bodies(zf, part):
        if first:
            first = False
            m = _DIMENSION.search(body[:4096])
            if m is not None:  # what the file claims: refused before reading on
                check_extent(Extent(sheet, int(m.group(2)), col_number(m.group(1))), claimed=True)
        # Cells must name their place first (<c r="…" …>): one that does not (or one
        # written with a namespace prefix, below) sends the sheet to a real parse.
        if plain:
            for m in _CELL.finditer(body):
                if m.group(1) is None:
                    plain = False
                    break
                if m.group(2):
                    continue  # an empty formatted cell (<c r="XFD9" s="1"/>) holds nothing
                ref = _COL.fullmatch(m.group(1))
                if ref is not None:
                    e.add(int(ref.group(2)), col_number(ref.group(1)))
        if not formula and _FORMULA.search(body):
            formula = True
        # Formulas and cells with a namespace prefix: one pass finds whether there is
        # any (there seldom is), and where to look from for each.
        if (not formula or plain) and (ns := _NS_TAG.search(body)) is not None:
            if not formula and _NS_FORMULA.search(body, ns.start()) and _FORMULA_TAG.search(body):
                formula = True
            if plain and _NS_CELL.search(body, ns.start()):
                plain = False
    if not plain:
        e = _xlsx_exact(zf, part, sheet)
    elif e.rows <= MAX_SHEET_ROWS and max(e.rows, NEAR_ROWS) * max(e.cols, NEAR_COLS) > MAX_CELLS:
        # Only far references were noted: any other cell lies within column Z and row
        # 99,999. With a cell far right, the rectangle reaches down to the lowest cell of
        # any column.
        e.rows = max(e.rows, _xlsx_last_row(zf, part))
    check_extent(e)
    return formula


_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}(\d+)"(?=[^>]*?(/?)>)')


def _xlsx_last_row(zf: zipfile.ZipFile, part: str) -> int:
    """The lowest row holding a cell, in a part whose cells all name their place first
    (empty formatted cells, <c r="A9" s="1"/>, hold nothing)."""
    last = 0
    for body in _bodies(zf, part):
        rows = [int(row) for row, empty in _CELL_ROW.findall(body) if not empty]
        if rows:
            last = max(last, max(rows))
    return last


def _bodies(zf: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part's XML in chunks that end before an element's "<", so that each element is
    looked at once, whole (what follows the last "<" waits for the next chunk)."""
    tail = b""
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(CHUNK)
            data = tail + chunk
            if not data:
                return
            cut = data.rfind(b"<") if chunk else -1
            body, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            yield body
            if not chunk:
                return


def _xlsx_exact(zf: zipfile.ZipFile, part: str, sheet: str) -> Extent:
    """The extent by a real (streaming) parse: rows and cells placed by counting where they
    carry no reference."""
    e = Extent(sheet)
    state = {"row": 0, "col": 0}

    def start(name, attrs):
        local = name.rpartition(" ")[2]  # "namespace local" (the parser's separator), or "local"
        if local == "row":
            r = attrs.get("r")
            state["row"] = int(r) if r and r.isdigit() else state["row"] + 1
            state["col"] = 0
        elif local == "c":
            ref = _COL.fullmatch((attrs.get("r") or "").encode())
            if ref is not None:
                state["col"] = col_number(ref.group(1))
                row = int(ref.group(2))
            else:
                state["col"] += 1
                row = state["row"]
            e.add(row, state["col"])

    _expat(zf, part, start)
    return e


def _expat(zf: zipfile.ZipFile, part: str, start: Callable) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        with zf.open(part) as fh:
            while True:
                chunk = fh.read(1 << 20)
                parser.Parse(chunk, not chunk)
                if not chunk:
                    break
    except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, NotImplementedError):
        raise corrupt() from None


def ods_scan(zf: zipfile.ZipFile) -> None:
    """.ods: rows and cells repeat by attribute (number-rows-repeated="1048576"); a repeated
    row or cell counts only when it holds something."""
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
    st: dict[str, Any] = {"e": Extent(""), "row": 0, "rep": 1, "col": 0, "cell_rep": 1, "cell_has": False,
                          "in_cell": False}

    def start(name, attrs):
        if name == table + "table":
            check_extent(st["e"])
            st["e"] = Extent(attrs.get(table + "name", "?"))
            st["row"] = 0
        elif name == table + "table-row":
            st["rep"] = _rep(attrs.get(table + "number-rows-repeated"))
            st["col"] = 0
        elif name in (table + "table-cell", table + "covered-table-cell"):
            st["cell_rep"] = _rep(attrs.get(table + "number-columns-repeated"))
            st["cell_has"] = (office + "value-type") in attrs
            st["in_cell"] = True
        elif st["in_cell"] and name.startswith(text):
            st["cell_has"] = True

    def end(name):
        if name in (table + "table-cell", table + "covered-table-cell"):
            st["col"] += st["cell_rep"]
            if st["cell_has"]:
                st["e"].add(st["row"] + st["rep"], st["col"])
            st["in_cell"] = False
        elif name == table + "table-row":
            st["row"] += st["rep"]

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        with zf.open("content.xml") as fh:
            while True:
                chunk = fh.read(1 << 20)
                parser.Parse(chunk, not chunk)
                if not chunk:
                    break
    except (expat.ExpatError, zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, zlib.error,
            NotImplementedError):
        raise corrupt() from None
    check_extent(st["e"])


def _rep(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


# .xlsb (BIFF12): cell records start with the column (4 bytes); BrtRowHdr (0) with the row.
_XLSB_CELLS = frozenset(range(2, 12)) | frozenset(range(13, 19))  # not the blank ones (1, 12)


def xlsb_records(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """The BIFF12 records of an .xlsb part: (record type, offset of the record, offset of its
    body, body size). Type and size are variable-length; a cut record raises IndexError."""
    i, n = 0, len(data)
    while i < n:
        start = i
        rt = data[i]
        i += 1
        if rt & 0x80:
            rt = (rt & 0x7F) | ((data[i] & 0x7F) << 7)
            i += 1
        size = 0
        for shift in (0, 7, 14, 21):
            b = data[i]
            i += 1
            size |= (b & 0x7F) << shift
            if not b & 0x80:
                break
        yield rt, start, i, size
        i += size


def xlsb_scan(data: bytes, sheet: str) -> None:
    e = Extent(sheet)
    row = 0
    try:
        for rt, _, i, size in xlsb_records(data):
            if rt == 0 and size >= 4:
                row = struct.unpack_from("<I", data, i)[0] + 1
            elif rt in _XLSB_CELLS and size >= 4:
                e.add(row, struct.unpack_from("<I", data, i)[0] + 1)
            elif rt == 148 and size >= 16:  # BrtWsDim: what the file claims
                r1, r2, c1, c2 = struct.unpack_from("<IIII", data, i)
                check_extent(Extent(sheet, r2 + 1, c2 + 1), claimed=True)
    except (IndexError, struct.error):
        raise corrupt() from None
    check_extent(e)


# .xls (BIFF8 in an OLE2 container)
_XLS_CELLS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x00D6}  # formula, sst, number, rk, bool, label, rstring
_XLS_MULRK = 0x00BD
_XLS_BOF = 0x0809
_XLS_DIMENSIONS = 0x0200
_XLS_FILEPASS = 0x002F


def xls_scan(p: Path) -> None:
    """Open the OLE2 container (olefile, pure Python) and walk the workbook stream's BIFF
    records: the last row and column of each sheet's cells, and encryption."""
    import olefile

    try:
        if not olefile.isOleFile(str(p)):
            raise corrupt()
        with olefile.OleFileIO(str(p)) as ole:
            streams = {"/".join(s).lower() for s in ole.listdir()}
            if "encryptedpackage" in streams or "encryptioninfo" in streams:
                raise FileRefused("文件设置了打开密码，无法读取。请在 Excel 或 WPS 中去掉密码（文件 → 信息 → 保护工作簿），"
                                  "保存后再上传", "file", "encrypted")
            name = "workbook" if "workbook" in streams else "book" if "book" in streams else None
            if name is None:
                if "worddocument" in streams:
                    raise FileRefused("这是 Word 文档（.doc），不是 Excel 文件。请把表格复制到模板中，保存为 .xlsx 后再上传",
                                      "file", "not_spreadsheet")
                raise FileRefused("该文件不是 Excel 文件（.xls），" + SAVE_AS, "file", "not_spreadsheet")
            data = ole.openstream(name).read()
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - olefile raises assorted errors on damaged containers
        raise corrupt() from None
    e = Extent("?")
    sheets = 0
    i, n = 0, len(data)
    while i + 4 <= n:
        rt, size = struct.unpack_from("<HH", data, i)
        body = i + 4
        i = body + size
        if i > n:
            break
        if rt == _XLS_BOF:
            check_extent(e)
            sheets += 1
            e = Extent(f"第{sheets - 1}个工作表")
        elif rt == _XLS_FILEPASS:
            raise FileRefused("文件设置了打开密码，无法读取。请在 Excel 或 WPS 中去掉密码后保存，再上传", "file", "encrypted")
        elif rt in _XLS_CELLS and size >= 4:
            r, c = struct.unpack_from("<HH", data, body)
            e.add(r + 1, c + 1)
        elif rt == _XLS_MULRK and size >= 6:
            r, = struct.unpack_from("<H", data, body)
            last, = struct.unpack_from("<H", data, body + size - 2)
            e.add(r + 1, last + 1)
        elif rt == _XLS_DIMENSIONS and size >= 12:
            r1, r2, c1, c2 = struct.unpack_from("<IIHH", data, body)
            check_extent(Extent(e.sheet, r2, c2), claimed=True)
    check_extent(e)
