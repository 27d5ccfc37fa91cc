"""A large member import for the crash test, split so that a hook can be installed
between the check (reads) and the one write transaction."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path


def write_member_file(path: Path, n: int) -> Path:
    """An .xlsx with ``n`` valid, distinct members."""
    from tests.excel.xlsx import MEMBER_HEADER, write_xlsx
    from zhtj_tui.domain.idcard import make_id_number

    rows = [MEMBER_HEADER]
    for i in range(n):
        birth = date(2000, 1, 1) + timedelta(days=i % 900)  # joined 2014-2016: no 团员编号 needed
        idn = make_id_number("110105", birth, 100 + i // 900)
        rows.append([f"导入{_name(i)}", idn, "汉族", "共青团员", f"{birth.year + 14}-{birth.month:02d}", "本科在读",
                     f"137{i:08d}", None, None, None, None])
    return write_xlsx(path, rows)


def _name(i: int) -> str:
    digits = "零一二三四五六七八九"
    return "".join(digits[int(c)] for c in str(i))


def run_import(svc, actor, branch_id: int, file: str, before_write=lambda: None):
    preview = svc.member_import.preview(actor, branch_id, file)
    before_write()
    return svc.member_import.commit(actor, preview)
