"""Member lists written with the safe writer (streamed workbook, text never a formula)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from zhtj_tui.excel.writer import write_table

FULL_IDS_NOTE = (
    "注意：本文件含完整的身份证号码和手机号码（个人信息），导出于 {when}。请妥善保管，仅用于团务工作，用后及时删除，"
    "不得转发或公开。"
)
MASKED_NOTE = "本文件中的身份证号码和手机号码已部分隐藏（导出于 {when}）。如需完整号码，请在导出时勾选“导出完整的身份证号码和手机号码”（命令行加 --full-ids）。"


def write_members(path: str | os.PathLike, headers: Sequence[str], rows: Iterable[Sequence[object]],
                  widths: Sequence[int], full_ids: bool, when: str, overwrite: bool = False,
                  progress: Callable[[int], None] | None = None) -> Path:
    note = (FULL_IDS_NOTE if full_ids else MASKED_NOTE).format(when=when)
    return write_table(path, "团员名单", headers, rows, widths=widths, note=note, overwrite=overwrite,
                       progress=progress)
