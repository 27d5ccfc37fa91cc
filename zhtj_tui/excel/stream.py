"""A one-sheet .xlsx written as a stream: the sheet's XML goes straight into the zip as the
rows come, so memory stays flat however many rows there are, at several times openpyxl's
write-only speed (which builds an element tree per cell).

Only what exports need: a note row, a header row (bold on red), text, numbers and booleans,
column widths. Text is always an inline string, which a spreadsheet never evaluates; text
that would look like a formula once retyped (=, +, -, @) also gets Excel's "quote prefix".
Characters XML cannot hold (control characters) are left out.
"""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import IO

#: Text starting with one of these could be taken as a formula (or DDE) by a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_CONTENT_TYPES = _HEAD + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>")
_ROOT_RELS = _HEAD + (
    f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB_RELS = _HEAD + (
    f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')
#: Cell styles: 0 plain, 1 header (bold white on red), 2 text with a quote prefix.
_STYLES = _HEAD + (
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFC00000"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>")

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
#: How often (seconds) the progress callback is called at most.
PROGRESS_EVERY = 0.2


def _letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _text(value: str) -> str:
    if _NOT_XML.search(value):
        value = _NOT_XML.sub("", value)
    return value.translate(_ESCAPE)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Sheet:
    def __init__(self, fh: IO[bytes]):
        self.fh = fh
        self.row = 0
        self.refs: list[str] = []
        self.buf: list[str] = []

    def flush(self) -> None:
        if self.buf:
            self.fh.write("".join(self.buf).encode("utf-8"))
            self.buf.clear()

    def append(self, values: Sequence[object], style: int = 0) -> None:
        self.row += 1
        r = str(self.row)
        refs = self.refs
        while len(refs) < len(values):
            refs.append(_letters(len(refs) + 1))
        texts = [v for v in values if v.__class__ is str]
        joined = "".join(texts)
        # One look at the whole row: most rows need no escaping and no clean-up at all.
        clean = not _NOT_XML.search(joined)
        plain = clean and "&" not in joined and "<" not in joined and ">" not in joined and not style
        parts = [f'<row r="{r}">']
        add = parts.append
        for ref, v in zip(refs, values, strict=False):  # refs may be longer (an earlier wider row)
            if v.__class__ is str:
                if not v:
                    continue
                if plain and v[0] not in _FIRST and v[-1] not in _LAST:
                    add(f'<c r="{ref}{r}" t="inlineStr"><is><t>{v}</t></is></c>')
                    continue
            elif v is None:
                continue
            add(self._cell(ref + r, v, style))
        add("</row>")
        self.buf.append("".join(parts))
        if len(self.buf) >= 500:
            self.flush()

    @staticmethod
    def _cell(ref: str, v: object, style: int) -> str:
        head = f' s="{style}"' if style else ""
        if v.__class__ is not str:
            v = _plain(v)
        if isinstance(v, str):
            if not v:
                return ""
            s = ' s="2"' if not style and v.startswith(FORMULA_TRIGGERS) else head
            text = _text(v)
            space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
            return f'<c r="{ref}" t="inlineStr"{s}><is><t{space}>{text}</t></is></c>'
        if isinstance(v, bool):
            return f'<c r="{ref}" t="b"{head}><v>{int(v)}</v></c>'
        if isinstance(v, (int, float)):
            if v != v or v in (float("inf"), float("-inf")):  # no number a spreadsheet holds
                return f'<c r="{ref}" t="inlineStr"{head}><is><t>{v!r}</t></is></c>'
            return f'<c r="{ref}"{head}><v>{v!r}</v></c>'
        return f'<c r="{ref}" t="inlineStr"{head}><is><t>{_text(str(v))}</t></is></c>'


#: A text cell needs the careful path when it starts like a formula or with white space, or
#: ends with white space (kept by xml:space="preserve").
_FIRST = "=+-@\t\r\n "
_LAST = "\t\r\n "


def write_stream(fh: IO[bytes], title: str, headers: Sequence[str], rows: Iterable[Sequence[object]],
                 widths: Sequence[int] | None = None, note: str | None = None,
                 progress: Callable[[int], None] | None = None) -> int:
    """Write the workbook to the binary file ``fh``; return the number of data rows.
    ``progress(done)`` is called every ``PROGRESS_EVERY`` seconds at most, and at the end."""
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        name = _text(title[:31]).replace('"', "&quot;")
        zf.writestr("xl/workbook.xml", _HEAD + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        done = 0
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            sheet = _Sheet(part)
            cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                           for i, w in enumerate(widths or (), start=1))
            sheet.buf.append(_HEAD + f'<worksheet xmlns="{_MAIN}">' + (f"<cols>{cols}</cols>" if cols else "")
                             + "<sheetData>")
            if note:
                sheet.append([note])
            sheet.append(list(headers), style=1)
            tick = time.monotonic()
            for row in rows:
                sheet.append(row)
                done += 1
                if progress is not None and not done % 1000:
                    now = time.monotonic()
                    if now - tick >= PROGRESS_EVERY:
                        tick = now
                        progress(done)
            sheet.buf.append("</sheetData></worksheet>")
            sheet.flush()
        if progress is not None:
            progress(done)
    return done
