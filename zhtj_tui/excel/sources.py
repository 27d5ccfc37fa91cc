"""Opening an uploaded spreadsheet of any kind administrators have: .xlsx, .xls, .xlsb, .ods
(read by calamine) and .csv (``csvfile``).

calamine is fast but aborts the whole process on a sheet whose rectangle does not fit in
memory, so no calamine call happens before the file has passed checks that need no parser:
its size, the zip's declared sizes and ratios (zip bombs) here, and the extent of every
sheet (``extents``).
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from zhtj_tui.excel.csvfile import decode_csv, looks_like_table, read_csv
from zhtj_tui.excel.extents import ods_scan, xls_scan, xlsb_scan, xlsx_scan
from zhtj_tui.excel.refused import FileRefused, corrupt
from zhtj_tui.excel.xlsx_parts import sheet_parts

#: Largest accepted upload.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Largest total unpacked size of the zip's members, and the largest ratio of a big member.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
KINDS = ("xlsx", "xlsb", "ods", "xls", "csv")


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
    if decode_csv(head, partial=True) is not None and looks_like_table(head):
        return p, "csv"
    raise FileRefused("该文件不是电子表格（.xlsx、.xls、.ods 或 .csv），请用模板填写，"
                      "在 Excel 或 WPS 中保存为 .xlsx 后再上传", "file", "not_spreadsheet")


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
    """Every worksheet of the file, after the checks of ``extents``."""
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
