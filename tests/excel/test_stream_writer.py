"""The streamed export workbook (issue: exports of 60,000 members): what openpyxl and
calamine read back, text never a formula, characters XML cannot hold left out, progress."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import python_calamine as pc
from openpyxl import load_workbook

from zhtj_tui.commands.tty_progress import TtyProgress
from zhtj_tui.excel.stream import write_stream
from zhtj_tui.excel.writer import write_table


def test_values_read_back_by_openpyxl_and_calamine(tmp_path):
    rows = [("张三", 12, 3.5, True, None, date(2001, 2, 3), datetime(2026, 11, 1, 8, 30), "a&b<c>", " 前后空格 "),
            ("=1+1", "-x", "+y", "@z", "", "line\nbreak", "控\x07制", "末尾", "x" * 300)]
    path = write_table(tmp_path / "t.xlsx", "团员名单", [f"列{i}" for i in range(9)], rows, widths=[10] * 9,
                       note="说明")
    got = list(load_workbook(path).active.iter_rows(values_only=True))
    assert got[0][0] == "说明" and got[1] == tuple(f"列{i}" for i in range(9))
    assert got[2] == ("张三", 12, 3.5, True, None, "2001-02-03", "2026-11-01 08:30", "a&b<c>", " 前后空格 ")
    assert got[3] == ("=1+1", "-x", "+y", "@z", None, "line\nbreak", "控制", "末尾", "x" * 300)
    ws = load_workbook(path).active
    assert ws["A2"].font.b and ws["A4"].quotePrefix and ws["A4"].data_type == "s"
    assert ws.column_dimensions["A"].width == 10
    with open(path, "rb") as fh:
        cal = pc.CalamineWorkbook.from_filelike(fh).get_sheet_by_index(0).to_python()
    assert cal[3][0] == "=1+1" and cal[2][7] == "a&b<c>"
    assert b"<f>" not in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")


def test_many_rows_stream_with_progress(monkeypatch):
    monkeypatch.setattr("zhtj_tui.excel.stream.PROGRESS_EVERY", 0.0)
    seen = []
    buf = io.BytesIO()
    n = write_stream(buf, "t", ["a", "b"], ((f"名{i}", i) for i in range(5000)), progress=seen.append)
    assert n == 5000 and seen[-1] == 5000 and 1 < len(seen) <= 6  # every 1,000 rows at most, and the end
    rows = list(load_workbook(io.BytesIO(buf.getvalue()), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 5001 and rows[-1] == ("名4999", 4999)


def test_tty_progress_draws_only_on_a_terminal():
    plain = io.StringIO()
    bar = TtyProgress("导出团员", stream=plain)
    bar(5, 10)
    bar.close()
    assert plain.getvalue() == ""  # a pipe or a file: nothing
    tty = io.StringIO()
    with TtyProgress("导出团员", stream=tty, force=True) as bar:
        bar(10, 10)
    out = tty.getvalue()
    assert "导出团员 [########################] 100%" in out and out.endswith("\r\x1b[K")
