"""Opening an uploaded spreadsheet of any kind administrators have: .xlsx, .xls, .xlsb, .ods
(read by calamine) and .csv (UTF-8 with or without BOM, GBK/GB18030 as Excel saves it in
China, UTF-16 "Unicode text").

calamine is fast but builds each sheet as one rectangle from the top-left to the
bottom-right cell holding anything, and aborts the whole process when that rectangle does
not fit in memory (a 5 KB file can hold one cell at A1 and one at XFD1048576). So no
calamine call happens before the file has passed checks that need no parser: its size, the
zip's declared sizes and ratios (zip bombs), and the extent of every sheet (the last row and
column holding a cell), found by scanning the raw parts: the XML of .xlsx and .ods, the
binary records of .xlsb, and the BIFF records inside the OLE2 container of .xls.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

from zhtj_tui.domain.errors import DomainError

#: Largest accepted upload.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Largest total unpacked size of the zip's members, and the largest ratio of a big member.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
#: Most rows a sheet may reach (data rows plus a header and title rows above them).
MAX_SHEET_ROWS = 100_000 + 10
#: Most cells of a sheet's rectangle (rows x columns up to the last cell holding anything):
#: what calamine allocates (about 32 bytes a cell) before a single value is read.
MAX_CELLS = 6_000_000

KINDS = ("xlsx", "xlsb", "ods", "xls", "csv")


class FileRefused(DomainError):
    """The file as a whole cannot be imported; nothing was read into the database."""


_CORRUPT = "文件已损坏或不是有效的电子表格，请在 Excel 或 WPS 中重新打开并另存为 .xlsx 后再上传"
_SAVE_AS = "请在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后再上传"


def corrupt() -> FileRefused:
    return FileRefused(_CORRUPT, "file", "corrupt")


# -- what kind of file ----------------------------------------------------------------------
def check_file(path: str | Path) -> tuple[Path, str]:
    """The file and its kind (one of ``KINDS``), or ``FileRefused`` before any parser runs."""
    p = Path(path).expanduser()
    if not p.exists():
        raise FileRefused(f"找不到文件 {p}，请检查路径", "file", "not_found")
    if not p.is_file():
        raise FileRefused(f"{p} 不是文件，请选择一个 Excel 文件（.xlsx、.xls）", "file", "not_file")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRefused(
            f"文件太大（{size / 1024 / 1024:.1f} MB），最大 {MAX_FILE_BYTES // 1024 // 1024} MB。"
            "请删除多余的工作表、图片和空白格式，或把数据分成几个文件上传", "file", "too_big")
    if size == 0:
        raise FileRefused("文件是空的（0 字节），请重新保存后再上传", "file", "empty")
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise FileRefused(f"无法读取文件 {p}：{exc.strerror or exc}", "file", "unreadable") from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return p, "xls"
    if head.startswith(b"PK"):
        return p, _zip_kind(p)
    if _decode_csv(head, partial=True) is not None and _looks_like_table(head):
        return p, "csv"
    raise FileRefused("该文件不是电子表格（.xlsx、.xls、.ods 或 .csv），请用模板填写，"
                      "在 Excel 或 WPS 中保存为 .xlsx 后再上传", "file", "not_spreadsheet")


def _looks_like_table(head: bytes) -> bool:
    text = _decode_csv(head, partial=True) or ""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return any(sep in first for sep in (",", "\t", ";", "，"))


def _zip_kind(p: Path) -> str:
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError, zlib.error,
            NotImplementedError):
        raise corrupt() from None
    total = 0
    for info in infos:
        total += info.file_size
        big = info.file_size > RATIO_FLOOR_BYTES
        if total > MAX_UNPACKED_BYTES or (big and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise FileRefused(
                "文件解压后异常巨大（可能是被构造的“压缩炸弹”或含有大量空白格式），已拒绝读取。"
                "请只保留数据表，复制到新建的模板中保存后再上传", "file", "zip_bomb")
    if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if b"opendocument.spreadsheet" in mimetype and "content.xml" in names:
        return "ods"
    if "word/document.xml" in names:
        raise FileRefused("这是 Word 文档，不是 Excel 工作簿。请把表格复制到模板中，保存为 .xlsx 后再上传", "file",
                          "not_spreadsheet")
    raise FileRefused("该文件不是 Excel 工作簿（可能是 WPS 文字、演示文稿或其他压缩文件），请用模板填写并保存为 .xlsx 后上传",
                      "file", "not_spreadsheet")


# -- extents, before calamine ------------------------------------------------------------------
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


# .xlsx: a cell reference far out: two or three column letters, or a row of six digits or more.
# The pattern starts with its literal text, which the regex engine looks for at memchr speed;
# that the attribute is ``r`` (whitespace before it) is checked on the few matches. It
# consumes only the attribute, so one in a look-alike (``xr="AB1"``) hides nothing after it.
_FAR_REF = re.compile(rb'r="([A-Z]{2,3}\d+|[A-Z]\d{6,})"(?=[^>]*?(/?)>)')
_XML_SPACE = b" \t\n\r\x0b\x0c"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="(?:[A-Z]+\d+:)?([A-Z]{1,3})(\d+)"')
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
# Each of these starts with literal text, so that the engine skips to it at memchr speed.
_FORMULA = re.compile(rb"<f[\s>/]")
_NS_FORMULA = re.compile(rb":f[\s>/]")
_UNPLACED_CELL = re.compile(rb'<c(?! r=")[\s>/]')
_NS_CELL = re.compile(rb":c[\s>/]")
CHUNK = 4 << 20


def xlsx_scan(zf: zipfile.ZipFile, part: str, sheet: str) -> bool:
    """Check the extent of one worksheet part; return whether it holds any formula."""
    e = Extent(sheet)
    formula = False
    plain = True
    first = True
    tail = b""
    with zf.open(part) as fh:
        while True:
            chunk = fh.read(CHUNK)
            data = tail + chunk
            if not data:
                break
            # Each element is looked at once: what follows the last "<" waits for the next chunk.
            cut = data.rfind(b"<") if chunk else -1
            body, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            if first:
                first = False
                m = _DIMENSION.search(body[:4096])
                if m is not None:  # what the file claims: refused before reading on
                    check_extent(Extent(sheet, int(m.group(2)), col_number(m.group(1))), claimed=True)
            for m in _FAR_REF.finditer(body):
                if m.group(2) or body[m.start() - 1] not in _XML_SPACE:
                    continue  # an empty formatted cell (<c r="XFD9" s="1"/>) holds nothing; xr="…" is not r
                ref = _COL.fullmatch(m.group(1))
                if ref is not None:
                    e.add(int(ref.group(2)), col_number(ref.group(1)))
            if not formula and (_FORMULA.search(body) or (_NS_FORMULA.search(body) and _FORMULA_TAG.search(body))):
                formula = True
            # Cells must name their place: a cell without r="" first (or written with a
            # namespace prefix) is placed by counting, which only a real parse can follow.
            if plain and (_UNPLACED_CELL.search(body) or _NS_CELL.search(body)):
                plain = False
            if not chunk:
                break
    if not plain:
        e = _xlsx_exact(zf, part, sheet)
    check_extent(e)
    return formula


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


def xlsb_scan(data: bytes, sheet: str) -> None:
    e = Extent(sheet)
    i, n, row = 0, len(data), 0
    try:
        while i < n:
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
            if rt == 0 and size >= 4:
                row = struct.unpack_from("<I", data, i)[0] + 1
            elif rt in _XLSB_CELLS and size >= 4:
                e.add(row, struct.unpack_from("<I", data, i)[0] + 1)
            elif rt == 148 and size >= 16:  # BrtWsDim: what the file claims
                r1, r2, c1, c2 = struct.unpack_from("<IIII", data, i)
                check_extent(Extent(sheet, r2 + 1, c2 + 1), claimed=True)
            i += size
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
                raise FileRefused("该文件不是 Excel 文件（.xls），" + _SAVE_AS, "file", "not_spreadsheet")
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


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """.xlsx: sheet name -> the zip member holding it."""
    try:
        wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (ElementTree.ParseError, KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise corrupt() from None
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


# -- the grid ----------------------------------------------------------------------------------
@dataclass
class Grid:
    """One sheet's name and its rows from A1 (values: str, int, float, bool, date, datetime;
    an empty cell is "")."""

    name: str
    rows: list[list]
    hidden: bool = False
    #: .xlsx: the sheet holds formulas (their saved results are checked); None: not known.
    formulas: bool | None = None


def open_grids(p: Path, kind: str) -> list[Grid]:
    """Every worksheet of the file, after the checks above."""
    if kind == "csv":
        return [Grid(p.stem, read_csv(p))]
    formulas: dict[str, bool] = {}
    if kind == "xls":
        xls_scan(p)
    else:
        try:
            with zipfile.ZipFile(p) as zf:
                names = zf.namelist()
                if kind == "xlsx":
                    named = {part: name for name, part in sheet_parts(zf).items()}
                    for part in names:
                        if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                            name = named.get(part, part.rsplit("/", 1)[-1])
                            formulas[name] = xlsx_scan(zf, part, name)
                elif kind == "xlsb":
                    for part in names:
                        if part.startswith("xl/worksheets/") and part.endswith(".bin"):
                            xlsb_scan(zf.read(part), part.rsplit("/", 1)[-1])
                else:
                    ods_scan(zf)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError, zlib.error, NotImplementedError):
            raise corrupt() from None
    grids = _calamine(p)
    if kind == "xlsx":
        for g in grids:
            g.formulas = formulas.get(g.name, True)
    return grids


def _calamine(p: Path) -> list[Grid]:
    import python_calamine as pc

    out = []
    try:
        with open(p, "rb") as fh:
            wb = pc.CalamineWorkbook.from_filelike(fh)
            try:
                for meta in wb.sheets_metadata:
                    if meta.typ != pc.SheetTypeEnum.WorkSheet:
                        continue
                    sheet = wb.get_sheet_by_name(meta.name)
                    out.append(Grid(meta.name, sheet.to_python(skip_empty_area=False),
                                    meta.visible != pc.SheetVisibleEnum.Visible))
            finally:
                wb.close()
    except pc.PasswordError:
        raise FileRefused("文件设置了密码，无法读取。请在 Excel 或 WPS 中去掉密码后保存，再上传", "file", "encrypted") from None
    except (pc.CalamineError, OSError, ValueError, TypeError, OverflowError):
        raise corrupt() from None
    return out


# -- .csv ---------------------------------------------------------------------------------------
def _decode_csv(data: bytes, partial: bool = False) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else GB18030
    (a superset of GBK, what Excel saves as "CSV" on Chinese Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        enc = "utf-8-sig"
    else:
        enc = None
    for e in ([enc] if enc else ["utf-8", "gb18030"]):
        try:
            dec = codecs.getincrementaldecoder(e)()
            text = dec.decode(data, final=not partial)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            return None
        return text
    return None


def read_csv(p: Path) -> list[list]:
    text = _decode_csv(p.read_bytes())
    if text is None:
        raise FileRefused("无法识别该 CSV 文件的文字编码，请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传", "file", "csv_encoding")
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max(("\t", ",", ";", "，"), key=first.count)
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > MAX_SHEET_ROWS:
                check_extent(Extent(p.name, len(rows), len(row)))
    except csv.Error:
        raise FileRefused("CSV 文件格式有误（可能有未配对的引号），请在 Excel 或 WPS 中打开后另存为 .xlsx 再上传", "file",
                          "corrupt") from None
    width = max((len(r) for r in rows), default=0)
    check_extent(Extent(p.name, len(rows), width))
    return rows
