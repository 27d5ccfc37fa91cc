""".csv uploads: UTF-8 with or without BOM, GBK/GB18030 as Excel saves it in China, UTF-16
"Unicode text"; the delimiter Excel or WPS used."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from zhtj_tui.excel.extents import MAX_SHEET_ROWS, Extent, check_extent
from zhtj_tui.excel.refused import FileRefused


def decode_csv(data: bytes, partial: bool = False) -> str | None:
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
    text = decode_csv(p.read_bytes())
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


def looks_like_table(head: bytes) -> bool:
    text = decode_csv(head, partial=True) or ""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return any(sep in first for sep in (",", "\t", ";", "，"))
