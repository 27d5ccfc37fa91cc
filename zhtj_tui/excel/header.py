"""Finding the header row of a sheet (or of pasted cells): columns in any order, under the
national system's and rosters' own names, merged or two-row headers, spaces and full-width
characters in labels; the columns not imported and which of two columns was read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from zhtj_tui.domain.text import to_halfwidth
from zhtj_tui.excel.specs import MAX_COLS, SPECS, SheetSpec

_PARENS = re.compile(r"[（(【\[].*?[)）】\]]")


def normalize_header(value: object) -> str:
    """'  身份证号码＊（必填）' -> '身份证号码'."""
    if value is None:
        return ""
    if value.__class__ is str:
        return _normalize_text(value)
    return _normalize_text(str(value))


@lru_cache(maxsize=1024)
def _normalize_text(value: str) -> str:
    text = to_halfwidth(value)
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


@dataclass
class Header:
    """A sheet's header row: where it is, and what each column holds."""

    row: int
    columns: dict[str, int]  # key -> 0-based column index
    kind: str
    #: (column index, label as written) of every other labelled column.
    ignored: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _match(labels: list[str], shown: list[str], kind: str, maps) -> Header:
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
    return Header(0, columns, kind, ignored, notes)


def find_header(rows: list, spec: SheetSpec) -> Header | None:
    """The header row among ``rows`` (the first rows of a sheet or of pasted cells): its
    1-based number, column key -> 0-based index, and which template it belongs to (``spec``'s
    own when it matches, else another's so that the caller can name the wrong template)."""
    maps = _label_maps()
    kinds = (spec.kind, *[k for k in SPECS if k != spec.kind])
    prev: list = []
    best: Header | None = None
    mine: Header | None = None
    for r, row in enumerate(rows, start=1):
        row = list(row[:MAX_COLS])
        # A header cell merged down over two rows holds its label in the upper row only.
        own = [normalize_header(v) for v in row]
        cells = [v if lab else (prev[i] if i < len(prev) else "") for i, (v, lab) in enumerate(zip(row, own, strict=True))]
        labels = [lab or normalize_header(c) for lab, c in zip(own, cells, strict=True)]
        shown: list[str] | None = None
        for kind in kinds:
            # Most rows are data: a row without the identifying labels is not looked at further.
            hits = {hit[0] for lab in labels if (hit := maps[kind].get(lab)) is not None}
            if not all(k in hits for k in SPECS[kind].identifying):
                continue
            if shown is None:
                shown = [_shown(v) for v in cells]
            found = _match(labels, shown, kind, maps)
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


@cache
def _label_maps() -> dict[str, dict[str, tuple[str, int]]]:
    return {k: _label_map(s) for k, s in SPECS.items()}
