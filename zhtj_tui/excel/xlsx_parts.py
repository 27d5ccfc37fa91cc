"""What the raw parts of an .xlsx say that calamine does not: which zip member holds each
sheet, and formulas whose result was never saved."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from zhtj_tui.excel.refused import corrupt

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
